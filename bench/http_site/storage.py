from whitenoise.storage import CompressedManifestStaticFilesStorage


def _without_source_maps(patterns):
    return tuple(
        (kind, tuple(p for p in rules if "sourceMappingURL" not in str(p)))
        for kind, rules in patterns
    )


class BenchStaticStorage(CompressedManifestStaticFilesStorage):
    """Production storage, minus the sourceMappingURL rewrite (see settings.py)."""

    patterns = _without_source_maps(CompressedManifestStaticFilesStorage.patterns)

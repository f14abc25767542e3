"""The production static files storage: whitenoise's compressed manifest storage, with each
name's URL worked out once per process.

Every page asks for the same few URLs ({% static %} in base.html: the stylesheets, scripts and
icons); the manifest cannot change while the process runs, so the answer is kept per storage
instance (a new instance, e.g. after `override_settings`, starts empty). Names missing from the
manifest still raise each time (strict mode).
"""

from __future__ import annotations

from whitenoise.storage import CompressedManifestStaticFilesStorage


class StaticFilesStorage(CompressedManifestStaticFilesStorage):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._url_of: dict[str, str] = {}

    def url(self, name, force=False):
        if force:
            return super().url(name, force)
        try:
            return self._url_of[name]
        except KeyError:
            url = self._url_of[name] = super().url(name)
            return url

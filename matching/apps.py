from django.apps import AppConfig


class MatchingConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "matching"

    def ready(self) -> None:
        # Subscribe to residents' and mentors' events (see matching/handlers.py).
        from matching import handlers  # noqa: F401

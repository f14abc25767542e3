from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MatchingConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "matching"
    verbose_name = _("Matching")

    def ready(self) -> None:
        # Subscribe to residents' and mentors' events (see matching/handlers.py).
        from matching import handlers  # noqa: F401

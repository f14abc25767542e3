from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ActivityLogConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "activity_log"
    verbose_name = _("Activity log")

    def ready(self) -> None:
        # Subscribe to mentors' events (see activity_log/handlers.py).
        # Register the tasks in every process: services enqueue them by name.
        from activity_log import (
            handlers,  # noqa: F401
            tasks,  # noqa: F401
        )

from django.apps import AppConfig


class ActivityLogConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "activity_log"

    def ready(self) -> None:
        # Subscribe to mentors' events (see activity_log/handlers.py).
        # Register the tasks in every process: services enqueue them by name.
        from activity_log import (
            handlers,  # noqa: F401
            tasks,  # noqa: F401
        )

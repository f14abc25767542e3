"""activity_log's subscriptions to events of lower apps (connected in apps.py)."""

from django.dispatch import receiver

from activity_log import hours
from mentors.signals import training_recorded


@receiver(training_recorded, dispatch_uid="activity_log.milestones_on_training")
def record_milestones_after_training(sender, mentors, **kwargs) -> None:
    """Training hours count towards volunteer hours, so they can cross a milestone too."""
    for mentor in mentors:
        hours.milestones_record(mentor)

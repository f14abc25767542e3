"""activity_log's subscriptions to events of lower apps (connected in apps.py)."""

from django.dispatch import receiver

from activity_log import hours
from activity_log.feedback import services as feedback
from matching.signals import pairing_ended
from mentors.signals import training_recorded


@receiver(training_recorded, dispatch_uid="activity_log.milestones_on_training")
def record_milestones_after_training(sender, mentors, **kwargs) -> None:
    """Training hours count towards volunteer hours, so they can cross a milestone too."""
    for mentor in mentors:
        hours.milestones_record(mentor)


@receiver(pairing_ended, dispatch_uid="activity_log.feedback_on_pairing_end")
def ask_feedback_when_pairing_ends(sender, pairing, **kwargs) -> None:
    """The resident is asked how the mentoring went (once per pairing)."""
    feedback.feedback_after_pairing_ended(pairing=pairing)

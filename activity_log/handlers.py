"""activity_log's subscriptions to events of lower apps (connected in apps.py)."""

from django.dispatch import receiver

from activity_log.contacts import hours, services
from activity_log.feedback import services as feedback
from activity_log.reminders import notices
from activity_log.reports import health_cache, rollup
from matching.models import Pairing
from matching.signals import (
    pairing_created,
    pairing_ended,
    pairing_paused,
    pairing_schedule_changed,
)
from mentors.signals import mentor_unavailable, training_recorded
from residents.signals import resident_moved


@receiver(training_recorded, dispatch_uid="activity_log.milestones_on_training")
def record_milestones_after_training(sender, mentors, **kwargs) -> None:
    """Training hours count towards volunteer hours, so they can cross a milestone too."""
    for mentor in mentors:
        hours.milestones_record(mentor)
    health_cache.training_list_changed()


@receiver(mentor_unavailable, dispatch_uid="activity_log.training_list_on_mentor_unavailable")
def drop_cached_training_lists(sender, mentor, **kwargs) -> None:
    """A mentor on break or retired leaves the dashboard's training list at once."""
    health_cache.training_list_changed()


@receiver(pairing_schedule_changed, dispatch_uid="activity_log.rollup_on_interval_change")
def refresh_rollup_after_interval_change(sender, pairing, **kwargs) -> None:
    """On-time check-ins depend on the interval: each contact is judged again and the
    pairing's report figures recomputed (the pairing row is locked by the change)."""
    services.contacts_judge(pairing=pairing)
    rollup.pairing_rollup_refresh(pairing_id=pairing.pk)


@receiver(resident_moved, dispatch_uid="activity_log.rollup_on_resident_moved")
def refresh_rollup_after_move(sender, resident, old_house_id, **kwargs) -> None:
    """Check-in days are counted in the house's time zone, and reports count contacts under the
    resident's current house: due times, on-time contacts and the roll-up follow the move."""
    services.pairings_recompute_due(resident.pairings.values_list("pk", flat=True))


@receiver(pairing_ended, dispatch_uid="activity_log.feedback_on_pairing_end")
def ask_feedback_when_pairing_ends(sender, pairing, **kwargs) -> None:
    """The resident is asked how the mentoring went (once per pairing)."""
    feedback.feedback_after_pairing_ended(pairing=pairing)


@receiver(pairing_created, dispatch_uid="activity_log.notice_on_pairing_created")
def tell_mentor_of_new_mentee(sender, pairing, **kwargs) -> None:
    """The mentor hears of a new mentee at once (in the pairing's transaction, once)."""
    notices.new_mentee_notice(pairing=pairing)


@receiver(pairing_paused, dispatch_uid="activity_log.notice_on_mentor_away")
def tell_managers_mentor_away(sender, pairing, reason, **kwargs) -> None:
    """A pairing paused because its mentor is away: the house's managers are told, once."""
    if reason == Pairing.PauseReason.MENTOR_AWAY:
        notices.mentor_away_notice(pairing=pairing)

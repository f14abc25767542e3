"""Reactions to events from lower apps; connected in MatchingConfig.ready(). Thin: call a service."""

from __future__ import annotations

from django.dispatch import receiver

from matching import services
from mentors.signals import mentor_away_changed, mentor_unavailable
from residents.signals import resident_exited


@receiver(resident_exited, dispatch_uid="matching.end_pairing_on_resident_exit")
def end_pairing_on_resident_exit(sender, *, resident, exit_date, status, **kwargs) -> None:
    services.pairings_end_for_resident_exit(resident=resident, exit_date=exit_date)


@receiver(mentor_unavailable, dispatch_uid="matching.pause_pairings_on_mentor_unavailable")
def pause_pairings_on_mentor_unavailable(sender, *, mentor, status, **kwargs) -> None:
    services.pairings_pause_for_unavailable_mentor(mentor=mentor)


@receiver(mentor_away_changed, dispatch_uid="matching.follow_mentor_away")
def follow_mentor_away(sender, *, mentor, **kwargs) -> None:
    services.pairings_follow_away(mentor=mentor)

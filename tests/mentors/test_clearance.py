"""Who is cleared to mentor, at the edges, and the list annotation always agreeing with the
single-mentor method (a property-based test over random ledgers)."""

import datetime as dt

import pytest
from hypothesis import HealthCheck, event, example, given, settings
from hypothesis import strategies as st

from mentors.models import Mentor, TrainingCourse, TrainingRecord
from tests import factories as f

pytestmark = pytest.mark.django_db

TODAY = dt.date(2026, 3, 4)
CRISIS = "Crisis intervention and de-escalation"
TRAUMA = "Trauma-informed practice"
ETHICS = "Ethics, boundaries and confidentiality"


def course(name: str) -> TrainingCourse:
    return TrainingCourse.objects.get(name=name)


def cleared_in_db(mentor: Mentor, today: dt.date = TODAY) -> bool:
    return Mentor.objects.with_clearance(today).get(pk=mentor.pk).is_cleared_db


def cleared_by_filter(mentor: Mentor, today: dt.date = TODAY) -> bool:
    """The filter form (uncorrelated subqueries, for long lists) must say the same."""
    cleared = Mentor.objects.filter_cleared(True, today).filter(pk=mentor.pk).exists()
    not_cleared = Mentor.objects.filter_cleared(False, today).filter(pk=mentor.pk).exists()
    assert cleared != not_cleared
    return cleared


def trained_mentor(**kwargs) -> Mentor:
    mentor = f.MentorFactory(
        status=Mentor.Status.ACTIVE, recovery_since=TODAY - dt.timedelta(days=2000), **kwargs
    )
    f.complete_required_training(mentor, on=TODAY - dt.timedelta(days=30))
    return mentor


def set_crisis_expiry(mentor: Mentor, expires_on: dt.date) -> None:
    TrainingRecord.objects.filter(mentor=mentor, course=course(CRISIS)).update(
        expires_on=expires_on
    )


def test_a_fully_trained_active_mentor_is_cleared():
    mentor = trained_mentor()
    assert mentor.clearance(TODAY).cleared
    assert mentor.clearance(TODAY).reasons == []
    assert cleared_in_db(mentor)


def test_a_course_expiring_today_still_counts():
    mentor = trained_mentor()
    set_crisis_expiry(mentor, TODAY)
    assert mentor.clearance(TODAY).cleared
    assert cleared_in_db(mentor)


def test_a_course_that_expired_yesterday_does_not_and_says_when():
    mentor = trained_mentor()
    set_crisis_expiry(mentor, TODAY - dt.timedelta(days=1))
    clearance = mentor.clearance(TODAY)
    assert not clearance.cleared
    assert clearance.reasons == [f"{CRISIS} expired 3 March 2026"]
    assert not cleared_in_db(mentor)


def test_a_renewed_course_replaces_the_expired_record():
    mentor = trained_mentor()
    set_crisis_expiry(mentor, TODAY - dt.timedelta(days=1))
    f.TrainingRecordFactory(mentor=mentor, course=course(CRISIS), completed_on=TODAY)
    assert mentor.clearance(TODAY).cleared
    assert cleared_in_db(mentor)


def test_a_missing_optional_course_does_not_matter():
    mentor = trained_mentor()
    assert not TrainingRecord.objects.filter(mentor=mentor, course=course(TRAUMA)).exists()
    assert mentor.clearance(TODAY).cleared
    assert cleared_in_db(mentor)


def test_a_required_course_never_taken_blocks_clearance():
    mentor = trained_mentor()
    TrainingRecord.objects.filter(mentor=mentor, course=course(CRISIS)).delete()
    assert mentor.clearance(TODAY).reasons == [f"{CRISIS} not completed"]
    assert not cleared_in_db(mentor)


def test_a_course_completed_in_the_future_does_not_count_yet():
    mentor = trained_mentor()
    TrainingRecord.objects.filter(mentor=mentor, course=course(CRISIS)).update(
        completed_on=TODAY + dt.timedelta(days=1), expires_on=None
    )
    assert not mentor.clearance(TODAY).cleared
    assert not cleared_in_db(mentor)


def test_a_retired_course_is_no_longer_required():
    mentor = trained_mentor()
    TrainingRecord.objects.filter(mentor=mentor, course=course(CRISIS)).delete()
    TrainingCourse.objects.filter(name=CRISIS).update(is_active=False)
    assert mentor.clearance(TODAY).cleared
    assert cleared_in_db(mentor)


def test_recovery_just_under_a_year_is_not_enough(settings):
    settings.MENTOR_MIN_RECOVERY_DAYS = 365
    mentor = trained_mentor()
    mentor.recovery_since = TODAY - dt.timedelta(days=364)
    mentor.save()
    clearance = mentor.clearance(TODAY)
    assert clearance.reasons == ["Less than a year in recovery (eligible from 5 March 2026)"]
    assert not cleared_in_db(mentor)


def test_recovery_of_exactly_a_year_is_enough(settings):
    settings.MENTOR_MIN_RECOVERY_DAYS = 365
    mentor = trained_mentor()
    mentor.recovery_since = TODAY - dt.timedelta(days=365)
    mentor.save()
    assert mentor.clearance(TODAY).cleared
    assert cleared_in_db(mentor)


def test_the_minimum_recovery_time_is_a_setting(settings):
    settings.MENTOR_MIN_RECOVERY_DAYS = 730
    mentor = trained_mentor()
    mentor.recovery_since = TODAY - dt.timedelta(days=400)
    mentor.save()
    assert not mentor.clearance(TODAY).cleared
    assert "Less than 730 days in recovery" in mentor.clearance(TODAY).reasons[0]
    assert not cleared_in_db(mentor)


def test_no_recovery_date_blocks_clearance():
    mentor = trained_mentor()
    mentor.recovery_since = None
    mentor.save()
    assert mentor.clearance(TODAY).reasons == ["Recovery-since date not recorded"]
    assert not cleared_in_db(mentor)


@pytest.mark.parametrize("status", ["applicant", "in_training", "on_break", "retired"])
def test_only_active_mentors_are_cleared(status):
    mentor = trained_mentor()
    mentor.status = status
    mentor.save()
    assert not mentor.clearance(TODAY).cleared
    assert mentor.clearance(TODAY).reasons[0].startswith("Status is ")
    assert not cleared_in_db(mentor)


def test_every_missing_thing_is_listed():
    mentor = f.MentorFactory(status=Mentor.Status.APPLICANT, recovery_since=None)
    reasons = mentor.clearance(TODAY).reasons
    assert reasons[0] == "Status is applicant"
    assert reasons[1] == "Recovery-since date not recorded"
    assert len(reasons) == 2 + TrainingCourse.objects.filter(required=True).count()


def test_cleared_queryset_keeps_only_cleared_mentors():
    good = trained_mentor()
    bad = trained_mentor()
    set_crisis_expiry(bad, TODAY - dt.timedelta(days=1))
    assert list(Mentor.objects.cleared(TODAY)) == [good]


def test_with_no_required_course_left_the_filter_still_clears_untrained_mentors():
    TrainingCourse.objects.update(is_active=False)
    mentor = f.MentorFactory(
        status=Mentor.Status.ACTIVE, recovery_since=TODAY - dt.timedelta(days=2000)
    )
    assert mentor.clearance(TODAY).cleared
    assert cleared_in_db(mentor)
    assert cleared_by_filter(mentor)


# --- The annotation and the method always agree -------------------------------------------------

record_strategy = st.tuples(
    st.integers(min_value=0, max_value=5),  # which course (the six seeded ones)
    st.integers(min_value=-10, max_value=900),  # completed this many days before today
    st.one_of(st.none(), st.integers(min_value=0, max_value=800)),  # explicit validity in days
)


@settings(
    max_examples=80,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    # Mostly active and mostly trained, so cleared and uncleared ledgers both come up often.
    status=st.one_of(st.just("active"), st.just("active"), st.sampled_from(Mentor.Status.values)),
    recovery_days=st.one_of(
        st.integers(min_value=360, max_value=370),  # around the one-year edge
        st.integers(min_value=-5, max_value=3000),
        st.integers(min_value=-5, max_value=3000),
        st.none(),
    ),
    trained_days_ago=st.one_of(
        st.integers(min_value=-2, max_value=800),
        st.integers(min_value=-2, max_value=800),
        st.none(),
    ),
    records=st.lists(record_strategy, max_size=8),
    deactivate=st.booleans(),
    # A required course whose only record has expired (everything else may be in order): the
    # case where forgetting `expires_on` in either SQL form would clear the mentor.
    expired_only=st.one_of(st.none(), st.none(), st.sampled_from([CRISIS, ETHICS])),
)
@example(
    status="active",
    recovery_days=2000,
    trained_days_ago=30,
    records=[],
    deactivate=False,
    expired_only=ETHICS,
)
def test_the_annotation_and_the_method_always_agree(
    status, recovery_days, trained_days_ago, records, deactivate, expired_only
):
    courses = list(TrainingCourse.objects.order_by("pk"))
    TrainingCourse.objects.filter(name=CRISIS).update(is_active=not deactivate)
    mentor = f.MentorFactory(
        status=status,
        recovery_since=None if recovery_days is None else TODAY - dt.timedelta(days=recovery_days),
    )
    seen = set()
    if trained_days_ago is not None:
        on = TODAY - dt.timedelta(days=trained_days_ago)
        f.complete_required_training(mentor, on=on)
        seen = {(c.pk, on) for c in courses if c.required}
    for index, days_ago, valid_days in records:
        c = courses[index]
        completed = TODAY - dt.timedelta(days=days_ago)
        if (c.pk, completed) in seen:
            continue
        seen.add((c.pk, completed))
        expires = (
            c.expiry_for(completed)
            if valid_days is None
            else completed + dt.timedelta(days=valid_days)
        )
        TrainingRecord.objects.create(
            mentor=mentor, course=c, completed_on=completed, expires_on=expires, hours=1
        )
    if expired_only is not None:
        only = course(expired_only)
        TrainingRecord.objects.filter(mentor=mentor, course=only).delete()
        completed = TODAY - dt.timedelta(days=800)
        TrainingRecord.objects.create(
            mentor=mentor,
            course=only,
            completed_on=completed,
            expires_on=TODAY - dt.timedelta(days=1),
            hours=1,
        )
        event(f"only record of a required course expired ({only.name})")
    method = Mentor.objects.get(pk=mentor.pk).clearance(TODAY)
    assert cleared_in_db(mentor) == method.cleared
    assert cleared_by_filter(mentor) == method.cleared
    assert method.cleared == (method.reasons == [])
    event(f"cleared={method.cleared}")

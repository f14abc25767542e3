"""The mentor page: staff see any mentor's profile, training and what expires soon; a mentor
sees only their own (redirected to their profile), never another's."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from mentoring_site.models import AuditEvent
from mentors.models import TrainingCourse, TrainingRecord
from tests import factories as f

pytestmark = pytest.mark.django_db

ETHICS = "Ethics, boundaries and confidentiality"


def url(mentor) -> str:
    return reverse("mentors:detail", args=[mentor.pk])


def test_anonymous_is_sent_to_sign_in(client, mentor):
    response = client.get(url(mentor))
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]


def test_a_mentor_cannot_see_another_mentors_page(as_user, mentor, mentor2):
    assert as_user(mentor.user).get(url(mentor2)).status_code == 404


def test_a_mentor_opening_their_own_page_goes_to_their_profile(as_user, mentor):
    response = as_user(mentor.user).get(url(mentor))
    assert response.status_code == 302
    assert response["Location"] == reverse("mentors:my_profile")


def test_an_unknown_id_is_404(as_user, manager):
    assert as_user(manager).get("/mentors/999999/").status_code == 404


def test_managers_see_any_mentor_with_profile_training_and_history(as_user, manager, mentor, house):
    mentor.phone = "555-0100"
    mentor.bio = "Ten years <b>sober</b>"
    mentor.save()
    response = as_user(manager).get(url(mentor))
    assert response.status_code == 200
    content = response.content.decode()
    assert "Cleared to mentor" in content
    assert "555-0100" in content
    assert "Ten years &lt;b&gt;sober&lt;/b&gt;" in content
    assert "Orientation to peer mentoring" in content
    assert "0 of 3" in content


def test_it_lists_what_expires_in_the_next_60_days(as_user, program_admin, mentor):
    today = timezone.localdate()
    ethics = TrainingCourse.objects.get(name=ETHICS)
    soon = today + dt.timedelta(days=59)
    TrainingRecord.objects.filter(mentor=mentor, course=ethics).update(expires_on=soon)
    response = as_user(program_admin).get(url(mentor))
    expiring = response.context["overview"].expiring_soon
    assert [s.course.name for s in expiring] == [ETHICS]
    assert f"{soon:%b} {soon.year}" in response.content.decode()


def test_it_says_why_a_mentor_is_not_cleared(as_user, manager):
    applicant = f.MentorFactory()
    content = as_user(manager).get(url(applicant)).content.decode()
    assert "Not cleared to mentor" in content
    assert "Status is applicant" in content
    assert "Orientation to peer mentoring not completed" in content


def test_it_loads_the_mentees_slot_from_matching(as_user, manager, mentor):
    content = as_user(manager).get(url(mentor)).content.decode()
    slot = reverse("matching:mentor_pairings", args=[mentor.pk])
    assert f'hx-get="{slot}"' in content
    assert 'hx-trigger="load"' in content


def test_the_view_is_audited(as_user, manager, mentor):
    as_user(manager).get(url(mentor))
    event = AuditEvent.objects.get()
    assert (event.action, event.object_type, event.object_id) == (
        "view",
        "mentors.mentor",
        str(mentor.pk),
    )


def test_the_page_runs_a_fixed_number_of_queries(
    as_user, manager, mentor, django_assert_max_num_queries
):
    client = as_user(manager)
    with django_assert_max_num_queries(14):
        client.get(url(mentor))
    for _ in range(10):
        f.TrainingRecordFactory(mentor=mentor)
    with django_assert_max_num_queries(14):
        client.get(url(mentor))

"""The Django admin lists feedback and recovery checks, searchable and filterable, read-only."""

import pytest
from django.urls import reverse

from activity_log.feedback import services
from tests import factories as f
from tests.activity_log.feedback.support import pairing_in, response_for

pytestmark = pytest.mark.django_db


@pytest.fixture
def superuser(db):
    return f.AdminUserFactory(is_staff=True, is_superuser=True)


def test_the_admin_lists_search_and_filter(as_user, superuser, house, mentor):
    pairing = pairing_in(house, mentor)
    answer = response_for(pairing, wants_new_mentor=True)
    services.assessment_record(
        resident=pairing.resident, answers=[3] * 10, source="manager", entered_by=None
    )
    client = as_user(superuser)
    for name in ("feedbackresponse", "feedbackrequest", "recoveryassessment"):
        url = reverse(f"admin:activity_log_{name}_changelist")
        assert client.get(url).status_code == 200
        assert client.get(url, {"q": str(pairing.resident_id)}).status_code == 200
    filtered = client.get(
        reverse("admin:activity_log_feedbackresponse_changelist"), {"wants_new_mentor__exact": "1"}
    )
    assert filtered.context["cl"].result_count == 1
    change = client.get(reverse("admin:activity_log_feedbackresponse_change", args=[answer.pk]))
    assert change.status_code == 200
    assert client.get(reverse("admin:activity_log_feedbackresponse_add")).status_code == 403
    request_page = client.get(
        reverse("admin:activity_log_feedbackrequest_change", args=[answer.request_id])
    )
    assert "token_hash" not in request_page.content.decode()

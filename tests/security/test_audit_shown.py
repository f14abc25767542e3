"""Pages that show residents' contact details (or names in a search) audit each resident shown,
and a refused form that still renders a resident's contact is audited.

Before: My mentees wrote one row with no resident, the intake's duplicate-name warning and the
admin's resident autocomplete wrote none, and any 4xx response wrote none.
"""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from activity_log.models import ContactLog
from mentoring_site.models import AuditEvent
from tests import factories as f
from tests.activity_log.contact_support import pairing_for

pytestmark = pytest.mark.django_db

MY_MENTEES = reverse("activity_log:my_mentees")


def _resident_rows(user) -> list[int]:
    return sorted(
        AuditEvent.objects.filter(user=user, resident_id__isnull=False).values_list(
            "resident_id", flat=True
        )
    )


# --- My mentees ----------------------------------------------------------------------------


def test_my_mentees_audits_each_mentee_whose_phone_it_shows(as_user, mentor, house):
    shown = f.ResidentFactory(house=house, phone="555-0100")
    f.ConsentRecordFactory(resident=shown, shares_contact_details=True)
    no_consent = f.ResidentFactory(house=house, phone="555-0101")
    pairing_for(mentor, resident=shown)
    pairing_for(mentor, resident=no_consent)

    html = as_user(mentor.user).get(MY_MENTEES).content.decode()

    assert "tel:555-0100" in html and "555-0101" not in html
    assert _resident_rows(mentor.user) == [shown.pk]
    row = AuditEvent.objects.get(user=mentor.user, resident_id=shown.pk)
    assert (row.action, row.object_type, row.object_id) == (
        "view",
        "residents.resident",
        str(shown.pk),
    )
    # The page itself is still recorded once.
    assert AuditEvent.objects.filter(object_type="activity_log.my_mentees").count() == 1


def test_my_mentees_audit_is_one_insert_whatever_the_number_of_mentees(as_user, mentor, house):
    client = as_user(mentor.user)
    counts = {}
    for size in (1, 12):
        for _ in range(mentor.pairings.count(), size):
            resident = f.ResidentFactory(house=house, phone="555-0199")
            f.ConsentRecordFactory(resident=resident)
            pairing_for(mentor, resident=resident)
        with CaptureQueriesContext(connection) as queries:
            client.get(MY_MENTEES)
        counts[size] = len(queries.captured_queries)
    assert counts[1] == counts[12]
    assert len(set(_resident_rows(mentor.user))) == 12


# --- Intake duplicate-name warning ---------------------------------------------------------


def test_the_intake_duplicate_warning_audits_each_resident_it_shows(as_user, manager, house):
    same = f.ResidentFactory(house=house, first_name="Teresa", last_name="Nguyen", phone="555-0102")
    response = as_user(manager).post(
        reverse("residents:create"),
        {
            "first_name": "Teresa",
            "last_name": "Nguyen",
            "house": house.pk,
            "move_in_date": (timezone.localdate() - dt.timedelta(days=1)).isoformat(),
            "intake_key": "0c8d3a52-3f52-4a5e-a7a3-59b1d1d5b001",
        },
    )
    assert "Possible duplicate" in response.content.decode()
    assert _resident_rows(manager) == [same.pk]


# --- Django admin autocomplete -------------------------------------------------------------


def test_the_admin_resident_autocomplete_audits_each_resident_listed(as_user):
    program_admin = f.AdminUserFactory(is_staff=True, is_superuser=True)
    found = [f.ResidentFactory(last_name="Okafor") for _ in range(3)]
    f.ResidentFactory(last_name="Smith")
    response = as_user(program_admin).get(
        reverse("admin:autocomplete"),
        {
            "term": "Okafor",
            "app_label": "residents",
            "model_name": "consentrecord",
            "field_name": "resident",
        },
    )
    assert response.status_code == 200
    assert len(response.json()["results"]) == 3
    assert _resident_rows(program_admin) == sorted(r.pk for r in found)


# --- 4xx responses that still show a resident ----------------------------------------------


def test_a_refused_removal_that_renders_the_contact_is_audited(as_user, mentor, house):
    pairing = pairing_for(mentor, house=house)
    urgent = f.ContactLogFactory(
        pairing=pairing, concern_level=ContactLog.Concern.URGENT, created_by=mentor.user
    )
    response = as_user(mentor.user).post(reverse("activity_log:contact_remove", args=[urgent.pk]))
    assert response.status_code == 400
    assert AuditEvent.objects.filter(
        user=mentor.user, object_id=str(urgent.pk), resident_id=pairing.resident_id
    ).exists()


def test_a_404_for_an_outsider_still_writes_nothing(as_user, mentor, mentor2, house):
    pairing = pairing_for(mentor, house=house)
    contact = f.ContactLogFactory(pairing=pairing, created_by=mentor.user)
    response = as_user(mentor2.user).post(reverse("activity_log:contact_remove", args=[contact.pk]))
    assert response.status_code == 404
    assert not AuditEvent.objects.filter(user=mentor2.user).exists()

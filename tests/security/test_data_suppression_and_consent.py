"""Two rules the suite let mutations slip past: small-count suppression in the funder export at
its edges, and a revoked or expired consent hiding the phone number on My mentees."""

import csv
import datetime as dt
import io

import pytest
from django.urls import reverse
from django.utils import timezone

from activity_log.reports.rollup import rollup_rebuild
from tests import factories as f
from tests.activity_log.contact_support import pairing_for

pytestmark = pytest.mark.django_db

FUNDER = reverse("activity_log:reports_funder_csv")
STAFF_CSV = reverse("activity_log:reports_csv")
MY_MENTEES = reverse("activity_log:my_mentees")
TODAY = timezone.localdate


# --- Funder export: counts of 1 to 4 are "<5", 5 is shown -----------------------------------


def _figures(client, url) -> dict[tuple[str, str], str]:
    response = client.get(url)
    assert response.status_code == 200
    reader = csv.reader(io.StringIO(response.content.decode()))
    return {(section, measure): value for section, measure, value in reader}


@pytest.mark.parametrize(("n", "shown"), [(1, "<5"), (4, "<5"), (5, "5")])
def test_the_funder_export_suppresses_counts_from_one_to_four_only(
    as_user, manager, house, n, shown
):
    for _ in range(n):
        pairing = f.PairingFactory(resident__house=house)
        f.ContactLogFactory(pairing=pairing, happened_at=timezone.now() - dt.timedelta(days=1))
    rollup_rebuild()  # factories skip the services that keep the reports' roll-up in step
    client = as_user(manager)

    funder = _figures(client, FUNDER)
    assert funder[("residents", "residents served")] == shown
    assert funder[("residents", "residents with a mentor")] == shown
    assert funder[("contacts", "contacts logged")] == shown
    # The staff CSV keeps the exact figure, so the difference is the suppression itself.
    assert _figures(client, STAFF_CSV)[("contacts", "contacts logged")] == str(n)


# --- My mentees: only an active consent shows the phone -------------------------------------


@pytest.fixture
def mentee(mentor, house):
    resident = f.ResidentFactory(house=house, phone="555-0142")
    pairing_for(mentor, resident=resident)
    # An older consent that was active: only the newest one counts.
    f.ConsentRecordFactory(
        resident=resident,
        granted_on=TODAY() - dt.timedelta(days=300),
        expires_on=TODAY() + dt.timedelta(days=300),
        shares_contact_details=True,
    )
    return resident


def test_a_newest_consent_that_was_revoked_hides_the_phone(as_user, mentor, mentee):
    f.ConsentRecordFactory(
        resident=mentee,
        granted_on=TODAY() - dt.timedelta(days=20),
        expires_on=TODAY() + dt.timedelta(days=300),
        revoked_on=TODAY() - dt.timedelta(days=1),
        shares_contact_details=True,
    )
    html = as_user(mentor.user).get(MY_MENTEES).content.decode()
    assert mentee.preferred_name in html
    assert "555-0142" not in html


def test_a_newest_consent_that_expired_hides_the_phone(as_user, mentor, mentee):
    f.ConsentRecordFactory(
        resident=mentee,
        granted_on=TODAY() - dt.timedelta(days=20),
        expires_on=TODAY() - dt.timedelta(days=1),
        shares_contact_details=True,
    )
    html = as_user(mentor.user).get(MY_MENTEES).content.decode()
    assert mentee.preferred_name in html
    assert "555-0142" not in html


def test_a_newest_active_consent_shows_the_phone(as_user, mentor, mentee):
    f.ConsentRecordFactory(
        resident=mentee,
        granted_on=TODAY() - dt.timedelta(days=20),
        expires_on=TODAY() + dt.timedelta(days=1),
        shares_contact_details=True,
    )
    assert "tel:555-0142" in as_user(mentor.user).get(MY_MENTEES).content.decode()

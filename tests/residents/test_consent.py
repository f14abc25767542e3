"""Consent: record, renew, revoke, and its state on the resident page."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from mentoring_site.models import AuditEvent
from residents.models import ConsentRecord
from tests import factories as f

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate


@pytest.fixture
def resident(house):
    return f.ResidentFactory(house=house)


def url(resident):
    return reverse("residents:consent_create", args=[resident.pk])


def detail(client, resident) -> str:
    return client.get(reverse("residents:detail", args=[resident.pk])).content.decode()


def consent_data(**overrides):
    values = {
        "granted_on": TODAY().isoformat(),
        "expires_on": (TODAY() + dt.timedelta(days=365)).isoformat(),
        "shares_contact_details": "on",
        "shares_goals": "on",
        "note": "Signed form in the house binder",
    }
    values.update(overrides)
    return values


def test_a_manager_records_consent(as_user, manager, resident):
    response = as_user(manager).post(url(resident), consent_data())
    assert response.status_code == 302
    consent = ConsentRecord.objects.get()
    assert consent.resident == resident
    assert consent.recorded_by == manager
    assert consent.is_active()
    assert AuditEvent.objects.get().action == "create"


def test_the_page_shows_no_consent_when_none_was_recorded(as_user, manager, resident):
    content = detail(as_user(manager), resident)
    assert "consent-none" in content
    assert "No consent recorded" in content


def test_the_page_shows_active_consent_with_its_dates(as_user, manager, resident):
    f.ConsentRecordFactory(
        resident=resident, granted_on=dt.date(2026, 1, 5), expires_on=TODAY() + dt.timedelta(days=9)
    )
    content = detail(as_user(manager), resident)
    assert "consent-active" in content
    assert "Granted Jan 5, 2026" in content
    assert "Revoke consent" in content


def test_the_page_shows_expired_consent(as_user, manager, resident):
    f.ConsentRecordFactory(
        resident=resident,
        granted_on=TODAY() - dt.timedelta(days=400),
        expires_on=TODAY() - dt.timedelta(days=35),
    )
    content = detail(as_user(manager), resident)
    assert "consent-expired" in content
    assert "Renew consent" in content
    assert "Revoke consent" not in content


def test_a_manager_revokes_consent(as_user, manager, resident):
    consent = f.ConsentRecordFactory(resident=resident)
    client = as_user(manager)
    response = client.post(reverse("residents:consent_revoke", args=[resident.pk, consent.pk]))
    assert response.status_code == 302
    consent.refresh_from_db()
    assert consent.revoked_on == TODAY()
    assert "consent-revoked" in detail(client, resident)


def test_revoking_twice_says_so_and_keeps_the_first_date(as_user, manager, resident):
    consent = f.ConsentRecordFactory(resident=resident, revoked_on=TODAY() - dt.timedelta(days=2))
    client = as_user(manager)
    response = client.post(
        reverse("residents:consent_revoke", args=[resident.pk, consent.pk]), follow=True
    )
    assert "already revoked" in response.content.decode()
    consent.refresh_from_db()
    assert consent.revoked_on == TODAY() - dt.timedelta(days=2)


def test_revoke_answers_only_post(as_user, manager, resident):
    consent = f.ConsentRecordFactory(resident=resident)
    response = as_user(manager).get(
        reverse("residents:consent_revoke", args=[resident.pk, consent.pk])
    )
    assert response.status_code == 405


def test_renewing_starts_from_the_current_consent_for_a_year(as_user, manager, resident):
    f.ConsentRecordFactory(resident=resident, shares_contact_details=False, shares_goals=True)
    response = as_user(manager).get(url(resident) + "?renew=1")
    form = response.context["form"]
    assert form.initial["granted_on"] == TODAY()
    assert form.initial["expires_on"] > TODAY() + dt.timedelta(days=360)
    assert form.initial["shares_contact_details"] is False
    assert "Renew consent" in response.content.decode()


def test_a_renewal_becomes_the_current_consent(as_user, manager, resident):
    f.ConsentRecordFactory(
        resident=resident,
        granted_on=TODAY() - dt.timedelta(days=400),
        expires_on=TODAY() - dt.timedelta(days=35),
    )
    client = as_user(manager)
    client.post(url(resident), consent_data())
    assert "consent-active" in detail(client, resident)
    assert "Consent history (2)" in detail(client, resident)


def test_consent_that_expires_before_it_was_granted_is_refused(as_user, manager, resident):
    response = as_user(manager).post(
        url(resident), consent_data(granted_on="2026-03-10", expires_on="2026-03-09")
    )
    assert response.status_code == 200
    assert response.context["form"].errors["expires_on"] == [
        "Consent cannot expire before it was granted."
    ]
    assert 'value="2026-03-09"' in response.content.decode()
    assert not ConsentRecord.objects.exists()


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("granted_on", "1985-01-01", "Enter a date on or after January 1, 1990."),
        ("granted_on", "", "This field is required."),
        ("granted_on", "yesterday", "Enter a valid date."),
    ],
)
def test_bad_grant_dates_are_refused(as_user, manager, resident, field, value, message):
    response = as_user(manager).post(url(resident), consent_data(**{field: value}))
    assert response.context["form"].errors[field] == [message]
    assert not ConsentRecord.objects.exists()


def test_a_grant_date_far_ahead_is_refused(as_user, manager, resident):
    ahead = TODAY() + dt.timedelta(days=45)
    response = as_user(manager).post(
        url(resident),
        consent_data(
            granted_on=ahead.isoformat(), expires_on=(ahead + dt.timedelta(days=9)).isoformat()
        ),
    )
    assert response.context["form"].errors["granted_on"] == ["This date is too far in the future."]


def test_consent_longer_than_five_years_is_refused(as_user, manager, resident):
    response = as_user(manager).post(url(resident), consent_data(expires_on="2099-01-01"))
    assert "five years" in response.context["form"].errors["expires_on"][0]


def test_the_note_is_escaped_and_limited(as_user, manager, resident):
    client = as_user(manager)
    response = client.post(url(resident), consent_data(note="n" * 501))
    assert "at most 500" in response.context["form"].errors["note"][0]
    client.post(url(resident), consent_data(note="<script>alert(1)</script> ✓"))
    assert ConsentRecord.objects.get().note == "<script>alert(1)</script> ✓"
    content = detail(client, resident)
    assert "<script>alert(1)</script>" not in content
    assert "&lt;script&gt;alert(1)&lt;/script&gt; ✓" in content

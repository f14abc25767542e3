"""Exit: a form, a confirmation page, then the service that sends resident_exited once."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from mentoring_site.models import AuditEvent
from residents import services
from residents.models import Resident
from residents.signals import resident_exited
from tests import factories as f

pytestmark = pytest.mark.django_db


@pytest.fixture
def resident(house):
    return f.ResidentFactory(
        house=house,
        preferred_name="Dana",
        move_in_date=timezone.localdate() - dt.timedelta(days=100),
    )


@pytest.fixture
def received():
    calls = []

    def handler(sender, **kwargs):
        calls.append(kwargs)

    resident_exited.connect(handler, weak=False)
    yield calls
    resident_exited.disconnect(handler)


def exit_data(**overrides):
    data = {
        "status": "graduated",
        "exit_date": timezone.localdate().isoformat(),
        "reason": "Completed the program and moved in with family.",
    }
    data.update(overrides)
    return data


def url(resident):
    return reverse("residents:exit", args=[resident.pk])


def test_the_first_post_only_asks_for_confirmation(as_user, manager, resident, received):
    response = as_user(manager).post(url(resident), exit_data())
    assert response.status_code == 200
    assert response.context["confirming"] is True
    assert "Yes, record the exit" in response.content.decode()
    resident.refresh_from_db()
    assert resident.is_active
    assert received == []


def test_the_confirmed_exit_is_saved_and_signalled_once(
    as_user, manager, resident, received, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = as_user(manager).post(url(resident), exit_data(confirmed="True"))
    assert response.status_code == 302
    resident.refresh_from_db()
    assert resident.status == Resident.Status.GRADUATED
    assert resident.exit_date == timezone.localdate()
    assert resident.exit_reason.startswith("Completed")
    assert len(received) == 1
    assert received[0]["resident"].pk == resident.pk
    assert received[0]["status"] == "graduated"
    assert received[0]["exit_date"] == timezone.localdate()
    assert AuditEvent.objects.filter(action="change", resident_id=resident.pk).count() == 1


def test_a_resent_confirmation_does_not_signal_again(
    as_user, manager, resident, received, django_capture_on_commit_callbacks
):
    client = as_user(manager)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(url(resident), exit_data(confirmed="True"))
        response = client.post(url(resident), exit_data(confirmed="True", status="discharged"))
    assert response.status_code == 302
    resident.refresh_from_db()
    assert resident.status == Resident.Status.GRADUATED
    assert len(received) == 1


def test_the_signal_waits_for_the_commit(
    manager, resident, received, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks() as callbacks:
        services.resident_exit(
            resident=resident,
            status="moved_out",
            exit_date=timezone.localdate(),
            reason="Moved to another city",
            user=manager,
        )
        assert received == []
    assert len(callbacks) == 1
    callbacks[0]()
    assert len(received) == 1


def test_the_service_refuses_a_resident_who_already_left(manager, resident):
    services.resident_exit(
        resident=resident, status="discharged", exit_date=timezone.localdate(), reason="Rules"
    )
    with pytest.raises(ValidationError, match="already left"):
        services.resident_exit(
            resident=resident, status="graduated", exit_date=timezone.localdate(), reason="x"
        )


def test_the_service_refuses_active_as_an_exit_status(resident):
    with pytest.raises(ValidationError):
        services.resident_exit(
            resident=resident, status="active", exit_date=timezone.localdate(), reason="x"
        )


def test_an_exit_date_before_move_in_is_refused_beside_the_field(as_user, manager, resident):
    before = (resident.move_in_date - dt.timedelta(days=1)).isoformat()
    response = as_user(manager).post(url(resident), exit_data(exit_date=before, confirmed="True"))
    assert response.status_code == 200
    assert "before the move-in date" in response.context["form"].errors["exit_date"][0]
    assert f'value="{before}"' in response.content.decode()
    resident.refresh_from_db()
    assert resident.is_active


def test_an_exit_date_in_the_future_is_refused(as_user, manager, resident):
    later = (timezone.localdate() + dt.timedelta(days=2)).isoformat()
    response = as_user(manager).post(url(resident), exit_data(exit_date=later))
    assert response.context["form"].errors["exit_date"] == [
        "The exit date cannot be in the future."
    ]


def test_a_blank_or_huge_reason_is_refused(as_user, manager, resident):
    client = as_user(manager)
    response = client.post(url(resident), exit_data(reason="   "))
    assert response.context["form"].errors["reason"] == ["This field is required."]
    response = client.post(url(resident), exit_data(reason="x" * 1001))
    assert "at most 1000" in response.context["form"].errors["reason"][0]


def test_an_unknown_status_is_refused(as_user, manager, resident):
    response = as_user(manager).post(url(resident), exit_data(status="active", confirmed="True"))
    assert response.context["form"].errors["status"]
    resident.refresh_from_db()
    assert resident.is_active


def test_the_reason_is_escaped_on_the_confirmation_page(as_user, manager, resident):
    response = as_user(manager).post(url(resident), exit_data(reason="<img src=x> Ünïcode"))
    content = response.content.decode()
    assert "<img src=x>" not in content
    assert "&lt;img src=x&gt; Ünïcode" in content


def test_the_exit_page_of_a_resident_who_left_sends_back_to_their_page(as_user, manager, house):
    gone = f.ResidentFactory(
        house=house, status=Resident.Status.GRADUATED, exit_date=timezone.localdate()
    )
    response = as_user(manager).get(url(gone))
    assert response.status_code == 302
    assert response["Location"] == reverse("residents:detail", args=[gone.pk])


def test_the_resident_page_shows_the_exit(as_user, manager, resident):
    services.resident_exit(
        resident=resident, status="moved_out", exit_date=timezone.localdate(), reason="New job"
    )
    content = as_user(manager).get(reverse("residents:detail", args=[resident.pk])).content.decode()
    assert "Moved out" in content
    assert "New job" in content
    assert "Record exit" not in content

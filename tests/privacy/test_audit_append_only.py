"""Audit rows cannot be changed or deleted: not by the model, its QuerySet, nor the admin."""

import pytest
from django.urls import reverse

from mentoring_site.models import AuditEvent
from tests import factories as f

pytestmark = pytest.mark.django_db


@pytest.fixture
def superuser(db):
    return f.AdminUserFactory(is_staff=True, is_superuser=True)


@pytest.fixture
def event(manager):
    return AuditEvent.objects.create(
        user=manager, action="view", object_type="residents.resident", object_id="1", resident_id=1
    )


def test_save_refuses_to_update(event):
    event.action = "delete"
    with pytest.raises(PermissionError):
        event.save()


def test_delete_is_refused(event):
    with pytest.raises(PermissionError):
        event.delete()


def test_queryset_update_and_delete_are_refused(event):
    with pytest.raises(PermissionError):
        AuditEvent.objects.filter(pk=event.pk).update(action="delete")
    with pytest.raises(PermissionError):
        AuditEvent.objects.all().delete()
    assert AuditEvent.objects.get(pk=event.pk).action == "view"


def test_the_admin_is_read_only(as_user, superuser, event):
    client = as_user(superuser)
    changelist = reverse("admin:mentoring_site_auditevent_changelist")
    assert client.get(changelist).status_code == 200
    assert client.get(reverse("admin:mentoring_site_auditevent_add")).status_code == 403
    delete = reverse("admin:mentoring_site_auditevent_delete", args=[event.pk])
    assert client.post(delete, {"post": "yes"}).status_code == 403
    change = reverse("admin:mentoring_site_auditevent_change", args=[event.pk])
    client.post(change, {"action": "delete"})
    bulk = client.post(
        changelist, {"action": "delete_selected", "_selected_action": [event.pk], "post": "yes"}
    )
    assert bulk.status_code in (200, 302)
    event = AuditEvent.objects.get(pk=event.pk)
    assert event.action == "view"


def test_the_admin_offers_no_bulk_actions(as_user, superuser, event):
    response = as_user(superuser).get(reverse("admin:mentoring_site_auditevent_changelist"))
    assert "delete_selected" not in response.content.decode()

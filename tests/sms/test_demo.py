import pytest
from django.core.management import call_command

from mentoring_site.models import TextPreference

pytestmark = pytest.mark.django_db


def test_the_demo_mentor_has_a_verified_phone_and_chose_both(settings):
    settings.DEBUG = True
    call_command("seed_demo")
    preference = TextPreference.objects.get(user__email="mentor@example.com")
    assert preference.is_verified
    assert (preference.phone, preference.channel) == ("+12125550143", "both")
    # Nobody else gets texts in the demo.
    assert TextPreference.objects.count() == 1


def test_the_demo_mentor_gets_a_text_with_first_names_and_a_link(settings):
    from django.utils import timezone

    from activity_log.reminders.scan import scan_overdue
    from activity_log.reminders.send import send_due_reminders
    from matching.models import Pairing
    from mentoring_site import sms
    from tests.activity_log.test_demo_reminders import daytime_after

    settings.DEBUG = True
    settings.SITE_URL = "http://demo.example"
    call_command("seed_demo")
    now = daytime_after(timezone.now())
    scan_overdue(now, enqueue=False)
    send_due_reminders(now)
    [text] = [m for m in sms.outbox if m.to == "+12125550143"]
    assert text.body.startswith("Peer Mentoring: hi Sam.")
    assert "http://demo.example/" in text.body
    overdue = Pairing.objects.filter(
        mentor__user__email="mentor@example.com",
        status="active",
        next_due_at__lt=now - settings.REMINDER_GRACE,
    ).select_related("resident")
    assert overdue
    for pairing in overdue:
        assert pairing.resident.preferred_name in text.body
        assert pairing.resident.last_name not in text.body
    assert "Okafor" not in text.body
    print(text.body)

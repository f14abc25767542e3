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

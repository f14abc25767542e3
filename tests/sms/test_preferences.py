"""Texts only to verified numbers that did not reply STOP; everyone else gets email."""

import pytest
from django.utils import timezone

from mentoring_site.models import TextOptOut, TextPreference
from mentoring_site.sms.preferences import channels_by_user, text_numbers
from tests import factories as f

pytestmark = pytest.mark.django_db


def _person(channel="both", phone="+12125550143", verified=True):
    user = f.UserFactory()
    TextPreference.objects.create(
        user=user,
        channel=channel,
        phone=phone,
        phone_verified_at=timezone.now() if verified else None,
    )
    return user


def test_channels_follow_the_choice_and_fall_back_to_email(django_assert_num_queries):
    both = _person("both", "+12125550101")
    text = _person("text", "+12125550102")
    email = _person("email", "+12125550103")
    unverified = _person("text", "+12125550104", verified=False)
    stopped = _person("both", "+12125550105")
    nobody = f.UserFactory()
    TextOptOut.objects.create(phone="+12125550105", stopped_at=timezone.now())
    ids = [u.pk for u in (both, text, email, unverified, stopped, nobody)]
    with django_assert_num_queries(1):
        channels = channels_by_user(ids)
    assert channels == {
        both.pk: ("email", "sms"),
        text.pk: ("sms",),
        email.pk: ("email",),
        unverified.pk: ("email",),
        stopped.pk: ("email",),
        nobody.pk: ("email",),
    }
    assert text_numbers(ids) == {both.pk: "+12125550101", text.pk: "+12125550102"}

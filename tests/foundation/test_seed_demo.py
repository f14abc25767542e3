import pytest
from django.core.management import CommandError, call_command

from mentoring_site.models import User
from mentoring_site.roles import Role, role_of

pytestmark = pytest.mark.django_db


def test_it_refuses_to_run_with_debug_off(settings):
    settings.DEBUG = False
    with pytest.raises(CommandError, match="DEBUG"):
        call_command("seed_demo")
    assert not User.objects.exists()


def test_it_creates_the_demo_accounts_with_roles(settings, capsys):
    settings.DEBUG = True
    call_command("seed_demo")
    out = capsys.readouterr().out
    expected = {
        "admin@example.com": Role.ADMIN,
        "manager@example.com": Role.MANAGER,
        "manager2@example.com": Role.MANAGER,
        "mentor@example.com": Role.MENTOR,
        "mentor2@example.com": Role.MENTOR,
    }
    for email, role in expected.items():
        user = User.objects.get(email=email)
        assert user.check_password("recovery-demo")
        assert role_of(user) == role
        assert email in out
    assert "JBSWY3DPEHPK3PXP" in out


def test_if_empty_does_not_seed_twice(settings):
    settings.DEBUG = True
    call_command("seed_demo")
    count = User.objects.count()
    call_command("seed_demo", "--if-empty")
    assert User.objects.count() == count

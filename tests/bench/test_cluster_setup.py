"""bench/cluster_setup.py and bench/cluster_smtp.py: the guard, the bench accounts, the sink."""

from __future__ import annotations

import json
import sys
import threading
from pathlib import Path

import pytest
from allauth.mfa.models import Authenticator
from django.contrib.auth.hashers import check_password, make_password
from django.core.mail import EmailMessage, get_connection

from mentoring_site.demo import DEMO_PASSWORD
from tests import factories as f

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "bench"))

from cluster_setup import (  # noqa: E402
    claim_lease_seconds,
    prepare_managers,
    prepare_mentors,
    require_local_database,
)
from cluster_smtp import SinkHandler, SinkServer  # noqa: E402


@pytest.mark.parametrize(
    "url",
    [
        "postgres://postgres@127.0.0.1:5432/mentoring_large_cluster",
        "postgresql://u:p@localhost/bench",
    ],
)
def test_a_database_on_this_machine_is_accepted(url):
    assert require_local_database(url) in {"mentoring_large_cluster", "bench"}


@pytest.mark.parametrize(
    "url",
    [
        "postgres://postgres@db.example.org:5432/mentoring",
        "postgres://postgres@10.0.0.5/mentoring",
        "sqlite:///db.sqlite3",
        "postgres://postgres@127.0.0.1:5432/",
        "",
    ],
)
def test_any_other_database_is_refused(url):
    with pytest.raises(ValueError):
        require_local_database(url)


@pytest.mark.django_db
def test_the_script_waits_out_the_lease_the_senders_use(settings):
    """The drain and the worker-kill verdict wait for the claim lease the sender reads."""
    import datetime as dt

    settings.REMINDER_CLAIM_LEASE = dt.timedelta(seconds=42)
    assert claim_lease_seconds() == 42.0


def test_bench_managers_share_the_houses_nobody_else_manages(manager, house):
    spare = [f.HouseFactory(name=f"Bulk House {n}") for n in range(3)]
    password = make_password(DEMO_PASSWORD)

    emails = prepare_managers(2, password)
    again = prepare_managers(2, password)  # a second run changes nothing

    assert emails == again == ["bench.manager.01@example.com", "bench.manager.02@example.com"]
    for spare_house in spare:
        assert [m.email for m in spare_house.managers.all()] in ([emails[0]], [emails[1]])
    assert list(house.managers.all()) == [manager]
    for address in emails:
        user = f.UserFactory._meta.model.objects.get(email=address)
        assert check_password(DEMO_PASSWORD, user.password)
        assert Authenticator.objects.filter(user=user, type="totp").count() == 1


@pytest.mark.django_db
def test_bench_mentors_are_mentors_with_an_active_mentee():
    paired = f.PairingFactory().mentor.user
    f.ClearedMentorFactory()  # no mentee: not a useful load user

    emails = prepare_mentors(5, make_password(DEMO_PASSWORD))

    assert emails == [paired.email]
    paired.refresh_from_db()
    assert check_password(DEMO_PASSWORD, paired.password)


def test_the_sink_records_each_message_with_its_id_recipient_and_subject(tmp_path):
    out = tmp_path / "sink.jsonl"
    server = SinkServer(("127.0.0.1", 0), SinkHandler)
    server.delay, server.lock = 0.0, threading.Lock()
    server.out = open(out, "a", encoding="utf-8")  # noqa: SIM115
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.1})
    thread.start()
    try:
        connection = get_connection(
            "django.core.mail.backends.smtp.EmailBackend",
            host="127.0.0.1",
            port=server.server_address[1],
            timeout=5,
        )
        message = EmailMessage(
            "Time to check in with Rosa", "Hi Sam,\n.leading dot\n", to=["sam@example.org"]
        )
        message.extra_headers["Message-ID"] = "<reminder-1@example.org>"
        assert connection.send_messages([message]) == 1
    finally:
        server.shutdown()
        thread.join(5)
        server.server_close()
        server.out.close()

    (entry,) = [json.loads(line) for line in out.read_text().splitlines()]
    assert entry["message_id"] == "<reminder-1@example.org>"
    assert entry["to"] == "sam@example.org"
    assert entry["envelope_to"] == ["sam@example.org"]
    assert entry["subject"] == "Time to check in with Rosa"
    assert entry["text"] == "Hi Sam,\n.leading dot\n"
    assert isinstance(entry["received_at"], float)


def test_the_sink_refuses_to_listen_beyond_loopback(monkeypatch):
    import cluster_smtp

    monkeypatch.setattr(
        sys, "argv", ["cluster_smtp.py", "--host", "0.0.0.0", "--port", "1", "--out", "x"]
    )
    with pytest.raises(SystemExit, match="loopback"):
        cluster_smtp.main()


def test_the_locustfile_types_the_code_allauth_expects():
    """Its TOTP (RFC 6238) against allauth's own, in a subprocess: importing Locust patches gevent
    into the interpreter."""
    import subprocess

    from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value

    at = 1_795_975_020.0
    code = subprocess.run(
        [
            sys.executable,
            "-c",
            f"import locustfile; print(locustfile.totp('JBSWY3DPEHPK3PXP', {at}))",
        ],
        cwd=Path(__file__).resolve().parents[2] / "bench",
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    ).stdout.strip()
    assert code == format_hotp_value(hotp_value("JBSWY3DPEHPK3PXP", int(at // 30)))

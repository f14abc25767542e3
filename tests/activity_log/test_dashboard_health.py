"""Program health on the dashboard (last 30 and 90 days) against hand-built data."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from activity_log.reports.health import program_health
from activity_log.reports.on_time import mentor_consistency, on_time_figures
from activity_log.reports.scope import Period, scope_for
from matching.models import Pairing
from tests import factories as f

pytestmark = pytest.mark.django_db


def local(day: dt.date, hour: int = 0, minute: int = 0) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour, minute)))


def health_for(user, houses, admin=False, house_id=None):
    return program_health(scope_for(user, house_id, houses, all_houses=admin))


def test_no_data_gives_zeros_and_no_shares(manager, house):
    health = health_for(manager, [house])
    for key in ("d30", "d90"):
        assert health.on_time[key]["share"] is None
        assert health.contacts[key] == 0
        assert health.hours[key] == Decimal("0")
        assert health.pairings[key] == 0
        assert health.mentored_share(key) is None
    assert [n for _, n in health.weeks] == [0] * 13


def test_period_edges_are_local_midnight(manager, house):
    today = timezone.localdate()
    pairing = f.PairingFactory(resident__house=house, started_on=today - dt.timedelta(days=120))
    f.ContactLogFactory(pairing=pairing, happened_at=local(today - dt.timedelta(days=29), 0, 10))
    f.ContactLogFactory(pairing=pairing, happened_at=local(today - dt.timedelta(days=30), 23, 50))
    f.ContactLogFactory(pairing=pairing, happened_at=local(today - dt.timedelta(days=95)))
    health = health_for(manager, [house])
    assert health.contacts == {"d30": 1, "d90": 2}


def test_contacts_per_week_buckets_end_today(manager, house):
    today = timezone.localdate()
    pairing = f.PairingFactory(resident__house=house, started_on=today - dt.timedelta(days=120))
    f.ContactLogFactory(pairing=pairing, happened_at=local(today, 0, 30))
    f.ContactLogFactory(pairing=pairing, happened_at=local(today - dt.timedelta(days=6), 1))
    f.ContactLogFactory(pairing=pairing, happened_at=local(today - dt.timedelta(days=7), 23, 30))
    f.ContactLogFactory(
        pairing=pairing, happened_at=local(today - dt.timedelta(days=8)), method="no_answer"
    )
    weeks = health_for(manager, [house]).weeks
    assert weeks[-1] == (today - dt.timedelta(days=6), 2)
    assert weeks[-2] == (today - dt.timedelta(days=13), 1)
    assert sum(n for _, n in weeks) == 3


def test_pairings_residents_and_hours(manager, house, house2):
    today = timezone.localdate()
    mentor = f.ClearedMentorFactory(trained=False)
    f.TrainingRecordFactory(
        mentor=mentor, completed_on=today - dt.timedelta(days=40), hours=Decimal("3")
    )
    # Active throughout, no contacts at all (still counts as mentored).
    f.PairingFactory(
        mentor=mentor, resident__house=house, started_on=today - dt.timedelta(days=100)
    )
    # Paused last week: still a pairing of both periods.
    paused = f.PairingFactory(
        mentor=mentor, resident__house=house, started_on=today - dt.timedelta(days=50)
    )
    Pairing.objects.filter(pk=paused.pk).update(
        status="paused", paused_on=today - dt.timedelta(days=7), next_due_at=None
    )
    # Ended 60 days ago: only in the 90-day figures.
    ended = f.PairingFactory(
        mentor=mentor,
        resident__house=house,
        started_on=today - dt.timedelta(days=120),
        status="ended",
        ended_on=today - dt.timedelta(days=60),
    )
    f.ContactLogFactory(
        pairing=ended, happened_at=local(today - dt.timedelta(days=70), 12), duration_minutes=90
    )
    f.ResidentFactory(house=house)  # waiting: never mentored
    # Another house, with a mentor who serves only that house (their training is not ours).
    f.PairingFactory(resident__house=house2, mentor__serves_all_houses=False)
    health = health_for(manager, [house])
    assert health.pairings == {"d30": 2, "d90": 3}
    assert health.residents == {"d30": 4, "d90": 4}
    assert health.mentored == {"d30": 2, "d90": 3}
    assert health.mentored_share("d30") == pytest.approx(0.5)
    assert health.hours == {"d30": Decimal("0.0"), "d90": Decimal("4.5")}


def test_on_time_share_counts_overdue_pairings_as_missed(manager, house):
    today = timezone.localdate()
    now = timezone.now()
    steady = f.PairingFactory(resident__house=house, started_on=today - dt.timedelta(days=60))
    for days in (20, 14, 8, 2):
        f.ContactLogFactory(pairing=steady, happened_at=now - dt.timedelta(days=days))
    f.set_due(steady, now + dt.timedelta(days=5), last_contact_at=now - dt.timedelta(days=2))
    silent = f.PairingFactory(resident__house=house, started_on=today - dt.timedelta(days=60))
    assert silent.next_due_at < now
    health = health_for(manager, [house])
    # The first contact is judged from the pairing's start (40 days late); the next three
    # came 6 days apart (on time). The silent pairing is one missed check-in: 3 of 5.
    assert health.on_time["d30"] == {"made": 4, "on_time": 3, "missed": 1, "share": 0.6}


def test_mentor_consistency_lists_slipping_mentors_first(manager, house, house2):
    today = timezone.localdate()
    now = timezone.now()
    good = f.ClearedMentorFactory(user__first_name="Steady")
    slipping = f.ClearedMentorFactory(user__first_name="Slipping")
    p = f.PairingFactory(
        mentor=good, resident__house=house, started_on=today - dt.timedelta(days=9)
    )
    f.ContactLogFactory(pairing=p, happened_at=now - dt.timedelta(days=4))
    f.set_due(p, now + dt.timedelta(days=3), last_contact_at=now - dt.timedelta(days=4))
    f.PairingFactory(
        mentor=slipping, resident__house=house, started_on=today - dt.timedelta(days=40)
    )
    f.PairingFactory(
        mentor=slipping, resident__house=house, started_on=today - dt.timedelta(days=40)
    )
    f.PairingFactory(resident__house=house2)  # another house's mentor
    scope = scope_for(manager, None, [house], all_houses=False)
    rows, total = mentor_consistency(scope, Period.last_days(30), now)
    assert total == 2
    assert [r.mentor for r in rows] == [slipping, good]
    assert (rows[0].mentees, rows[0].missed, rows[0].share) == (2, 2, 0.0)
    assert (rows[1].mentees, rows[1].made, rows[1].on_time, rows[1].share) == (1, 1, 1, 1.0)
    assert rows[1].last_contact_at == now - dt.timedelta(days=4)
    assert rows[0].last_contact_at is None


def test_mentor_consistency_is_capped(manager, house):
    for _ in range(4):
        f.PairingFactory(resident__house=house)
    scope = scope_for(manager, None, [house], all_houses=False)
    rows, total = mentor_consistency(scope, Period.last_days(30), timezone.now(), limit=3)
    assert (len(rows), total) == (3, 4)


HEALTH = reverse("activity_log:dashboard_health")


@pytest.fixture
def no_health_cache(settings):
    settings.DASHBOARD_HEALTH_CACHE_SECONDS = 0


def test_the_dashboard_loads_program_health_from_its_own_url(as_user, manager, house):
    html = as_user(manager).get(reverse("activity_log:dashboard")).content.decode()
    assert f'hx-get="{HEALTH}"' in html
    filtered = as_user(manager).get(reverse("activity_log:dashboard"), {"house": house.pk})
    assert f'hx-get="{HEALTH}?house={house.pk}"' in filtered.content.decode()


def test_the_health_partial_shows_the_table_chart_and_consistency(
    as_user, manager, house, no_health_cache
):
    pairing = f.PairingFactory(resident__house=house)
    f.ContactLogFactory(pairing=pairing)
    response = as_user(manager).get(HEALTH, HTTP_HX_REQUEST="true")
    html = response.content.decode()
    assert "<html" not in html
    assert 'id="health-table"' in html
    assert "Contacts per week" in html and "<svg" in html
    assert 'id="consistency-table"' in html
    assert response.context["health"].contacts["d30"] == 1


def test_without_htmx_the_health_is_a_page_of_its_own(as_user, manager, house, no_health_cache):
    html = as_user(manager).get(HEALTH).content.decode()
    assert "<html" in html and "Program health" in html


def test_health_counts_only_the_managers_houses(as_user, manager, house, house2, no_health_cache):
    f.ContactLogFactory(pairing=f.PairingFactory(resident__house=house))
    for _ in range(3):
        f.ContactLogFactory(pairing=f.PairingFactory(resident__house=house2))
    response = as_user(manager).get(HEALTH, {"house": house2.pk})
    assert response.context["health"].contacts["d30"] == 1


@pytest.mark.parametrize(("url_name", "status"), [("dashboard_health", 404)])
def test_mentors_get_404_and_anonymous_users_log_in(client, as_user, mentor, url_name, status):
    url = reverse(f"activity_log:{url_name}")
    assert reverse("account_login") in client.get(url)["Location"]
    assert as_user(mentor.user).get(url).status_code == status


def test_health_is_cached_per_scope(as_user, manager, manager2, house, house2, settings):
    settings.DASHBOARD_HEALTH_CACHE_SECONDS = 300
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    from django.core.cache import cache

    cache.clear()
    f.ContactLogFactory(pairing=f.PairingFactory(resident__house=house))
    assert as_user(manager).get(HEALTH).context["health"].contacts["d30"] == 1
    f.ContactLogFactory(pairing=f.PairingFactory(resident__house=house))
    assert as_user(manager).get(HEALTH).context["health"].contacts["d30"] == 1  # cached
    assert as_user(manager2).get(HEALTH).context["health"].contacts["d30"] == 0  # own scope
    cache.clear()
    assert as_user(manager).get(HEALTH).context["health"].contacts["d30"] == 2


@pytest.fixture
def locmem_health_cache(settings):
    settings.DASHBOARD_HEALTH_CACHE_SECONDS = 300
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    from django.core.cache import cache

    cache.clear()
    yield cache
    cache.clear()


def test_beat_keeps_the_all_houses_health_warm_so_no_admin_waits(
    as_user, program_admin, house, house2, locmem_health_cache, monkeypatch
):
    from activity_log import tasks

    f.ContactLogFactory(pairing=f.PairingFactory(resident__house=house))
    f.ContactLogFactory(pairing=f.PairingFactory(resident__house=house2))
    assert tasks.warm_dashboard_health() is True

    def too_slow(*args, **kwargs):
        raise AssertionError("the admin's request computed program health itself")

    monkeypatch.setattr("activity_log.reports.health_cache.program_health", too_slow)
    response = as_user(program_admin).get(HEALTH)
    assert response.status_code == 200
    assert response.context["health"].contacts["d30"] == 2


def test_the_warmed_figures_are_the_ones_an_admin_would_compute(
    as_user, program_admin, house, locmem_health_cache
):
    pairing = f.PairingFactory(resident__house=house)
    for days in (2, 20, 60):
        f.ContactLogFactory(pairing=pairing, happened_at=timezone.now() - dt.timedelta(days=days))
    live = as_user(program_admin).get(HEALTH).context["health"]
    locmem_health_cache.clear()
    from activity_log.reports.health_cache import warm_all_houses_health

    warm_all_houses_health()
    warmed = as_user(program_admin).get(HEALTH).context["health"]
    assert warmed == live


def test_beat_schedules_the_warming_before_the_cache_expires(settings):
    entry = settings.CELERY_BEAT_SCHEDULE["warm-dashboard-health"]
    assert entry["task"] == "activity_log.tasks.warm_dashboard_health"
    assert entry["schedule"] < dt.timedelta(seconds=settings.DASHBOARD_HEALTH_CACHE_SECONDS)


def test_beat_warms_the_figures_as_soon_as_it_starts(settings, monkeypatch):
    from celery.signals import beat_init

    from activity_log import tasks

    sent = []
    monkeypatch.setattr(tasks.warm_dashboard_health, "delay", lambda: sent.append(1))
    beat_init.send(sender=None)
    assert sent == [1]
    settings.DASHBOARD_HEALTH_CACHE_SECONDS = 0
    beat_init.send(sender=None)
    assert sent == [1]


def test_warming_does_nothing_when_the_cache_is_off(no_health_cache):
    from activity_log.reports.health_cache import warm_all_houses_health

    assert warm_all_houses_health() is False


def _health_world(house, size: int) -> None:
    now = timezone.now()
    for i in range(size):
        pairing = f.PairingFactory(resident__house=house)
        for days in (3, 10, 40):
            f.ContactLogFactory(pairing=pairing, happened_at=now - dt.timedelta(days=days + i))
        f.ResidentFactory(house=house)
        f.TrainingRecordFactory(mentor=pairing.mentor)


@pytest.mark.parametrize("size", [1, 8])
def test_the_health_partial_runs_a_fixed_number_of_queries(
    as_user, manager, program_admin, house, size, no_health_cache, django_assert_max_num_queries
):
    _health_world(house, size)
    for user in (manager, program_admin):
        client = as_user(user)
        with django_assert_max_num_queries(14):
            response = client.get(HEALTH, HTTP_HX_REQUEST="true")
        assert len(response.context["consistency"]) == size


def test_dashboard_and_report_compute_the_same_on_time_figures(manager, program_admin, house):
    today = timezone.localdate()
    now = timezone.now()
    for offset, gaps in ((80, (3, 9, 16, 20, 40, 75)), (30, (1, 5, 12)), (10, ())):
        pairing = f.PairingFactory(
            resident__house=house, started_on=today - dt.timedelta(days=offset)
        )
        for days in gaps:
            f.ContactLogFactory(pairing=pairing, happened_at=now - dt.timedelta(days=days))
        f.ContactLogFactory(pairing=pairing, method="no_answer")
    for user, admin in ((manager, False), (program_admin, True)):
        scope = scope_for(user, None, [house], all_houses=admin)
        health = program_health(scope, now)
        assert health.on_time == on_time_figures(scope, health.periods, now)
        assert health.on_time["d90"]["made"] == 9

"""The page cache (mentoring_site/page_cache.py): kept parts are used, and never shown stale.

Each test warms the cache, checks that the next request is served from it (fewer queries), then
writes the way the app, `QuerySet.update()`, a database shell or the admin would, and checks that
the next response equals a live render (the cache off). PostgreSQL only: the data version comes
from triggers (migration activity_log 0016); on SQLite the cache is off.
"""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from activity_log.contacts import services as contact_services
from activity_log.models import Milestone
from matching import services as matching_services
from matching.models import Pairing
from mentoring_site import page_cache
from mentoring_site.models import AuditEvent
from mentors.models import Mentor
from residents import services as resident_services
from residents.models import Resident
from tests import factories as f
from tests.activity_log.contact_support import pairing_for
from tests.activity_log.test_dashboard import _due_days_ago, _urgent

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="the page cache's data version comes from PostgreSQL triggers; on SQLite the "
        "cache is off (CI runs these on PostgreSQL)",
    ),
]

DASHBOARD = reverse("activity_log:dashboard")
MY_MENTEES = reverse("activity_log:my_mentees")
CSRF = re.compile(r'name="csrfmiddlewaretoken" value="[^"]+"')


@pytest.fixture(autouse=True)
def _on(settings):
    settings.PAGE_CACHE_SECONDS = 60
    assert page_cache.enabled()


def _part(response, start: str, end: str) -> str:
    html = CSRF.sub("csrf", response.content.decode())
    assert start in html and end in html
    return html.split(start, 1)[1].split(end, 1)[0]


def _lists(response) -> str:
    return _part(response, "Needs attention</h2>", "Program health</h2>")


def _mentees(response) -> str:
    """The lists, without the milestone banner (shown once: a live render after a kept one
    would not have it)."""
    html = _part(response, 'hx-swap="outerHTML"></div>', "</main>")
    html = re.sub(r'<div class="alert alert-success milestone".*?</div>', "", html, flags=re.S)
    return re.sub(r"\s+", " ", html)


def _signed_in(user) -> Client:
    """A client of its own (the `as_user` fixture signs its one client in again)."""
    client = Client()
    client.force_login(user)
    return client


def _get(client, url: str) -> tuple[object, int]:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return response, len(queries)


def _live(client, url: str, settings):
    settings.PAGE_CACHE_SECONDS = 0
    try:
        return client.get(url)
    finally:
        settings.PAGE_CACHE_SECONDS = 60


def test_a_second_dashboard_request_is_served_from_the_cache(as_user, manager, house):
    _urgent(house, "Avery")
    _due_days_ago(f.PairingFactory(resident__house=house, resident__preferred_name="Blair"), 3)
    client = as_user(manager)
    first, miss = _get(client, DASHBOARD)
    second, hit = _get(client, DASHBOARD)
    assert hit <= miss - 8, (hit, miss)  # the dozen list queries are not run
    assert _lists(second) == _lists(first)
    assert "Avery" in _lists(second) and "Blair" in _lists(second)
    assert page_cache.CSRF_PLACEHOLDER not in second.content.decode()


def test_every_kind_of_write_shows_on_the_dashboard_at_once(
    as_user, manager, house, house2, settings
):
    client = as_user(manager)
    mentor = f.ClearedMentorFactory(user__first_name="Mentorname")
    pairing = pairing_for(mentor, house=house, days_ago=20)
    concern = _urgent(house, "Casey")

    def reminder_failed():
        f.ReminderFactory(pairing=pairing, failed_at=timezone.now())

    def acknowledge():
        response = client.post(
            reverse("activity_log:concern_acknowledge", args=[concern.pk]), {"note": "Called"}
        )
        assert response.status_code == 302

    mover = f.ResidentFactory(house=house, preferred_name="Mover")  # waiting for a mentor
    writes = {
        "an urgent concern (the app)": lambda: _urgent(house, "Drew"),
        "acknowledged (the dashboard's own form)": acknowledge,
        "a pairing overdue (QuerySet.update)": lambda: _due_days_ago(pairing, 4),
        "a resident renamed (raw SQL)": lambda: _sql(
            "UPDATE residents_resident SET preferred_name = 'Renamed' WHERE id = %s",
            [pairing.resident_id],
        ),
        "a mentor's name": lambda: _rename(mentor.user, "Othername"),
        "a failed reminder": reminder_failed,
        "a pairing ended (the app)": lambda: matching_services.pairing_end(
            pairing=pairing, reason=Pairing.EndReason.COMPLETED
        ),
        "a resident moved to another house": lambda: Resident.objects.filter(pk=mover.pk).update(
            house=house2
        ),
    }
    for name, write in writes.items():
        before, _ = _get(client, DASHBOARD)
        _, hit = _get(client, DASHBOARD)
        write()
        cached, after = _get(client, DASHBOARD)
        assert after > hit, f"{name}: served from the cache after the write"
        assert _lists(cached) != _lists(before), f"{name}: the lists did not change"
        assert _lists(cached) == _lists(_live(client, DASHBOARD, settings)), name
    assert "Mover" not in _lists(cached)


def _sql(statement: str, params: list) -> None:
    with connection.cursor() as cursor:
        cursor.execute(statement, params)


def _rename(user, name: str) -> None:
    user.first_name = name
    user.save()


def test_scopes_languages_and_filters_never_share_a_part(
    as_user, manager, manager2, program_admin, house, house2
):
    _urgent(house, "Ellis")
    _urgent(house2, "Finley")
    first = _lists(as_user(manager).get(DASHBOARD))
    assert "Ellis" in first and "Finley" not in first
    other = _lists(as_user(manager2).get(DASHBOARD))
    assert "Finley" in other and "Ellis" not in other
    admin = as_user(program_admin)
    assert "Ellis" in _lists(admin.get(DASHBOARD))
    filtered = _lists(admin.get(f"{DASHBOARD}?house={house2.pk}"))
    assert "Finley" in filtered and "Ellis" not in filtered
    assert "Every check-in is on time." in first
    manager.preferred_language = "es"
    manager.save(update_fields=["preferred_language"])
    spanish = as_user(manager).get(DASHBOARD).content.decode()
    assert "Todos los contactos están al día." in spanish
    assert "Every check-in is on time." not in spanish


def test_a_house_taken_from_a_manager_leaves_their_dashboard_at_once(as_user, manager, house):
    _urgent(house, "Gale")
    client = as_user(manager)
    assert "Gale" in _lists(client.get(DASHBOARD))
    house.managers.remove(manager)
    assert "Gale" not in _lists(client.get(DASHBOARD))


def test_my_mentees_is_served_from_the_cache_and_still_audits_the_phones_shown(as_user, mentor):
    pairing = pairing_for(mentor)
    f.ConsentRecordFactory(resident=pairing.resident)
    Resident.objects.filter(pk=pairing.resident_id).update(phone="555-0100")
    client = as_user(mentor.user)
    first, miss = _get(client, MY_MENTEES)
    second, hit = _get(client, MY_MENTEES)
    assert hit <= miss - 5, (hit, miss)
    assert _mentees(second) == _mentees(first)
    assert 'href="tel:555-0100"' in second.content.decode()
    shown = AuditEvent.objects.filter(resident_id=pairing.resident_id, action="view")
    assert shown.count() == 2  # one per response that showed the number, the kept one too


def test_every_write_a_mentor_page_shows_is_there_at_once(as_user, mentor, house2, settings):
    pairing = pairing_for(mentor)
    consent = f.ConsentRecordFactory(resident=pairing.resident)
    Resident.objects.filter(pk=pairing.resident_id).update(phone="555-0100")
    client = as_user(mentor.user)
    writes = {
        "a contact logged": lambda: contact_services.contact_log(
            pairing=pairing,
            author=mentor.user,
            happened_at=timezone.now() - dt.timedelta(hours=2),
            method="in_person",
            duration_minutes=30,
            follow_up="Call about the job fair",
            follow_up_on=timezone.localdate(),
        ),
        "a milestone": lambda: Milestone.objects.create(mentor=mentor, hours=1000),
        "the resident renamed (raw SQL)": lambda: _sql(
            "UPDATE residents_resident SET preferred_name = 'Renamed' WHERE id = %s",
            [pairing.resident_id],
        ),
        "consent revoked": lambda: resident_services.consent_revoke(
            consent=consent, user=mentor.user
        ),
        "a new mentee in another house": lambda: pairing_for(mentor, house=house2),
        "the resident moved house": lambda: Resident.objects.filter(pk=pairing.resident_id).update(
            house=house2
        ),
        "the pairing ended": lambda: matching_services.pairing_end(
            pairing=pairing, reason=Pairing.EndReason.COMPLETED
        ),
        "the mentor on break": lambda: Mentor.objects.filter(pk=mentor.pk).update(
            status=Mentor.Status.ON_BREAK
        ),
    }
    for name, write in writes.items():
        _get(client, MY_MENTEES)
        before, hit = _get(client, MY_MENTEES)
        write()
        cached, after = _get(client, MY_MENTEES)
        assert after > hit, f"{name}: served from the cache after the write"
        assert cached.content != before.content, f"{name}: the page did not change"
        assert _mentees(cached) == _mentees(_live(client, MY_MENTEES, settings)), name
    assert "You are on break." in cached.content.decode()


def test_two_mentors_never_share_a_part(as_user, mentor, mentor2):
    pairing_for(mentor, resident=f.ResidentFactory(preferred_name="Harper"))
    pairing_for(mentor2, resident=f.ResidentFactory(preferred_name="Indigo"))
    assert "Harper" in as_user(mentor.user).get(MY_MENTEES).content.decode()
    theirs = as_user(mentor2.user).get(MY_MENTEES).content.decode()
    assert "Indigo" in theirs and "Harper" not in theirs


def test_each_session_gets_its_own_csrf_token_in_a_kept_part(mentor, settings):
    """Two phones of one mentor: the second is served the first one's kept part, with a token
    its own session accepts (the follow-up's Done button)."""
    pairing = pairing_for(mentor)
    contact = f.ContactLogFactory(pairing=pairing, follow_up_on=timezone.localdate())
    phones = [Client(enforce_csrf_checks=True) for _ in range(2)]
    pages = []
    for phone in phones:
        phone.force_login(mentor.user)
        pages.append(phone.get(MY_MENTEES).content.decode())
    tokens = [re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', p).group(1) for p in pages]
    assert len(page_cache.store) == 1  # the second phone was served the first one's part
    assert page_cache.CSRF_PLACEHOLDER not in pages[1]
    assert tokens[0] != tokens[1]
    done = reverse("activity_log:follow_up_done", args=[contact.pk])
    response = phones[1].post(done, {"csrfmiddlewaretoken": tokens[1]})
    assert response.status_code == 302


def test_the_store_is_bounded_and_entries_expire(monkeypatch):
    store = page_cache._Store()
    clock = [1000.0]
    monkeypatch.setattr(page_cache.time, "monotonic", lambda: clock[0])
    for i in range(5):
        store.set(f"k{i}", (f"html {i}", None), 60, limit=3)
    assert len(store) == 3
    assert store.get("k0") is None and store.get("k4") == ("html 4", None)
    assert store.get("k2") is not None  # used: now the most recent
    store.set("k5", ("html 5", None), 60, limit=3)
    assert store.get("k3") is None and store.get("k2") is not None
    clock[0] += 61
    assert store.get("k2") is None and len(store) == 2


def test_off_when_seconds_is_zero(as_user, manager, house, settings):
    settings.PAGE_CACHE_SECONDS = 0
    assert not page_cache.enabled()
    client = as_user(manager)
    first, _ = _get(client, DASHBOARD)
    second, queries = _get(client, DASHBOARD)
    assert queries >= 14  # every list read again
    assert _lists(second) == _lists(first) and len(page_cache.store) == 0


# Tables no kept part reads: change logs, roll-ups (program health and reports), histories,
# sign-in and audit records.
NOT_IN_ANY_PART = {
    "activity_log_reportchange",
    "activity_log_pairingday",
    "activity_log_contactday",
    "activity_log_topicday",
    "mentors_mentorstatuschange",
    "mentors_mentorprofilechange",
    "mentors_mentor_languages",
    "mentors_mentor_pathways",
}


def test_every_table_of_the_apps_is_watched_or_named_here():
    """A new table the dashboard or My mentees may read gets a trigger in a migration (like
    0016), or a place in NOT_IN_ANY_PART with the reason: else its writes would not show."""
    from django.apps import apps

    tables = set()
    for model in apps.get_models(include_auto_created=True):
        if model._meta.app_label in {"residents", "mentors", "matching", "activity_log"}:
            tables.add(model._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT DISTINCT c.relname FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid "
            "WHERE t.tgname = 'page_change_insert'"
        )
        watched = {row[0] for row in cursor.fetchall()}
    assert tables - NOT_IN_ANY_PART - watched == set()
    assert watched & NOT_IN_ANY_PART == set()


def test_each_watched_table_has_its_own_trigger_function_with_static_sql():
    """Migration 0017: the keys' query is planned once per session, not on every write."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT c.relname, t.tgname, p.proname, p.prosrc FROM pg_trigger t "
            "JOIN pg_class c ON c.oid = t.tgrelid JOIN pg_proc p ON p.oid = t.tgfoid "
            "WHERE t.tgname IN ('page_change_insert', 'page_change_update', 'page_change_delete')"
            " AND c.relname <> 'mentoring_site_user'"
        )
        rows = cursor.fetchall()
    assert len(rows) == 3 * len({row[0] for row in rows}) > 90
    for table, trigger, function, source in rows:
        assert function == f"page_change_{table}", (table, trigger, function)
        assert "EXECUTE" not in source.upper(), function


def _log_form(pairing) -> str:
    return reverse("activity_log:contact_new", args=[pairing.pk])


def test_a_kept_log_form_has_this_requests_time_and_double_submit_key(as_user, mentor):
    pairing = pairing_for(mentor)
    client = as_user(mentor.user)
    first, miss = _get(client, _log_form(pairing))
    second, hit = _get(client, _log_form(pairing))
    assert hit <= miss - 3, (hit, miss)
    keys = [
        re.search(r'name="idempotency_key" value="([^"]+)"', r.content.decode()).group(1)
        for r in (first, second)
    ]
    assert keys[0] != keys[1]  # two page loads are two contacts, not one double tap
    html = second.content.decode()
    assert page_cache.CSRF_PLACEHOLDER not in html
    typed = re.search(r'name="happened_at" value="([^"]+)"', html).group(1)
    shown = timezone.make_aware(dt.datetime.strptime(typed, "%Y-%m-%dT%H:%M"), pairing.zone)
    assert abs(shown - timezone.now()) < dt.timedelta(minutes=2)
    audited = AuditEvent.objects.filter(resident_id=pairing.resident_id, action="view")
    assert audited.count() == 2


def test_a_kept_log_form_ends_with_the_pairing_and_shows_no_goal_after_consent_goes(
    as_user, mentor, mentor2
):
    pairing = pairing_for(mentor)
    consent = f.ConsentRecordFactory(resident=pairing.resident, shares_goals=True)
    f.RecoveryGoalFactory(resident=pairing.resident, text="Open a bank account")
    client = as_user(mentor.user)
    for _ in range(2):
        assert "Open a bank account" in client.get(_log_form(pairing)).content.decode()
    assert _signed_in(mentor2.user).get(_log_form(pairing)).status_code == 404
    resident_services.consent_revoke(consent=consent, user=mentor.user)
    assert "Open a bank account" not in client.get(_log_form(pairing)).content.decode()
    matching_services.pairing_end(pairing=pairing, reason=Pairing.EndReason.COMPLETED)
    assert client.get(_log_form(pairing)).status_code == 404


def _resident_page(resident) -> str:
    return reverse("residents:detail", args=[resident.pk])


def test_the_resident_page_is_kept_and_every_visit_is_audited_with_its_own_token(
    as_user, manager, program_admin, house
):
    from django.core import signing

    from mentoring_site import audit

    resident = f.ResidentFactory(house=house)
    url = _resident_page(resident)
    client = as_user(manager)
    _get(client, url)  # learns the resident's house: not kept yet
    first, miss = _get(client, url)
    second, hit = _get(client, url)
    assert hit <= miss - 3, (hit, miss)
    assert page_cache.CSRF_PLACEHOLDER not in second.content.decode()
    assert AuditEvent.objects.filter(resident_id=resident.pk, action="view").count() == 3
    token = re.search(r'"X-Audit-Visit": "([^"]+)"', second.content.decode()).group(1)
    assert signing.loads(token, salt=audit.VISIT_SALT) == [manager.pk, resident.pk]
    admin_page = _signed_in(program_admin).get(url).content.decode()  # not the manager's part
    admin_token = re.search(r'"X-Audit-Visit": "([^"]+)"', admin_page).group(1)
    assert signing.loads(admin_token, salt=audit.VISIT_SALT) == [program_admin.pk, resident.pk]


def test_the_kept_resident_page_follows_every_write_and_ends_with_access(
    as_user, manager, manager2, house, house2, settings
):
    resident = f.ResidentFactory(house=house)
    consent = f.ConsentRecordFactory(resident=resident)
    url = _resident_page(resident)
    client = as_user(manager)
    writes = {
        "a goal": lambda: f.RecoveryGoalFactory(resident=resident, text="Renew the licence"),
        "consent revoked": lambda: resident_services.consent_revoke(consent=consent, user=manager),
        "renamed (raw SQL)": lambda: _sql(
            "UPDATE residents_resident SET preferred_name = 'Renamed' WHERE id = %s",
            [resident.pk],
        ),
    }
    for name, write in writes.items():
        for _ in range(2):
            client.get(url)
        before, hit = _get(client, url)
        write()
        after, queries = _get(client, url)
        assert queries > hit, f"{name}: served from the cache after the write"
        assert after.content != before.content, name
        live = _live(client, url, settings)
        page = re.compile(r'"X-(Audit-Visit|CSRFToken)": "[^"]+"')
        assert page.sub("", CSRF.sub("", after.content.decode())) == page.sub(
            "", CSRF.sub("", live.content.decode())
        ), name
    assert "Renamed" in after.content.decode()
    assert _signed_in(manager2).get(url).status_code == 404  # another house's manager
    Resident.objects.filter(pk=resident.pk).update(house=house2)  # moved to manager2's house
    assert client.get(url).status_code == 404
    assert _signed_in(manager2).get(url).status_code == 200


def test_the_resident_list_is_kept_per_search_and_filter_and_shows_an_admission_at_once(
    as_user, manager, program_admin, house, house2
):
    url = reverse("residents:list")
    f.ResidentFactory(house=house, preferred_name="Jordan")
    f.ResidentFactory(house=house2, preferred_name="Kendall")
    client = as_user(program_admin)
    first, miss = _get(client, url)
    second, hit = _get(client, url)
    assert hit <= miss - 2, (hit, miss)
    assert "Jordan" in second.content.decode() and "Kendall" in second.content.decode()
    only_two = client.get(url, {"house": house2.pk}).content.decode()
    assert "Kendall" in only_two and "Jordan" not in only_two
    client.post(url, {"q": "Jord"})
    searched = client.get(url).content.decode()
    assert "Jordan" in searched and "Kendall" not in searched
    client.post(url, {"q": ""})
    f.ResidentFactory(house=house2, preferred_name="Logan")  # admitted meanwhile
    assert "Logan" in client.get(url).content.decode()
    mine = _signed_in(manager).get(url).content.decode()
    assert "Jordan" in mine and "Kendall" not in mine and "Logan" not in mine


def test_the_reports_page_is_kept_per_query_and_shows_a_write_and_a_house_taken_away(
    as_user, manager, house
):
    other = f.HouseFactory(name="Birch House", managers=[manager])
    f.ResidentFactory(house=house)
    leaving = f.ResidentFactory(house=other)
    url = reverse("activity_log:reports")
    client = as_user(manager)

    def served() -> str:
        html = client.get(url).content.decode()
        return re.search(r'id="fig-served"[^>]*>\s*([^<]+)<', html).group(1).strip()

    first, miss = _get(client, url)
    _, hit = _get(client, url)
    assert hit <= miss - 3, (hit, miss)
    assert served() == "2"
    Resident.objects.filter(pk=leaving.pk).update(
        move_in_date=timezone.localdate() + dt.timedelta(days=1)
    )
    assert served() == "1"
    Resident.objects.filter(pk=leaving.pk).update(move_in_date=timezone.localdate())
    assert served() == "2"
    other.managers.remove(manager)
    assert served() == "1"


def test_keys_cannot_run_into_each_other(rf, manager):
    """A search term holding the separator of the next value keys a part of its own."""
    request = rf.get("/")
    request.user = manager
    keys = {
        page_cache._key(request, "resident-list", (1,), vary, 7)
        for vary in (("a|b", "c"), ("a", "b|c"), ("a|b|c",), ("a", "b", "c"))
    }
    assert len(keys) == 4

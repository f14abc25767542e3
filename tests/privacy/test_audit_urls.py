"""Every resident-data URL writes exactly one audit row per request, with the right user,
action and resident id. Each case is a request a real user makes; a failed form counts as a view."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from activity_log.feedback import services as feedback_services
from activity_log.feedback.models import FeedbackResponse
from matching.services import pairing_pause
from mentoring_site.models import AuditEvent
from tests import factories as f

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate


@pytest.fixture
def world(house, manager, mentor, program_admin):
    resident = f.ResidentFactory(house=house)
    waiting = f.ResidentFactory(house=house)
    pairing = f.PairingFactory(mentor=mentor, resident=resident)
    goal = f.RecoveryGoalFactory(resident=resident)
    consent = f.ConsentRecordFactory(resident=resident)
    fresh = f.ContactLogFactory(
        pairing=pairing, happened_at=timezone.now() - dt.timedelta(hours=2), notes="fine"
    )
    locked = f.ContactLogFactory(
        pairing=pairing,
        happened_at=timezone.now() - dt.timedelta(days=3),
        follow_up="Ask about the interview",
        follow_up_on=timezone.localdate(),
    )
    # Past the 24-hour edit window: corrections are addenda.
    type(locked).objects.filter(pk=locked.pk).update(
        created_at=timezone.now() - dt.timedelta(days=3)
    )
    urgent = f.ContactLogFactory(
        pairing=pairing,
        happened_at=timezone.now() - dt.timedelta(hours=5),
        concern_level="urgent",
        concern_note="worried",
    )
    other_mentor = f.ClearedMentorFactory()
    # A second mentee of the same mentor, paused (to resume); it has no contacts, so the Django
    # admin can delete it.
    paused = f.PairingFactory(mentor=mentor, resident=f.ResidentFactory(house=house))
    pairing_pause(pairing=paused)
    exited = f.ResidentFactory(
        house=house,
        status="moved_out",
        exit_date=TODAY() - dt.timedelta(days=10),
        move_in_date=TODAY() - dt.timedelta(days=400),
    )
    # Feedback and recovery capital (activity_log/feedback).
    feedback_request = feedback_services.feedback_request_create(
        pairing=pairing, trigger="fourth_contact"
    )
    feedback_response = FeedbackResponse.objects.create(
        request=feedback_services.feedback_request_create(pairing=pairing, trigger="manual"),
        pairing=pairing,
        resident=resident,
        mentor=mentor,
        shows_up=2,
        listens=4,
        helps_goals=4,
        wants_new_mentor=False,
    )
    return {
        "feedback_request": feedback_request,
        "feedback_response": feedback_response,
        "manager": manager,
        "mentor": mentor.user,
        "mentor_profile": mentor,
        "admin": program_admin,
        "superuser": f.AdminUserFactory(is_staff=True, is_superuser=True),
        "paused": paused,
        "paused_resident": paused.resident,
        "exited": exited,
        "resident": resident,
        "waiting": waiting,
        "pairing": pairing,
        "goal": goal,
        "consent": consent,
        "fresh": fresh,
        "locked": locked,
        "urgent": urgent,
        "other_mentor": other_mentor,
    }


def _new_resident(w, first: str, last: str, **overrides) -> dict[str, str]:
    """The resident fields the intake form and the admin's add form share."""
    return {
        "first_name": first,
        "last_name": last,
        "house": w["resident"].house_id,
        "move_in_date": TODAY().isoformat(),
        "recovery_start_date": "",
        "birth_year": "",
        "phone": "",
        "preferred_mentor_gender": "",
        **overrides,
    }


def _empty_inlines(*prefixes: str) -> dict[str, str]:
    """Management forms for admin inlines left empty."""
    data = {}
    for prefix in prefixes:
        data.update(
            {
                f"{prefix}-TOTAL_FORMS": "0",
                f"{prefix}-INITIAL_FORMS": "0",
                f"{prefix}-MIN_NUM_FORMS": "0",
                f"{prefix}-MAX_NUM_FORMS": "1000",
            }
        )
    return data


def _local(minutes_ago: int) -> str:
    return (timezone.localtime(timezone.now() - dt.timedelta(minutes=minutes_ago))).strftime(
        "%Y-%m-%dT%H:%M"
    )


# (id, user, method, url name, url args, POST data, action, resident key or None)
CASES = [
    # Resident page, profile, exit
    ("resident page", "manager", "get", "residents:detail", ["resident"], None, "view", "resident"),
    ("edit form", "manager", "get", "residents:edit", ["resident"], None, "view", "resident"),
    ("exit form", "manager", "get", "residents:exit", ["resident"], None, "view", "resident"),
    # Consent
    (
        "consent form",
        "manager",
        "get",
        "residents:consent_create",
        ["resident"],
        None,
        "view",
        "resident",
    ),
    (
        "consent create",
        "manager",
        "post",
        "residents:consent_create",
        ["resident"],
        lambda w: {
            "granted_on": TODAY().isoformat(),
            "shares_contact_details": "on",
            "shares_goals": "on",
            "note": "",
        },
        "create",
        "resident",
    ),
    (
        "consent revoke",
        "manager",
        "post",
        "residents:consent_revoke",
        ["resident", "consent"],
        {},
        "change",
        "resident",
    ),
    # Goals
    (
        "goal form",
        "manager",
        "get",
        "residents:goal_create",
        ["resident"],
        None,
        "view",
        "resident",
    ),
    (
        "goal create",
        "manager",
        "post",
        "residents:goal_create",
        ["resident"],
        {"category": "housing", "text": "Save a deposit", "target_date": ""},
        "create",
        "resident",
    ),
    (
        "goal edit form",
        "manager",
        "get",
        "residents:goal_edit",
        ["resident", "goal"],
        None,
        "view",
        "resident",
    ),
    (
        "goal edit",
        "manager",
        "post",
        "residents:goal_edit",
        ["resident", "goal"],
        {"category": "employment", "text": "Find a full-time job", "target_date": ""},
        "change",
        "resident",
    ),
    (
        "goal achieve",
        "manager",
        "post",
        "residents:goal_achieve",
        ["resident", "goal"],
        {},
        "change",
        "resident",
    ),
    (
        "goal drop",
        "manager",
        "post",
        "residents:goal_drop",
        ["resident", "goal"],
        {},
        "change",
        "resident",
    ),
    # Pairing pages
    (
        "pairings slot",
        "manager",
        "get",
        "matching:resident_pairings",
        ["resident"],
        None,
        "view",
        "resident",
    ),
    ("suggestions", "manager", "get", "matching:suggest", ["waiting"], None, "view", "waiting"),
    (
        "pair form",
        "manager",
        "get",
        "matching:pair",
        ["waiting", "other_mentor"],
        None,
        "view",
        "waiting",
    ),
    (
        "pair",
        "manager",
        "post",
        "matching:pair",
        ["waiting", "other_mentor"],
        {"checkin_interval_days": "7"},
        "create",
        "waiting",
    ),
    ("pairing page", "manager", "get", "matching:detail", ["pairing"], None, "view", "resident"),
    ("pause", "manager", "post", "matching:pause", ["pairing"], {}, "change", "resident"),
    (
        "interval",
        "manager",
        "post",
        "matching:interval",
        ["pairing"],
        {"checkin_interval_days": "10"},
        "change",
        "resident",
    ),
    (
        "end",
        "manager",
        "post",
        "matching:end",
        ["pairing"],
        {"reason": "completed", "note": ""},
        "change",
        "resident",
    ),
    ("reassign form", "manager", "get", "matching:reassign", ["pairing"], None, "view", "resident"),
    ("resume", "manager", "post", "matching:resume", ["paused"], {}, "change", "paused_resident"),
    (
        "reassign to form",
        "manager",
        "get",
        "matching:reassign_to",
        ["pairing", "other_mentor"],
        None,
        "view",
        "resident",
    ),
    (
        "reassign to",
        "manager",
        "post",
        "matching:reassign_to",
        ["pairing", "other_mentor"],
        {"reason": "mentor_unavailable", "note": "", "checkin_interval_days": "7"},
        "create",
        "resident",
    ),
    (
        "mentor's mentees slot",
        "manager",
        "get",
        "matching:mentor_pairings",
        ["mentor_profile"],
        None,
        "view",
        None,
    ),
    # Contact logs
    (
        "history",
        "manager",
        "get",
        "activity_log:pairing_history",
        ["pairing"],
        None,
        "view",
        "resident",
    ),
    (
        "timeline slot",
        "manager",
        "get",
        "activity_log:resident_timeline",
        ["resident"],
        None,
        "view",
        "resident",
    ),
    (
        "acknowledge concern",
        "manager",
        "post",
        "activity_log:concern_acknowledge",
        ["urgent"],
        {"note": "Called the house"},
        "change",
        "resident",
    ),
    (
        "log form",
        "mentor",
        "get",
        "activity_log:contact_new",
        ["pairing"],
        None,
        "view",
        "resident",
    ),
    (
        "log contact",
        "mentor",
        "post",
        "activity_log:contact_new",
        ["pairing"],
        lambda w: {
            "happened_at": _local(30),
            "method": "phone",
            "duration_minutes": "20",
            "concern_level": "none",
        },
        "create",
        "resident",
    ),
    (
        "saved page",
        "mentor",
        "get",
        "activity_log:contact_saved",
        ["fresh"],
        None,
        "view",
        "resident",
    ),
    (
        "edit contact form",
        "mentor",
        "get",
        "activity_log:contact_edit",
        ["fresh"],
        None,
        "view",
        "resident",
    ),
    (
        "edit contact",
        "mentor",
        "post",
        "activity_log:contact_edit",
        ["fresh"],
        lambda w: {
            "happened_at": _local(120),
            "method": "video",
            "duration_minutes": "40",
            "concern_level": "none",
        },
        "change",
        "resident",
    ),
    (
        "remove contact form",
        "mentor",
        "get",
        "activity_log:contact_remove",
        ["fresh"],
        None,
        "view",
        "resident",
    ),
    (
        "remove contact",
        "mentor",
        "post",
        "activity_log:contact_remove",
        ["fresh"],
        {},
        "delete",
        "resident",
    ),
    (
        "addendum",
        "mentor",
        "post",
        "activity_log:contact_addendum",
        ["locked"],
        {"text": "Also talked about work"},
        "change",
        "resident",
    ),
    (
        "follow-up done",
        "mentor",
        "post",
        "activity_log:follow_up_done",
        ["locked"],
        {},
        "change",
        "resident",
    ),
    # Intake (the blank form shows nothing about anyone: see EXEMPT for why the GET writes no row)
    (
        "intake",
        "manager",
        "post",
        "residents:create",
        [],
        lambda w: {
            **_new_resident(w, "Rosa", "Quintero", preferred_name=""),
            "intake_key": "6f1c2f4e-8d7a-4b52-9d0e-3a1b2c3d4e5f",
        },
        "create",
        None,
    ),
    # Lists and dashboards that show resident data in aggregate or by name
    ("resident list", "manager", "get", "residents:list", [], None, "view", None),
    ("dashboard", "manager", "get", "activity_log:dashboard", [], None, "view", None),
    ("program health", "manager", "get", "activity_log:dashboard_health", [], None, "view", None),
    ("reports", "manager", "get", "activity_log:reports", [], None, "view", None),
    ("waiting queue", "manager", "get", "matching:waiting", [], None, "view", None),
    ("my mentees", "mentor", "get", "activity_log:my_mentees", [], None, "view", None),
    # Exports
    ("report print", "manager", "get", "activity_log:reports_print", [], None, "export", None),
    ("report csv", "manager", "get", "activity_log:reports_csv", [], None, "export", None),
    ("funder csv", "manager", "get", "activity_log:reports_funder_csv", [], None, "export", None),
    ("audit csv", "admin", "get", "activity_log:audit_export", [], None, "export", None),
    # Retention: anonymising an exited resident early
    (
        "anonymise early",
        "admin",
        "post",
        "activity_log:retention_run",
        ["exited"],
        {},
        "delete",
        "exited",
    ),
    # The Django admin: adding and deleting resident records (opening and lists: tests below)
    (
        "admin add resident",
        "superuser",
        "post",
        "admin:residents_resident_add",
        [],
        lambda w: {
            **_new_resident(w, "Ines", "Okafor", preferred_name="Ines"),
            "created_by": "",
            "anonymised_at_0": "",
            "anonymised_at_1": "",
            **_empty_inlines("goals", "consents"),
        },
        "create",
        None,
    ),
    (
        "admin add goal",
        "superuser",
        "post",
        "admin:residents_recoverygoal_add",
        [],
        lambda w: {
            "resident": w["resident"].pk,
            "category": "housing",
            "text": "Save a deposit",
            "target_date": "",
            "status": "open",
            "closed_on": "",
        },
        "create",
        "resident",
    ),
    (
        "admin add consent",
        "superuser",
        "post",
        "admin:residents_consentrecord_add",
        [],
        lambda w: {
            "resident": w["resident"].pk,
            "granted_on": TODAY().isoformat(),
            "expires_on": "",
            "revoked_on": "",
            "shares_contact_details": "on",
            "note": "",
            "recorded_by": "",
        },
        "create",
        "resident",
    ),
    (
        "admin add pairing",
        "superuser",
        "post",
        "admin:matching_pairing_add",
        [],
        lambda w: {
            "mentor": w["other_mentor"].pk,
            "resident": w["waiting"].pk,
            "status": "active",
            "started_on": TODAY().isoformat(),
            "paused_on": "",
            "pause_reason": "",
            "ended_on": "",
            "end_reason": "",
            "end_note": "",
            "checkin_interval_days": "7",
            "created_by": "",
        },
        "create",
        "waiting",
    ),
    (
        "admin add addendum",
        "superuser",
        "post",
        "admin:activity_log_contactaddendum_add",
        [],
        lambda w: {
            "contact": w["locked"].pk,
            "text": "Corrected the duration",
            "created_by": w["superuser"].pk,
        },
        "create",
        "resident",
    ),
    (
        "admin delete resident",
        "superuser",
        "post",
        "admin:residents_resident_delete",
        ["waiting"],
        {"post": "yes"},
        "delete",
        "waiting",
    ),
    (
        "admin delete goal",
        "superuser",
        "post",
        "admin:residents_recoverygoal_delete",
        ["goal"],
        {"post": "yes"},
        "delete",
        "resident",
    ),
    (
        "admin delete consent",
        "superuser",
        "post",
        "admin:residents_consentrecord_delete",
        ["consent"],
        {"post": "yes"},
        "delete",
        "resident",
    ),
    (
        "admin delete pairing",
        "superuser",
        "post",
        "admin:matching_pairing_delete",
        ["paused"],
        {"post": "yes"},
        "delete",
        "paused_resident",
    ),
    (
        "admin delete confirmation",
        "superuser",
        "get",
        "admin:residents_recoverygoal_delete",
        ["goal"],
        None,
        "view",
        "resident",
    ),
]


BARC_ANSWERS = {f"q{n}": "4" for n in range(1, 11)}


def _textable(resident) -> dict:
    """Gives the resident a phone that takes texts (they have consent); the POST sends nothing."""
    type(resident).objects.filter(pk=resident.pk).update(phone="(212) 555-0177")
    return {}


CASES += [
    # Feedback and recovery capital (activity_log/feedback)
    (
        "feedback section",
        "manager",
        "get",
        "activity_log:feedback_resident",
        ["resident"],
        None,
        "view",
        "resident",
    ),
    (
        "feedback ask",
        "manager",
        "post",
        "activity_log:feedback_request_new",
        ["resident"],
        {},
        "create",
        "resident",
    ),
    (
        "feedback slip",
        "manager",
        "post",
        "activity_log:feedback_request_slip",
        ["feedback_request"],
        {},
        "change",
        "resident",
    ),
    (
        "feedback ask (pairing)",
        "manager",
        "post",
        "activity_log:feedback_request_for_pairing",
        ["pairing"],
        {},
        "create",
        "resident",
    ),
    (
        "feedback answer",
        "manager",
        "get",
        "activity_log:feedback_response",
        ["feedback_response"],
        None,
        "view",
        "resident",
    ),
    (
        "recovery section",
        "manager",
        "get",
        "activity_log:recovery_resident",
        ["resident"],
        None,
        "view",
        "resident",
    ),
    (
        "recovery form",
        "manager",
        "get",
        "activity_log:assessment_new",
        ["resident"],
        None,
        "view",
        "resident",
    ),
    (
        "recovery save",
        "manager",
        "post",
        "activity_log:assessment_new",
        ["resident"],
        BARC_ANSWERS,
        "create",
        "resident",
    ),
    (
        "recovery link",
        "manager",
        "post",
        "activity_log:assessment_link_new",
        ["resident"],
        {},
        "create",
        "resident",
    ),
    (
        "recovery by mentor",
        "mentor",
        "get",
        "activity_log:assessment_new_by_mentor",
        ["pairing"],
        None,
        "view",
        "resident",
    ),
    (
        "recovery link by text",
        "manager",
        "post",
        "activity_log:recovery_link_text",
        ["resident"],
        lambda w: _textable(w["resident"]),
        "create",
        "resident",
    ),
    (
        "recovery link by text, refused (no phone)",
        "manager",
        "post",
        "activity_log:recovery_link_text",
        ["waiting"],
        {},
        "view",
        "waiting",
    ),
    (
        "feedback link by text",
        "manager",
        "post",
        "activity_log:feedback_request_text",
        ["feedback_request"],
        lambda w: _textable(w["resident"]),
        "change",
        "resident",
    ),
    (
        "feedback ask by text",
        "manager",
        "post",
        "activity_log:feedback_request_new_text",
        ["resident"],
        lambda w: _textable(w["resident"]),
        "create",
        "resident",
    ),
    ("recovery due list", "manager", "get", "activity_log:recovery_due", [], None, "view", None),
    ("outcomes report", "manager", "get", "activity_log:outcomes_report", [], None, "view", None),
    (
        "goal progress form",
        "manager",
        "get",
        "residents:goal_progress",
        ["resident", "goal"],
        None,
        "view",
        "resident",
    ),
    (
        "goal progress save",
        "manager",
        "post",
        "residents:goal_progress",
        ["resident", "goal"],
        {"status": "in_progress", "note": "Applied"},
        "change",
        "resident",
    ),
]

# URLs of the resident-data apps that write no audit row, each with the reason. Every other URL
# name in those apps must have a case above: a new view that forgets `audit.mark` fails below.
EXEMPT = {
    "activity_log:my_progress": "the mentor's own hours, streak and milestones: no resident data",
    "activity_log:my_certificate": "the mentor's own certificate of hours: no resident data",
    "activity_log:resident_access": "shows the trail, not the record (docs/privacy.md)",
    "activity_log:audit_search": "admins' view of the trail itself (ids, emails); its CSV is audited",
    "activity_log:retention_due": "ids, houses and exit dates of residents due: no names",
    "activity_log:feedback_form": "the resident's own link, anonymous: no user to record",
    "activity_log:assessment_by_link": "the resident's own link, anonymous: no user to record",
    "activity_log:feedback_mentor": "a mentor's averages over five or more answers: no resident",
    "activity_log:feedback_mine": "the mentor's own averages: no resident data",
}
# URL names whose GET shows nothing about a resident, while their POST (a case above) is audited.
GET_NOT_AUDITED = {
    "residents:create": "a blank intake form: nobody's data yet",
    "activity_log:retention_run": "the confirmation shows an id, a status and an exit date",
}
RESIDENT_DATA_URLCONFS = ["residents.urls", "matching.urls", "activity_log.urls"]


def _url_names() -> set[str]:
    import importlib

    names = set()
    for module_name in RESIDENT_DATA_URLCONFS:
        module = importlib.import_module(module_name)
        names |= {f"{module.app_name}:{p.name}" for p in module.urlpatterns}
    return names


def test_every_resident_data_url_is_audited_or_exempt_with_a_reason():
    names = _url_names()
    covered = {case[3] for case in CASES}
    missing = names - covered - set(EXEMPT)
    assert not missing, f"URLs with neither an audit case nor an EXEMPT reason: {sorted(missing)}"
    assert not set(EXEMPT) & covered, "a URL is both audited and exempt"
    stale = (set(EXEMPT) | set(GET_NOT_AUDITED)) - names
    assert not stale, f"EXEMPT names no URL any more: {sorted(stale)}"
    assert all(reason.strip() for reason in [*EXEMPT.values(), *GET_NOT_AUDITED.values()])


def test_a_get_not_audited_has_its_post_audited():
    for name in GET_NOT_AUDITED:
        methods = {case[2] for case in CASES if case[3] == name}
        assert methods == {"post"}, name


@pytest.mark.parametrize(
    "user_key,method,name,arg_keys,data,action,resident_key",
    [case[1:] for case in CASES],
    ids=[case[0] for case in CASES],
)
def test_each_resident_data_url_writes_one_audit_row(
    client, world, user_key, method, name, arg_keys, data, action, resident_key
):
    user = world[user_key]
    client.force_login(user)
    url = reverse(name, args=[world[key].pk for key in arg_keys])
    before = AuditEvent.objects.count()
    if method == "get":
        response = client.get(url)
    else:
        payload = data(world) if callable(data) else data
        response = client.post(url, payload)
    assert response.status_code in (200, 302), response.content.decode()[:1000]
    assert AuditEvent.objects.count() == before + 1
    event = AuditEvent.objects.latest("id")
    assert event.user == user
    assert event.action == action
    expected_resident = world[resident_key].pk if resident_key else None
    if expected_resident is not None:
        assert event.resident_id == expected_resident
    assert event.path == url
    assert event.ip == "127.0.0.1"


def test_an_outsider_gets_404_and_leaves_no_row(client, world, manager2):
    client.force_login(manager2)
    response = client.get(reverse("residents:detail", args=[world["resident"].pk]))
    assert response.status_code == 404
    assert not AuditEvent.objects.exists()


def test_anonymous_requests_leave_no_row(client, world):
    client.get(reverse("residents:detail", args=[world["resident"].pk]))
    assert not AuditEvent.objects.exists()


@pytest.fixture
def superuser(db):
    return f.AdminUserFactory(is_staff=True, is_superuser=True)


@pytest.mark.parametrize(
    "url_name,key,resident_key",
    [
        ("admin:residents_resident_change", "resident", "resident"),
        ("admin:residents_recoverygoal_change", "goal", "resident"),
        ("admin:residents_consentrecord_change", "consent", "resident"),
        ("admin:matching_pairing_change", "pairing", "resident"),
        ("admin:activity_log_contactlog_change", "fresh", "resident"),
    ],
)
def test_the_django_admin_audits_resident_records(
    client, world, superuser, url_name, key, resident_key
):
    client.force_login(superuser)
    url = reverse(url_name, args=[world[key].pk])
    assert client.get(url).status_code == 200
    event = AuditEvent.objects.get()
    assert (event.user, event.action) == (superuser, "view")
    assert event.resident_id == world[resident_key].pk
    assert event.object_id == str(world[key].pk)


def test_the_django_admin_audits_lists_and_changes(client, world, superuser):
    client.force_login(superuser)
    assert client.get(reverse("admin:residents_resident_changelist")).status_code == 200
    listed = AuditEvent.objects.get()
    assert (listed.action, listed.object_type) == ("view", "residents.resident.list")
    goal = world["goal"]
    response = client.post(
        reverse("admin:residents_recoverygoal_change", args=[goal.pk]),
        {
            "resident": world["resident"].pk,
            "category": "housing",
            "text": "Save for a deposit",
            "target_date": "",
            "status": "open",
            "closed_on": "",
        },
    )
    assert response.status_code == 302, response.content.decode()[:1500]
    changed = AuditEvent.objects.latest("id")
    assert (changed.action, changed.resident_id) == ("change", world["resident"].pk)
    assert AuditEvent.objects.count() == 2


def _bulk_delete(client, changelist_url: str, pks: list[int]):
    return client.post(
        changelist_url,
        {"action": "delete_selected", "_selected_action": [str(pk) for pk in pks], "post": "yes"},
    )


def test_an_admin_bulk_delete_writes_one_row_per_record(client, world, superuser):
    """The admin's "delete selected" on goals of two residents: one delete row per goal, each
    with its goal id and its resident's id, like a single delete writes."""
    first, second = world["goal"], f.RecoveryGoalFactory(resident=world["resident"])
    other = f.RecoveryGoalFactory(resident=world["waiting"])
    client.force_login(superuser)
    url = reverse("admin:residents_recoverygoal_changelist")
    response = _bulk_delete(client, url, [first.pk, second.pk, other.pk])
    assert response.status_code == 302, response.content.decode()[:1500]
    assert not type(first).objects.filter(pk__in=[first.pk, second.pk, other.pk]).exists()
    rows = AuditEvent.objects.order_by("id")
    assert {(e.object_id, e.resident_id) for e in rows} == {
        (str(first.pk), world["resident"].pk),
        (str(second.pk), world["resident"].pk),
        (str(other.pk), world["waiting"].pk),
    }
    assert {(e.user, e.action, e.object_type, e.path, e.ip) for e in rows} == {
        (superuser, "delete", "residents.recoverygoal", url, "127.0.0.1")
    }


def test_an_admin_bulk_delete_of_addenda_finds_the_resident_through_the_contact(
    client, world, superuser
):
    from activity_log.models import ContactAddendum

    addenda = [
        ContactAddendum.objects.create(contact=contact, text="Correction", created_by=superuser)
        for contact in (world["locked"], world["fresh"])
    ]
    client.force_login(superuser)
    url = reverse("admin:activity_log_contactaddendum_changelist")
    response = _bulk_delete(client, url, [a.pk for a in addenda])
    assert response.status_code == 302
    assert sorted(AuditEvent.objects.values_list("object_id", "resident_id", "action")) == sorted(
        (str(a.pk), world["resident"].pk, "delete") for a in addenda
    )

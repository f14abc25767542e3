"""The reports' roll-up: contact figures per house and program-time day, kept in step with contacts.

Counting a 30-day report for every house from the contacts themselves (285,000 rows at
`--scale large`, and the on-time window over 61 days of them) took 1.1-1.7 s. The figures that
come from contacts are kept here instead; the report sums at most houses x days x 5 rows.

- `PairingDay`: one row per pairing and day, that pairing's figures for the day.
- `ContactDay` (house, day, method: contacts, minutes, on time) and `TopicDay` (house, day,
  topic: contacts): the sums of the `PairingDay` rows of the house and day.

`pairing_rollup_refresh` runs in the transaction of every contact write (services call it
through `pairing_recompute_due`), with the pairing row locked. It recomputes the pairing's
figures from its own contacts (a pairing has tens to a few hundred), compares them with its
`PairingDay` rows to find the days that changed, whatever the write was (logged, edited, moved
to another day, removed, topics changed), and re-sums only those days of the house. The house
rows are locked (FOR NO KEY UPDATE) while a day is re-summed, so two writes in one house never
lose each other's figures.

The rules are the live computation's (reports.on_time.contacts_with_due): day = local date of
`happened_at` in the program time zone; whether a real contact (not "no answer") was on time
is the check-in rule's (matching/checkins.py, the same replay that fills `ContactLog.on_time`).
tests/activity_log/test_report_rollup.py keeps the two equal across writes.

A changed check-in interval (matching's `pairing_schedule_changed`) and a resident moved to
another house (residents' `resident_moved`) refresh their pairings too (handlers.py). Writes
that bypass the services (bulk loads such as seed_demo, the Django admin's contact or pairing
change forms, a fix in a database shell) are caught up with
`python manage.py rebuild_report_rollup`; the demo seeder runs it.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable

from django.apps import apps as global_apps
from django.db import transaction
from django.utils import timezone

from matching import checkins
from residents.models import zone_or_program

NO_ANSWER = "no_answer"
REBUILD_CHUNK = 500

Figures = dict  # {"m": {method: [contacts, minutes, on_time]}, "t": {topic_id: contacts}}


def _model(apps, name: str):
    return apps.get_model("activity_log", name)


def _days_of(
    contacts: list[tuple[int, dt.datetime, str, int]],
    topics: dict[int, list[int]],
    *,
    started_on: dt.date,
    interval_days: int,
    house_zone: str,
) -> dict[dt.date, Figures]:
    """One pairing's figures per day, from its contacts (id, happened_at, method, minutes)."""
    tz = timezone.get_current_timezone()
    on_time = checkins.on_time_by_contact(
        [c[:3] for c in contacts],
        started_on=started_on,
        interval_days=interval_days,
        tz=zone_or_program(house_zone),
    )
    days: dict[dt.date, Figures] = {}
    for contact_id, happened_at, method, minutes in sorted(contacts, key=lambda c: (c[1], c[0])):
        figures = days.setdefault(happened_at.astimezone(tz).date(), {"m": {}, "t": {}})
        row = figures["m"].setdefault(method, [0, 0, 0])
        row[0] += 1
        row[1] += minutes
        row[2] += bool(on_time[contact_id])
        for topic_id in topics.get(contact_id, ()):
            key = str(topic_id)
            figures["t"][key] = figures["t"].get(key, 0) + 1
    return days


def _pairings_days(apps, pairing_ids: list[int]) -> dict[int, tuple[int, dict]]:
    """{pairing id: (house id, {day: figures})} for these pairings, in three queries."""
    Pairing = apps.get_model("matching", "Pairing")
    ContactLog = _model(apps, "ContactLog")
    pairings = {
        pk: (house_id, started_on, interval, house_zone)
        for pk, house_id, started_on, interval, house_zone in Pairing.objects.filter(
            pk__in=pairing_ids
        ).values_list(
            "pk",
            "resident__house_id",
            "started_on",
            "checkin_interval_days",
            "resident__house__time_zone",
        )
    }
    contacts = defaultdict(list)
    for pairing_id, *contact in (
        ContactLog.objects.filter(pairing_id__in=pairing_ids)
        .order_by()
        .values_list("pairing_id", "id", "happened_at", "method", "duration_minutes")
    ):
        contacts[pairing_id].append(tuple(contact))
    topics = defaultdict(list)
    for contact_id, topic_id in (
        ContactLog.topics.through.objects.filter(contactlog__pairing_id__in=pairing_ids)
        .order_by()
        .values_list("contactlog_id", "topic_id")
    ):
        topics[contact_id].append(topic_id)
    return {
        pk: (
            house_id,
            _days_of(
                contacts[pk],
                topics,
                started_on=started_on,
                interval_days=interval,
                house_zone=house_zone,
            ),
        )
        for pk, (house_id, started_on, interval, house_zone) in pairings.items()
    }


def _add(total: dict, figures: Figures) -> None:
    for method, (n, minutes, on_time) in figures["m"].items():
        row = total["m"].setdefault(method, [0, 0, 0])
        row[0] += n
        row[1] += minutes
        row[2] += on_time
    for topic_id, n in figures["t"].items():
        total["t"][topic_id] = total["t"].get(topic_id, 0) + n


def _house_rows(apps, house_id: int, day: dt.date, total: Figures) -> tuple[list, list]:
    ContactDay, TopicDay = _model(apps, "ContactDay"), _model(apps, "TopicDay")
    contact_rows = [
        ContactDay(
            house_id=house_id, day=day, method=method, contacts=n, minutes=minutes, on_time=ok
        )
        for method, (n, minutes, ok) in total["m"].items()
    ]
    topic_rows = [
        TopicDay(house_id=house_id, day=day, topic_id=int(topic_id), contacts=n)
        for topic_id, n in total["t"].items()
    ]
    return contact_rows, topic_rows


def _resum_house_days(apps, house_id: int, days: Iterable[dt.date]) -> None:
    """ContactDay and TopicDay of these days of one house, summed again from PairingDay."""
    PairingDay = _model(apps, "PairingDay")
    days = sorted(set(days))
    totals: dict[dt.date, Figures] = {}
    for day, figures in PairingDay.objects.filter(house_id=house_id, day__in=days).values_list(
        "day", "figures"
    ):
        _add(totals.setdefault(day, {"m": {}, "t": {}}), figures)
    _model(apps, "ContactDay").objects.filter(house_id=house_id, day__in=days).delete()
    _model(apps, "TopicDay").objects.filter(house_id=house_id, day__in=days).delete()
    contact_rows, topic_rows = [], []
    for day, total in totals.items():
        c, t = _house_rows(apps, house_id, day, total)
        contact_rows += c
        topic_rows += t
    _model(apps, "ContactDay").objects.bulk_create(contact_rows)
    _model(apps, "TopicDay").objects.bulk_create(topic_rows)


def pairing_rollup_refresh(*, pairing_id: int) -> None:
    """Bring the roll-up in step with this pairing's contacts. Call inside the write's
    transaction, with the pairing row locked (as `pairing_recompute_due` is)."""
    apps = global_apps
    PairingDay = _model(apps, "PairingDay")
    found = _pairings_days(apps, [pairing_id]).get(pairing_id)
    if found is None:
        return
    house_id, new = found
    old = {row.day: row for row in PairingDay.objects.filter(pairing_id=pairing_id)}
    changed = {
        day
        for day in new.keys() | old.keys()
        if day not in old
        or day not in new
        or old[day].house_id != house_id
        or old[day].figures != new[day]
    }
    if not changed:
        return
    affected = defaultdict(set)
    for day in changed:
        if day in new:
            affected[house_id].add(day)
        if day in old:
            affected[old[day].house_id].add(day)
    House = apps.get_model("residents", "House")
    with transaction.atomic():
        # One writer per house re-sums its days; NO KEY UPDATE leaves inserts of residents and
        # pairings (which only take a key-share lock on the house) free to go on.
        list(
            House.objects.select_for_update(no_key=True)
            .filter(pk__in=sorted(affected))
            .order_by("pk")
            .values_list("pk", flat=True)
        )
        PairingDay.objects.filter(pairing_id=pairing_id, day__in=changed).delete()
        PairingDay.objects.bulk_create(
            PairingDay(pairing_id=pairing_id, house_id=house_id, day=day, figures=new[day])
            for day in changed
            if day in new
        )
        for house, days in sorted(affected.items()):
            _resum_house_days(apps, house, days)


def resident_rollup_refresh(*, resident_id: int) -> None:
    """Every pairing of the resident, locked, brought in step (after a move to another house)."""
    Pairing = global_apps.get_model("matching", "Pairing")
    with transaction.atomic():
        ids = list(
            Pairing.objects.select_for_update()
            .filter(resident_id=resident_id)
            .order_by("pk")
            .values_list("pk", flat=True)
        )
        for pairing_id in ids:
            pairing_rollup_refresh(pairing_id=pairing_id)


def rollup_rebuild(*, apps=global_apps, chunk: int = REBUILD_CHUNK) -> int:
    """Recompute the whole roll-up from the contacts. Returns the number of PairingDay rows.

    Holds every house row (FOR NO KEY UPDATE) until it commits, so contact writes wait for it
    rather than interleave with it."""
    Pairing = apps.get_model("matching", "Pairing")
    House = apps.get_model("residents", "House")
    PairingDay = _model(apps, "PairingDay")
    written = 0
    with transaction.atomic():
        list(House.objects.select_for_update(no_key=True).order_by("pk").values_list("pk"))
        for name in ("PairingDay", "ContactDay", "TopicDay"):
            _model(apps, name).objects.all().delete()
        ids = list(Pairing.objects.order_by("pk").values_list("pk", flat=True))
        totals: dict[tuple[int, dt.date], Figures] = {}
        for start in range(0, len(ids), chunk):
            rows = []
            for pairing_id, (house_id, days) in _pairings_days(
                apps, ids[start : start + chunk]
            ).items():
                for day, figures in days.items():
                    rows.append(
                        PairingDay(
                            pairing_id=pairing_id, house_id=house_id, day=day, figures=figures
                        )
                    )
                    _add(totals.setdefault((house_id, day), {"m": {}, "t": {}}), figures)
            PairingDay.objects.bulk_create(rows, batch_size=2000)
            written += len(rows)
        contact_rows, topic_rows = [], []
        for (house_id, day), total in totals.items():
            c, t = _house_rows(apps, house_id, day, total)
            contact_rows += c
            topic_rows += t
        _model(apps, "ContactDay").objects.bulk_create(contact_rows, batch_size=2000)
        _model(apps, "TopicDay").objects.bulk_create(topic_rows, batch_size=2000)
    return written


# --- Reads (the reports page) --------------------------------------------------------------------


def rolled_up_contacts(
    house_ids: tuple[int, ...] | None, start: dt.date, end: dt.date
) -> tuple[dict[str, tuple[int, int, int]], list[tuple[str, int]]]:
    """({method: (contacts, minutes, on_time)}, [(topic name, contacts)] most first) for the
    houses (None: every house) and days `start` to `end` inclusive. Two queries."""
    from django.db.models import Sum

    from activity_log.models import ContactDay, TopicDay

    days = ContactDay.objects.filter(day__gte=start, day__lte=end)
    topics = TopicDay.objects.filter(day__gte=start, day__lte=end)
    if house_ids is not None:
        days = days.filter(house_id__in=house_ids)
        topics = topics.filter(house_id__in=house_ids)
    by_method = {
        method: (n or 0, minutes or 0, on_time or 0)
        for method, n, minutes, on_time in days.order_by()
        .values("method")
        .annotate(n=Sum("contacts"), minutes=Sum("minutes"), on_time=Sum("on_time"))
        .values_list("method", "n", "minutes", "on_time")
    }
    by_topic = list(
        topics.order_by()
        .values("topic__name")
        .annotate(n=Sum("contacts"))
        .order_by("-n", "topic__name")
        .values_list("topic__name", "n")
    )
    return by_method, by_topic

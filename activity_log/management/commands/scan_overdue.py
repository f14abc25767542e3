"""`python manage.py scan_overdue`: the overdue scan Celery beat runs every minute, by hand."""

from __future__ import annotations

from django.core.management.base import BaseCommand

from activity_log.reminders.scan import scan_overdue
from activity_log.reminders.send import send_all_due


class Command(BaseCommand):
    help = (
        "Writes the reminders owed now (mentor, manager, training, follow-up, attendance) "
        "and sends what is due."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--no-send", action="store_true", help="Only write reminders; a worker sends them."
        )

    def handle(self, *args, **options) -> None:
        scan = scan_overdue(enqueue=False)
        self.stdout.write(
            f"New reminders: {scan.mentor_overdue} mentor, {scan.manager_escalation} manager "
            f"escalation, {scan.training_expiring} training expiring."
        )
        self.stdout.write(
            f"New notices: {scan.follow_up} follow-up, "
            f"{scan.attendance_missing} attendance not taken."
        )
        if scan.skipped_houses:
            # Ids only; the log says why.
            self.stderr.write(
                "Skipped houses (see the log): " + ", ".join(map(str, scan.skipped_houses))
            )
        if options["no_send"]:
            return
        sent = send_all_due()
        self.stdout.write(
            f"Sent {sent.emails} emails covering {sent.sent} reminders; {sent.failed} failed "
            f"(will retry), {sent.gave_up} gave up, {sent.deferred} wait for quiet hours to end."
        )
        if sent.stopped:
            self.stdout.write(
                "Stopped at the time limit; the rest is sent by the worker or the next run."
            )

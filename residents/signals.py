"""Events residents sends to higher apps (they subscribe in their own handlers.py).

resident_exited(sender=Resident, resident=Resident, exit_date=date, status=str)
    Sent once, after commit, when a resident graduates, moves out or is discharged.
    Only `residents.services.resident_exit` sends it: it locks the resident row, refuses a
    resident who already left (so a resent form or two managers at once send it once), saves
    status, exit_date and exit_reason, and sends through `transaction.on_commit`, so nothing
    is sent for an exit that rolled back. `status` is one of "graduated", "moved_out",
    "discharged"; `resident` is the saved instance (its `house_id` is loaded).
    Receivers run inside the request after the commit: keep them quick and idempotent.
    matching/handlers.py ends the resident's open pairing with reason "resident left".
    The Django admin shows a resident's status read-only, so it never bypasses this.


resident_moved(sender=Resident, resident=Resident, old_house_id=int)
    Sent by `residents.services.resident_update` inside its transaction when the resident's
    house changed. Reports count a resident's contacts under their current house, so
    activity_log/handlers.py moves them in the reports' roll-up.
"""

from django.dispatch import Signal

resident_exited = Signal()
resident_moved = Signal()

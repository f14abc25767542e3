"""Events residents sends to higher apps (they subscribe in their own handlers.py).

resident_exited(sender=Resident, resident=Resident, exit_date=date, status=str)
    Sent once, after commit, when a resident graduates, moves out or is discharged.
    matching/handlers.py ends the resident's open pairing with reason "resident left".
"""

from django.dispatch import Signal

resident_exited = Signal()

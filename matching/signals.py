"""Events matching sends to higher apps (they subscribe in their own handlers.py).

pairing_ended(sender=Pairing, pairing=Pairing)
    Sent once, after commit, when a pairing ends (a manager ended it, it was reassigned, or the
    resident left). Only `matching.services.pairing_end` sends it, through
    `transaction.on_commit`, after locking the row and refusing a pairing that already ended, so
    an end that rolled back sends nothing and two managers at once send it once.
    activity_log/handlers.py asks the resident for feedback on the mentoring (one request per
    pairing, kept unique by the database).

pairing_schedule_changed(sender=Pairing, pairing=Pairing)
    Sent by `matching.services.pairing_change_interval` inside its transaction, with the pairing
    row locked and the new interval saved. Whether past check-ins were on time depends on the
    interval, so activity_log/handlers.py recomputes the pairing in the reports' roll-up.
"""

from django.dispatch import Signal

pairing_ended = Signal()
pairing_schedule_changed = Signal()

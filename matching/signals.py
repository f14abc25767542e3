"""Events matching sends to higher apps (they subscribe in their own handlers.py).

pairing_ended(sender=Pairing, pairing=Pairing)
    Sent once, after commit, when a pairing ends (a manager ended it, it was reassigned, or the
    resident left). Only `matching.services.pairing_end` sends it, through
    `transaction.on_commit`, after locking the row and refusing a pairing that already ended, so
    an end that rolled back sends nothing and two managers at once send it once.
    activity_log/handlers.py asks the resident for feedback on the mentoring (one request per
    pairing, kept unique by the database).

pairing_created(sender=Pairing, pairing=Pairing)
    Sent by `matching.services.pairing_create` (a new pairing or a reassignment) inside its
    transaction, after the pairing is saved: a double submit creates one pairing, so one
    signal. activity_log/handlers.py writes the mentor's "new mentee" notice to the outbox in
    the same transaction (once per pairing, kept unique by the database).

pairing_paused(sender=Pairing, pairing=Pairing, reason=str)
    Sent by `matching.services.pairing_pause` inside its transaction, with the pairing row
    locked and paused. For reason "mentor away", activity_log/handlers.py tells the managers
    of the resident's house (through the outbox, once per pairing and away period).

pairing_schedule_changed(sender=Pairing, pairing=Pairing)
    Sent by `matching.services.pairing_change_interval` inside its transaction, with the pairing
    row locked and the new interval saved. Whether past check-ins were on time depends on the
    interval, so activity_log/handlers.py recomputes the pairing in the reports' roll-up.
"""

from django.dispatch import Signal

pairing_created = Signal()
pairing_ended = Signal()
pairing_paused = Signal()
pairing_schedule_changed = Signal()

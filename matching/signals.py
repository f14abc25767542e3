"""Events matching sends to higher apps (they subscribe in their own handlers.py).

pairing_schedule_changed(sender=Pairing, pairing=Pairing)
    Sent by `matching.services.pairing_change_interval` inside its transaction, with the pairing
    row locked and the new interval saved. Whether past check-ins were on time depends on the
    interval, so activity_log/handlers.py recomputes the pairing in the reports' roll-up.
"""

from django.dispatch import Signal

pairing_schedule_changed = Signal()

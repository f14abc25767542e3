"""Events mentors sends to higher apps (they subscribe in their own handlers.py).

mentor_unavailable(sender=Mentor, mentor=Mentor, status=str)
    Sent once, after commit, when a mentor goes on break or retires.
    matching/handlers.py pauses the mentor's active pairings (pause reason "mentor unavailable")
    so their residents go to the top of the waiting queue, marked.

mentor_away_changed(sender=Mentor, mentor=Mentor)
    Sent once, after commit, when a mentor sets or clears "away from ... back on ..." on My
    profile. matching/handlers.py pauses their active pairings now if the period has begun
    (reason "mentor away"), or resumes the ones it paused if it is over.

training_recorded(sender=TrainingRecord, mentors=list[Mentor])
    Sent once, after commit, when training is recorded for one mentor or a whole session.
    activity_log/handlers.py records the volunteer-hour milestones the new hours crossed.
"""

from django.dispatch import Signal

mentor_away_changed = Signal()
mentor_unavailable = Signal()
training_recorded = Signal()

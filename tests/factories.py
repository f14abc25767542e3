"""factory_boy factories for every model. Import what you need: `from tests import factories as f`."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import factory
from django.contrib.auth.models import Group
from django.utils import timezone

from activity_log.models import Attendance, ContactLog, GroupSession, Reminder, Topic
from matching import checkins
from matching.models import Pairing
from mentoring_site.models import User
from mentoring_site.roles import ADMIN_GROUP, MANAGER_GROUP, MENTOR_GROUP
from mentors.models import Mentor, TrainingCourse, TrainingRecord
from residents.models import ConsentRecord, House, RecoveryGoal, Resident

PASSWORD = "correct-horse-battery-9"
# Staff users made by these factories are enrolled in TOTP with this secret (see give_totp).
TOTP_SECRET = "JBSWY3DPEHPK3PXP"


def give_totp(user: User, secret: str = TOTP_SECRET):
    """Enrols the user in TOTP the way allauth stores it (the adapter encrypts the secret)."""
    from allauth.mfa.adapter import get_adapter
    from allauth.mfa.models import Authenticator

    return Authenticator.objects.create(
        user=user, type=Authenticator.Type.TOTP, data={"secret": get_adapter().encrypt(secret)}
    )


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"user{n}@example.org")
    first_name = factory.Faker("first_name")
    last_name = factory.Faker("last_name")
    password = factory.django.Password(PASSWORD)

    @factory.post_generation
    def group(self, create, extracted, **kwargs):
        if create and extracted:
            self.groups.add(Group.objects.get(name=extracted))

    # Staff (admins, managers) get a TOTP authenticator so they pass the two-factor gate;
    # pass `totp=False` for one who has not set it up.
    totp = factory.PostGeneration(lambda obj, create, extracted, **kwargs: extracted)

    @classmethod
    def _after_postgeneration(cls, instance, create, results=None):
        super()._after_postgeneration(instance, create, results)
        if not create or (results or {}).get("totp") is False:
            return
        staff_groups = [ADMIN_GROUP, MANAGER_GROUP]
        if instance.is_superuser or instance.groups.filter(name__in=staff_groups).exists():
            give_totp(instance)


def _in_group(name: str):
    def add(obj, create, extracted, **kwargs):
        if create:
            obj.groups.add(Group.objects.get(name=extracted or name))

    return factory.PostGeneration(add)


class AdminUserFactory(UserFactory):
    group = _in_group(ADMIN_GROUP)


class ManagerUserFactory(UserFactory):
    group = _in_group(MANAGER_GROUP)


class MentorUserFactory(UserFactory):
    group = _in_group(MENTOR_GROUP)


class HouseFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = House
        skip_postgeneration_save = True

    name = factory.Sequence(lambda n: f"House {n}")
    address = "1 Main Street"
    time_zone = "America/New_York"
    beds = 10

    @factory.post_generation
    def managers(self, create, extracted, **kwargs):
        if create and extracted:
            self.managers.add(*extracted)


class ResidentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Resident

    preferred_name = factory.Faker("first_name")
    first_name = factory.SelfAttribute("preferred_name")
    last_name = factory.Faker("last_name")
    house = factory.SubFactory(HouseFactory)
    move_in_date = factory.LazyFunction(lambda: timezone.localdate() - dt.timedelta(days=60))
    status = Resident.Status.ACTIVE


class ConsentRecordFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ConsentRecord

    resident = factory.SubFactory(ResidentFactory)
    granted_on = factory.LazyFunction(lambda: timezone.localdate() - dt.timedelta(days=30))
    expires_on = factory.LazyFunction(lambda: timezone.localdate() + dt.timedelta(days=335))


class RecoveryGoalFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = RecoveryGoal

    resident = factory.SubFactory(ResidentFactory)
    category = RecoveryGoal.Category.EMPLOYMENT
    text = "Find a part-time job"


class MentorFactory(factory.django.DjangoModelFactory):
    """An applicant by default; use ClearedMentorFactory for one who may be paired."""

    class Meta:
        model = Mentor
        skip_postgeneration_save = True

    user = factory.SubFactory(MentorUserFactory)
    status = Mentor.Status.APPLICANT
    recovery_since = factory.LazyFunction(lambda: timezone.localdate() - dt.timedelta(days=5 * 365))
    capacity = 3
    serves_all_houses = True


def complete_required_training(mentor: Mentor, on: dt.date | None = None) -> None:
    on = on or timezone.localdate() - dt.timedelta(days=30)
    for course in TrainingCourse.objects.filter(required=True, is_active=True):
        TrainingRecord.objects.create(
            mentor=mentor,
            course=course,
            completed_on=on,
            expires_on=course.expiry_for(on),
            hours=course.hours,
        )


class ClearedMentorFactory(MentorFactory):
    status = Mentor.Status.ACTIVE

    @factory.post_generation
    def trained(self, create, extracted, **kwargs):
        if create and extracted is not False:
            complete_required_training(self)


class TrainingCourseFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = TrainingCourse

    name = factory.Sequence(lambda n: f"Course {n}")
    required = False
    hours = Decimal("2")


class TrainingRecordFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = TrainingRecord

    mentor = factory.SubFactory(MentorFactory)
    course = factory.SubFactory(TrainingCourseFactory)
    completed_on = factory.LazyFunction(lambda: timezone.localdate() - dt.timedelta(days=10))
    expires_on = factory.LazyAttribute(lambda o: o.course.expiry_for(o.completed_on))
    hours = factory.LazyAttribute(lambda o: o.course.hours)


class PairingFactory(factory.django.DjangoModelFactory):
    """An active pairing whose next_due_at follows the design's rule."""

    class Meta:
        model = Pairing
        skip_postgeneration_save = True

    mentor = factory.SubFactory(ClearedMentorFactory)
    resident = factory.SubFactory(ResidentFactory)
    status = Pairing.Status.ACTIVE
    started_on = factory.LazyFunction(lambda: timezone.localdate() - dt.timedelta(days=14))
    checkin_interval_days = 7

    @factory.post_generation
    def due(self, create, extracted, **kwargs):
        if create:
            self.refresh_due()
            self.save(update_fields=["next_due_at", "overdue_at"])


def set_due(pairing: Pairing, due_at: dt.datetime | None, **fields) -> Pairing:
    """Stores a due time as the check-in rule would have (next_due_at and its overdue_at),
    with any other `fields`, without a contact history that leads to it."""
    overdue_at = None if due_at is None else checkins.overdue_from(due_at, pairing.zone)
    Pairing.objects.filter(pk=pairing.pk).update(
        next_due_at=due_at, overdue_at=overdue_at, **fields
    )
    pairing.refresh_from_db()
    return pairing


class ContactLogFactory(factory.django.DjangoModelFactory):
    """A contact saved as it is, the pairing's due time untouched; its `on_time` (and that of
    the pairing's other contacts) judged by the check-in rule, as every contact write does."""

    class Meta:
        model = ContactLog
        skip_postgeneration_save = True

    pairing = factory.SubFactory(PairingFactory)
    happened_at = factory.LazyFunction(lambda: timezone.now() - dt.timedelta(days=1))
    method = ContactLog.Method.IN_PERSON
    duration_minutes = 30
    created_by = factory.LazyAttribute(lambda o: o.pairing.mentor.user)

    @factory.post_generation
    def judged(self, create, extracted, **kwargs):
        if create:
            from activity_log.contacts.services import contacts_judge

            contacts_judge(pairing=self.pairing)
            self.refresh_from_db(fields=["on_time"])


class ReminderFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Reminder

    kind = Reminder.Kind.MENTOR_OVERDUE
    pairing = factory.SubFactory(PairingFactory)
    subject_key = factory.LazyAttribute(lambda o: f"pairing:{o.pairing.pk}")
    due_at = factory.LazyFunction(lambda: timezone.now() - dt.timedelta(days=1))
    recipient = factory.LazyAttribute(lambda o: o.pairing.mentor.user)
    send_after = factory.LazyFunction(timezone.now)


def topic(slug: str) -> Topic:
    return Topic.objects.get(slug=slug)


# --- Group sessions (issue 18) ----------------------------------------------------------------


class GroupSessionFactory(factory.django.DjangoModelFactory):
    """A house meeting two days ago, attendance not taken. Pass `facilitator_mentors=[...]`."""

    class Meta:
        model = GroupSession
        skip_postgeneration_save = True

    house = factory.SubFactory(HouseFactory)
    kind = GroupSession.Kind.HOUSE_MEETING
    title = "House meeting"
    starts_at = factory.LazyFunction(lambda: timezone.now() - dt.timedelta(days=2))
    duration_minutes = 60
    created_by = factory.SubFactory(ManagerUserFactory)

    @factory.post_generation
    def facilitator_mentors(self, create, extracted, **kwargs):
        if create and extracted:
            self.facilitator_mentors.add(*extracted)


class AttendanceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Attendance

    session = factory.SubFactory(GroupSessionFactory)
    resident = factory.SubFactory(ResidentFactory, house=factory.SelfAttribute("..session.house"))

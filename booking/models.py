"""The booking domain: who offers what, when, and who booked it.

Every write that must be race-safe (booking, cancelling, rescheduling, generating slots) lives
in ``booking/services/``; the rules about one object live here.
"""

import secrets
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import models
from django.db.models import Exists, F, OuterRef, Q
from django.db.models.functions import Upper
from django.utils import timezone

# No 0/O, 1/I/L: a reference is read out over the phone.
REFERENCE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
REFERENCE_LENGTH = 6


def clinic_tz() -> ZoneInfo:
    return ZoneInfo(settings.TIME_ZONE)


def new_reference() -> str:
    return "HO-" + "".join(secrets.choice(REFERENCE_ALPHABET) for _ in range(REFERENCE_LENGTH))


class PatientKind(models.TextChoices):
    NEW = "new", "New patient"
    RETURNING = "returning", "Returning patient"


# Words before a name that are not part of its initials.
NAME_PREFIXES = {"dr", "dr.", "mr", "mr.", "mrs", "mrs.", "ms", "ms.", "mx", "mx.", "prof", "prof."}


class Clinician(models.Model):
    name = models.CharField(max_length=120)
    title = models.CharField(max_length=120, blank=True, help_text="For example: Physiatrist.")
    bio = models.TextField(max_length=1000, blank=True)
    active = models.BooleanField(default=True)
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="clinician",
        help_text="The staff account of this clinician, if they have one.",
    )
    slug = models.SlugField(unique=True)

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name

    @property
    def initials(self) -> str:
        """'MO' for 'Dr. Maya Okafor': first and last name, without titles such as Dr."""
        words = [word for word in self.name.split() if word.lower() not in NAME_PREFIXES and word[:1].isalpha()]
        if not words:
            return "?"
        letters = words[0][0] + (words[-1][0] if len(words) > 1 else "")
        return letters.upper()


class AppointmentType(models.Model):
    class Kind(models.TextChoices):
        NEW = "new", "New patients only"
        RETURNING = "returning", "Returning patients only"
        ANY = "any", "New and returning patients"

    name = models.CharField(max_length=120)
    slug = models.SlugField(unique=True)
    description = models.TextField(blank=True, help_text="What this appointment is for.")
    what_to_bring = models.TextField(blank=True)
    duration_minutes = models.PositiveSmallIntegerField()
    buffer_minutes = models.PositiveSmallIntegerField(default=0, help_text="Time kept free after each appointment.")
    patient_kind = models.CharField(max_length=10, choices=Kind.choices, default=Kind.ANY)
    active = models.BooleanField(default=True)
    # Some visits must be planned with the patient first (radiation around a surgery date; FOP):
    # they are never booked online, and their page gives the phone number and the reason.
    call_to_book = models.BooleanField(
        "call to book",
        default=False,
        help_text="Patients phone to book this type; it cannot be booked online. Staff can still book it.",
    )
    call_to_book_reason = models.TextField(
        "why patients call",
        blank=True,
        help_text="Shown with the phone number on this type's booking page, for example why the timing matters.",
    )
    phone_note = models.CharField(
        max_length=200,
        blank=True,
        help_text="A short line shown with the clinic's phone number on this type's booking page, for example: "
        "Surgery in the next 14 days, or just had it? Call us.",
    )
    order = models.PositiveSmallIntegerField(default=0)
    clinicians = models.ManyToManyField(Clinician, related_name="appointment_types", blank=True)

    class Meta:
        ordering = ["order", "name"]
        constraints = [
            models.CheckConstraint(condition=Q(duration_minutes__gte=1), name="appointmenttype_duration_positive"),
        ]

    def __str__(self):
        return self.name

    @property
    def duration(self) -> timedelta:
        return timedelta(minutes=self.duration_minutes)

    @property
    def step(self) -> timedelta:
        return timedelta(minutes=self.duration_minutes + self.buffer_minutes)

    def accepts(self, patient_kind: str) -> bool:
        """Does this type take this kind of patient (new or returning)?"""
        return self.patient_kind in (self.Kind.ANY, patient_kind)


class WeeklyHoursQuerySet(models.QuerySet):
    def valid_on(self, day: date):
        return self.filter(weekday=day.weekday(), valid_from__lte=day).filter(
            Q(valid_until__isnull=True) | Q(valid_until__gte=day)
        )


class WeeklyHours(models.Model):
    class Weekday(models.IntegerChoices):
        MONDAY = 0
        TUESDAY = 1
        WEDNESDAY = 2
        THURSDAY = 3
        FRIDAY = 4
        SATURDAY = 5
        SUNDAY = 6

    clinician = models.ForeignKey(Clinician, on_delete=models.CASCADE, related_name="weekly_hours")
    weekday = models.PositiveSmallIntegerField(choices=Weekday.choices)
    start_time = models.TimeField(help_text="Clinic local time.")
    end_time = models.TimeField(help_text="Clinic local time.")
    appointment_type = models.ForeignKey(AppointmentType, on_delete=models.PROTECT, related_name="weekly_hours")
    valid_from = models.DateField()
    valid_until = models.DateField(null=True, blank=True, help_text="Last day these hours apply; empty: no end.")

    objects = WeeklyHoursQuerySet.as_manager()

    class Meta:
        verbose_name_plural = "weekly hours"
        ordering = ["clinician", "weekday", "start_time"]
        constraints = [
            models.CheckConstraint(condition=Q(start_time__lt=F("end_time")), name="weeklyhours_start_before_end"),
            models.CheckConstraint(condition=Q(weekday__lte=6), name="weeklyhours_weekday_range"),
            models.CheckConstraint(
                condition=Q(valid_until__isnull=True) | Q(valid_until__gte=F("valid_from")),
                name="weeklyhours_valid_range",
            ),
        ]

    def __str__(self):
        return f"{self.clinician} {self.get_weekday_display()} {self.start_time:%H:%M}-{self.end_time:%H:%M}"


class ClosureQuerySet(models.QuerySet):
    def overlapping(self, start: datetime, end: datetime):
        return self.filter(starts_at__lt=end, ends_at__gt=start)

    def affecting(self, clinician_id: int):
        """Closures of the whole clinic or of this clinician."""
        return self.filter(Q(clinician__isnull=True) | Q(clinician_id=clinician_id))


class Closure(models.Model):
    clinician = models.ForeignKey(
        Clinician,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="closures",
        help_text="Empty: the whole clinic is closed.",
    )
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField()
    reason = models.CharField(max_length=200, help_text="For example: public holiday, training.")

    objects = ClosureQuerySet.as_manager()

    class Meta:
        ordering = ["starts_at"]
        constraints = [
            models.CheckConstraint(condition=Q(starts_at__lt=F("ends_at")), name="closure_start_before_end"),
        ]
        indexes = [models.Index(fields=["starts_at", "ends_at"], name="closure_range_idx")]

    def __str__(self):
        who = self.clinician or "Whole clinic"
        return f"{who}: {self.reason}"

    @classmethod
    def for_local_dates(
        cls, *, first_day: date, last_day: date | None = None, reason: str, clinician: Clinician | None = None
    ) -> "Closure":
        """Create a closure from local midnight of ``first_day`` to local midnight after ``last_day``."""
        last_day = last_day or first_day
        tz = clinic_tz()
        return cls.objects.create(
            clinician=clinician,
            starts_at=datetime.combine(first_day, time(0), tzinfo=tz),
            ends_at=datetime.combine(last_day + timedelta(days=1), time(0), tzinfo=tz),
            reason=reason,
        )


def min_notice() -> timedelta:
    return timedelta(hours=settings.BOOKING_MIN_NOTICE_HOURS)


def horizon() -> timedelta:
    return timedelta(days=settings.BOOKING_HORIZON_DAYS)


def change_cutoff() -> timedelta:
    return timedelta(hours=settings.BOOKING_CHANGE_CUTOFF_HOURS)


class SlotQuerySet(models.QuerySet):
    def free(self):
        return self.filter(blocked=False, booked_count__lt=F("capacity"))

    def between(self, start: datetime, end: datetime):
        return self.filter(start__gte=start, start__lt=end)

    def for_type(self, appointment_type):
        return self.filter(appointment_type=appointment_type)

    def outside_closures(self):
        closed = Closure.objects.filter(
            Q(clinician__isnull=True) | Q(clinician=OuterRef("clinician")),
            starts_at__lt=OuterRef("end"),
            ends_at__gt=OuterRef("start"),
        )
        return self.filter(~Exists(closed))

    def bookable(self, now: datetime):
        """Slots a patient can book online at ``now``: the same rules as ``Slot.is_bookable``."""
        return (
            self.free()
            .between(now + min_notice(), now + horizon())
            .filter(appointment_type__active=True, clinician__active=True)
            .outside_closures()
        )


class Slot(models.Model):
    clinician = models.ForeignKey(Clinician, on_delete=models.PROTECT, related_name="slots")
    appointment_type = models.ForeignKey(AppointmentType, on_delete=models.PROTECT, related_name="slots")
    start = models.DateTimeField()
    end = models.DateTimeField()
    capacity = models.PositiveSmallIntegerField(default=1)
    blocked = models.BooleanField(default=False, help_text="A blocked slot cannot be booked.")
    # Maintained by booking.services under the slot's row lock; the check constraint keeps it honest.
    booked_count = models.PositiveSmallIntegerField(default=0, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = SlotQuerySet.as_manager()

    class Meta:
        ordering = ["start", "clinician"]
        constraints = [
            models.UniqueConstraint(fields=["clinician", "start"], name="slot_unique_clinician_start"),
            models.CheckConstraint(condition=Q(start__lt=F("end")), name="slot_start_before_end"),
            models.CheckConstraint(condition=Q(capacity__gte=1), name="slot_capacity_positive"),
            models.CheckConstraint(
                condition=Q(booked_count__gte=0) & Q(booked_count__lte=F("capacity")),
                name="slot_booked_count_within_capacity",
            ),
        ]
        indexes = [
            models.Index(fields=["appointment_type", "start"], name="slot_type_start_idx"),
            # (clinician, start) is covered by the unique constraint's index.
            # By time alone: the admin booking list (newest first), reminders, retention.
            models.Index(fields=["start"], name="slot_start_idx"),
        ]

    def __str__(self):
        return f"{self.clinician} {self.local_start:%Y-%m-%d %H:%M} {self.appointment_type}"

    @property
    def local_start(self) -> datetime:
        return self.start.astimezone(clinic_tz())

    @property
    def local_end(self) -> datetime:
        return self.end.astimezone(clinic_tz())

    @property
    def is_full(self) -> bool:
        return self.booked_count >= self.capacity

    def closures(self):
        return Closure.objects.affecting(self.clinician_id).overlapping(self.start, self.end)

    def booking_problem(self, now: datetime, *, staff: bool = False) -> str | None:
        """Why this slot cannot be booked at ``now``, as a message for the patient; ``None`` if it can.

        Staff may book inside the minimum notice and beyond the horizon (a receptionist on the
        phone knows the clinic can fit it in), but never in the past, a blocked slot, a closure,
        or an inactive appointment type or clinician. Capacity is not checked here: running out
        of room is ``SlotUnavailable``, not a rule.
        """
        if self.start <= now:
            return "This time has already passed. Please choose another time."
        if self.blocked:
            return "This time is not available for booking. Please choose another time."
        if not (self.appointment_type.active and self.clinician.active):
            return "This appointment is no longer offered online. Please choose another time."
        if not staff:
            if self.start < now + min_notice():
                hours = settings.BOOKING_MIN_NOTICE_HOURS
                return f"Appointments must be booked at least {hours} hours ahead. Please choose a later time."
            if self.start >= now + horizon():
                days = settings.BOOKING_HORIZON_DAYS
                return f"Appointments can be booked up to {days} days ahead. Please choose an earlier time."
        if self.closures().exists():  # last: the only rule that costs a query
            return "The clinic is closed at this time. Please choose another time."
        return None

    def accepts(self, patient_kind: str) -> bool:
        return self.appointment_type.accepts(patient_kind)

    def is_bookable(self, now: datetime) -> bool:
        """Can a patient book this slot online at ``now``? (One query, for closures.)"""
        return not self.is_full and self.booking_problem(now) is None


class BookingQuerySet(models.QuerySet):
    def active(self):
        return self.filter(status__in=Booking.ACTIVE_STATUSES)

    def visible_to(self, user):
        """The bookings a staff user may open: all of them with ``view_all_bookings``, else those of
        the clinician linked to the user."""
        from booking.permissions import can_see_all_bookings

        if can_see_all_bookings(user):
            return self
        return self.filter(slot__clinician__user=user)


class Booking(models.Model):
    class Status(models.TextChoices):
        CONFIRMED = "confirmed", "Confirmed"
        CANCELLED = "cancelled", "Cancelled"
        ATTENDED = "attended", "Attended"
        NO_SHOW = "no_show", "No-show"

    class Source(models.TextChoices):
        ONLINE = "online", "Online"
        STAFF = "staff", "Staff"

    class CancelledBy(models.TextChoices):
        PATIENT = "patient", "Patient"
        CLINIC = "clinic", "Clinic"

    # Bookings that hold a seat in their slot.
    ACTIVE_STATUSES = (Status.CONFIRMED, Status.ATTENDED, Status.NO_SHOW)

    slot = models.ForeignKey(Slot, on_delete=models.PROTECT, related_name="bookings")
    seat = models.PositiveSmallIntegerField(default=1)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.CONFIRMED)
    reference = models.CharField(max_length=9, unique=True, default=new_reference, editable=False)
    patient_name = models.CharField(max_length=200)
    email = models.EmailField()
    phone = models.CharField(max_length=40)
    date_of_birth = models.DateField()
    patient_kind = models.CharField(max_length=10, choices=PatientKind.choices)
    reason = models.TextField(max_length=500, blank=True)
    accessibility_needs = models.TextField(max_length=500, blank=True)
    consent_at = models.DateTimeField(null=True, blank=True)
    source = models.CharField(max_length=10, choices=Source.choices, default=Source.ONLINE)
    created_at = models.DateTimeField(default=timezone.now)
    cancelled_at = models.DateTimeField(null=True, blank=True)
    cancellation_reason = models.CharField(max_length=500, blank=True)
    cancelled_by = models.CharField(max_length=10, choices=CancelledBy.choices, blank=True)
    cancelled_by_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # Bumped on every reschedule and cancellation, so that older manage links stop working.
    version = models.PositiveIntegerField(default=1)
    # A random key per booking form: submitting the same form twice returns the first booking.
    # NULL, not "", for bookings without a key (staff), so the unique constraint ignores them.
    submission_key = models.CharField(max_length=64, null=True, blank=True, editable=False)  # noqa: DJ001
    # Set when the retention job or an erasure request removed the personal data.
    anonymised_at = models.DateTimeField(null=True, blank=True, editable=False)

    objects = BookingQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        permissions = [
            ("view_booking_reason", "Can see the patient's reason for visit"),
            ("view_all_bookings", "Can see the bookings of every clinician"),
            ("mark_attendance", "Can mark bookings attended or no-show"),
            ("export_bookings", "Can export bookings as CSV"),
            ("erase_personal_data", "Can erase a patient's personal data"),
        ]
        constraints = [
            # The last line of defence behind the slot lock: one active booking per seat, so a
            # capacity-1 slot can never hold two. Services pick seats from 1..capacity.
            models.UniqueConstraint(
                fields=["slot", "seat"],
                condition=Q(status__in=["confirmed", "attended", "no_show"]),
                name="booking_one_active_per_seat",
            ),
            models.CheckConstraint(condition=Q(seat__gte=1), name="booking_seat_positive"),
            models.UniqueConstraint(fields=["submission_key"], name="booking_unique_submission_key"),
        ]
        indexes = [
            models.Index(fields=["status", "slot"], name="booking_status_slot_idx"),
            # "Email me my links" looks bookings up by email in any letter case (email__iexact).
            models.Index(Upper("email"), name="booking_email_upper_idx"),
            # Staff find a caller by date of birth, or by a whole phone number (stored normalised).
            models.Index(fields=["date_of_birth"], name="booking_date_of_birth_idx"),
            models.Index(fields=["phone"], name="booking_phone_idx"),
        ]

    def __str__(self):
        return self.reference

    @property
    def is_active(self) -> bool:
        return self.status in self.ACTIVE_STATUSES

    @property
    def local_start(self) -> datetime:
        return self.slot.local_start

    def can_be_changed(self, now: datetime) -> bool:
        """Can the patient still cancel or reschedule? Only a confirmed booking, at least the cut-off ahead."""
        return self.status == self.Status.CONFIRMED and self.slot.start - now >= change_cutoff()


class BookingEvent(models.Model):
    class ActorKind(models.TextChoices):
        PATIENT = "patient", "Patient"
        STAFF = "staff", "Staff"
        SYSTEM = "system", "System"

    class Action(models.TextChoices):
        CREATED = "created", "Created"
        CANCELLED = "cancelled", "Cancelled"
        RESCHEDULED = "rescheduled", "Rescheduled"
        ATTENDED = "attended", "Attended"
        NO_SHOW = "no_show", "No-show"
        VIEWED = "viewed", "Viewed"
        EXPORTED = "exported", "Exported"
        ANONYMISED = "anonymised", "Anonymised"
        NOTIFIED = "notified", "Notified"
        DETAILS_CHANGED = "details_changed", "Contact details changed"

    booking = models.ForeignKey(Booking, on_delete=models.CASCADE, related_name="events")
    at = models.DateTimeField(default=timezone.now)
    actor_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    actor_kind = models.CharField(max_length=10, choices=ActorKind.choices)
    action = models.CharField(max_length=20, choices=Action.choices)
    # Never personal data: ids, statuses, times.
    detail = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["at", "id"]

    def __str__(self):
        return f"{self.booking_id} {self.action} by {self.actor_kind}"


class Notification(models.Model):
    class Kind(models.TextChoices):
        CONFIRMATION = "confirmation", "Confirmation"
        RESCHEDULE = "reschedule", "Reschedule"
        CANCELLATION = "cancellation", "Cancellation"
        REMINDER = "reminder", "Reminder"
        MANAGE_LINKS = "manage_links", "Manage link"

    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        SENT = "sent", "Sent"
        FAILED = "failed", "Failed"
        # Not sent because it no longer applied (e.g. a reminder for a booking since cancelled).
        SKIPPED = "skipped", "Skipped"

    booking = models.ForeignKey(Booking, on_delete=models.CASCADE, related_name="notifications")
    kind = models.CharField(max_length=15, choices=Kind.choices)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    # The slot start this notification is about; for reminders it makes "one reminder per
    # appointment time" a database rule, so a rescheduled booking gets a fresh reminder.
    for_start = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True, help_text="Never personal data.")
    created_at = models.DateTimeField(default=timezone.now)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["booking", "kind", "for_start"],
                condition=Q(kind="reminder"),
                name="notification_one_reminder_per_start",
            ),
            models.CheckConstraint(
                condition=~Q(kind="reminder") | Q(for_start__isnull=False),
                name="notification_reminder_has_start",
            ),
        ]
        indexes = [models.Index(fields=["status", "next_attempt_at"], name="notification_due_idx")]

    def __str__(self):
        return f"{self.kind} for booking {self.booking_id} ({self.status})"


class LinkRequest(models.Model):
    """A "lost your link?" request waiting for the task worker: the address it was made for.

    The request only writes this row, so its answer does the same work whether or not the
    address has bookings; the worker looks the address up, writes the manage-link notifications
    and deletes the row, so the address is kept no longer than that (booking/notifications.py).
    """

    email = models.EmailField(max_length=254)
    created_at = models.DateTimeField(default=timezone.now)

    def __str__(self):
        return f"link request {self.pk}"

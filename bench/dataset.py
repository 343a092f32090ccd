"""The scale data set: 20 clinicians, a year of slots (about 80,000), 100,000 bookings.

Slots are made by the real service, ``services.generate_slots``, and that run is timed: it is
one of the figures of the benchmark. Bookings, their events and notifications are a fixture,
not the service path, so they are written with ``bulk_create`` (the booking service itself is
measured by the booking POST under load); each booked slot's ``booked_count`` is set to match.

Every person here is fictional (example.org addresses, 555 numbers). The random generator is
seeded, so two runs build the same schedule.
"""

import random
import time as clock
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from booking.models import (
    REFERENCE_ALPHABET,
    REFERENCE_LENGTH,
    AppointmentType,
    Booking,
    BookingEvent,
    Clinician,
    Closure,
    Notification,
    Slot,
    WeeklyHours,
    clinic_tz,
)
from booking.services import generate_slots

CLINICIANS = 20
DAYS = 365
BOOKINGS = 100_000
# Share of the slots that hold a confirmed booking; the rest of the bookings are cancelled ones
# (history that the admin list and the reminder job must wade through).
BOOKED_SHARE = 0.55
SEED = 20260101
ADMIN_USERNAME = "bench-admin"
ADMIN_PASSWORD = "bench-admin-password-not-secret"  # noqa: S105 - a throwaway benchmark database

# 20 minutes and a 5-minute buffer: 8 slots per half day, 16 per clinician per weekday.
TYPES = [
    ("bench-consultation", "New patient HO consultation", AppointmentType.Kind.ANY),
    ("bench-follow-up", "Follow-up visit", AppointmentType.Kind.ANY),
    ("bench-radiation-planning", "Radiation therapy planning", AppointmentType.Kind.ANY),
    ("bench-physical-therapy", "Physical therapy assessment", AppointmentType.Kind.ANY),
]
MORNING = (time(9, 0), time(12, 30))
AFTERNOON = (time(13, 30), time(17, 0))
FIRST_NAMES = ["Alex", "Jordan", "Priya", "Chris", "Sam", "Maria", "Wei", "Amara", "Noah", "Lena", "Omar", "Ines"]
LAST_NAMES = ["Example", "Sample", "Demo", "Testperson", "Placeholder", "Fictional", "Madeup", "Invented"]


@dataclass
class DataSet:
    clinicians: int
    appointment_types: list[str]
    slots: int
    bookings: int
    active_bookings: int
    generation_seconds: float
    build_seconds: float


def build(*, now: datetime | None = None) -> DataSet:
    """Fill an empty, migrated database. Returns the counts and the slot generation time."""
    started = clock.perf_counter()
    rng = random.Random(SEED)
    now = now or timezone.now()
    today = timezone.localdate(now, clinic_tz())
    types = _types()
    clinicians = _clinicians(types, valid_from=today)
    _closures(today, clinicians, rng)

    generation_started = clock.perf_counter()
    result = generate_slots(start_date=today, end_date=today + timedelta(days=DAYS - 1), now=now)
    generation_seconds = clock.perf_counter() - generation_started

    active = _bookings(now, rng)
    _admin_user()
    return DataSet(
        clinicians=len(clinicians),
        appointment_types=[slug for slug, _, _ in TYPES],
        slots=result.created,
        bookings=Booking.objects.count(),
        active_bookings=active,
        generation_seconds=generation_seconds,
        build_seconds=clock.perf_counter() - started,
    )


def _types() -> list[AppointmentType]:
    return [
        AppointmentType.objects.create(
            slug=slug,
            name=name,
            description=f"{name} (benchmark data).",
            duration_minutes=20,
            buffer_minutes=5,
            patient_kind=kind,
            order=order,
        )
        for order, (slug, name, kind) in enumerate(TYPES, start=1)
    ]


def _clinicians(types: list[AppointmentType], *, valid_from: date) -> list[Clinician]:
    clinicians = Clinician.objects.bulk_create(
        Clinician(slug=f"bench-clinician-{number:02d}", name=f"Dr. Bench {number:02d}", title="Physiatrist")
        for number in range(1, CLINICIANS + 1)
    )
    hours = []
    for index, clinician in enumerate(clinicians):
        # Each clinician offers two types, so every type has ten clinicians.
        morning_type, afternoon_type = types[index % 4], types[(index + 1) % 4]
        clinician.appointment_types.add(morning_type, afternoon_type)
        for weekday in range(5):
            for (start, end), appointment_type in ((MORNING, morning_type), (AFTERNOON, afternoon_type)):
                hours.append(
                    WeeklyHours(
                        clinician=clinician,
                        weekday=weekday,
                        start_time=start,
                        end_time=end,
                        appointment_type=appointment_type,
                        valid_from=valid_from,
                    )
                )
    WeeklyHours.objects.bulk_create(hours)
    return clinicians


def _closures(today: date, clinicians: list[Clinician], rng: random.Random) -> None:
    """Eight whole-clinic holidays and a week of leave for every clinician, spread over the year."""
    for month in range(1, 12, 3):
        for offset in (0, 40):
            day = today + timedelta(days=month * 30 + offset)
            Closure.for_local_dates(first_day=day, reason="Public holiday (benchmark)")
    for clinician in clinicians:
        first = today + timedelta(days=rng.randrange(20, DAYS - 10))
        Closure.for_local_dates(
            first_day=first, last_day=first + timedelta(days=6), reason="Leave (benchmark)", clinician=clinician
        )


def _references(count: int, rng: random.Random) -> list[str]:
    references: set[str] = set()
    while len(references) < count:
        references.add("HO-" + "".join(rng.choice(REFERENCE_ALPHABET) for _ in range(REFERENCE_LENGTH)))
    return list(references)


def _bookings(now: datetime, rng: random.Random) -> int:
    slots = list(Slot.objects.order_by("pk").values_list("pk", "start"))
    booked = rng.sample(slots, int(len(slots) * BOOKED_SHARE))
    cancelled_count = BOOKINGS - len(booked)
    cancelled = [rng.choice(slots) for _ in range(cancelled_count)]
    references = _references(BOOKINGS, rng)
    bookings = []
    for number, ((slot_id, start), status) in enumerate(
        [(slot, Booking.Status.CONFIRMED) for slot in booked]
        + [(slot, Booking.Status.CANCELLED) for slot in cancelled]
    ):
        created_at = min(start - timedelta(hours=rng.randrange(30, 24 * 120)), now - timedelta(minutes=number % 997))
        first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
        booking = Booking(
            slot_id=slot_id,
            seat=1,
            status=status,
            reference=references[number],
            patient_name=f"{first} {last}",
            email=f"{first.lower()}.{last.lower()}{number}@example.org",
            phone=f"+1212555{number % 10000:04d}",
            date_of_birth=date(1940 + number % 60, 1 + number % 12, 1 + number % 28),
            patient_kind="new" if number % 3 else "returning",
            reason="Stiff hip after surgery" if number % 4 == 0 else "",
            consent_at=created_at,
            source=Booking.Source.ONLINE if number % 5 else Booking.Source.STAFF,
            created_at=created_at,
        )
        if status == Booking.Status.CANCELLED:
            booking.cancelled_at = created_at + timedelta(hours=2)
            booking.cancelled_by = Booking.CancelledBy.PATIENT
            booking.version = 2
        bookings.append(booking)

    with transaction.atomic():
        Booking.objects.bulk_create(bookings, batch_size=2000)
        rows = list(Booking.objects.values_list("pk", "status", "created_at", "slot__start"))
        BookingEvent.objects.bulk_create(
            (
                BookingEvent(booking_id=pk, at=created_at, actor_kind="patient", action="created")
                for pk, _, created_at, _ in rows
            ),
            batch_size=2000,
        )
        Notification.objects.bulk_create(
            (
                Notification(
                    booking_id=pk,
                    kind=Notification.Kind.CONFIRMATION,
                    status=Notification.Status.SENT,
                    for_start=start,
                    attempts=1,
                    created_at=created_at,
                    sent_at=created_at,
                )
                for pk, _, created_at, start in rows
            ),
            batch_size=2000,
        )
        booked_ids = [slot_id for slot_id, _ in booked]
        for index in range(0, len(booked_ids), 5000):
            Slot.objects.filter(pk__in=booked_ids[index : index + 5000]).update(booked_count=1)
    return len(booked)


def _admin_user() -> None:
    get_user_model().objects.create_superuser(ADMIN_USERNAME, "bench-admin@example.org", ADMIN_PASSWORD)

"""Small factories for the booking tests. Times are fixed: no test reads the clock."""

from datetime import UTC, date, datetime, timedelta

import pytest

from booking.models import AppointmentType, Booking, Clinician, Slot
from booking.services import PatientDetails, book_slot

# A Monday afternoon in winter (America/New_York is UTC-5): 09:00 EST.
NOW = datetime(2030, 1, 7, 14, 0, tzinfo=UTC)


@pytest.fixture
def now():
    return NOW


def make_clinician(**fields) -> Clinician:
    number = Clinician.objects.count() + 1
    defaults = {"name": f"Dr Test {number}", "title": "Physiatrist", "slug": f"dr-test-{number}"}
    defaults.update(fields)
    return Clinician.objects.create(**defaults)


def make_type(**fields) -> AppointmentType:
    number = AppointmentType.objects.count() + 1
    defaults = {
        "name": f"Type {number}",
        "slug": f"type-{number}",
        "duration_minutes": 30,
        "buffer_minutes": 0,
        "patient_kind": AppointmentType.Kind.ANY,
    }
    defaults.update(fields)
    return AppointmentType.objects.create(**defaults)


def make_slot(*, start: datetime | None = None, clinician=None, appointment_type=None, **fields) -> Slot:
    """A slot three days after NOW unless told otherwise; length from the appointment type."""
    appointment_type = appointment_type or make_type()
    clinician = clinician or make_clinician()
    start = start or NOW + timedelta(days=3)
    fields.setdefault("end", start + appointment_type.duration)
    return Slot.objects.create(clinician=clinician, appointment_type=appointment_type, start=start, **fields)


def make_patient(**fields) -> PatientDetails:
    defaults = {
        "name": "Alex Example",
        "email": "alex@example.org",
        "phone": "+1 555-0142",
        "date_of_birth": date(1980, 5, 17),
        "patient_kind": "new",
        "consent": True,
    }
    defaults.update(fields)
    return PatientDetails(**defaults)


def make_booking(*, slot: Slot | None = None, now: datetime = NOW, **patient_fields) -> Booking:
    """A confirmed booking made through the service, so counts and seats are right."""
    slot = slot or make_slot()
    return book_slot(slot_id=slot.pk, patient=make_patient(**patient_fields), now=now)


@pytest.fixture
def staff_user(django_user_model):
    return django_user_model.objects.create_user("reception", "reception@example.org", "a-long-test-password")

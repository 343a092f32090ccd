import re
from datetime import UTC, date, datetime, timedelta

import pytest
from django.db import IntegrityError, connection, transaction
from django.db.models import F

from booking.models import Booking, Closure, Notification, Slot
from tests.booking.conftest import NOW, make_booking, make_clinician, make_slot, make_type

pytestmark = pytest.mark.django_db

NOTICE = timedelta(hours=24)
HORIZON = timedelta(days=90)


@pytest.mark.parametrize(
    ("offset", "expected"),
    [
        (NOTICE - timedelta(seconds=1), False),
        (NOTICE, True),
        (HORIZON - timedelta(seconds=1), True),
        (HORIZON, False),
        (-timedelta(hours=1), False),
    ],
)
def test_slot_is_bookable_respects_notice_and_horizon(offset, expected):
    slot = make_slot(start=NOW + offset)

    assert slot.is_bookable(NOW) is expected
    assert Slot.objects.bookable(NOW).filter(pk=slot.pk).exists() is expected


def test_slot_is_bookable_false_when_blocked():
    slot = make_slot(blocked=True)

    assert slot.is_bookable(NOW) is False
    assert list(Slot.objects.bookable(NOW)) == []


def test_slot_is_bookable_false_when_full():
    slot = make_slot(capacity=1)
    make_booking(slot=slot)
    slot.refresh_from_db()

    assert slot.booked_count == 1
    assert slot.is_bookable(NOW) is False
    assert list(Slot.objects.free()) == []


def test_slot_is_bookable_false_in_clinic_closure():
    slot = make_slot()
    Closure.objects.create(
        starts_at=slot.start - timedelta(hours=1), ends_at=slot.start + timedelta(minutes=1), reason="Holiday"
    )

    assert slot.is_bookable(NOW) is False
    assert list(Slot.objects.bookable(NOW)) == []


def test_slot_closure_of_other_clinician_does_not_apply():
    slot = make_slot()
    Closure.objects.create(clinician=make_clinician(), starts_at=slot.start, ends_at=slot.end, reason="training")

    assert slot.is_bookable(NOW) is True
    assert list(Slot.objects.bookable(NOW)) == [slot]


def test_slot_closure_ending_at_slot_start_does_not_apply():
    slot = make_slot()
    Closure.objects.create(starts_at=slot.start - timedelta(hours=2), ends_at=slot.start, reason="morning off")

    assert slot.is_bookable(NOW) is True


def test_slot_is_bookable_false_for_inactive_type():
    slot = make_slot(appointment_type=make_type(active=False))

    assert slot.is_bookable(NOW) is False
    assert list(Slot.objects.bookable(NOW)) == []


def test_slot_queryset_between_and_for_type():
    first_type, second_type = make_type(), make_type()
    clinician = make_clinician()
    early = make_slot(clinician=clinician, appointment_type=first_type, start=NOW + timedelta(days=2))
    make_slot(clinician=clinician, appointment_type=second_type, start=NOW + timedelta(days=3))
    make_slot(clinician=clinician, appointment_type=first_type, start=NOW + timedelta(days=4))

    found = Slot.objects.for_type(first_type).between(NOW + timedelta(days=2), NOW + timedelta(days=4))

    assert list(found) == [early]


def test_slot_local_start_is_clinic_time():
    slot = make_slot(start=datetime(2030, 1, 10, 14, 0, tzinfo=UTC))

    assert slot.local_start.strftime("%Y-%m-%d %H:%M %Z") == "2030-01-10 09:00 EST"


def test_closure_for_local_dates_spans_whole_local_days():
    closure = Closure.for_local_dates(first_day=date(2030, 7, 3), last_day=date(2030, 7, 4), reason="Holiday")

    assert closure.starts_at == datetime(2030, 7, 3, 4, 0, tzinfo=UTC)
    assert closure.ends_at == datetime(2030, 7, 5, 4, 0, tzinfo=UTC)
    assert closure.clinician is None


def test_booking_reference_is_short_and_unambiguous():
    booking = make_booking()

    assert re.fullmatch(r"HO-[2-9A-HJKMNP-Z]{6}", booking.reference)


@pytest.mark.parametrize(
    ("hours_before_start", "expected"),
    [(24, True), (24 - 1 / 3600, False), (100, True)],
)
def test_booking_can_be_changed_until_cutoff(hours_before_start, expected):
    booking = make_booking()
    moment = booking.slot.start - timedelta(hours=hours_before_start)

    assert booking.can_be_changed(moment) is expected


def test_booking_can_be_changed_false_when_not_confirmed():
    booking = make_booking()
    booking.status = Booking.Status.CANCELLED

    assert booking.can_be_changed(NOW) is False
    assert booking.is_active is False


def test_booking_constraint_rejects_second_active_booking_written_directly():
    booking = make_booking()

    with pytest.raises(IntegrityError), transaction.atomic():
        Booking.objects.create(
            slot=booking.slot,
            seat=1,
            patient_name="Bypass",
            email="bypass@example.org",
            phone="+1 555-0199",
            date_of_birth=date(1990, 1, 1),
            patient_kind="new",
        )
    assert Booking.objects.filter(slot=booking.slot).count() == 1


def test_booking_constraint_allows_cancelled_booking_beside_active_one():
    booking = make_booking()

    Booking.objects.create(
        slot=booking.slot,
        seat=1,
        status=Booking.Status.CANCELLED,
        patient_name="Earlier",
        email="earlier@example.org",
        phone="+1 555-0198",
        date_of_birth=date(1990, 1, 1),
        patient_kind="new",
    )

    assert Booking.objects.filter(slot=booking.slot).count() == 2


def test_booking_constraint_rejects_seat_zero():
    slot = make_slot()

    with pytest.raises(IntegrityError), transaction.atomic():
        Booking.objects.create(
            slot=slot, seat=0, patient_name="X", email="x@example.org", phone="1", date_of_birth=date(1990, 1, 1)
        )


def test_slot_constraint_rejects_booked_count_above_capacity():
    slot = make_slot(capacity=1)

    with pytest.raises(IntegrityError), transaction.atomic():
        Slot.objects.filter(pk=slot.pk).update(booked_count=F("booked_count") + 2)
    slot.refresh_from_db()
    assert slot.booked_count == 0


def test_slot_constraint_rejects_negative_booked_count():
    slot = make_slot()

    with pytest.raises(IntegrityError), transaction.atomic():
        Slot.objects.filter(pk=slot.pk).update(booked_count=F("booked_count") - 1)


def test_slot_constraint_rejects_end_before_start():
    with pytest.raises(IntegrityError), transaction.atomic():
        make_slot(start=NOW + timedelta(days=3), end=NOW + timedelta(days=3))


def test_slot_constraint_rejects_same_clinician_and_start():
    slot = make_slot()

    with pytest.raises(IntegrityError), transaction.atomic():
        make_slot(start=slot.start, clinician=slot.clinician, appointment_type=slot.appointment_type)


@pytest.mark.skipif(connection.vendor != "postgresql", reason="exclusion constraints are PostgreSQL only")
def test_slot_exclusion_constraint_rejects_overlap_on_postgresql():
    slot = make_slot()

    with pytest.raises(IntegrityError), transaction.atomic():
        make_slot(
            start=slot.start + timedelta(minutes=10),
            clinician=slot.clinician,
            appointment_type=slot.appointment_type,
        )
    # Back to back is not an overlap.
    make_slot(start=slot.end, clinician=slot.clinician, appointment_type=slot.appointment_type)
    assert Slot.objects.filter(clinician=slot.clinician).count() == 2


def test_notification_reminder_unique_per_booking_and_start():
    booking = make_booking()
    Notification.objects.create(booking=booking, kind="reminder", for_start=booking.slot.start)

    with pytest.raises(IntegrityError), transaction.atomic():
        Notification.objects.create(booking=booking, kind="reminder", for_start=booking.slot.start)
    Notification.objects.create(booking=booking, kind="reminder", for_start=booking.slot.start + timedelta(days=1))
    assert booking.notifications.filter(kind="reminder").count() == 2


def test_notification_reminder_requires_start():
    booking = make_booking()

    with pytest.raises(IntegrityError), transaction.atomic():
        Notification.objects.create(booking=booking, kind="reminder")

from datetime import timedelta

import pytest

from booking import services
from booking.exceptions import (
    BookingNotFound,
    ChangeNotAllowed,
    ConsentRequired,
    PatientKindNotAllowed,
    SlotNotBookable,
    SlotUnavailable,
)
from booking.models import AppointmentType, Booking, BookingEvent, Closure, Notification, Slot
from booking.services import book_slot, cancel_booking, mark_attendance, nearest_free_slots, reschedule_booking
from tests.booking.conftest import NOW, make_booking, make_clinician, make_patient, make_slot, make_type

pytestmark = pytest.mark.django_db


def counts(slot: Slot) -> tuple[int, int]:
    """(booked_count, active bookings) of a slot, fresh from the database."""
    slot.refresh_from_db()
    return slot.booked_count, Booking.objects.active().filter(slot=slot).count()


# --- book_slot ----------------------------------------------------------------------------


def test_book_slot_creates_confirmed_booking(django_capture_on_commit_callbacks, monkeypatch):
    enqueued = []
    monkeypatch.setattr(services.notifications, "enqueue", enqueued.append)
    slot = make_slot()

    with django_capture_on_commit_callbacks(execute=True):
        booking = book_slot(slot_id=slot.pk, patient=make_patient(reason="Stiff hip"), now=NOW)

    booking.refresh_from_db()
    assert booking.status == Booking.Status.CONFIRMED
    assert booking.slot == slot
    assert booking.seat == 1
    assert booking.version == 1
    assert booking.patient_name == "Alex Example"
    assert booking.reason == "Stiff hip"
    assert booking.consent_at == NOW
    assert booking.created_at == NOW
    assert booking.source == Booking.Source.ONLINE
    assert counts(slot) == (1, 1)
    assert list(booking.events.values_list("action", "actor_kind", "detail")) == [("created", "patient", "")]
    notification = booking.notifications.get()
    assert (notification.kind, notification.status, notification.for_start) == ("confirmation", "pending", slot.start)
    assert enqueued == [notification.pk]


def test_book_slot_refuses_past_slot_even_for_staff(staff_user):
    slot = make_slot(start=NOW - timedelta(minutes=1))

    with pytest.raises(SlotNotBookable) as error:
        book_slot(slot_id=slot.pk, patient=make_patient(), now=NOW, source="staff", staff_user=staff_user)

    assert error.value.message == "This time has already passed. Please choose another time."
    assert counts(slot) == (0, 0)


def test_book_slot_refuses_slot_starting_now():
    slot = make_slot(start=NOW)

    with pytest.raises(SlotNotBookable):
        book_slot(slot_id=slot.pk, patient=make_patient(), now=NOW, source="staff")


def test_book_slot_accepts_exactly_minimum_notice():
    slot = make_slot(start=NOW + timedelta(hours=24))

    booking = book_slot(slot_id=slot.pk, patient=make_patient(), now=NOW)

    assert booking.slot == slot


def test_book_slot_refuses_just_inside_minimum_notice():
    slot = make_slot(start=NOW + timedelta(hours=24) - timedelta(seconds=1))

    with pytest.raises(SlotNotBookable) as error:
        book_slot(slot_id=slot.pk, patient=make_patient(), now=NOW)

    assert error.value.message == ("Appointments must be booked at least 24 hours ahead. Please choose a later time.")
    assert counts(slot) == (0, 0)


def test_book_slot_minimum_notice_follows_setting(settings):
    settings.BOOKING_MIN_NOTICE_HOURS = 2
    slot = make_slot(start=NOW + timedelta(hours=2))

    booking = book_slot(slot_id=slot.pk, patient=make_patient(), now=NOW)

    assert booking.slot == slot


def test_book_slot_staff_may_book_inside_minimum_notice(staff_user):
    slot = make_slot(start=NOW + timedelta(hours=1))

    booking = book_slot(slot_id=slot.pk, patient=make_patient(), now=NOW, source="staff", staff_user=staff_user)

    assert booking.source == Booking.Source.STAFF
    event = booking.events.get()
    assert (event.actor_kind, event.actor_user) == ("staff", staff_user)


def test_book_slot_accepts_last_second_before_horizon():
    slot = make_slot(start=NOW + timedelta(days=90) - timedelta(seconds=1))

    booking = book_slot(slot_id=slot.pk, patient=make_patient(), now=NOW)

    assert booking.slot == slot


def test_book_slot_refuses_at_horizon():
    slot = make_slot(start=NOW + timedelta(days=90))

    with pytest.raises(SlotNotBookable) as error:
        book_slot(slot_id=slot.pk, patient=make_patient(), now=NOW)

    assert error.value.message == "Appointments can be booked up to 90 days ahead. Please choose an earlier time."


def test_book_slot_refuses_blocked_slot_even_for_staff():
    slot = make_slot(blocked=True)

    with pytest.raises(SlotNotBookable) as error:
        book_slot(slot_id=slot.pk, patient=make_patient(), now=NOW, source="staff")

    assert error.value.message == "This time is not available for booking. Please choose another time."


def test_book_slot_refuses_clinic_closure():
    slot = make_slot()
    Closure.objects.create(starts_at=slot.start, ends_at=slot.end, reason="Holiday")

    with pytest.raises(SlotNotBookable) as error:
        book_slot(slot_id=slot.pk, patient=make_patient(), now=NOW, source="staff")

    assert error.value.message == "The clinic is closed at this time. Please choose another time."
    assert counts(slot) == (0, 0)


def test_book_slot_refuses_clinician_closure():
    slot = make_slot()
    Closure.objects.create(clinician=slot.clinician, starts_at=slot.start, ends_at=slot.end, reason="Training")

    with pytest.raises(SlotNotBookable):
        book_slot(slot_id=slot.pk, patient=make_patient(), now=NOW)


def test_book_slot_refuses_inactive_type():
    slot = make_slot(appointment_type=make_type(active=False))

    with pytest.raises(SlotNotBookable):
        book_slot(slot_id=slot.pk, patient=make_patient(), now=NOW)


@pytest.mark.parametrize(
    ("type_kind", "patient_kind", "allowed"),
    [
        ("new", "new", True),
        ("new", "returning", False),
        ("returning", "returning", True),
        ("returning", "new", False),
        ("any", "new", True),
        ("any", "returning", True),
    ],
)
def test_book_slot_checks_patient_kind(type_kind, patient_kind, allowed):
    slot = make_slot(appointment_type=make_type(patient_kind=type_kind))

    if allowed:
        book_slot(slot_id=slot.pk, patient=make_patient(patient_kind=patient_kind), now=NOW)
    else:
        with pytest.raises(PatientKindNotAllowed):
            book_slot(slot_id=slot.pk, patient=make_patient(patient_kind=patient_kind), now=NOW)

    assert counts(slot) == ((1, 1) if allowed else (0, 0))


def test_book_slot_online_requires_consent():
    slot = make_slot()

    with pytest.raises(ConsentRequired):
        book_slot(slot_id=slot.pk, patient=make_patient(consent=False), now=NOW)

    assert counts(slot) == (0, 0)


def test_book_slot_staff_without_consent_records_none():
    slot = make_slot()

    booking = book_slot(slot_id=slot.pk, patient=make_patient(consent=False), now=NOW, source="staff")

    assert booking.consent_at is None


def test_book_slot_capacity_two_takes_two_then_refuses():
    slot = make_slot(capacity=2)

    first = book_slot(slot_id=slot.pk, patient=make_patient(name="First"), now=NOW)
    second = book_slot(slot_id=slot.pk, patient=make_patient(name="Second"), now=NOW)
    with pytest.raises(SlotUnavailable) as error:
        book_slot(slot_id=slot.pk, patient=make_patient(name="Third"), now=NOW)

    assert (first.seat, second.seat) == (1, 2)
    assert counts(slot) == (2, 2)
    assert error.value.message == "Sorry, this time has just been taken. Please choose another time."


def test_book_slot_unknown_slot_is_unavailable():
    with pytest.raises(SlotUnavailable):
        book_slot(slot_id=999999, patient=make_patient(), now=NOW)


def test_book_slot_turns_constraint_violation_into_slot_unavailable(monkeypatch):
    # As if the lock had been bypassed: the check lets a second booking through, the
    # database constraint refuses it, and the patient gets a clean answer.
    slot = make_slot()
    make_booking(slot=slot)
    monkeypatch.setattr(services, "_check_can_take", lambda *args, **kwargs: 1)

    with pytest.raises(SlotUnavailable):
        book_slot(slot_id=slot.pk, patient=make_patient(name="Second"), now=NOW)

    assert counts(slot) == (1, 1)
    assert Notification.objects.count() == 1


def test_book_slot_retries_reference_collision(monkeypatch):
    taken = make_booking()
    references = iter([taken.reference, "HO-ABCDEF"])
    monkeypatch.setattr(services, "new_reference", lambda: next(references))

    booking = book_slot(slot_id=make_slot().pk, patient=make_patient(), now=NOW)

    assert booking.reference == "HO-ABCDEF"


# --- cancel_booking -----------------------------------------------------------------------


def test_cancel_booking_frees_slot_and_rebooking_works():
    booking = make_booking()
    slot = booking.slot

    cancel_booking(booking_id=booking.pk, now=NOW, by="patient", reason="Feeling better")
    again = book_slot(slot_id=slot.pk, patient=make_patient(name="Next"), now=NOW)

    booking.refresh_from_db()
    assert booking.status == Booking.Status.CANCELLED
    assert booking.cancelled_at == NOW
    assert booking.cancelled_by == "patient"
    assert booking.cancellation_reason == "Feeling better"
    assert booking.version == 2
    assert again.seat == 1
    assert counts(slot) == (1, 1)
    assert list(booking.events.values_list("action", "detail")) == [("created", ""), ("cancelled", "by patient")]
    assert sorted(booking.notifications.values_list("kind", flat=True)) == ["cancellation", "confirmation"]


def test_cancel_booking_by_patient_at_cutoff_is_allowed():
    booking = make_booking()

    cancel_booking(booking_id=booking.pk, now=booking.slot.start - timedelta(hours=24), by="patient")

    assert counts(booking.slot) == (0, 0)


def test_cancel_booking_by_patient_after_cutoff_is_refused():
    booking = make_booking()

    with pytest.raises(ChangeNotAllowed) as error:
        cancel_booking(booking_id=booking.pk, now=booking.slot.start - timedelta(hours=23, minutes=59), by="patient")

    assert error.value.message == "This booking can no longer be changed online. Please call us on +1 555-0100."
    booking.refresh_from_db()
    assert (booking.status, booking.version) == ("confirmed", 1)
    assert counts(booking.slot) == (1, 1)


def test_cancel_booking_by_clinic_after_cutoff_is_allowed(staff_user):
    booking = make_booking()
    one_hour_before = booking.slot.start - timedelta(hours=1)

    cancel_booking(booking_id=booking.pk, now=one_hour_before, by="clinic", staff_user=staff_user)

    booking.refresh_from_db()
    assert (booking.status, booking.cancelled_by, booking.cancelled_by_user) == ("cancelled", "clinic", staff_user)
    assert booking.events.last().actor_kind == "staff"


def test_cancel_booking_for_patient_by_staff_without_cutoff(staff_user):
    booking = make_booking()

    cancel_booking(
        booking_id=booking.pk,
        now=booking.slot.start - timedelta(hours=1),
        by="patient",
        staff_user=staff_user,
        enforce_cutoff=False,
    )

    assert counts(booking.slot) == (0, 0)


def test_cancel_booking_twice_is_refused():
    booking = make_booking()
    cancel_booking(booking_id=booking.pk, now=NOW, by="patient")

    with pytest.raises(ChangeNotAllowed) as error:
        cancel_booking(booking_id=booking.pk, now=NOW, by="patient")

    assert error.value.message == "This booking is cancelled and cannot be cancelled."
    assert counts(booking.slot) == (0, 0)


def test_cancel_booking_unknown_is_not_found():
    with pytest.raises(BookingNotFound):
        cancel_booking(booking_id=999999, now=NOW, by="patient")


# --- reschedule_booking -------------------------------------------------------------------


def test_reschedule_booking_moves_booking():
    booking = make_booking()
    old_slot = booking.slot
    new_slot = make_slot(start=old_slot.start + timedelta(days=1), appointment_type=old_slot.appointment_type)

    reschedule_booking(booking_id=booking.pk, new_slot_id=new_slot.pk, now=NOW)

    booking.refresh_from_db()
    assert booking.slot == new_slot
    assert (booking.seat, booking.version, booking.status) == (1, 2, "confirmed")
    assert counts(old_slot) == (0, 0)
    assert counts(new_slot) == (1, 1)
    assert booking.events.last().detail == f"slot {old_slot.pk} -> {new_slot.pk}"
    reschedule = booking.notifications.get(kind="reschedule")
    assert reschedule.for_start == new_slot.start


def test_reschedule_booking_to_full_slot_changes_nothing():
    booking = make_booking()
    full = make_slot(appointment_type=booking.slot.appointment_type)
    make_booking(slot=full, name="Other")

    with pytest.raises(SlotUnavailable):
        reschedule_booking(booking_id=booking.pk, new_slot_id=full.pk, now=NOW)

    booking.refresh_from_db()
    assert (booking.slot_id, booking.version) == (booking.slot.pk, 1)
    assert counts(booking.slot) == (1, 1)
    assert counts(full) == (1, 1)
    assert BookingEvent.objects.filter(action="rescheduled").count() == 0
    assert Notification.objects.filter(kind="reschedule").count() == 0


def test_reschedule_booking_to_other_type_refused_for_patient():
    booking = make_booking()
    other = make_slot(appointment_type=make_type())

    with pytest.raises(SlotNotBookable):
        reschedule_booking(booking_id=booking.pk, new_slot_id=other.pk, now=NOW)

    assert counts(booking.slot) == (1, 1)
    assert counts(other) == (0, 0)


def test_reschedule_booking_to_other_type_allowed_for_clinic(staff_user):
    booking = make_booking()
    other = make_slot(appointment_type=make_type(), start=NOW + timedelta(hours=2))

    reschedule_booking(booking_id=booking.pk, new_slot_id=other.pk, now=NOW, by="clinic", staff_user=staff_user)

    booking.refresh_from_db()
    assert booking.slot == other
    assert booking.events.last().actor_user == staff_user


def test_reschedule_booking_after_cutoff_refused_for_patient():
    booking = make_booking()
    new_slot = make_slot(appointment_type=booking.slot.appointment_type, start=booking.slot.start + timedelta(days=2))

    with pytest.raises(ChangeNotAllowed):
        reschedule_booking(booking_id=booking.pk, new_slot_id=new_slot.pk, now=booking.slot.start - timedelta(hours=2))

    assert counts(new_slot) == (0, 0)


def test_reschedule_booking_into_minimum_notice_refused_for_patient():
    booking = make_booking()
    soon = make_slot(appointment_type=booking.slot.appointment_type, start=NOW + timedelta(hours=3))

    with pytest.raises(SlotNotBookable):
        reschedule_booking(booking_id=booking.pk, new_slot_id=soon.pk, now=NOW)

    assert counts(booking.slot) == (1, 1)


def test_reschedule_booking_cancelled_booking_refused():
    booking = make_booking()
    cancel_booking(booking_id=booking.pk, now=NOW, by="patient")
    new_slot = make_slot(appointment_type=booking.slot.appointment_type)

    with pytest.raises(ChangeNotAllowed):
        reschedule_booking(booking_id=booking.pk, new_slot_id=new_slot.pk, now=NOW)


def test_reschedule_booking_to_same_slot_refused():
    booking = make_booking()

    with pytest.raises(SlotNotBookable):
        reschedule_booking(booking_id=booking.pk, new_slot_id=booking.slot.pk, now=NOW)

    assert counts(booking.slot) == (1, 1)


def test_reschedule_booking_checks_patient_kind_of_new_type():
    booking = make_booking(patient_kind="returning")
    new_only = make_slot(appointment_type=make_type(patient_kind=AppointmentType.Kind.NEW))

    with pytest.raises(PatientKindNotAllowed):
        reschedule_booking(booking_id=booking.pk, new_slot_id=new_only.pk, now=NOW, by="clinic")


# --- mark_attendance ----------------------------------------------------------------------


def test_mark_attendance_records_attended_and_keeps_seat(staff_user):
    booking = make_booking()
    after_start = booking.slot.start + timedelta(minutes=5)

    mark_attendance(booking_id=booking.pk, attended=True, now=after_start, staff_user=staff_user)

    booking.refresh_from_db()
    assert booking.status == Booking.Status.ATTENDED
    assert counts(booking.slot) == (1, 1)
    assert booking.events.last().action == "attended"


def test_mark_attendance_corrects_to_no_show(staff_user):
    booking = make_booking()
    after_start = booking.slot.start + timedelta(minutes=5)
    mark_attendance(booking_id=booking.pk, attended=True, now=after_start, staff_user=staff_user)

    mark_attendance(booking_id=booking.pk, attended=False, now=after_start, staff_user=staff_user)

    booking.refresh_from_db()
    assert booking.status == Booking.Status.NO_SHOW
    assert booking.events.last().detail == "attended -> no_show"


def test_mark_attendance_before_start_refused(staff_user):
    booking = make_booking()

    with pytest.raises(ChangeNotAllowed):
        mark_attendance(booking_id=booking.pk, attended=True, now=NOW, staff_user=staff_user)


def test_mark_attendance_cancelled_refused(staff_user):
    booking = make_booking()
    cancel_booking(booking_id=booking.pk, now=NOW, by="patient")

    with pytest.raises(ChangeNotAllowed):
        mark_attendance(booking_id=booking.pk, attended=True, now=booking.slot.start, staff_user=staff_user)


# --- nearest_free_slots -------------------------------------------------------------------


def test_nearest_free_slots_orders_by_distance():
    appointment_type = make_type()
    clinician = make_clinician()
    base = NOW + timedelta(days=5)

    def at(hours):
        return make_slot(start=base + timedelta(hours=hours), clinician=clinician, appointment_type=appointment_type)

    taken = at(0)
    later_1, earlier_2, later_3, later_10 = at(1), at(-2), at(3), at(10)
    at(-1).delete()  # gone
    full = at(-1)
    make_booking(slot=full)
    make_slot(start=base + timedelta(hours=2), appointment_type=make_type())  # other type

    nearest = nearest_free_slots(slot=taken, now=NOW)

    assert nearest == [later_1, earlier_2, later_3]
    assert later_10 not in nearest


# --- The plain SQL of the booking path (services._take_room, _lock_slot, _insert_row) ----------


@pytest.mark.parametrize(
    ("starts", "ends", "whose", "closed"),
    [
        (timedelta(minutes=-60), timedelta(0), "clinic", False),  # ends as the slot starts
        (timedelta(minutes=30), timedelta(minutes=90), "clinic", False),  # starts as the slot ends
        (timedelta(minutes=-60), timedelta(minutes=1), "clinic", True),
        (timedelta(minutes=29), timedelta(minutes=90), "clinic", True),
        (timedelta(minutes=-60), timedelta(minutes=90), "clinician", True),
        (timedelta(minutes=-60), timedelta(minutes=90), "other clinician", False),
    ],
)
def test_booking_sql_sees_the_same_closures_as_the_model(starts, ends, whose, closed):
    slot = make_slot(end=NOW + timedelta(days=3, minutes=30))
    clinician = {"clinic": None, "clinician": slot.clinician, "other clinician": make_clinician()}[whose]
    Closure.objects.create(clinician=clinician, starts_at=slot.start + starts, ends_at=slot.start + ends, reason="x")

    assert services._lock_slot(slot.pk).closed is closed
    assert slot.closures().exists() is closed
    assert (services._lock_slot(slot.pk).booking_problem(NOW) is None) is (slot.booking_problem(NOW) is None)


def test_booking_sql_reads_the_slot_facts_in_utc():
    slot = make_slot(capacity=3, booked_count=1, blocked=True)

    assert services._lock_slot(slot.pk) == services.LockedSlot(
        pk=slot.pk,
        start=slot.start,
        capacity=3,
        booked_count=1,
        blocked=True,
        offered=True,
        patient_kind_rule=slot.appointment_type.patient_kind,
        closed=False,
    )
    assert services._lock_slot(slot.pk).start.tzinfo is not None


def test_take_room_counts_one_in_and_returns_the_count_before():
    slot = make_slot(capacity=2, booked_count=1)

    taken = services._take_room(slot.pk)

    assert taken.booked_count == 1
    assert taken.start == slot.start
    slot.refresh_from_db()
    assert slot.booked_count == 2
    assert services._take_room(slot.pk) is None  # now full
    slot.refresh_from_db()
    assert slot.booked_count == 2


def test_take_room_of_an_unknown_or_impossible_slot_is_none():
    assert services._take_room(987654) is None
    assert services._take_room(2**63) is None
    with pytest.raises(SlotUnavailable):
        services._lock_slot(2**63)


def test_a_refused_booking_takes_its_count_back_out():
    slot = make_slot(blocked=True)

    with pytest.raises(SlotNotBookable):
        book_slot(slot_id=slot.pk, patient=make_patient(), now=NOW)

    slot.refresh_from_db()
    assert slot.booked_count == 0
    assert Booking.objects.count() == 0


def test_a_full_slot_in_the_past_reports_the_rule_before_the_room():
    slot = make_slot(start=NOW - timedelta(hours=1), booked_count=1)

    with pytest.raises(SlotNotBookable, match="already passed"):
        book_slot(slot_id=slot.pk, patient=make_patient(), now=NOW)


def test_rows_written_by_the_booking_sql_are_what_the_orm_would_write(staff_user):
    slot = make_slot()

    booking = book_slot(
        slot_id=slot.pk, patient=make_patient(), now=NOW, source=Booking.Source.STAFF, staff_user=staff_user
    )

    stored = Booking.objects.get(pk=booking.pk)
    stored.full_clean()
    assert {field.attname: getattr(stored, field.attname) for field in Booking._meta.concrete_fields} == {
        field.attname: getattr(booking, field.attname) for field in Booking._meta.concrete_fields
    }
    assert (stored.status, stored.version, stored.cancelled_at, stored.cancelled_by, stored.anonymised_at) == (
        Booking.Status.CONFIRMED,
        1,
        None,
        "",
        None,
    )
    event = stored.events.get()
    assert (event.action, event.actor_kind, event.actor_user, event.at, event.detail) == (
        BookingEvent.Action.CREATED,
        BookingEvent.ActorKind.STAFF,
        staff_user,
        NOW,
        "",
    )
    notification = stored.notifications.get()
    assert (notification.kind, notification.status, notification.for_start, notification.attempts) == (
        Notification.Kind.CONFIRMATION,
        Notification.Status.PENDING,
        slot.start,
        0,
    )
    assert notification.created_at == notification.next_attempt_at == NOW


def test_book_slot_runs_one_update_and_the_inserts():
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    slot = make_slot()

    with CaptureQueriesContext(connection) as queries:
        book_slot(slot_id=slot.pk, patient=make_patient(), now=NOW)

    sql = [" ".join(query["sql"].split()[:3]) for query in queries]
    # Before the transaction, one read: is the slot's type booked by phone only?
    assert sql[0] == "SELECT 1 AS"
    # Between the opening and the closing of its transaction (a savepoint inside the test's own):
    statements = sql[2:-1]
    if connection.vendor == "postgresql":  # the three inserts are one statement
        assert statements == ["UPDATE booking_slot SET", "WITH booking AS"]
    else:
        assert statements == [
            "UPDATE booking_slot SET",
            'INSERT INTO "booking_booking"',
            'INSERT INTO "booking_bookingevent"',
            'INSERT INTO "booking_notification"',
        ]

"""booking.services.slots: staff changes to slots, and the one signal that free times changed."""

from datetime import date, time, timedelta

import pytest

from booking.audit import SYSTEM, Actor
from booking.exceptions import ChangeNotAllowed, SlotNotBookable
from booking.models import Slot, WeeklyHours
from booking.services import (
    anonymise_bookings,
    book_slot,
    cancel_booking,
    delete_slots,
    generate_slots,
    mark_attendance,
    reschedule_booking,
    save_slot,
    set_slots_blocked,
    slots,
    update_contact_details,
)
from booking.services.bookings import ContactDetails
from tests.booking.conftest import NOW, make_booking, make_clinician, make_patient, make_slot, make_type

pytestmark = pytest.mark.django_db


@pytest.fixture
def bumps(monkeypatch):
    """The page-cache generations bumped (by changes committed in a ``committed()`` block)."""
    bumped = []
    monkeypatch.setattr(slots, "bump_generation", bumped.append)
    return bumped


@pytest.fixture
def committed(django_capture_on_commit_callbacks):
    """Run what the test's transaction would run on commit, at the end of the block."""
    return lambda: django_capture_on_commit_callbacks(execute=True)


# --- schedule_changed: once per change to free times, after commit ---------------------------


def test_nothing_is_bumped_before_the_commit(monkeypatch, django_capture_on_commit_callbacks):
    bumped = []
    monkeypatch.setattr(slots, "bump_generation", bumped.append)
    slot = make_slot()

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        set_slots_blocked(slot_ids=[slot.pk], blocked=True)
    assert bumped == []
    for callback in callbacks:
        callback()

    assert bumped == ["slots"]


def test_booking_a_slot_says_free_times_changed_once(bumps, committed):
    slot = make_slot()

    with committed():
        book_slot(slot_id=slot.pk, patient=make_patient(), now=NOW)

    assert bumps == ["slots"]


def test_cancelling_says_free_times_changed_once(bumps, committed):
    booking = make_booking()

    with committed():
        cancel_booking(booking_id=booking.pk, now=NOW)

    assert bumps == ["slots"]


def test_rescheduling_says_free_times_changed_once(bumps, committed):
    booking = make_booking()
    later = make_slot(start=booking.slot.start + timedelta(days=1), appointment_type=booking.slot.appointment_type)

    with committed():
        reschedule_booking(booking_id=booking.pk, new_slot_id=later.pk, now=NOW)

    assert bumps == ["slots"]


def test_generating_says_free_times_changed_once_and_a_rerun_says_nothing(bumps, committed):
    clinician, appointment_type = make_clinician(), make_type()
    WeeklyHours.objects.create(
        clinician=clinician,
        weekday=0,
        start_time=time(9),
        end_time=time(10),
        appointment_type=appointment_type,
        valid_from=date(2030, 1, 1),
    )
    week = {"start_date": date(2030, 1, 14), "end_date": date(2030, 1, 20), "now": NOW}

    with committed():
        created = generate_slots(**week).created
    after_first = list(bumps)
    with committed():
        rerun = generate_slots(**week).created

    assert (created, rerun) == (2, 0)
    assert after_first == bumps == ["slots"]


def test_a_refused_booking_says_nothing(bumps, committed):
    slot = make_slot(blocked=True)

    with committed(), pytest.raises(SlotNotBookable):
        book_slot(slot_id=slot.pk, patient=make_patient(), now=NOW)

    assert bumps == []


def test_changes_that_leave_free_times_alone_say_nothing(bumps, committed, staff_user):
    booking = make_booking()
    staff = Actor.staff(staff_user)

    with committed():
        update_contact_details(
            booking_id=booking.pk,
            details=ContactDetails(name="Alex Other", email="alex@example.org", phone="+1 555-0142"),
            now=NOW,
            actor=staff,
        )
        mark_attendance(booking_id=booking.pk, attended=True, now=booking.slot.start, actor=staff)
        anonymise_bookings(booking_ids=[booking.pk], now=booking.slot.start + timedelta(days=1), actor=staff)

    assert bumps == []


# --- set_slots_blocked ---------------------------------------------------------------------


def test_set_slots_blocked_changes_only_what_differs_and_says_so_once(bumps, committed):
    free, already = make_slot(), make_slot(blocked=True)

    with committed():
        changed = set_slots_blocked(slot_ids=[free.pk, already.pk], blocked=True)

    assert changed == 1
    assert list(Slot.objects.order_by("pk").values_list("blocked", flat=True)) == [True, True]
    assert bumps == ["slots"]


def test_set_slots_blocked_changing_nothing_says_nothing(bumps, committed):
    slot = make_slot()

    with committed():
        changed = set_slots_blocked(slot_ids=[slot.pk], blocked=False)

    assert changed == 0
    assert bumps == []


def test_a_blocked_slot_keeps_its_booking_and_takes_no_new_one():
    slot = make_slot(capacity=2)
    booking = make_booking(slot=slot)

    set_slots_blocked(slot_ids=[slot.pk], blocked=True)

    with pytest.raises(SlotNotBookable, match="not available for booking"):
        book_slot(slot_id=slot.pk, patient=make_patient(name="Second"), now=NOW)
    slot.refresh_from_db()
    booking.refresh_from_db()
    assert (slot.booked_count, booking.status) == (1, "confirmed")


# --- save_slot -----------------------------------------------------------------------------


def test_save_slot_adds_a_slot_and_says_so(bumps, committed):
    clinician, appointment_type = make_clinician(), make_type()
    start = NOW + timedelta(days=2)

    with committed():
        slot = save_slot(
            slot=Slot(
                clinician=clinician, appointment_type=appointment_type, start=start, end=start + timedelta(minutes=30)
            )
        )

    stored = Slot.objects.get()
    assert (stored.pk, stored.start, stored.capacity, stored.booked_count, stored.blocked) == (
        slot.pk,
        start,
        1,
        0,
        False,
    )
    assert bumps == ["slots"]


def test_save_slot_keeps_the_bookings_count_of_a_stale_copy():
    stale = make_slot(capacity=2)
    make_booking(slot=Slot.objects.get(pk=stale.pk))  # booked after staff opened the slot

    stale.capacity = 3
    save_slot(slot=stale)

    stored = Slot.objects.get(pk=stale.pk)
    assert (stored.capacity, stored.booked_count) == (3, 1)


def test_save_slot_refuses_to_move_a_slot_booked_meanwhile():
    stale = make_slot()
    make_booking(slot=Slot.objects.get(pk=stale.pk))
    original_start = stale.start

    stale.start += timedelta(hours=2)
    stale.end += timedelta(hours=2)
    with pytest.raises(ChangeNotAllowed) as error:
        save_slot(slot=stale)

    assert error.value.message == (
        "This slot was booked meanwhile: its time, clinician and type stay as the patient was told."
    )
    assert Slot.objects.get(pk=stale.pk).start == original_start


def test_save_slot_refuses_a_capacity_below_its_bookings():
    stale = make_slot(capacity=2)
    make_booking(slot=stale, name="One")
    make_booking(slot=stale, name="Two")

    stale.capacity = 1
    with pytest.raises(ChangeNotAllowed, match=r"now holds 2 booking\(s\)"):
        save_slot(slot=stale)

    assert Slot.objects.get(pk=stale.pk).capacity == 2


def test_save_slot_of_a_slot_deleted_meanwhile_is_refused():
    stale = make_slot()
    Slot.objects.filter(pk=stale.pk).delete()

    with pytest.raises(ChangeNotAllowed, match="deleted meanwhile"):
        save_slot(slot=stale)

    assert Slot.objects.count() == 0


def test_save_slot_at_the_start_of_another_slot_of_the_clinician_is_refused():
    taken = make_slot()

    with pytest.raises(ChangeNotAllowed, match="already has a slot starting at this time"):
        save_slot(
            slot=Slot(
                clinician=taken.clinician, appointment_type=taken.appointment_type, start=taken.start, end=taken.end
            )
        )

    assert Slot.objects.count() == 1


# --- delete_slots --------------------------------------------------------------------------


def test_delete_slots_deletes_free_slots_and_says_so_once(bumps, committed):
    first, second = make_slot(), make_slot()

    with committed():
        deleted = delete_slots(slot_ids=[first.pk, second.pk])

    assert deleted == 2
    assert Slot.objects.count() == 0
    assert bumps == ["slots"]


def test_delete_slots_refuses_if_any_slot_ever_held_a_booking(bumps, committed):
    free = make_slot()
    cancelled = make_booking()
    cancel_booking(booking_id=cancelled.pk, now=NOW, actor=SYSTEM)

    with committed(), pytest.raises(ChangeNotAllowed, match="holds bookings cannot be deleted"):
        delete_slots(slot_ids=[free.pk, cancelled.slot_id])

    assert Slot.objects.count() == 2
    assert bumps == []

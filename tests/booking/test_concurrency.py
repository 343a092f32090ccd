"""Real threads against a real database file (SQLite) or server (PostgreSQL).

Two layers keep a slot from being overbooked: the slot row lock in the service and the
(slot, seat) constraint. The many-thread tests show the result holds; the lock-holding test
fails if the service stops locking and re-checking, and test_models shows the constraint alone
refuses a second active booking.
"""

import threading
import time
from collections import Counter
from datetime import timedelta

import pytest
from django.db import connection, connections, transaction

from booking.exceptions import SlotNotBookable, SlotUnavailable
from booking.models import Booking, Slot
from booking.services import book_slot, reschedule_booking
from tests.booking.conftest import NOW, make_booking, make_clinician, make_patient, make_slot, make_type

pytestmark = pytest.mark.django_db(transaction=True)


def run_at_once(*calls):
    """Run the callables in threads released together; return each one's outcome in order.

    An outcome is "ok", an expected domain error's class name, or the repr of anything else.
    """
    barrier = threading.Barrier(len(calls))
    outcomes = [None] * len(calls)

    def worker(index, call):
        try:
            connection.ensure_connection()  # connect first, so the race is about the transaction
            barrier.wait()
            call()
            outcomes[index] = "ok"
        except (SlotUnavailable, SlotNotBookable) as error:
            outcomes[index] = type(error).__name__
        except Exception as error:  # every other outcome is a failure to report
            outcomes[index] = repr(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker, args=(index, call)) for index, call in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return outcomes


def fifty_bookings_at_once(slot, what: str) -> Counter:
    """50 threads book ``slot`` at the same moment; the outcomes, counted (and printed)."""

    def book(number):
        return lambda: book_slot(slot_id=slot.pk, patient=make_patient(name=f"Patient {number}"), now=NOW)

    started = time.perf_counter()
    figures = Counter(run_at_once(*(book(number) for number in range(50))))
    elapsed = time.perf_counter() - started
    print(f"\n[{connection.vendor}] 50 threads on {what} in {elapsed:.2f}s: {dict(figures)}")
    return figures


def test_book_slot_fifty_threads_one_slot_gives_one_booking():
    slot = make_slot()

    figures = fifty_bookings_at_once(slot, "one slot")

    assert figures == {"ok": 1, "SlotUnavailable": 49}
    slot.refresh_from_db()
    assert slot.booked_count == 1
    assert Booking.objects.filter(slot=slot).count() == 1
    assert Booking.objects.get(slot=slot).notifications.count() == 1


def test_book_slot_fifty_threads_capacity_three_gives_three_bookings():
    slot = make_slot(capacity=3)

    figures = fifty_bookings_at_once(slot, "a capacity-3 slot")

    # Without the lock, racing threads would all pick seat 1 and most would lose to the
    # constraint: fewer than three bookings.
    assert figures == {"ok": 3, "SlotUnavailable": 47}
    slot.refresh_from_db()
    assert slot.booked_count == 3
    assert sorted(Booking.objects.filter(slot=slot).values_list("seat", flat=True)) == [1, 2, 3]


def test_book_slot_waits_for_slot_lock_and_rechecks_under_it():
    slot = make_slot()
    locked, release = threading.Event(), threading.Event()
    outcome = {}

    def staff_blocks_the_slot():
        try:
            with transaction.atomic():
                Slot.objects.select_for_update().get(pk=slot.pk)
                locked.set()
                release.wait(timeout=10)
                Slot.objects.filter(pk=slot.pk).update(blocked=True)
        finally:
            connections.close_all()

    def patient_books():
        try:
            book_slot(slot_id=slot.pk, patient=make_patient(), now=NOW)
            outcome["result"] = "ok"
        except SlotNotBookable as error:
            outcome["result"] = error.message
        finally:
            connections.close_all()

    blocker = threading.Thread(target=staff_blocks_the_slot)
    blocker.start()
    assert locked.wait(timeout=10)
    patient = threading.Thread(target=patient_books)
    patient.start()
    time.sleep(0.5)
    waiting = patient.is_alive()
    release.set()
    blocker.join(timeout=10)
    patient.join(timeout=10)

    assert waiting is True
    assert outcome["result"] == "This time is not available for booking. Please choose another time."
    assert Booking.objects.count() == 0


@pytest.mark.parametrize("round_number", range(5))
def test_reschedule_racing_book_for_same_slot_gives_one_winner(round_number):
    follow_up = make_type()
    clinician = make_clinician()
    moving = make_booking(slot=make_slot(clinician=clinician, appointment_type=follow_up), name="Mover")
    old_slot = moving.slot
    target = make_slot(clinician=clinician, appointment_type=follow_up, start=old_slot.start + timedelta(hours=2))

    outcomes = run_at_once(
        lambda: reschedule_booking(booking_id=moving.pk, new_slot_id=target.pk, now=NOW),
        lambda: book_slot(slot_id=target.pk, patient=make_patient(name="Newcomer"), now=NOW),
    )

    print(f"\n[{connection.vendor}] round {round_number}: reschedule {outcomes[0]}, book {outcomes[1]}")
    assert sorted(outcomes) == ["SlotUnavailable", "ok"]
    moving.refresh_from_db()
    old_slot.refresh_from_db()
    target.refresh_from_db()
    assert target.booked_count == 1
    assert Booking.objects.active().filter(slot=target).count() == 1
    if outcomes[0] == "ok":
        assert (moving.slot_id, moving.version, old_slot.booked_count) == (target.pk, 2, 0)
    else:
        assert (moving.slot_id, moving.version, old_slot.booked_count) == (old_slot.pk, 1, 1)
    assert Booking.objects.active().filter(slot=old_slot).count() == old_slot.booked_count


def test_reschedule_opposite_moves_at_once_do_not_deadlock():
    follow_up = make_type()
    clinician = make_clinician()
    first_slot = make_slot(clinician=clinician, appointment_type=follow_up, capacity=2)
    second_slot = make_slot(
        clinician=clinician, appointment_type=follow_up, capacity=2, start=first_slot.start + timedelta(hours=1)
    )
    on_first = make_booking(slot=first_slot, name="One")
    on_second = make_booking(slot=second_slot, name="Two")

    outcomes = run_at_once(
        lambda: reschedule_booking(booking_id=on_first.pk, new_slot_id=second_slot.pk, now=NOW),
        lambda: reschedule_booking(booking_id=on_second.pk, new_slot_id=first_slot.pk, now=NOW),
    )

    assert outcomes == ["ok", "ok"]
    first_slot.refresh_from_db()
    second_slot.refresh_from_db()
    assert (first_slot.booked_count, second_slot.booked_count) == (1, 1)
    assert Booking.objects.get(pk=on_first.pk).slot_id == second_slot.pk
    assert Booking.objects.get(pk=on_second.pk).slot_id == first_slot.pk

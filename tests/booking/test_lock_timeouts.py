"""A row held longer than PostgreSQL's lock_timeout gives a clean domain error, never a 500.

PostgreSQL only: on SQLite a writer waits its turn on the writer lock (clinic/sqlite3) instead
of timing out. The holder is a real second connection in a thread; the waiting side lowers its
lock_timeout for the test (settings: DB_LOCK_TIMEOUT, 3 s by default).
"""

import threading
from contextlib import contextmanager

import pytest
from django.db import connection, connections, transaction

from booking.exceptions import BookingError, SlotUnavailable
from booking.models import Booking, Slot
from booking.services import book_slot, cancel_booking
from tests.booking.conftest import NOW, make_booking, make_patient, make_slot

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="lock_timeout is PostgreSQL's"),
]


@contextmanager
def row_held_by_another_connection(queryset):
    """Lock the one row of ``queryset`` from another connection for the duration of the block."""
    locked, release = threading.Event(), threading.Event()

    def hold():
        try:
            with transaction.atomic():
                queryset.select_for_update().get()
                locked.set()
                release.wait(timeout=10)
        finally:
            connections.close_all()

    holder = threading.Thread(target=hold)
    holder.start()
    assert locked.wait(timeout=10)
    with connection.cursor() as cursor:
        cursor.execute("SET lock_timeout = '200ms'")
    try:
        yield
    finally:
        release.set()
        holder.join(timeout=10)
        with connection.cursor() as cursor:
            cursor.execute("RESET lock_timeout")


def test_book_slot_that_waits_past_the_lock_timeout_hears_the_time_was_just_taken():
    slot = make_slot()

    with row_held_by_another_connection(Slot.objects.filter(pk=slot.pk)), pytest.raises(SlotUnavailable) as error:
        book_slot(slot_id=slot.pk, patient=make_patient(), now=NOW)

    assert error.value.message == "Sorry, this time has just been taken. Please choose another time."
    slot.refresh_from_db()
    assert (slot.booked_count, Booking.objects.count()) == (0, 0)


def test_cancel_booking_that_waits_past_the_lock_timeout_is_asked_to_try_again():
    booking = make_booking()

    with row_held_by_another_connection(Booking.objects.filter(pk=booking.pk)), pytest.raises(BookingError) as error:
        cancel_booking(booking_id=booking.pk, now=NOW)

    assert error.value.message == "The booking system is busy. Please try again in a moment."
    booking.refresh_from_db()
    assert (booking.status, booking.version) == ("confirmed", 1)

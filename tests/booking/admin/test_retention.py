"""Retention: purge_personal_data anonymises old bookings (idempotent, with counts), and an admin
action erases one patient's personal data on request."""

from datetime import date, timedelta
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from booking.models import Booking, BookingEvent, Notification
from booking.services import ANONYMISED_DATE_OF_BIRTH, ANONYMISED_NAME
from tests.booking.admin.conftest import book, slot_in

pytestmark = pytest.mark.django_db

BOOKINGS = "/admin/booking/booking/"


def erased(booking) -> bool:
    booking.refresh_from_db()
    return (
        booking.patient_name,
        booking.email,
        booking.phone,
        booking.date_of_birth,
        booking.reason,
        booking.accessibility_needs,
        booking.cancellation_reason,
    ) == (ANONYMISED_NAME, "", "", ANONYMISED_DATE_OF_BIRTH, "", "", "") and booking.anonymised_at is not None


def purge(days: int) -> str:
    out = StringIO()
    call_command("purge_personal_data", "--older-than", str(days), stdout=out)
    return out.getvalue().strip()


def test_purge_anonymises_bookings_older_than_the_age_and_is_idempotent():
    old = book(slot_in(timedelta(days=-400)), reason="Old-knee", accessibility_needs="Hoist")
    old_cancelled = book(slot_in(timedelta(days=-401)), email="c@example.org")
    Booking.objects.filter(pk=old_cancelled.pk).update(status="cancelled", cancellation_reason="Moved away")
    recent = book(slot_in(timedelta(days=-30)), email="recent@example.org")
    upcoming = book(slot_in(timedelta(days=3)), email="upcoming@example.org")

    assert purge(365) == "Anonymised 2 booking(s); 0 were anonymised before."

    assert erased(old) and erased(old_cancelled)
    assert not erased(recent) and not erased(upcoming)
    old.refresh_from_db()
    assert (old.reference, old.status, old.slot_id) == (old.reference, "confirmed", old.slot_id)
    event = BookingEvent.objects.get(booking=old, action="anonymised")
    assert (event.actor_kind, event.actor_user, event.detail) == ("system", None, "retention")

    assert purge(365) == "Anonymised 0 booking(s); 2 were anonymised before."
    assert BookingEvent.objects.filter(action="anonymised").count() == 2


def test_purge_refuses_a_meaningless_age():
    with pytest.raises(CommandError):
        purge(0)


def test_the_erase_action_erases_every_booking_of_the_patient(manager_client, manager):
    patient = {"email": "jordan@example.org", "date_of_birth": date(1961, 2, 3), "name": "Jordan Rivers"}
    past = book(slot_in(timedelta(days=-10)), **patient)
    Booking.objects.filter(pk=past.pk).update(status="attended")
    another = book(slot_in(timedelta(days=-5)), **{**patient, "email": "JORDAN@example.org"})
    Booking.objects.filter(pk=another.pk).update(status="no_show")
    namesake = book(slot_in(timedelta(days=-6)), **{**patient, "date_of_birth": date(1990, 1, 1)})
    upcoming = book(slot_in(timedelta(days=4)), **patient)

    page = manager_client.post(BOOKINGS, {"action": "erase_personal_data", "_selected_action": [past.pk]})
    assert page.status_code == 200
    assert {b.pk for b in page.context["bookings"]} == {past.pk, another.pk, upcoming.pk}
    assert not erased(past)

    response = manager_client.post(
        BOOKINGS, {"action": "erase_personal_data", "_selected_action": [past.pk], "confirm": "yes"}
    )

    assert response.status_code == 302
    assert erased(past) and erased(another)
    assert not erased(namesake) and not erased(upcoming)  # upcoming: cancel it first
    event = BookingEvent.objects.get(booking=past, action="anonymised")
    assert (event.actor_kind, event.actor_user, event.detail) == ("staff", manager, "on request")
    messages = [str(m) for m in response.wsgi_request._messages]
    assert messages == [
        "Erased the personal data of 2 booking(s).",
        "1 upcoming booking(s) kept: cancel them first, then erase.",
    ]


def test_erasing_one_booking_from_its_page_skips_pending_emails(manager_client):
    booking = book(slot_in(timedelta(days=-3)))
    Notification.objects.filter(booking=booking).update(status="pending")

    manager_client.post(f"{BOOKINGS}{booking.pk}/erase/")

    assert erased(booking)
    assert list(Notification.objects.filter(booking=booking).values_list("status", flat=True)) == ["skipped"]
    # Erasing again is harmless.
    response = manager_client.post(f"{BOOKINGS}{booking.pk}/erase/")
    assert [str(m) for m in response.wsgi_request._messages][-1] == "1 booking(s) had been erased already."


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "sqlite", reason="the SQLite files")
def test_purge_leaves_no_erased_data_in_the_sqlite_files():
    # Rare values, so that no other test's rows can be mistaken for them.
    name, email = "Quillon Vexhammer", "quillon.vexhammer@example.org"
    old = book(slot_in(timedelta(days=-400)), name=name, email=email, accessibility_needs="Needs-a-zq-hoist")
    database = Path(connection.settings_dict["NAME"])
    # Long before a booking is old enough to purge, SQLite has copied it into the database file.
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    assert name.encode() in database.read_bytes()

    purge(365)

    assert erased(old)
    for path in (database, Path(f"{database}-wal")):
        content = path.read_bytes() if path.exists() else b""
        for value in (name, email, "Needs-a-zq-hoist"):
            assert value.encode() not in content, (path.name, value)

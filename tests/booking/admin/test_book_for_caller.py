"""Book for a caller: pick a free slot in the week view, enter the details, confirm."""

import re
from datetime import timedelta

import pytest

from booking.models import Booking, BookingEvent, Slot
from tests.booking.admin.conftest import at_local, book, local_today, make_clinician, make_slot, make_type, slot_in

pytestmark = pytest.mark.django_db

PICK = "/admin/booking/booking/book/"

CALLER = {
    "patient_name": "Jordan Rivers",
    "date_of_birth": "1961-02-03",
    "patient_kind": "new",
    "email": "Jordan@Example.org",
    "phone": "212-555-0123",
    "reason": "Stiff elbow",
    "accessibility_needs": "Wheelchair user",
    "consent": "on",
    "submission_key": "key-1",
}


def offered(response) -> list[int]:
    return [e.slot.pk for row in response.context["schedule"].rows for cell in row.cells for e in cell.entries]


def test_pick_shows_only_free_future_slots_in_the_week(reception_client):
    day = local_today() + timedelta(days=7)
    clinician, appointment_type = make_clinician(), make_type()
    free = make_slot(start=at_local(day, 9), clinician=clinician, appointment_type=appointment_type)
    booked = make_slot(start=at_local(day, 10), clinician=clinician, appointment_type=appointment_type)
    make_slot(start=at_local(day, 11), clinician=clinician, appointment_type=appointment_type, blocked=True)
    book(booked)

    response = reception_client.get(PICK, {"date": day.isoformat(), "view": "week"})

    assert response.context["schedule"].days == 7
    assert offered(response) == [free.pk]
    assert f'href="{PICK}{free.pk}/"' in response.content.decode()


def test_booking_a_caller_uses_the_service_and_emails_the_patient(
    reception_client, reception, mailoutbox, django_capture_on_commit_callbacks
):
    slot = slot_in(timedelta(hours=3))  # inside the online minimum notice: staff may book it

    form_page = reception_client.get(f"{PICK}{slot.pk}/")
    assert "Confirm booking" in form_page.content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        response = reception_client.post(f"{PICK}{slot.pk}/", CALLER)

    booking = Booking.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/admin/booking/booking/{booking.pk}/change/"
    assert (booking.patient_name, booking.email, booking.phone) == (
        "Jordan Rivers",
        "jordan@example.org",
        "+12125550123",
    )
    assert (booking.source, booking.status, booking.slot_id) == ("staff", "confirmed", slot.pk)
    assert booking.consent_at is not None
    assert booking.reason == ""  # reception does not see the reason, so it does not ask for it
    assert booking.accessibility_needs == "Wheelchair user"
    slot.refresh_from_db()
    assert slot.booked_count == 1
    event = BookingEvent.objects.get(booking=booking, action="created")
    assert (event.actor_kind, event.actor_user) == ("staff", reception)
    assert [m.to for m in mailoutbox] == [["jordan@example.org"]]
    followed = reception_client.get(response["Location"])
    assert booking.reference in next(str(m) for m in followed.wsgi_request._messages)


def test_a_double_submit_books_once(reception_client):
    slot = slot_in(timedelta(days=2))

    form_page = reception_client.get(f"{PICK}{slot.pk}/").content.decode()
    key = re.search(r'name="submission_key" value="([^"]+)"', form_page).group(1)

    first = reception_client.post(f"{PICK}{slot.pk}/", {**CALLER, "submission_key": key})
    second = reception_client.post(f"{PICK}{slot.pk}/", {**CALLER, "submission_key": key})

    assert Booking.objects.count() == 1
    assert first.status_code == second.status_code == 302
    assert first["Location"] == second["Location"]


def test_invalid_details_keep_what_was_typed(reception_client):
    slot = slot_in(timedelta(days=2))

    response = reception_client.post(f"{PICK}{slot.pk}/", {**CALLER, "phone": "12", "consent": ""})

    page = response.content.decode()
    assert response.status_code == 200
    assert "Please enter a phone number we can call" in page
    assert "Ask the caller for their agreement" in page
    assert 'value="Jordan Rivers"' in page
    assert Booking.objects.count() == 0


def test_a_slot_taken_meanwhile_is_refused_with_a_message(reception_client):
    slot = slot_in(timedelta(days=2))
    book(slot, email="first@example.org")

    response = reception_client.post(f"{PICK}{slot.pk}/", CALLER)

    assert response.status_code == 200
    assert "this time has just been taken" in response.content.decode()
    assert Booking.objects.count() == 1
    assert Slot.objects.get().booked_count == 1


def test_a_past_slot_cannot_be_booked(reception_client):
    slot = slot_in(timedelta(hours=-1))

    response = reception_client.post(f"{PICK}{slot.pk}/", CALLER)

    assert "already passed" in response.content.decode()
    assert Booking.objects.count() == 0


def test_a_clinician_cannot_book(client, doctor):
    slot = slot_in(timedelta(days=2))
    client.force_login(doctor)

    assert client.get(PICK).status_code == 403
    assert client.post(f"{PICK}{slot.pk}/", CALLER).status_code == 403
    assert Booking.objects.count() == 0


def test_a_manager_booking_for_a_caller_may_note_the_reason(client, manager):
    slot = slot_in(timedelta(days=2))
    client.force_login(manager)

    assert "Reason for visit" in client.get(f"{PICK}{slot.pk}/").content.decode()
    client.post(f"{PICK}{slot.pk}/", CALLER)

    assert Booking.objects.get().reason == "Stiff elbow"

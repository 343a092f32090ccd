"""Appointment types booked by phone only: never online, always with the phone number and the reason;
staff can still book them."""

from datetime import timedelta

import pytest
from django.utils import timezone

from booking import links
from booking.audit import SYSTEM, Actor
from booking.exceptions import CallToBook
from booking.models import Booking, Slot
from booking.services import book_slot
from tests.booking.conftest import NOW, make_clinician, make_patient, make_slot, make_type

pytestmark = pytest.mark.django_db

REASON = "Radiation works only in a short window around surgery, so we plan it with you."
NOTE = "Surgery in the next 14 days, or just had it? Call us."


@pytest.fixture
def radiation():
    appointment_type = make_type(
        name="Radiation therapy planning",
        slug="radiation-therapy-planning",
        call_to_book=True,
        call_to_book_reason=REASON,
        phone_note=NOTE,
    )
    appointment_type.clinicians.add(make_clinician(name="Dr Daniel Reyes", slug="reyes"))
    return appointment_type


def future_slot(appointment_type, days=4) -> Slot:
    start = (timezone.now() + timedelta(days=days)).replace(hour=15, minute=0, second=0, microsecond=0)
    return make_slot(start=start, clinician=appointment_type.clinicians.get(), appointment_type=appointment_type)


def test_book_slot_refuses_an_online_booking_of_a_call_to_book_type(radiation):
    slot = make_slot(appointment_type=radiation, clinician=radiation.clinicians.get())

    with pytest.raises(CallToBook) as refused:
        book_slot(slot_id=slot.pk, patient=make_patient(), now=NOW)

    assert refused.value.message == (
        "This appointment is booked by phone, so that we can plan it with you. Please call us on +1 555-0100."
    )
    slot.refresh_from_db()
    assert (slot.booked_count, Booking.objects.count()) == (0, 0)


def test_book_slot_lets_staff_book_a_call_to_book_type(radiation, staff_user):
    slot = make_slot(appointment_type=radiation, clinician=radiation.clinicians.get())

    booking = book_slot(slot_id=slot.pk, patient=make_patient(), now=NOW, actor=Actor.staff(staff_user))

    assert (booking.slot_id, booking.status, booking.source) == (slot.pk, "confirmed", "staff")


def test_book_slot_of_an_id_too_big_for_the_database_is_unavailable_not_an_error():
    from booking.exceptions import SlotUnavailable

    with pytest.raises(SlotUnavailable):
        book_slot(slot_id=10**25, patient=make_patient(), now=NOW)


def test_week_page_of_a_call_to_book_type_gives_the_phone_number_and_why(client, radiation):
    future_slot(radiation)

    response = client.get("/book/radiation-therapy-planning/")
    html = response.content.decode()

    assert response.status_code == 200
    assert "<h1>Radiation therapy planning</h1>" in html
    assert "We book this appointment by phone, not online." in html
    assert f'<strong>{NOTE}</strong> Call <a class="text-nowrap" href="tel:+1555-0100">+1 555-0100</a>.' in html
    assert REASON in html
    assert "/book/slot/" not in html


def test_start_page_marks_call_to_book_types(client, radiation):
    html = client.get("/book/").content.decode()

    assert "<strong>Booked by phone:</strong> call +1 555-0100." in html
    assert '<span class="btn btn-outline-primary" aria-hidden="true">How to book</span>' in html


def test_details_page_of_a_call_to_book_slot_leads_to_the_phone_page(client, radiation):
    slot = future_slot(radiation)

    response = client.get(f"/book/slot/{slot.pk}/")

    assert response.status_code == 302
    assert response["Location"] == "/book/radiation-therapy-planning/"


def test_posting_the_form_for_a_call_to_book_slot_books_nothing_and_keeps_the_details(client, radiation):
    slot = future_slot(radiation)
    data = {
        "patient_name": "Jordan Rivers",
        "email": "jordan@example.org",
        "phone": "212-555-0123",
        "date_of_birth": "1975-03-27",
        "patient_kind": "new",
        "consent": "on",
        "website": "",
        "submission_key": "key-1",
    }

    response = client.post(f"/book/slot/{slot.pk}/", data)
    html = response.content.decode()

    assert response.status_code == 200
    assert "This appointment is booked by phone, so that we can plan it with you." in html
    assert 'value="Jordan Rivers"' in html
    assert Booking.objects.count() == 0


def test_week_page_of_an_online_type_shows_its_phone_note(client):
    appointment_type = make_type(slug="planning", phone_note=NOTE)
    appointment_type.clinicians.add(make_clinician())

    html = client.get("/book/planning/").content.decode()

    assert "<h1>Choose a time</h1>" in html
    assert f"<strong>{NOTE}</strong> Call" in html


def test_patient_cannot_reschedule_a_call_to_book_appointment_online(client, radiation, staff_user):
    slot, other = future_slot(radiation, days=5), future_slot(radiation, days=6)
    booking = book_slot(slot_id=slot.pk, patient=make_patient(), now=timezone.now(), actor=SYSTEM)
    token = links.make_token(booking)

    manage = client.get(f"/book/manage/{token}/").content.decode()
    response = client.post(f"/book/manage/{token}/reschedule/", {"slot": other.pk}, follow=True)

    assert "Reschedule</a>" not in manage
    assert "To move this appointment, please call us on" in manage
    assert "We book this appointment by phone. To move it, please call us on +1 555-0100." in response.content.decode()
    booking.refresh_from_db()
    assert booking.slot_id == slot.pk

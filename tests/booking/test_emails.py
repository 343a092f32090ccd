"""The patient emails: what they say, what they attach, and what they never carry."""

import re
from datetime import date, timedelta

import pytest
from icalendar import Calendar

from booking.audit import SYSTEM, Actor
from booking.links import manage_url
from booking.models import Booking, Notification
from booking.services import book_slot, cancel_booking, reschedule_booking
from tests.booking.conftest import NOW, make_clinician, make_patient, make_slot, make_type

pytestmark = pytest.mark.django_db

CLINIC = "Riverside HO Clinic (demo)"

# Distinctive values that must never leave the database in an email.
SECRET_REASON = "Zebra-knee-pain-4471"
SECRET_NEEDS = "Needs-hoist-8812"
SECRET_PHONE = "+1 555-0177"
SECRET_BIRTH = date(1937, 3, 29)
SECRET_BIRTH_FORMS = ["1937-03-29", "29 March 1937", "March 29, 1937", "03/29/1937", "1937"]
SECRET_PHONE_FORMS = ["555-0177", "5550177"]


@pytest.fixture
def slot():
    appointment_type = make_type(
        name="New patient assessment",
        duration_minutes=45,
        what_to_bring="Your X-ray images.\nA list of your medicines.",
    )
    clinician = make_clinician(name="Dr Maria Lopez", title="Physiatrist")
    return make_slot(appointment_type=appointment_type, clinician=clinician)


def book(slot, capture, **patient_fields):
    fields = {
        "reason": SECRET_REASON,
        "accessibility_needs": SECRET_NEEDS,
        "phone": SECRET_PHONE,
        "date_of_birth": SECRET_BIRTH,
    }
    fields.update(patient_fields)
    with capture(execute=True):
        booking = book_slot(slot_id=slot.pk, patient=make_patient(**fields), now=NOW)
    booking.refresh_from_db()
    return booking


def html_of(message) -> str:
    [(html, mimetype)] = message.alternatives
    assert mimetype == "text/html"
    return html


def calendar_of(message) -> tuple[str, Calendar]:
    """(Content-Type header, parsed calendar) of the one .ics attachment."""
    [part] = message.attachments
    assert part.get_filename() == "appointment.ics"
    return part["Content-Type"], Calendar.from_ical(part.get_payload(decode=True))


def everything_in(message) -> str:
    parts = [message.subject, message.body, html_of(message)]
    parts += [part.get_payload(decode=True).decode() for part in message.attachments]
    return "\n".join(parts)


def assert_no_private_data(message):
    text = everything_in(message)
    for secret in [SECRET_REASON, SECRET_NEEDS, *SECRET_PHONE_FORMS, *SECRET_BIRTH_FORMS]:
        assert secret not in text


# --- Confirmation -------------------------------------------------------------------------


def test_confirmation_is_one_email_with_the_appointment(slot, mailoutbox, django_capture_on_commit_callbacks):
    booking = book(slot, django_capture_on_commit_callbacks)

    assert len(mailoutbox) == 1
    message = mailoutbox[0]
    assert message.subject == f"Your appointment at {CLINIC} is confirmed"
    assert message.to == ["alex@example.org"]
    assert message.from_email == "HO Clinic <appointments@example.org>"
    assert message.reply_to == ["appointments@example.org"]
    link = manage_url(booking)
    for body in (message.body, html_of(message)):
        assert "Hello Alex Example," in body
        assert "When: Thursday 10 January 2030 at 9:00 AM" in re.sub(r"<[^>]+>", "", body)
        assert "Dr Maria Lopez, Physiatrist" in body
        assert "New patient assessment (45 minutes)" in body
        assert "100 Example Avenue, Suite 200, Springfield, NY 10000" in body
        assert "+1 555-0100" in body
        assert booking.reference in body
        assert link in body
        assert "Your X-ray images." in body
    assert Notification.objects.get(booking=booking).status == Notification.Status.SENT


def test_confirmation_html_is_simple_and_accessible(slot, mailoutbox, django_capture_on_commit_callbacks):
    booking = book(slot, django_capture_on_commit_callbacks)

    html = html_of(mailoutbox[0])
    assert html.startswith('<!DOCTYPE html>\n<html lang="en">')
    assert f"<title>Your appointment at {CLINIC} is confirmed</title>" in html
    assert html.count("<h1") == 1
    assert '<h2 style="font-size: 21px; margin: 24px 0 8px;">Your appointment</h2>' in html
    assert "<img" not in html
    assert "<script" not in html
    link = manage_url(booking)
    link_style = "color: #0b4f8a; text-decoration: underline;"
    assert f'<a href="{link}" style="{link_style}">Change or cancel your appointment</a>' in html
    assert '<a href="tel:+15550100"' in html
    assert "Your X-ray images.<br>A list of your medicines." in html


def test_confirmation_text_is_plain_text(slot, mailoutbox, django_capture_on_commit_callbacks):
    book(slot, django_capture_on_commit_callbacks, name="Siobhán O'Brien & Co")

    message = mailoutbox[0]
    assert "Hello Siobhán O'Brien & Co," in message.body
    assert "<" not in message.body
    assert "&#x27;" not in message.body
    assert "\n\n\n" not in message.body
    assert "Hello Siobhán O&#x27;Brien &amp; Co," in html_of(message)


def test_confirmation_attaches_the_calendar_file(slot, mailoutbox, django_capture_on_commit_callbacks):
    booking = book(slot, django_capture_on_commit_callbacks)

    content_type, calendar = calendar_of(mailoutbox[0])
    assert content_type.startswith("text/calendar;")
    assert 'method="PUBLISH"' in content_type or "method=PUBLISH" in content_type
    assert calendar["METHOD"] == "PUBLISH"
    [event] = calendar.walk("VEVENT")
    assert event.decoded("DTSTART") == slot.start
    assert event.decoded("DTEND") == slot.start + timedelta(minutes=45)
    assert str(event["UID"]) == f"{booking.reference}@example.org"
    assert str(event["URL"]) == manage_url(booking)


def test_confirmation_carries_no_private_data(slot, mailoutbox, django_capture_on_commit_callbacks):
    book(slot, django_capture_on_commit_callbacks)

    assert_no_private_data(mailoutbox[0])


def test_confirmation_without_what_to_bring_has_no_such_heading(mailoutbox, django_capture_on_commit_callbacks):
    book(make_slot(appointment_type=make_type(what_to_bring="")), django_capture_on_commit_callbacks)

    message = mailoutbox[0]
    assert "WHAT TO BRING" not in message.body
    assert "What to bring" not in html_of(message)


# --- Reschedule ---------------------------------------------------------------------------


def test_reschedule_email_gives_new_time_calendar_and_link(slot, mailoutbox, django_capture_on_commit_callbacks):
    booking = book(slot, django_capture_on_commit_callbacks)
    old_link = manage_url(booking)
    later = make_slot(start=slot.start + timedelta(days=1, hours=2), appointment_type=slot.appointment_type)

    with django_capture_on_commit_callbacks(execute=True):
        reschedule_booking(booking_id=booking.pk, new_slot_id=later.pk, now=NOW)

    booking.refresh_from_db()
    assert len(mailoutbox) == 2
    message = mailoutbox[1]
    assert message.subject == f"Your appointment at {CLINIC} has been moved"
    new_link = manage_url(booking)
    assert new_link != old_link
    for body in (message.body, html_of(message)):
        assert "Friday 11 January 2030 at 11:00 AM" in body
        assert new_link in body
        assert old_link not in body
    _, calendar = calendar_of(message)
    [event] = calendar.walk("VEVENT")
    assert event.decoded("DTSTART") == later.start
    assert str(event["UID"]) == f"{booking.reference}@example.org"
    assert event["SEQUENCE"] == 2
    assert_no_private_data(message)


# --- Cancellation -------------------------------------------------------------------------


def test_cancellation_by_patient_never_repeats_their_reason(slot, mailoutbox, django_capture_on_commit_callbacks):
    booking = book(slot, django_capture_on_commit_callbacks)

    with django_capture_on_commit_callbacks(execute=True):
        cancel_booking(booking_id=booking.pk, now=NOW, reason="Feeling-unwell-3321")

    message = mailoutbox[1]
    assert message.subject == f"Your appointment at {CLINIC} has been cancelled"
    for body in (message.body, html_of(message)):
        assert "Thursday 10 January 2030 at 9:00 AM" in body
        assert "has been cancelled, as you asked." in body
        assert booking.reference in body
        assert "Feeling-unwell-3321" not in body
        assert "reason" not in body.lower()
        assert "/book/" in body
    content_type, calendar = calendar_of(message)
    assert "CANCEL" in content_type
    assert calendar["METHOD"] == "CANCEL"
    assert_no_private_data(message)


def test_cancellation_by_clinic_shows_the_clinics_reason(slot, mailoutbox, django_capture_on_commit_callbacks):
    booking = book(slot, django_capture_on_commit_callbacks)

    with django_capture_on_commit_callbacks(execute=True):
        cancel_booking(booking_id=booking.pk, now=NOW, actor=SYSTEM, reason="Dr Lopez is away at a conference.")

    message = mailoutbox[1]
    for body in (message.body, html_of(message)):
        assert "we have had to cancel your appointment" in body
        assert "The clinic's reason: Dr Lopez is away at a conference." in body


def test_cancellation_by_clinic_without_reason_says_none(slot, mailoutbox, django_capture_on_commit_callbacks):
    booking = book(slot, django_capture_on_commit_callbacks)

    with django_capture_on_commit_callbacks(execute=True):
        cancel_booking(booking_id=booking.pk, now=NOW, actor=SYSTEM)

    message = mailoutbox[1]
    assert "we have had to cancel your appointment" in message.body
    assert "reason" not in message.body.lower()
    assert "reason" not in html_of(message).lower()


def test_no_email_names_a_booking_detail_in_its_subject(slot, mailoutbox, django_capture_on_commit_callbacks):
    booking = book(slot, django_capture_on_commit_callbacks)
    with django_capture_on_commit_callbacks(execute=True):
        cancel_booking(booking_id=booking.pk, now=NOW)

    for message in mailoutbox:
        assert CLINIC in message.subject
        for detail in ["Alex", booking.reference, "Lopez", "assessment", "2030", "9:00"]:
            assert detail not in message.subject
    assert Booking.objects.get().status == Booking.Status.CANCELLED


# --- Calendar files (RFC 5545, RFC 5546) ----------------------------------------------------

# What RFC 5546 (iTIP) requires of the VEVENT of each method we send.
REQUIRED_BY_METHOD = {
    "PUBLISH": {"DTSTAMP", "DTSTART", "ORGANIZER", "SUMMARY", "UID"},
    "CANCEL": {"DTSTAMP", "ORGANIZER", "SEQUENCE", "UID"},
}


def assert_valid_itip(calendar: Calendar, method: str) -> None:
    calendar.validate()  # icalendar: PRODID, VERSION, a component
    assert [(component.name, component.errors) for component in calendar.walk()] == [
        ("VCALENDAR", []),
        ("VEVENT", []),
    ]
    assert calendar["METHOD"] == method
    [event] = calendar.walk("VEVENT")
    assert REQUIRED_BY_METHOD[method] <= set(event)
    organizer = event["ORGANIZER"]
    assert str(organizer) == "mailto:appointments@example.org"
    assert organizer.params["CN"] == CLINIC


def test_every_calendar_file_is_valid_itip_with_the_clinic_as_organizer(
    slot, mailoutbox, django_capture_on_commit_callbacks
):
    booking = book(slot, django_capture_on_commit_callbacks)
    later = make_slot(start=slot.start + timedelta(days=1), appointment_type=slot.appointment_type)
    with django_capture_on_commit_callbacks(execute=True):
        reschedule_booking(booking_id=booking.pk, new_slot_id=later.pk, now=NOW)
    with django_capture_on_commit_callbacks(execute=True):
        cancel_booking(booking_id=booking.pk, now=NOW, actor=Actor.patient())

    confirmed, moved, cancelled = (calendar_of(message)[1] for message in mailoutbox)

    assert_valid_itip(confirmed, "PUBLISH")
    assert_valid_itip(moved, "PUBLISH")
    assert_valid_itip(cancelled, "CANCEL")
    assert [calendar.walk("VEVENT")[0]["SEQUENCE"] for calendar in (confirmed, moved, cancelled)] == [1, 2, 3]


def test_calendar_organizer_falls_back_to_the_sender_address(
    slot, mailoutbox, django_capture_on_commit_callbacks, settings
):
    settings.CLINIC_EMAIL = ""
    settings.DEFAULT_FROM_EMAIL = f"{CLINIC} <bookings@clinic.example.org>"

    book(slot, django_capture_on_commit_callbacks)

    [event] = calendar_of(mailoutbox[0])[1].walk("VEVENT")
    assert str(event["ORGANIZER"]) == "mailto:bookings@clinic.example.org"
    assert event["ORGANIZER"].params["CN"] == CLINIC

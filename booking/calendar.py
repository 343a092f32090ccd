"""RFC 5545 calendar files for a booking (icalendar). No reason, date of birth or health detail."""

from datetime import datetime
from email.utils import parseaddr

from django.conf import settings
from icalendar import Calendar, Event, vCalAddress, vText

from booking.models import Booking


def clinic_address() -> str:
    """The clinic's email address: CLINIC_EMAIL, or else the address patient emails come from."""
    return settings.CLINIC_EMAIL or parseaddr(settings.DEFAULT_FROM_EMAIL)[1]


def booking_ics(booking: Booking, *, manage_url: str, now: datetime) -> bytes:
    slot = booking.slot
    calendar = Calendar()
    calendar.add("prodid", f"-//{settings.CLINIC_NAME}//Appointments//EN")
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "CANCEL" if booking.status == Booking.Status.CANCELLED else "PUBLISH")

    event = Event()
    # Stable across reschedules, so calendar apps update the event instead of adding another.
    event.add("uid", f"{booking.reference}@{clinic_address().split('@')[-1]}")
    event.add("sequence", booking.version)
    # RFC 5546 requires an organizer for PUBLISH and CANCEL: the clinic.
    organizer = vCalAddress(f"mailto:{clinic_address()}")
    organizer.params["CN"] = settings.CLINIC_NAME
    event.add("organizer", organizer)
    event.add("dtstamp", now)
    event.add("dtstart", slot.start)
    event.add("dtend", slot.end)
    event.add("summary", f"{slot.appointment_type.name} at {settings.CLINIC_NAME}")
    event["location"] = vText(settings.CLINIC_ADDRESS)
    event.add(
        "description",
        f"Booking reference: {booking.reference}\n"
        f"With: {slot.clinician.name}\n"
        f"To change or cancel: {manage_url}\n"
        f"Questions: {settings.CLINIC_PHONE}",
    )
    event.add("status", "CANCELLED" if booking.status == Booking.Status.CANCELLED else "CONFIRMED")
    event.add("url", manage_url)
    calendar.add_component(event)
    return calendar.to_ical()

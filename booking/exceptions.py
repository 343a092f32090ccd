"""Domain errors of the booking services. Each carries a ``message`` fit to show the patient."""

from django.conf import settings


class BookingError(Exception):
    default_message = "Sorry, that did not work. Please try again."

    def __init__(self, message: str | None = None):
        self.message = message or self.default_message
        super().__init__(self.message)


class SlotUnavailable(BookingError):
    """The slot was just taken or is full (including losing a race for it)."""

    default_message = "Sorry, this time has just been taken. Please choose another time."


class SlotNotBookable(BookingError):
    """A rule forbids booking this slot: past, minimum notice, horizon, blocked, closure, inactive."""

    default_message = "This time cannot be booked. Please choose another time."


class CallToBook(BookingError):
    """The appointment type is booked by phone only (``AppointmentType.call_to_book``)."""

    def __init__(self, message: str | None = None):
        super().__init__(
            message
            or f"This appointment is booked by phone, so that we can plan it with you. "
            f"Please call us on {settings.CLINIC_PHONE}."
        )


class PatientKindNotAllowed(BookingError):
    default_message = "This appointment type is not available for your patient type. Please choose another one."


class ConsentRequired(BookingError):
    default_message = "Please confirm that the clinic may use your details to manage your appointment."


class ChangeNotAllowed(BookingError):
    """After the change cut-off, or the booking is no longer active."""

    def __init__(self, message: str | None = None):
        super().__init__(
            message or f"This booking can no longer be changed online. Please call us on {settings.CLINIC_PHONE}."
        )


class BookingNotFound(BookingError):
    default_message = "We could not find this booking. Please check the link or call the clinic."

"""The patient's private manage link: signed, unguessable, and carrying no personal data.

The token holds only the booking id and its version, signed with SECRET_KEY and the time it was
made. A reschedule or cancellation bumps the version, so links sent before it stop working
("superseded"); a link stops working ``BOOKING_LINK_MAX_AGE_DAYS`` after it was made, and at
once when the booking's personal data is erased. Pages opened from a link carry that same link
on (never a new one), so viewing a page does not extend its life.
"""

from django.conf import settings
from django.core import signing
from django.urls import reverse

from booking.models import Booking

SALT = "booking.manage-link"


class InvalidLink(Exception):
    """Tampered, expired, superseded, or of a booking whose personal data was erased."""


def _signer() -> signing.TimestampSigner:
    return signing.TimestampSigner(salt=SALT)


def make_token(booking: Booking) -> str:
    return _signer().sign(f"{booking.pk}.{booking.version}")


def booking_from_token(token: str, *, queryset=None) -> Booking:
    max_age = settings.BOOKING_LINK_MAX_AGE_DAYS * 24 * 60 * 60
    try:
        value = _signer().unsign(token, max_age=max_age)
        booking_id, version = (int(part) for part in value.split("."))
    except (signing.BadSignature, ValueError):
        raise InvalidLink from None
    queryset = (
        queryset
        if queryset is not None
        else Booking.objects.select_related("slot__clinician", "slot__appointment_type")
    )
    # An erased booking has nothing left to show its patient, and whoever holds an old link
    # should learn nothing more about it (not even that the appointment took place).
    booking = queryset.filter(pk=booking_id, version=version, anonymised_at__isnull=True).first()
    if booking is None:
        raise InvalidLink
    return booking


def manage_path(booking: Booking, *, token: str | None = None) -> str:
    """The manage page's path: with ``token`` (the link a page was opened with), or a new link."""
    return reverse("booking:manage", kwargs={"token": token or make_token(booking)})


def manage_url(booking: Booking, *, token: str | None = None) -> str:
    return settings.CLINIC_SITE_URL.rstrip("/") + manage_path(booking, token=token)

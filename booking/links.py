"""The patient's private manage link: signed, unguessable, and carrying no personal data.

The token holds only the booking id and its version, signed with SECRET_KEY. A reschedule or
cancellation bumps the version, so links sent before it stop working ("superseded").
"""

from django.conf import settings
from django.core import signing
from django.urls import reverse

from booking.models import Booking

SALT = "booking.manage-link"


class InvalidLink(Exception):
    """Tampered, expired or superseded."""


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
    booking = queryset.filter(pk=booking_id, version=version).first()
    if booking is None:
        raise InvalidLink
    return booking


def manage_path(booking: Booking) -> str:
    return reverse("booking:manage", kwargs={"token": make_token(booking)})


def manage_url(booking: Booking) -> str:
    return settings.CLINIC_SITE_URL.rstrip("/") + manage_path(booking)

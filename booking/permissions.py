"""Who on the staff may see and do what with slots and bookings: every rule in one place.

Admin pages, staff views, templates and the dashboard ask these functions; none of them reads a
permission codename itself. The roles (clinic/migrations/0001_roles.py) are Django groups holding
these permissions, so a rule here holds for every role, and tests/booking/admin/test_permissions.py
checks each rule as a matrix of role and booking.
"""

from datetime import datetime

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser

from booking.models import Booking, Clinician

User = AbstractBaseUser | AnonymousUser


def can_view_schedule(user: User) -> bool:
    return user.has_perm("booking.view_slot")


def can_book(user: User) -> bool:
    """Book for a caller (and so see the free times to book)."""
    return user.has_perm("booking.add_booking")


def can_generate_slots(user: User) -> bool:
    return user.has_perm("booking.add_slot")


def can_search_bookings(user: User) -> bool:
    return user.has_perm("booking.view_booking")


def can_export(user: User) -> bool:
    return user.has_perm("booking.export_bookings")


def can_see_failed_emails(user: User) -> bool:
    return user.has_perm("booking.view_notification")


def can_see_all_bookings(user: User) -> bool:
    """Reception and managers; a clinician sees only the bookings of their own slots."""
    return user.has_perm("booking.view_all_bookings")


def can_see_patient(user: User, clinician: Clinician) -> bool:
    """Whether the patients booked with ``clinician`` are shown to ``user`` (else only "booked")."""
    if not user.has_perm("booking.view_booking"):
        return False
    return can_see_all_bookings(user) or (clinician.user_id is not None and clinician.user_id == user.pk)


def can_see_reason(user: User) -> bool:
    """The reason for the visit: clinicians (their own bookings) and managers, never Reception."""
    return user.has_perm("booking.view_booking_reason")


def can_change(user: User) -> bool:
    return user.has_perm("booking.change_booking")


def can_move(user: User, booking: Booking) -> bool:
    return booking.status == Booking.Status.CONFIRMED and can_change(user)


def can_cancel(user: User, booking: Booking) -> bool:
    return booking.status == Booking.Status.CONFIRMED and can_change(user)


def can_edit_contact(user: User, booking: Booking) -> bool:
    return booking.anonymised_at is None and can_change(user)


def can_mark_attendance(user: User, booking: Booking | None = None, *, now: datetime | None = None) -> bool:
    """Attended / no-show: with a booking, only once its time has come and if it was not cancelled."""
    if not user.has_perm("booking.mark_attendance"):
        return False
    if booking is None:
        return True
    return booking.status != Booking.Status.CANCELLED and now is not None and booking.slot.start <= now


def can_erase(user: User, booking: Booking | None = None) -> bool:
    """Erase a patient's personal data on request."""
    if not user.has_perm("booking.erase_personal_data"):
        return False
    return booking is None or booking.anonymised_at is None

"""services.update_contact_details: staff correct a booking's name, email, phone or access needs."""

from datetime import timedelta

import pytest

from booking.audit import Actor
from booking.exceptions import BookingNotFound, ChangeNotAllowed
from booking.models import Booking, BookingEvent, Notification
from booking.services import ContactDetails, anonymise_bookings, cancel_booking, update_contact_details
from tests.booking.conftest import NOW, make_booking, make_slot

pytestmark = pytest.mark.django_db


def details(**overrides) -> ContactDetails:
    fields = {
        "name": "Alex Example",
        "email": "alex@example.org",
        "phone": "+1 555-0142",
        "accessibility_needs": "",
    }
    fields.update(overrides)
    return ContactDetails(**fields)


def test_a_new_phone_is_saved_and_recorded_without_its_value(staff_user):
    booking = make_booking()

    _, changed = update_contact_details(
        booking_id=booking.pk, details=details(phone="+12125550123"), now=NOW, actor=Actor.staff(staff_user)
    )

    booking.refresh_from_db()
    assert changed == ["phone"]
    assert (booking.phone, booking.email, booking.version) == ("+12125550123", "alex@example.org", 1)
    event = BookingEvent.objects.get(booking=booking, action=BookingEvent.Action.DETAILS_CHANGED)
    assert (event.actor_user, event.actor_kind, event.detail) == (staff_user, "staff", "changed: phone")
    assert "2125550123" not in event.detail
    # No email for a new phone number: only the confirmation of the booking itself.
    assert list(booking.notifications.values_list("kind", flat=True)) == [Notification.Kind.CONFIRMATION]


def test_a_new_email_supersedes_old_links_and_sends_the_confirmation_there(staff_user):
    booking = make_booking()

    updated, changed = update_contact_details(
        booking_id=booking.pk,
        details=details(email="alex.right@example.org", name="Alex Exampleton"),
        now=NOW,
        actor=Actor.staff(staff_user),
    )

    booking.refresh_from_db()
    assert changed == ["patient_name", "email"]
    assert (booking.email, booking.patient_name, booking.version) == ("alex.right@example.org", "Alex Exampleton", 2)
    assert updated.version == 2
    kinds = list(booking.notifications.order_by("pk").values_list("kind", "status"))
    assert kinds == [("confirmation", "pending"), ("confirmation", "pending")]


def test_a_new_email_on_a_past_or_cancelled_booking_sends_nothing(staff_user):
    past = make_booking()  # its slot is three days after NOW
    cancelled = make_booking(slot=make_slot(start=NOW + timedelta(days=4)))
    cancel_booking(
        booking_id=cancelled.pk, now=NOW, actor=Actor.staff(staff_user), cancelled_by="clinic", reason="Clinic closed"
    )
    later = NOW + timedelta(days=5)

    update_contact_details(
        booking_id=past.pk, details=details(email="new@example.org"), now=later, actor=Actor.staff(staff_user)
    )
    update_contact_details(
        booking_id=cancelled.pk, details=details(email="new@example.org"), now=NOW, actor=Actor.staff(staff_user)
    )

    past.refresh_from_db()
    cancelled.refresh_from_db()
    assert (past.email, past.version) == ("new@example.org", 1)
    assert (cancelled.email, cancelled.version) == ("new@example.org", 2)  # 2: the cancellation
    assert list(past.notifications.values_list("kind", flat=True)) == ["confirmation"]
    assert list(cancelled.notifications.order_by("pk").values_list("kind", flat=True)) == [
        "confirmation",
        "cancellation",
    ]


def test_changing_nothing_writes_nothing(staff_user):
    booking = make_booking()

    _, changed = update_contact_details(
        booking_id=booking.pk, details=details(), now=NOW, actor=Actor.staff(staff_user)
    )

    assert changed == []
    assert not BookingEvent.objects.filter(action=BookingEvent.Action.DETAILS_CHANGED).exists()
    assert Booking.objects.get(pk=booking.pk).version == 1


def test_an_erased_booking_cannot_be_corrected(staff_user):
    booking = make_booking()
    anonymise_bookings(booking_ids=[booking.pk], now=NOW + timedelta(days=10), actor=Actor.staff(staff_user))

    with pytest.raises(ChangeNotAllowed):
        update_contact_details(
            booking_id=booking.pk, details=details(phone="+12125550123"), now=NOW, actor=Actor.staff(staff_user)
        )


def test_an_unknown_booking_is_not_found(staff_user):
    with pytest.raises(BookingNotFound):
        update_contact_details(booking_id=987654, details=details(), now=NOW, actor=Actor.staff(staff_user))


def test_a_booking_held_by_another_transaction_gets_a_try_again(monkeypatch, staff_user):
    from django.db import OperationalError

    from booking.exceptions import BookingError
    from booking.services import bookings

    booking = make_booking()

    def held(booking_id):
        raise OperationalError("canceling statement due to lock timeout")

    monkeypatch.setattr(bookings, "_lock_booking", held)  # as if a lock time-out

    with pytest.raises(BookingError, match=r"busy\. Please try again"):
        update_contact_details(
            booking_id=booking.pk, details=details(phone="+12125550123"), now=NOW, actor=Actor.staff(staff_user)
        )
    assert Booking.objects.get(pk=booking.pk).phone == booking.phone

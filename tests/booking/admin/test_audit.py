"""The audit trail: who viewed, changed, exported or cancelled which booking and when; no
personal data in it; read-only in the admin."""

from datetime import date, timedelta

import pytest

from booking.models import BookingEvent
from tests.booking.admin.conftest import book, slot_in
from tests.signin import log_in_verified

pytestmark = pytest.mark.django_db

BOOKINGS = "/admin/booking/booking/"
EVENTS = "/admin/booking/bookingevent/"

PERSONAL = ["Jordan Rivers", "jordan@example.org", "5550199", "1961", "Stiff-elbow-7731", "Wheelchair"]


@pytest.fixture
def booking():
    return book(
        slot_in(timedelta(days=3)),
        name="Jordan Rivers",
        email="jordan@example.org",
        phone="+12125550199",
        date_of_birth=date(1961, 2, 3),
        reason="Stiff-elbow-7731",
        accessibility_needs="Wheelchair user",
    )


def trail(booking) -> list[tuple[str, str, str | None, str]]:
    return [
        (e.action, e.actor_kind, e.actor_user.username if e.actor_user else None, e.detail)
        for e in BookingEvent.objects.filter(booking=booking).select_related("actor_user").order_by("pk")
    ]


def test_viewing_a_booking_is_recorded(reception_client, booking):
    reception_client.get(f"{BOOKINGS}{booking.pk}/change/")

    assert trail(booking)[-1] == ("viewed", "staff", "rita", "")


def test_the_list_alone_records_nothing(reception_client, booking):
    reception_client.get(BOOKINGS)

    assert [action for action, *_ in trail(booking)] == ["created"]


def test_exporting_is_recorded_per_booking(manager_client, booking):
    other = book(slot_in(timedelta(days=4)), email="other@example.org")

    manager_client.post(BOOKINGS, {"action": "export_csv", "_selected_action": [booking.pk, other.pk]})

    assert trail(booking)[-1] == ("exported", "staff", "mona", "csv")
    assert trail(other)[-1] == ("exported", "staff", "mona", "csv")


def test_changes_record_who_did_what_and_when(reception_client, booking):
    free = slot_in(timedelta(days=5))
    reception_client.post(f"{BOOKINGS}{booking.pk}/move/", {"slot": free.pk})
    reception_client.post(f"{BOOKINGS}{booking.pk}/cancel/", {"cancelled_by": "clinic", "reason": "Unwell."})

    assert trail(booking) == [
        ("created", "patient", None, ""),
        ("rescheduled", "staff", "rita", f"slot {booking.slot_id} -> {free.pk}"),
        ("cancelled", "staff", "rita", "by clinic"),
    ]
    events = BookingEvent.objects.filter(booking=booking)
    assert all(e.at is not None for e in events)


def test_the_trail_carries_no_personal_data(reception_client, manager, booking):
    reception_client.get(f"{BOOKINGS}{booking.pk}/change/")
    manager_client = reception_client
    log_in_verified(manager_client, manager)
    manager_client.post(BOOKINGS, {"action": "export_csv", "_selected_action": [booking.pk]})
    manager_client.post(
        BOOKINGS,
        {
            "action": "cancel_and_notify",
            "_selected_action": [booking.pk],
            "confirm": "yes",
            "cancelled_by": "patient",
            "reason": "Jordan Rivers is in hospital",
        },
    )
    manager_client.post(f"{BOOKINGS}{booking.pk}/erase/")

    details = " ".join(BookingEvent.objects.values_list("detail", flat=True))
    assert [action for action, *_ in trail(booking)] == ["created", "viewed", "exported", "cancelled", "anonymised"]
    for value in PERSONAL:
        assert value not in details


def test_the_audit_trail_is_read_only_in_the_admin(manager_client, booking):
    event = BookingEvent.objects.get(booking=booking)

    listing = manager_client.get(EVENTS)
    assert [e.pk for e in listing.context["cl"].result_list] == [event.pk]
    assert manager_client.get(f"{EVENTS}add/").status_code == 403
    assert manager_client.post(f"{EVENTS}{event.pk}/change/", {"action": "viewed"}).status_code == 403
    assert manager_client.post(f"{EVENTS}{event.pk}/delete/", {"post": "yes"}).status_code == 403
    event.refresh_from_db()
    assert event.action == "created"

"""booking.permissions as a matrix: each role (as the migration makes it) and each kind of booking."""

from datetime import timedelta

import pytest
from django.utils import timezone

from booking import permissions
from booking.models import Booking
from tests.booking.admin.conftest import book, make_clinician, make_staff, slot_in

pytestmark = pytest.mark.django_db

ROLES = ["Reception", "Clinician", "Clinic manager", "Content editor"]


@pytest.fixture
def users(django_user_model):
    made = {role: make_staff(django_user_model, role, f"perm-{n}") for n, role in enumerate(ROLES)}
    made["no role"] = make_staff(django_user_model, None, "perm-none")
    return made


@pytest.fixture
def bookings(users):
    """Upcoming, past, cancelled and erased bookings of the Clinician-role user, and one of a colleague."""
    own = make_clinician(name="Dr Own", user=users["Clinician"])
    colleague = make_clinician(name="Dr Colleague")
    upcoming = book(slot_in(timedelta(days=3), clinician=own))
    past = book(slot_in(-timedelta(hours=2), clinician=own))
    cancelled = book(slot_in(timedelta(days=4), clinician=own))
    Booking.objects.filter(pk=cancelled.pk).update(status=Booking.Status.CANCELLED)
    erased = book(slot_in(-timedelta(days=30), clinician=own))
    Booking.objects.filter(pk=erased.pk).update(anonymised_at=timezone.now())
    other = book(slot_in(timedelta(days=3), clinician=colleague))
    return {
        name: Booking.objects.select_related("slot__clinician").get(pk=b.pk)
        for name, b in {
            "upcoming": upcoming,
            "past": past,
            "cancelled": cancelled,
            "erased": erased,
            "colleague's": other,
        }.items()
    }


def role_rules(user) -> dict[str, bool]:
    return {
        "view schedule": permissions.can_view_schedule(user),
        "book": permissions.can_book(user),
        "generate": permissions.can_generate_slots(user),
        "search": permissions.can_search_bookings(user),
        "export": permissions.can_export(user),
        "failed emails": permissions.can_see_failed_emails(user),
        "all bookings": permissions.can_see_all_bookings(user),
        "reason": permissions.can_see_reason(user),
    }


ROLE_TABLE = {
    #                 schedule book  generate search export emails all    reason
    "Reception": (True, True, False, True, True, True, True, False),
    "Clinician": (True, False, False, True, False, False, False, True),
    "Clinic manager": (True, True, True, True, True, True, True, True),
    "Content editor": (False, False, False, False, False, False, False, False),
    "no role": (False, False, False, False, False, False, False, False),
}


@pytest.mark.parametrize("role", list(ROLE_TABLE))
def test_role_rules(users, role):
    assert tuple(role_rules(users[role]).values()) == ROLE_TABLE[role]


def booking_rules(user, booking) -> tuple[bool, ...]:
    now = timezone.now()
    return (
        permissions.can_see_patient(user, booking.slot.clinician),
        permissions.can_move(user, booking),
        permissions.can_cancel(user, booking),
        permissions.can_edit_contact(user, booking),
        permissions.can_mark_attendance(user, booking, now=now),
        permissions.can_erase(user, booking),
    )


# (see patient, move, cancel, edit contact, mark attendance, erase) per role and booking.
BOOKING_TABLE = {
    "Reception": {
        "upcoming": (True, True, True, True, False, False),
        "past": (True, True, True, True, True, False),
        "cancelled": (True, False, False, True, False, False),
        "erased": (True, True, True, False, True, False),
        "colleague's": (True, True, True, True, False, False),
    },
    "Clinician": {
        "upcoming": (True, False, False, False, False, False),
        "past": (True, False, False, False, True, False),
        "cancelled": (True, False, False, False, False, False),
        "erased": (True, False, False, False, True, False),
        "colleague's": (False, False, False, False, False, False),
    },
    "Clinic manager": {
        "upcoming": (True, True, True, True, False, True),
        "past": (True, True, True, True, True, True),
        "cancelled": (True, False, False, True, False, True),
        "erased": (True, True, True, False, True, False),
        "colleague's": (True, True, True, True, False, True),
    },
    "Content editor": dict.fromkeys(
        ["upcoming", "past", "cancelled", "erased", "colleague's"], (False, False, False, False, False, False)
    ),
}


@pytest.mark.parametrize("role", list(BOOKING_TABLE))
def test_booking_rules(users, bookings, role):
    got = {name: booking_rules(users[role], booking) for name, booking in bookings.items()}
    assert got == BOOKING_TABLE[role]


def test_visible_bookings_follow_the_same_rule(users, bookings):
    for role in ROLES:
        visible = set(Booking.objects.visible_to(users[role]).values_list("pk", flat=True))
        expected = {
            b.pk for b in bookings.values() if permissions.can_see_patient(users[role], b.slot.clinician)
        } & set(Booking.objects.values_list("pk", flat=True))
        if role == "Content editor":
            # No view permission at all: the admin refuses the list before it is filtered.
            continue
        assert visible == expected, role

"""Staff users in the roles the migration creates, and slots relative to the real clock: the
admin reads timezone.now(), so these tests place appointments around it."""

from datetime import datetime, timedelta

import pytest
from django.contrib.auth.models import Group
from django.utils import timezone

from booking.models import Slot, clinic_tz
from tests.booking.conftest import make_booking, make_clinician, make_slot, make_type
from tests.signin import log_in_verified

PASSWORD = "a-long-test-password-4471"


def make_staff(django_user_model, role: str | None, username: str):
    user = django_user_model.objects.create_user(username, f"{username}@example.org", PASSWORD, is_staff=True)
    if role:
        user.groups.add(Group.objects.get(name=role))
    return user


@pytest.fixture
def reception(django_user_model):
    return make_staff(django_user_model, "Reception", "rita")


@pytest.fixture
def manager(django_user_model):
    return make_staff(django_user_model, "Clinic manager", "mona")


@pytest.fixture
def editor(django_user_model):
    return make_staff(django_user_model, "Content editor", "ed")


@pytest.fixture
def doctor(django_user_model):
    """A user in the Clinician role, linked to a clinician."""
    user = make_staff(django_user_model, "Clinician", "drlee")
    make_clinician(name="Dr Lee", slug="dr-lee", user=user)
    return user


@pytest.fixture
def reception_client(client, reception):
    log_in_verified(client, reception)
    return client


@pytest.fixture
def manager_client(client, manager):
    log_in_verified(client, manager)
    return client


def local_today():
    return timezone.now().astimezone(clinic_tz()).date()


def at_local(day, hour: int, minute: int = 0) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=clinic_tz())


def slot_in(delta: timedelta, **fields) -> Slot:
    """A slot starting ``delta`` from now (negative: in the past), on the minute."""
    start = (timezone.now() + delta).replace(second=0, microsecond=0)
    return make_slot(start=start, **fields)


def book(slot: Slot, **patient_fields):
    """Book through the service as if done two days before the slot (so any slot can be booked)."""
    return make_booking(slot=slot, now=slot.start - timedelta(days=2), **patient_fields)


__all__ = ["PASSWORD", "at_local", "book", "local_today", "make_clinician", "make_slot", "make_type", "slot_in"]

import pytest

from booking.demo import load_demo_schedule
from booking.models import AppointmentType, Booking, Clinician, Closure, Slot, WeeklyHours

pytestmark = pytest.mark.django_db


def test_load_demo_schedule_twice_adds_nothing_the_second_time():
    first = load_demo_schedule()
    models = (Clinician, AppointmentType, WeeklyHours, Closure, Slot, Booking)
    counts = [model.objects.count() for model in models]

    second = load_demo_schedule()

    assert [model.objects.count() for model in models] == counts
    assert counts[:4] == [3, 4, 30, 1]
    assert counts[4] > 500
    assert counts[5] == 3
    assert "3 new bookings" in first
    assert second.endswith(f"0 new slots ({counts[4]} already there), no new closure, 0 new bookings")
    assert {booking.source for booking in Booking.objects.all()} == {"staff"}
    assert all(booking.email.endswith("@example.org") for booking in Booking.objects.all())

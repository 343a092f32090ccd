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
    assert counts[:4] == [3, 5, 30, 1]
    assert counts[4] > 500
    assert counts[5] == 3
    assert "3 new bookings" in first
    assert second.endswith(f"0 new slots ({counts[4]} already there), no new closure, 0 new bookings")
    assert {booking.source for booking in Booking.objects.all()} == {"staff"}
    assert all(booking.email.endswith("@example.org") for booking in Booking.objects.all())


def test_demo_books_radiation_planning_and_fop_consultations_by_phone():
    load_demo_schedule()

    by_phone = AppointmentType.objects.filter(call_to_book=True).order_by("slug")

    assert [t.slug for t in by_phone] == ["fop-consultation", "radiation-therapy-planning"]
    assert by_phone.get(slug="radiation-therapy-planning").phone_note == (
        "Surgery in the next 14 days, or just had it? Call us."
    )
    assert all(t.call_to_book_reason for t in by_phone)
    assert list(
        Clinician.objects.filter(appointment_types__slug="fop-consultation").values_list("slug", flat=True)
    ) == ["dr-maya-okafor"]


def test_demo_adds_call_to_book_to_a_demo_database_made_before_it_existed():
    load_demo_schedule()
    AppointmentType.objects.filter(slug="radiation-therapy-planning").update(
        call_to_book=False, phone_note="", call_to_book_reason=""
    )

    load_demo_schedule()

    radiation = AppointmentType.objects.get(slug="radiation-therapy-planning")
    assert (radiation.call_to_book, radiation.phone_note) == (
        True,
        "Surgery in the next 14 days, or just had it? Call us.",
    )


def test_demo_keeps_a_call_to_book_reason_staff_wrote():
    load_demo_schedule()
    AppointmentType.objects.filter(slug="radiation-therapy-planning").update(
        call_to_book=False, call_to_book_reason="Our own words."
    )

    load_demo_schedule()

    radiation = AppointmentType.objects.get(slug="radiation-therapy-planning")
    assert (radiation.call_to_book, radiation.call_to_book_reason) == (False, "Our own words.")

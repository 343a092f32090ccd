"""Dates at the ends of the calendar, typed by staff or put in a URL: a message, never a 500."""

import pytest

from booking.models import Closure, Slot
from tests.booking.admin.conftest import make_clinician, make_type

pytestmark = pytest.mark.django_db


@pytest.fixture
def clinician_and_type():
    clinician, appointment_type = make_clinician(), make_type()
    appointment_type.clinicians.add(clinician)
    return clinician, appointment_type


@pytest.mark.parametrize(("day", "time"), [("9999-12-31", "23:00"), ("0001-01-01", "00:10"), ("1999-12-31", "10:00")])
def test_a_slot_outside_the_clinic_years_gets_a_message(manager_client, clinician_and_type, day, time):
    clinician, appointment_type = clinician_and_type
    data = {
        "clinician": clinician.pk,
        "appointment_type": appointment_type.pk,
        "start_0": day,
        "start_1": time,
        "end_0": day,
        "end_1": "23:45",
        "capacity": "1",
    }

    response = manager_client.post("/admin/booking/slot/add/", data)

    assert response.status_code == 200
    assert "Enter a date from 2000 to 2999." in response.content.decode()
    assert Slot.objects.count() == 0


def test_a_slot_inside_the_clinic_years_is_saved(manager_client, clinician_and_type):
    clinician, appointment_type = clinician_and_type
    data = {
        "clinician": clinician.pk,
        "appointment_type": appointment_type.pk,
        "start_0": "2999-12-31",
        "start_1": "10:00",
        "end_0": "2999-12-31",
        "end_1": "10:45",
        "capacity": "1",
    }

    response = manager_client.post("/admin/booking/slot/add/", data)

    assert response.status_code == 302
    assert Slot.objects.get().start.year == 2999


def test_a_closure_outside_the_clinic_years_gets_a_message(manager_client):
    data = {"starts_at_0": "0001-01-01", "starts_at_1": "00:00", "ends_at_0": "0001-01-02", "ends_at_1": "00:00"}

    response = manager_client.post("/admin/booking/closure/add/", {**data, "reason": "Holiday"})

    assert response.status_code == 200
    assert response.content.decode().count("Enter a date from 2000 to 2999.") == 2
    assert Closure.objects.count() == 0


@pytest.mark.parametrize(
    ("page", "field"),
    [
        ("slot", "start"),
        ("booking", "slot__start"),
        ("closure", "starts_at"),
        ("bookingevent", "at"),
    ],
)
@pytest.mark.parametrize("year", ["9999", "1", "0", "10000", "x"])
def test_a_date_hierarchy_year_out_of_range_is_dropped_with_a_message(manager_client, page, field, year):
    url = f"/admin/booking/{page}/"
    params = {f"{field}__year": year, f"{field}__month": "12", f"{field}__day": "31", "o": "1"}

    response = manager_client.get(url, params, follow=True)

    assert response.redirect_chain == [(f"{url}?o=1", 302)]
    assert response.status_code == 200
    assert "Choose a date from 2000 to 2999. Showing all dates instead." in response.content.decode()


def test_a_date_hierarchy_year_in_range_still_filters(manager_client):
    response = manager_client.get("/admin/booking/slot/", {"start__year": "2026", "start__month": "12"})

    assert response.status_code == 200

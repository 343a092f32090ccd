"""Numbers too big to be a row's id, typed into staff forms, get a message, never a server error."""

from datetime import timedelta

import pytest

from booking.models import Booking, Slot
from tests.booking.admin.conftest import book, local_today, slot_in

pytestmark = pytest.mark.django_db

HUGE = str(10**25)


def test_move_to_a_slot_id_too_big_for_the_database_is_refused_with_a_message(manager_client):
    booking = book(slot_in(timedelta(days=3)))
    url = f"/admin/booking/booking/{booking.pk}/move/"

    response = manager_client.post(url, {"slot": HUGE}, follow=True)

    assert response.status_code == 200
    assert [str(m) for m in response.context["messages"]] == ["Choose a free time to move the booking to."]
    booking.refresh_from_db()
    assert (booking.status, booking.slot_id) == (Booking.Status.CONFIRMED, booking.slot.pk)


def test_generate_for_a_clinician_id_too_big_for_the_database_is_a_field_message(manager_client):
    day = local_today() + timedelta(days=2)
    response = manager_client.post(
        "/admin/booking/slot/generate/",
        {"clinicians": [HUGE], "start_date": day.isoformat(), "end_date": day.isoformat()},
    )

    assert response.status_code == 200
    assert response.context["form"].errors == {
        "clinicians": [f"“{HUGE}” is not a valid value."],
    }
    assert Slot.objects.count() == 0

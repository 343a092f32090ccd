"""Slots in the admin: filters, block / unblock, and booked slots that keep their time."""

from datetime import timedelta

import pytest

from booking.models import Booking, Slot
from tests.booking.admin.conftest import at_local, book, local_today, make_clinician, make_slot, make_type, slot_in

pytestmark = pytest.mark.django_db

LIST = "/admin/booking/slot/"


def listed(response) -> list[int]:
    return sorted(slot.pk for slot in response.context["cl"].result_list)


@pytest.fixture
def three_slots():
    clinician, appointment_type = make_clinician(), make_type()
    day = local_today() + timedelta(days=3)
    free = make_slot(start=at_local(day, 9), clinician=clinician, appointment_type=appointment_type)
    booked = make_slot(start=at_local(day, 10), clinician=clinician, appointment_type=appointment_type)
    blocked = make_slot(start=at_local(day, 11), clinician=clinician, appointment_type=appointment_type, blocked=True)
    book(booked)
    return free, booked, blocked


def test_slot_list_filters_free_booked_and_blocked(reception_client, three_slots):
    free, booked, blocked = three_slots

    assert listed(reception_client.get(LIST, {"state": "free"})) == [free.pk]
    assert listed(reception_client.get(LIST, {"state": "booked"})) == [booked.pk]
    assert listed(reception_client.get(LIST, {"state": "blocked"})) == [blocked.pk]


def test_slot_list_filters_by_clinician_type_and_day(reception_client):
    clinician, other_clinician = make_clinician(), make_clinician()
    appointment_type, other_type = make_type(), make_type()
    today = make_slot(start=at_local(local_today(), 12), clinician=clinician, appointment_type=appointment_type)
    later = slot_in(timedelta(days=9), clinician=other_clinician, appointment_type=other_type)

    assert listed(reception_client.get(LIST, {"clinician__id__exact": clinician.pk})) == [today.pk]
    assert listed(reception_client.get(LIST, {"appointment_type__id__exact": other_type.pk})) == [later.pk]
    assert listed(reception_client.get(LIST, {"when": "today"})) == [today.pk]
    day = later.local_start.date()
    hierarchy = {"start__year": day.year, "start__month": day.month, "start__day": day.day}
    assert listed(reception_client.get(LIST, hierarchy)) == [later.pk]


def test_block_and_unblock_actions(reception_client, three_slots):
    free, booked, _ = three_slots

    response = reception_client.post(LIST, {"action": "block_slots", "_selected_action": [free.pk, booked.pk]})

    assert response.status_code == 302
    assert list(Slot.objects.filter(blocked=True).order_by("pk").values_list("pk", flat=True)) == sorted(
        [free.pk, booked.pk, three_slots[2].pk]
    )
    # The booking in a blocked slot stays; only new bookings are refused.
    assert Booking.objects.get(slot=booked).status == Booking.Status.CONFIRMED

    reception_client.post(LIST, {"action": "unblock_slots", "_selected_action": [free.pk]})
    free.refresh_from_db()
    assert free.blocked is False


def test_a_booked_slot_keeps_its_time_and_cannot_be_deleted(manager_client, three_slots):
    _, booked, _ = three_slots
    new_start = booked.start + timedelta(hours=5)

    manager_client.post(
        f"{LIST}{booked.pk}/change/",
        {
            "start_0": f"{new_start.astimezone(booked.local_start.tzinfo):%Y-%m-%d}",
            "start_1": "08:00:00",
            "end_0": f"{new_start.astimezone(booked.local_start.tzinfo):%Y-%m-%d}",
            "end_1": "08:30:00",
            "capacity": 1,
            "blocked": "on",
        },
    )
    before = booked.start
    booked.refresh_from_db()
    assert booked.start == before
    assert booked.blocked is True  # the flag is still editable
    assert manager_client.get(f"{LIST}{booked.pk}/delete/").status_code == 403
    assert manager_client.post(f"{LIST}{booked.pk}/delete/", {"post": "yes"}).status_code == 403
    assert Slot.objects.filter(pk=booked.pk).exists()


def test_a_free_slot_can_be_deleted(manager_client, three_slots):
    free = three_slots[0]

    response = manager_client.post(f"{LIST}{free.pk}/delete/", {"post": "yes"})

    assert response.status_code == 302
    assert not Slot.objects.filter(pk=free.pk).exists()


def test_a_slot_added_by_hand_cannot_overlap_another(manager_client, three_slots):
    free = three_slots[0]
    local = free.local_start

    response = manager_client.post(
        f"{LIST}add/",
        {
            "clinician": free.clinician_id,
            "appointment_type": free.appointment_type_id,
            "start_0": f"{local:%Y-%m-%d}",
            "start_1": f"{local + timedelta(minutes=10):%H:%M:%S}",
            "end_0": f"{local:%Y-%m-%d}",
            "end_1": f"{local + timedelta(minutes=40):%H:%M:%S}",
            "capacity": 1,
        },
    )

    assert response.status_code == 200
    assert "cannot overlap" in response.content.decode()
    assert Slot.objects.count() == 3

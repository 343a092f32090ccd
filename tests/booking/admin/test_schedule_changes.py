"""Staff changes in the admin show on the public week page at once, though it is cached.

Each test reads the week page as an anonymous visitor first (so a copy is cached), makes the
change in the admin as staff, lets the change commit, and reads the page again as a new visitor.
"""

import re
from datetime import timedelta

import pytest
from django.test import Client

from booking.availability import monday_of, time_label
from booking.models import AppointmentType, Clinician, Closure, Slot, clinic_tz
from tests.booking.admin.conftest import at_local, book, local_today, make_clinician, make_slot, make_type

pytestmark = pytest.mark.django_db

SLOTS = "/admin/booking/slot/"


@pytest.fixture
def consultation():
    appointment_type = make_type(name="Consultation", slug="consultation")
    appointment_type.clinicians.add(make_clinician(name="Dr Ada Stone", slug="ada-stone"))
    return appointment_type


@pytest.fixture
def slot(consultation):
    """A free slot at 10:00 clinic time four days from today."""
    return make_slot(
        start=at_local(local_today() + timedelta(days=4), 10),
        clinician=consultation.clinicians.get(),
        appointment_type=consultation,
    )


def week_url(slot: Slot) -> str:
    return f"/book/consultation/?week={monday_of(slot.local_start.date()):%Y-%m-%d}"


def offered_times(slot: Slot) -> dict[int, str]:
    """{slot id: time label} of the free times on the public week page of ``slot``'s week."""
    response = Client().get(week_url(slot))
    assert response.status_code == 200
    links = re.findall(r'href="/book/slot/(\d+)/"><span class="slot-time">([^<]+)</span>', response.content.decode())
    return {int(slot_id): label for slot_id, label in links}


def admin_date(moment) -> str:
    return f"{moment.astimezone(clinic_tz()):%Y-%m-%d}"


def admin_time(moment) -> str:
    return f"{moment.astimezone(clinic_tz()):%H:%M:%S}"


def slot_form(slot: Slot, **changes) -> dict:
    data = {
        "clinician": slot.clinician_id,
        "appointment_type": slot.appointment_type_id,
        "start_0": admin_date(slot.start),
        "start_1": admin_time(slot.start),
        "end_0": admin_date(slot.end),
        "end_1": admin_time(slot.end),
        "capacity": slot.capacity,
    }
    if slot.blocked:
        data["blocked"] = "on"
    data.update(changes)
    return data


def test_blocking_and_unblocking_a_slot_in_the_admin_shows_on_the_week_page(
    reception_client, slot, django_capture_on_commit_callbacks
):
    assert offered_times(slot) == {slot.pk: "10:00 AM"}

    with django_capture_on_commit_callbacks(execute=True):
        blocked = reception_client.post(SLOTS, {"action": "block_slots", "_selected_action": [slot.pk]})
    hidden = offered_times(slot)
    with django_capture_on_commit_callbacks(execute=True):
        unblocked = reception_client.post(SLOTS, {"action": "unblock_slots", "_selected_action": [slot.pk]})
    shown_again = offered_times(slot)

    assert (blocked.status_code, unblocked.status_code) == (302, 302)
    assert hidden == {}
    assert shown_again == {slot.pk: "10:00 AM"}


def test_a_slot_moved_in_the_admin_shows_its_new_time_on_the_week_page(
    manager_client, slot, django_capture_on_commit_callbacks
):
    assert offered_times(slot) == {slot.pk: "10:00 AM"}
    new_start = slot.start + timedelta(hours=4)

    with django_capture_on_commit_callbacks(execute=True):
        response = manager_client.post(
            f"{SLOTS}{slot.pk}/change/",
            slot_form(
                slot,
                start_1=admin_time(new_start),
                end_1=admin_time(new_start + slot.appointment_type.duration),
            ),
        )

    assert response.status_code == 302
    assert offered_times(slot) == {slot.pk: time_label(new_start)} == {slot.pk: "2:00 PM"}


def test_a_slot_blocked_through_its_change_form_leaves_the_week_page(
    manager_client, slot, django_capture_on_commit_callbacks
):
    assert offered_times(slot) == {slot.pk: "10:00 AM"}

    with django_capture_on_commit_callbacks(execute=True):
        response = manager_client.post(f"{SLOTS}{slot.pk}/change/", slot_form(slot, blocked="on"))

    assert response.status_code == 302
    assert offered_times(slot) == {}


def test_a_slot_added_in_the_admin_shows_on_the_week_page(manager_client, slot, django_capture_on_commit_callbacks):
    assert offered_times(slot) == {slot.pk: "10:00 AM"}
    later = slot.start + timedelta(hours=1)

    with django_capture_on_commit_callbacks(execute=True):
        response = manager_client.post(
            f"{SLOTS}add/",
            slot_form(slot, start_1=admin_time(later), end_1=admin_time(later + slot.appointment_type.duration)),
        )

    added = Slot.objects.exclude(pk=slot.pk).get()
    assert response.status_code == 302
    assert offered_times(slot) == {slot.pk: "10:00 AM", added.pk: "11:00 AM"}


def test_a_slot_deleted_in_the_admin_leaves_the_week_page(manager_client, slot, django_capture_on_commit_callbacks):
    assert offered_times(slot) == {slot.pk: "10:00 AM"}

    with django_capture_on_commit_callbacks(execute=True):
        response = manager_client.post(f"{SLOTS}{slot.pk}/delete/", {"post": "yes"})

    assert response.status_code == 302
    assert not Slot.objects.filter(pk=slot.pk).exists()
    assert offered_times(slot) == {}


def test_slots_deleted_from_the_list_leave_the_week_page(manager_client, slot, django_capture_on_commit_callbacks):
    other = make_slot(
        start=slot.start + timedelta(hours=2), clinician=slot.clinician, appointment_type=slot.appointment_type
    )
    assert offered_times(slot) == {slot.pk: "10:00 AM", other.pk: "12:00 PM"}

    with django_capture_on_commit_callbacks(execute=True):
        response = manager_client.post(
            SLOTS, {"action": "delete_selected", "_selected_action": [slot.pk, other.pk], "post": "yes"}
        )

    assert response.status_code == 302
    assert Slot.objects.count() == 0
    assert offered_times(slot) == {}


def test_a_closure_added_in_the_admin_takes_its_times_off_the_week_page(
    manager_client, slot, django_capture_on_commit_callbacks
):
    assert offered_times(slot) == {slot.pk: "10:00 AM"}
    day = admin_date(slot.start)

    with django_capture_on_commit_callbacks(execute=True):
        response = manager_client.post(
            "/admin/booking/closure/add/",
            {
                "starts_at_0": day,
                "starts_at_1": "00:00:00",
                "ends_at_0": admin_date(slot.start + timedelta(days=1)),
                "ends_at_1": "00:00:00",
                "reason": "Public holiday",
            },
        )

    assert response.status_code == 302
    assert Closure.objects.get().reason == "Public holiday"
    assert offered_times(slot) == {}


def test_a_closure_deleted_in_the_admin_gives_its_times_back(manager_client, slot, django_capture_on_commit_callbacks):
    closure = Closure.objects.create(starts_at=slot.start, ends_at=slot.end, reason="Training")
    assert offered_times(slot) == {}

    with django_capture_on_commit_callbacks(execute=True):
        response = manager_client.post(f"/admin/booking/closure/{closure.pk}/delete/", {"post": "yes"})

    assert response.status_code == 302
    assert offered_times(slot) == {slot.pk: "10:00 AM"}


def test_an_appointment_type_turned_off_in_the_admin_is_no_longer_offered(
    manager_client, slot, consultation, django_capture_on_commit_callbacks
):
    assert offered_times(slot) == {slot.pk: "10:00 AM"}
    assert "Consultation" in Client().get("/book/").content.decode()

    with django_capture_on_commit_callbacks(execute=True):
        response = manager_client.post(
            f"/admin/booking/appointmenttype/{consultation.pk}/change/",
            {
                "name": "Consultation",
                "slug": "consultation",
                "duration_minutes": 30,
                "buffer_minutes": 0,
                "patient_kind": AppointmentType.Kind.ANY,
                "order": 0,
                "clinicians": [slot.clinician_id],
                # "active" left out: unchecked
            },
        )

    assert response.status_code == 302
    assert AppointmentType.objects.get(pk=consultation.pk).active is False
    assert Client().get(week_url(slot)).status_code == 404
    assert "Consultation" not in Client().get("/book/").content.decode()


def test_a_clinician_turned_off_in_the_admin_is_no_longer_offered(
    manager_client, slot, django_capture_on_commit_callbacks
):
    assert offered_times(slot) == {slot.pk: "10:00 AM"}
    clinician = slot.clinician

    with django_capture_on_commit_callbacks(execute=True):
        response = manager_client.post(
            f"/admin/booking/clinician/{clinician.pk}/change/",
            {
                "name": clinician.name,
                "title": clinician.title,
                "bio": "",
                "slug": clinician.slug,
                "user": "",
                # "active" left out: unchecked
                "weekly_hours-TOTAL_FORMS": 0,
                "weekly_hours-INITIAL_FORMS": 0,
                "weekly_hours-MIN_NUM_FORMS": 0,
                "weekly_hours-MAX_NUM_FORMS": 1000,
            },
        )

    assert response.status_code == 302
    assert Clinician.objects.get(pk=clinician.pk).active is False
    assert offered_times(slot) == {}


def test_a_slot_booked_while_staff_save_it_keeps_its_time_and_staff_are_told(
    manager_client, slot, monkeypatch, django_capture_on_commit_callbacks
):
    from booking.admin import SlotForm

    validate = SlotForm.clean

    def a_patient_books_meanwhile(form):
        cleaned = validate(form)
        book(slot)  # between the form's checks and the save
        return cleaned

    monkeypatch.setattr(SlotForm, "clean", a_patient_books_meanwhile)
    new_start = slot.start + timedelta(hours=4)

    response = manager_client.post(
        f"{SLOTS}{slot.pk}/change/",
        slot_form(slot, start_1=admin_time(new_start), end_1=admin_time(new_start + slot.appointment_type.duration)),
        follow=True,
    )

    # (The booking made in the middle of the request is undone with the refused save here; a
    # real patient's booking commits on its own.)
    assert Slot.objects.get(pk=slot.pk).start == slot.start
    assert response.status_code == 200
    assert response.redirect_chain == [(f"{SLOTS}{slot.pk}/change/", 302)]
    assert [str(message) for message in response.context["messages"]] == [
        "This slot was booked meanwhile: its time, clinician and type stay as the patient was told."
    ]


def test_a_slot_booked_while_staff_block_it_keeps_its_booking_count(
    manager_client, slot, monkeypatch, django_capture_on_commit_callbacks
):
    from booking.admin import SlotForm

    validate = SlotForm.clean

    def a_patient_books_meanwhile(form):
        cleaned = validate(form)
        book(slot)  # between the form's checks and the save
        return cleaned

    monkeypatch.setattr(SlotForm, "clean", a_patient_books_meanwhile)

    with django_capture_on_commit_callbacks(execute=True):
        response = manager_client.post(f"{SLOTS}{slot.pk}/change/", slot_form(slot, blocked="on"))

    stored = Slot.objects.get(pk=slot.pk)
    assert response.status_code == 302
    assert (stored.blocked, stored.booked_count, stored.bookings.count()) == (True, 1, 1)
    assert offered_times(slot) == {}

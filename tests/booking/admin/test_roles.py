"""Roles as groups from the data migration: each can do its job, and nothing more."""

from datetime import timedelta

import pytest
from django.contrib.auth.models import Group

from booking.models import Booking
from tests.booking.admin.conftest import book, make_clinician, slot_in

pytestmark = pytest.mark.django_db

BOOKINGS = "/admin/booking/booking/"


def permissions(role: str) -> set[str]:
    return {
        f"{app}.{codename}"
        for app, codename in Group.objects.get(name=role).permissions.values_list(
            "content_type__app_label", "codename"
        )
    }


def actions(client) -> set[str]:
    return {name for name, _ in client.get(BOOKINGS).context["action_form"].fields["action"].choices if name}


@pytest.fixture
def two_bookings(doctor):
    """One booking with the logged-in clinician (Dr Lee), one with a colleague."""
    own = book(slot_in(timedelta(days=3), clinician=doctor.clinician), name="Casey Own", reason="Knee-4471")
    other = book(
        slot_in(timedelta(days=3), clinician=make_clinician(name="Dr Ada")), name="Jordan Other", reason="Hip-8812"
    )
    return own, other


def test_the_migration_creates_the_four_roles():
    assert set(Group.objects.values_list("name", flat=True)) >= {
        "Reception",
        "Clinician",
        "Clinic manager",
        "Content editor",
    }


def test_reception_permissions_are_exactly_its_job():
    assert permissions("Reception") == {
        "booking.export_bookings",
        "booking.view_booking",
        "booking.add_booking",
        "booking.change_booking",
        "booking.view_all_bookings",
        "booking.mark_attendance",
        "booking.view_slot",
        "booking.change_slot",
        "booking.view_clinician",
        "booking.view_appointmenttype",
        "booking.view_weeklyhours",
        "booking.view_closure",
        "booking.view_notification",
        "booking.change_notification",
    }


def test_clinician_and_content_editor_permissions_are_exactly_their_job():
    assert permissions("Clinician") == {
        "booking.view_booking",
        "booking.view_booking_reason",
        "booking.mark_attendance",
        "booking.view_slot",
        "booking.view_clinician",
        "booking.view_appointmenttype",
    }
    assert permissions("Content editor") == {
        "info.view_page",
        "info.add_page",
        "info.change_page",
        "info.delete_page",
        "info.view_visitinfo",
        "info.change_visitinfo",
    }


def test_the_clinic_manager_has_everything_in_booking_but_no_roles():
    granted = permissions("Clinic manager")
    assert {
        "booking.add_closure",
        "booking.change_weeklyhours",
        "booking.add_slot",
        "booking.export_bookings",
    } <= granted
    assert {"booking.erase_personal_data", "booking.view_bookingevent", "booking.view_booking_reason"} <= granted
    assert not {p for p in granted if p.startswith("auth.")}
    assert "booking.delete_booking" not in granted and "booking.change_bookingevent" not in granted


def test_reception_finds_and_changes_bookings_sees_date_of_birth_not_reason(reception_client, two_bookings):
    own, other = two_bookings

    listed = {b.reference for b in reception_client.get(BOOKINGS).context["cl"].result_list}
    page = reception_client.get(f"{BOOKINGS}{own.pk}/change/").content.decode()

    assert listed == {own.reference, other.reference}
    assert "Date of birth" in page and "May 17, 1980" in page
    assert "Knee-4471" not in page and "Reason" not in page
    assert actions(reception_client) == {"cancel_and_notify", "mark_attended", "mark_no_show", "export_csv"}
    assert reception_client.get(f"{BOOKINGS}{own.pk}/cancel/").status_code == 200
    assert reception_client.get(f"{BOOKINGS}{own.pk}/move/").status_code == 200


@pytest.mark.parametrize(
    "url",
    [
        "/admin/booking/slot/generate/",
        "/admin/booking/closure/add/",
        "/admin/booking/clinician/add/",
        "/admin/booking/appointmenttype/add/",
        "/admin/booking/bookingevent/",
        "/admin/info/page/",
        "/admin/auth/user/",
        "/admin/auth/group/",
        "/admin/axes/accessattempt/",
    ],
)
def test_reception_cannot_reach_what_is_not_its_job(reception_client, url):
    assert reception_client.get(url).status_code == 403


def test_reception_cannot_erase(reception_client, two_bookings):
    own, _ = two_bookings

    assert reception_client.get(f"{BOOKINGS}{own.pk}/erase/").status_code == 403
    response = reception_client.post(BOOKINGS, {"action": "erase_personal_data", "_selected_action": [own.pk]})
    assert response.get("Content-Type", "").startswith("text/html")
    own.refresh_from_db()
    assert own.anonymised_at is None


def test_reception_exports_csv_without_the_reason(reception_client, two_bookings):
    own, other = two_bookings

    response = reception_client.post(BOOKINGS, {"action": "export_csv", "_selected_action": [own.pk, other.pk]})
    content = response.content.decode()

    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert content.splitlines()[0].endswith("Phone,Access needs")
    assert own.reference in content and other.reference in content
    assert "Knee-4471" not in content


def test_a_clinician_sees_own_bookings_with_the_reason_and_marks_attendance(client, doctor, two_bookings):
    own, other = two_bookings
    client.force_login(doctor)

    listed = [b.reference for b in client.get(BOOKINGS).context["cl"].result_list]
    page = client.get(f"{BOOKINGS}{own.pk}/change/").content.decode()

    assert listed == [own.reference]
    assert "Knee-4471" in page
    assert client.get(f"{BOOKINGS}{other.pk}/change/").status_code == 302  # "does not exist", to the index
    assert actions(client) == {"mark_attended", "mark_no_show"}


def test_a_clinician_cannot_cancel_move_or_see_a_colleagues_booking(client, doctor, two_bookings):
    own, other = two_bookings
    client.force_login(doctor)

    assert client.post(f"{BOOKINGS}{own.pk}/cancel/", {"cancelled_by": "clinic", "reason": "x"}).status_code == 403
    assert client.get(f"{BOOKINGS}{own.pk}/move/").status_code == 403
    assert client.post(f"{BOOKINGS}{other.pk}/attendance/", {"attended": "yes"}).status_code == 404
    assert client.get("/admin/booking/slot/schedule/").status_code == 200
    assert client.get("/admin/booking/closure/").status_code == 403
    assert set(Booking.objects.values_list("status", flat=True)) == {"confirmed"}


def test_a_clinician_not_linked_to_a_clinician_record_sees_no_bookings(client, django_user_model, two_bookings):
    from tests.booking.admin.conftest import make_staff

    client.force_login(make_staff(django_user_model, "Clinician", "unlinked"))

    assert list(client.get(BOOKINGS).context["cl"].result_list) == []


def test_the_clinic_manager_runs_the_clinic_but_not_the_roles(manager_client, two_bookings):
    assert manager_client.get("/admin/booking/slot/generate/").status_code == 200
    assert manager_client.get("/admin/booking/closure/add/").status_code == 200
    assert manager_client.get("/admin/booking/bookingevent/").status_code == 200
    assert manager_client.get("/admin/axes/accessattempt/").status_code == 200
    assert actions(manager_client) == {
        "cancel_and_notify",
        "mark_attended",
        "mark_no_show",
        "export_csv",
        "erase_personal_data",
    }
    assert manager_client.get("/admin/auth/user/").status_code == 403
    assert manager_client.get("/admin/auth/group/").status_code == 403


def test_the_content_editor_edits_information_pages_only(client, editor):
    client.force_login(editor)

    assert client.get("/admin/info/page/add/").status_code == 200
    for url in [BOOKINGS, "/admin/booking/slot/", "/admin/booking/slot/schedule/", "/admin/booking/booking/book/"]:
        assert client.get(url).status_code == 403
    home = client.get("/admin/").content.decode()
    assert "/admin/booking/booking/book/" not in home and "/admin/booking/slot/schedule/" not in home

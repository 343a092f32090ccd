"""The schedule: day and week views, one column per clinician, printable, opens on today."""

from datetime import timedelta

import pytest
from django.contrib.staticfiles import finders

from booking.availability import monday_of
from booking.models import Closure
from tests.booking.admin.conftest import at_local, book, local_today, make_clinician, make_slot, make_type
from tests.signin import log_in_verified

pytestmark = pytest.mark.django_db

SCHEDULE = "/admin/booking/slot/schedule/"


def entries(response):
    """{clinician name: [(label, state, [patient names])]} for every day shown."""
    result = {}
    for row in response.context["schedule"].rows:
        for cell in row.cells:
            result.setdefault(cell.clinician.name, []).extend(
                (e.label, e.state, [b.patient_name for b in e.bookings]) for e in cell.entries
            )
    return result


@pytest.fixture
def tomorrow_schedule():
    day = local_today() + timedelta(days=1)
    ada, ben = make_clinician(name="Dr Ada"), make_clinician(name="Dr Ben")
    follow_up = make_type(name="Follow-up", duration_minutes=30)
    booked = make_slot(start=at_local(day, 9), clinician=ada, appointment_type=follow_up)
    make_slot(start=at_local(day, 10), clinician=ada, appointment_type=follow_up)
    make_slot(start=at_local(day, 9), clinician=ben, appointment_type=follow_up, blocked=True)
    booking = book(booked, name="Jordan Rivers")
    return day, booking


def test_schedule_opens_on_today(reception_client):
    response = reception_client.get(SCHEDULE)

    assert response.status_code == 200
    schedule = response.context["schedule"]
    assert (schedule.start, schedule.days) == (local_today(), 1)
    assert schedule.rows[0].is_today


def test_schedule_day_view_has_a_column_per_clinician_with_free_booked_and_blocked_slots(
    reception_client, tomorrow_schedule
):
    day, booking = tomorrow_schedule

    response = reception_client.get(SCHEDULE, {"date": day.isoformat(), "view": "day"})

    assert [c.name for c in response.context["schedule"].clinicians] == ["Dr Ada", "Dr Ben"]
    assert entries(response) == {
        "Dr Ada": [("9:00 AM to 9:30 AM", "booked", ["Jordan Rivers"]), ("10:00 AM to 10:30 AM", "free", [])],
        "Dr Ben": [("9:00 AM to 9:30 AM", "blocked", [])],
    }
    page = response.content.decode()
    assert f'href="/admin/booking/booking/{booking.pk}/change/"' in page
    assert "Follow-up" in page and "Confirmed" in page


def test_schedule_of_one_type_has_a_column_per_clinician_who_offers_it(reception_client):
    day = local_today() + timedelta(days=1)
    consultation, follow_up = make_type(name="Consultation"), make_type(name="Follow-up")
    ada, ben, cy, dee = (make_clinician(name=name) for name in ("Dr Ada", "Dr Ben", "Dr Cy", "Dr Dee"))
    consultation.clinicians.add(ada, cy)
    follow_up.clinicians.add(ben, dee)
    make_slot(start=at_local(day, 9), clinician=ada, appointment_type=consultation)
    make_slot(start=at_local(day, 9), clinician=ben, appointment_type=follow_up)
    # Dee no longer offers consultations, but still has one that day: her column stays.
    make_slot(start=at_local(day, 10), clinician=dee, appointment_type=consultation)

    response = reception_client.get(SCHEDULE, {"date": day.isoformat(), "view": "day", "type": consultation.pk})

    assert [c.name for c in response.context["schedule"].clinicians] == ["Dr Ada", "Dr Cy", "Dr Dee"]
    assert entries(response) == {
        "Dr Ada": [("9:00 AM to 9:30 AM", "free", [])],
        "Dr Cy": [],
        "Dr Dee": [("10:00 AM to 10:30 AM", "free", [])],
    }


def test_schedule_week_view_shows_the_week_of_the_date(reception_client, tomorrow_schedule):
    day, _ = tomorrow_schedule

    response = reception_client.get(SCHEDULE, {"date": day.isoformat(), "view": "week"})

    schedule = response.context["schedule"]
    assert (schedule.start, schedule.days) == (monday_of(day), 7)
    assert day in [row.date for row in schedule.rows]
    assert len(entries(response)["Dr Ada"]) == 2
    nav = response.context["nav"]
    assert nav["next"] == f"?date={monday_of(day) + timedelta(days=7)}&view=week"


def test_schedule_shows_closures(reception_client):
    day = local_today() + timedelta(days=2)
    make_clinician(name="Dr Ada")
    Closure.for_local_dates(first_day=day, reason="Public holiday")

    response = reception_client.get(SCHEDULE, {"date": day.isoformat()})

    assert response.context["schedule"].rows[0].cells[0].closures == ["Closed: Public holiday"]


def test_tomorrows_schedule_is_printable(reception_client, tomorrow_schedule):
    day, _ = tomorrow_schedule

    response = reception_client.get(SCHEDULE, {"date": day.isoformat(), "view": "day"})

    page = response.content.decode()
    assert "data-print" in page
    assert "/static/css/admin.css" in page and "/static/js/admin-schedule.js" in page
    assert "<style" not in page.split("<body")[1] and "<script>" not in page  # CSP: no inline code
    with open(finders.find("css/admin.css")) as stylesheet:
        assert "@media print" in stylesheet.read()


def test_a_clinician_sees_patient_names_of_own_bookings_only(client, doctor, tomorrow_schedule):
    day, _ = tomorrow_schedule
    own = make_slot(start=at_local(day, 11), clinician=doctor.clinician)
    book(own, name="Casey Own", email="casey@example.org")
    log_in_verified(client, doctor)

    response = client.get(SCHEDULE, {"date": day.isoformat()})

    shown = entries(response)
    assert shown["Dr Lee"] == [("11:00 AM to 11:30 AM", "booked", ["Casey Own"])]
    assert shown["Dr Ada"][0] == ("9:00 AM to 9:30 AM", "booked", [])
    assert "Jordan Rivers" not in response.content.decode()


def test_attendance_from_the_schedule(reception_client):
    slot = make_slot(start=at_local(local_today(), 0, 1))  # started today
    booking = book(slot)

    page = reception_client.get(SCHEDULE)
    assert f"/admin/booking/booking/{booking.pk}/attendance/" in page.content.decode()
    response = reception_client.post(
        f"/admin/booking/booking/{booking.pk}/attendance/", {"attended": "yes", "next": SCHEDULE}
    )

    assert response["Location"] == SCHEDULE
    booking.refresh_from_db()
    assert booking.status == "attended"


def test_attendance_never_redirects_off_site(reception_client):
    booking = book(make_slot(start=at_local(local_today(), 0, 1)))

    response = reception_client.post(
        f"/admin/booking/booking/{booking.pk}/attendance/", {"attended": "no", "next": "https://evil.example/"}
    )

    assert response["Location"] == f"/admin/booking/booking/{booking.pk}/change/"


@pytest.mark.parametrize("day", ["0001-01-01", "0001-01-02", "1999-12-31", "3000-01-01", "9999-12-31", "2026-02-30"])
@pytest.mark.parametrize("view", ["day", "week"])
def test_staff_pages_with_a_day_at_the_ends_of_the_calendar_show_today(manager_client, day, view):
    booking = book(make_slot(start=at_local(local_today() + timedelta(days=3), 10)))
    pages = [
        "/admin/booking/slot/schedule/",
        "/admin/booking/booking/book/",
        f"/admin/booking/booking/{booking.pk}/move/",
    ]

    for page in pages:
        response = manager_client.get(page, {"date": day, "view": view})

        assert response.status_code == 200, page
        html = response.content.decode()
        expected_day = local_today() if "move" not in page else booking.slot.local_start.date()
        assert f'name="date" value="{expected_day.isoformat()}"' in html, page

"""The patient pages, through the test client. Slots are placed relative to the real clock,
because the views read it; every time is at least two days away from any boundary."""

import re
import time
from datetime import timedelta
from html import escape

import pytest
from django.core import mail, signing
from django.core.mail.backends.base import BaseEmailBackend
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from icalendar import Calendar

from booking import links
from booking.models import AppointmentType, Booking, LinkRequest, Slot
from booking.services import cancel_booking
from tests.booking.conftest import make_booking, make_clinician, make_slot, make_type
from tests.worker import DATABASE_TASKS, run_task_worker

pytestmark = pytest.mark.django_db


def hour(days: float, at: int = 10):
    """A whole hour ``days`` from now (UTC), well clear of the notice and cut-off boundaries."""
    moment = timezone.now() + timedelta(days=days)
    return moment.replace(hour=at, minute=0, second=0, microsecond=0)


@pytest.fixture
def consultation():
    appointment_type = make_type(
        name="New patient consultation",
        slug="consultation",
        description="A first visit to assess HO.",
        what_to_bring="Photo ID\nList of medicines",
        duration_minutes=45,
    )
    clinician = make_clinician(name="Dr Ada Stone", slug="ada-stone")
    appointment_type.clinicians.add(clinician)
    return appointment_type


@pytest.fixture
def slot(consultation):
    return make_slot(start=hour(4), clinician=consultation.clinicians.get(), appointment_type=consultation)


def form_data(**overrides):
    data = {
        "patient_name": "Jordan Rivers",
        "email": "Jordan@Example.org",
        "phone": "212-555-0123",
        "date_of_birth": "1975-03-27",
        "patient_kind": "new",
        "reason": "Stiff elbow after a fracture",
        "accessibility_needs": "Wheelchair user",
        "consent": "on",
        "website": "",
        "submission_key": "key-1",
    }
    data.update(overrides)
    return data


# --- Choosing a type and a time -------------------------------------------------------------


def test_start_lists_active_types_with_purpose_and_duration(client, consultation):
    make_type(name="Retired type", slug="retired", active=False)

    html = client.get("/book/").content.decode()

    assert '<a class="stretched-link" href="/book/consultation/">New patient consultation</a>' in html
    assert "<strong>45 minutes</strong>" in html
    assert "A first visit to assess HO." in html
    assert "Retired type" not in html


def test_week_view_groups_free_slots_by_local_day(client, slot, consultation):
    taken = make_slot(start=hour(4, at=16), clinician=slot.clinician, appointment_type=consultation)
    make_booking(slot=taken, now=timezone.now())

    response = client.get("/book/consultation/")
    html = response.content.decode()

    assert response.status_code == 200
    local = slot.local_start
    day_id = f"day-{local:%Y%m%d}"
    assert f'<h2 class="h5" id="{day_id}">{local:%A} {local.day} {local:%B %Y}</h2>' in html
    assert f'href="/book/slot/{slot.pk}/"' in html
    assert f'href="/book/slot/{taken.pk}/"' not in html
    assert '<span class="slot-with">with Dr Ada Stone</span>' in html


def test_week_view_shows_times_in_clinic_local_time(client, consultation, settings):
    # 15:00 UTC is 10:00 in New York in winter and 11:00 in summer; the label follows the zone.
    slot = make_slot(start=hour(5, at=15), clinician=consultation.clinicians.get(), appointment_type=consultation)
    local = slot.local_start

    html = client.get("/book/consultation/").content.decode()

    expected = f"{local.hour % 12 or 12}:00 {'AM' if local.hour < 12 else 'PM'}"
    assert f'<span class="slot-time">{expected}</span>' in html


def test_week_view_excludes_slots_inside_minimum_notice_and_blocked(client, consultation):
    clinician = consultation.clinicians.get()
    soon = make_slot(start=timezone.now() + timedelta(hours=2), clinician=clinician, appointment_type=consultation)
    blocked = make_slot(start=hour(6), clinician=clinician, appointment_type=consultation, blocked=True)

    html = client.get("/book/consultation/").content.decode()

    assert f"/book/slot/{soon.pk}/" not in html
    assert f"/book/slot/{blocked.pk}/" not in html


def test_empty_week_says_when_the_next_free_time_is(client, consultation):
    far = make_slot(start=hour(30), clinician=consultation.clinicians.get(), appointment_type=consultation)
    this_monday = timezone.localdate() - timedelta(days=timezone.localdate().weekday())

    html = client.get("/book/consultation/", {"week": this_monday.isoformat()}).content.decode()

    assert "No free times this week" in html
    assert "The next free time is" in html
    local = far.local_start
    assert f"{local:%A} {local.day} {local:%B %Y}" in html


def test_week_view_without_any_slot_offers_the_phone(client, consultation):
    html = client.get("/book/consultation/").content.decode()

    assert "There are no free times online" in html
    assert "+1 555-0100" in html


def test_week_view_filters_by_clinician(client, slot, consultation):
    other = make_clinician(name="Dr Ben Okafor", slug="ben-okafor")
    consultation.clinicians.add(other)
    other_slot = make_slot(start=slot.start, clinician=other, appointment_type=consultation)

    html = client.get("/book/consultation/", {"clinician": "ben-okafor", "week": ""}).content.decode()

    assert f"/book/slot/{other_slot.pk}/" in html
    assert f"/book/slot/{slot.pk}/" not in html


def test_week_view_with_garbage_parameters_falls_back_without_error(client, slot):
    response = client.get("/book/consultation/", {"week": "not-a-date", "clinician": "<script>"})

    assert response.status_code == 200
    assert f"/book/slot/{slot.pk}/" in response.content.decode()
    assert "<script>" not in response.content.decode()


def test_week_view_of_unknown_or_inactive_type_is_404(client):
    make_type(slug="retired", active=False)

    assert client.get("/book/retired/").status_code == 404
    assert client.get("/book/nothing-here/").status_code == 404


def test_week_view_costs_a_constant_number_of_queries(client, consultation, django_assert_max_num_queries):
    clinician = consultation.clinicians.get()
    for n in range(40):
        make_slot(start=hour(3) + timedelta(minutes=45 * n), clinician=clinician, appointment_type=consultation)

    with django_assert_max_num_queries(5):
        response = client.get("/book/consultation/")

    assert response.content.decode().count('href="/book/slot/') >= 10


def test_week_view_query_count_does_not_grow_with_slots(client, consultation, django_capture_on_commit_callbacks):
    clinician = consultation.clinicians.get()
    make_slot(start=hour(3), clinician=clinician, appointment_type=consultation)
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as few:
        client.get("/book/consultation/")
    # Committed (the callbacks run): the cached week view goes stale and is rendered again.
    with django_capture_on_commit_callbacks(execute=True):
        for n in range(1, 60):
            make_slot(start=hour(3) + timedelta(minutes=45 * n), clinician=clinician, appointment_type=consultation)
    with CaptureQueriesContext(connection) as many:
        client.get("/book/consultation/")

    assert len(many) == len(few)


# --- The details form -------------------------------------------------------------------


def test_details_form_has_the_interface_labels(client, slot):
    html = client.get(f"/book/slot/{slot.pk}/").content.decode()

    for label in ["Full name", "Email", "Phone", "Date of birth", "Reason for visit"]:
        assert re.search(rf"<label[^>]*>\s*{label}", html), label
    assert ">Confirm booking</button>" in html
    assert 'name="consent"' in html
    assert 'class="hp-field"' in html


def test_booking_happy_path_creates_one_booking_and_redirects_to_confirmation(client, slot):
    response = client.post(f"/book/slot/{slot.pk}/", form_data())

    booking = Booking.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/book/confirmed/{links.make_token(booking)}/"
    assert booking.slot == slot
    assert booking.patient_name == "Jordan Rivers"
    assert booking.email == "jordan@example.org"
    assert booking.phone == "+12125550123"
    assert booking.date_of_birth.isoformat() == "1975-03-27"
    assert booking.reason == "Stiff elbow after a fracture"
    assert booking.source == Booking.Source.ONLINE
    assert booking.status == Booking.Status.CONFIRMED
    slot.refresh_from_db()
    assert slot.booked_count == 1


def test_confirmation_page_shows_reference_appointment_bring_list_and_links(client, slot):
    response = client.post(f"/book/slot/{slot.pk}/", form_data(), follow=True)
    booking = Booking.objects.get()
    html = response.content.decode()
    token = links.make_token(booking)

    assert f"Booking reference: <strong>{booking.reference}</strong>" in html
    assert "New patient consultation (45 minutes)" in html
    assert "Dr Ada Stone" in html
    assert "What to bring" in html and "List of medicines" in html
    assert f'href="/book/manage/{token}/calendar.ics"' in html
    assert f'href="/book/manage/{token}/reschedule/"' in html
    assert f'href="/book/manage/{token}/#cancel"' in html


def test_confirmation_url_carries_no_personal_data(client, slot):
    response = client.post(f"/book/slot/{slot.pk}/", form_data())

    location = response["Location"].lower()
    for secret in ["jordan", "rivers", "example.org", "2125550123", "1975", "elbow"]:
        assert secret not in location


def test_double_submit_gives_one_booking(client, slot):
    html = client.get(f"/book/slot/{slot.pk}/").content.decode()
    key = re.search(r'name="submission_key" value="([^"]+)"', html).group(1)

    first = client.post(f"/book/slot/{slot.pk}/", form_data(submission_key=key))
    second = client.post(f"/book/slot/{slot.pk}/", form_data(submission_key=key))

    assert Booking.objects.count() == 1
    assert first.status_code == second.status_code == 302
    assert first["Location"] == second["Location"]


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("patient_name", "", "Enter the patient&#x27;s full name."),
        ("patient_name", "12345", "Please use letters only"),
        ("email", "not-an-email", "Enter an email address like name@example.com."),
        ("phone", "123", "Please enter a phone number we can call"),
        ("phone", "", "Enter a phone number"),
        ("date_of_birth", "2999-01-01", "The date of birth cannot be in the future."),
        ("date_of_birth", "1850-01-01", "Please check the year of birth."),
        ("date_of_birth", "31/31/1999", "Enter the date of birth as year-month-day"),
        ("reason", "x" * 501, "Ensure this value has at most 500 characters"),
        ("consent", "", "Please tick the box to agree"),
        ("patient_kind", "", "Tell us whether the patient has been seen here before."),
        ("patient_kind", "alien", "Select a valid choice."),
    ],
)
def test_each_invalid_field_gets_its_message_and_everything_typed_is_kept(client, slot, field, value, message):
    data = form_data(**{field: value})

    response = client.post(f"/book/slot/{slot.pk}/", data)
    html = response.content.decode()

    assert response.status_code == 200
    assert Booking.objects.count() == 0
    assert message in html
    assert response.context["form"].errors.keys() == {field}
    for name, typed in data.items():
        if name not in {field, "consent", "website", "submission_key", "patient_kind"}:
            assert escape(typed) in html, name
    assert 'id="error-summary"' in html


def test_invalid_field_is_tied_to_its_error_for_screen_readers(client, slot):
    html = client.post(f"/book/slot/{slot.pk}/", form_data(email="nope")).content.decode()

    assert re.search(r'<input type="email"[^>]*aria-invalid="true"[^>]*aria-describedby="[^"]*id_email_error', html)
    assert '<div id="id_email_error" class="invalid-feedback">' in html


def test_honeypot_field_filled_makes_no_booking(client, slot):
    response = client.post(f"/book/slot/{slot.pk}/", form_data(website="http://spam.example"))

    assert response.status_code == 200
    assert Booking.objects.count() == 0


def test_appointment_for_new_patients_refuses_returning_patient_with_a_message(client, consultation):
    consultation.patient_kind = AppointmentType.Kind.NEW
    consultation.save()
    slot = make_slot(start=hour(4), clinician=consultation.clinicians.get(), appointment_type=consultation)

    response = client.post(f"/book/slot/{slot.pk}/", form_data(patient_kind="returning"))

    assert Booking.objects.count() == 0
    assert "New patient consultation is for new patients only." in response.content.decode()


def test_refused_patient_kind_and_invalid_details_are_shown_together(client, consultation):
    consultation.patient_kind = AppointmentType.Kind.NEW
    consultation.save()
    slot = make_slot(start=hour(4), clinician=consultation.clinicians.get(), appointment_type=consultation)

    response = client.post(f"/book/slot/{slot.pk}/", form_data(patient_kind="returning", phone="12"))
    html = response.content.decode()

    assert response.status_code == 200
    assert Booking.objects.count() == 0
    assert "New patient consultation is for new patients only." in html
    assert "Please enter a phone number we can call" in html
    assert 'value="Jordan Rivers"' in html


def test_booking_post_touches_the_slot_once_counting_the_booking_in_under_its_lock(client, slot):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        response = client.post(f"/book/slot/{slot.pk}/", form_data())

    assert response.status_code == 302
    slot_statements = [
        q["sql"] for q in queries if re.search(r'\bFROM "?booking_slot"?\b|^\s*UPDATE "?booking_slot"?', q["sql"])
    ]
    assert len(slot_statements) == 1
    assert slot_statements[0].startswith("UPDATE booking_slot SET booked_count = booked_count + 1")
    slot.refresh_from_db()
    assert slot.booked_count == 1


def test_booking_post_to_an_unknown_slot_is_404_and_books_nothing(client, slot):
    response = client.post("/book/slot/999999/", form_data())

    assert response.status_code == 404
    assert Booking.objects.count() == 0


def test_slot_taken_meanwhile_keeps_details_and_offers_three_nearest_times(client, slot, consultation):
    clinician = slot.clinician
    alternatives = [
        make_slot(start=slot.start + timedelta(hours=n), clinician=clinician, appointment_type=consultation)
        for n in (1, 2, 3, 30)
    ]
    make_booking(slot=slot, now=timezone.now(), email="someone.else@example.org")

    response = client.post(f"/book/slot/{slot.pk}/", form_data())
    html = response.content.decode()

    assert response.status_code == 409
    assert "this time has just been taken" in html
    assert 'value="Jordan Rivers"' in html
    assert "Stiff elbow after a fracture" in html
    offered = [alt.pk for alt in alternatives if f'formaction="/book/slot/{alt.pk}/"' in html]
    assert offered == [alternatives[0].pk, alternatives[1].pk, alternatives[2].pk]


def test_one_click_on_an_alternative_books_it_with_the_same_details(client, slot, consultation):
    alternative = make_slot(
        start=slot.start + timedelta(hours=1), clinician=slot.clinician, appointment_type=consultation
    )
    make_booking(slot=slot, now=timezone.now(), email="someone.else@example.org")
    client.post(f"/book/slot/{slot.pk}/", form_data())

    response = client.post(f"/book/slot/{alternative.pk}/", form_data())

    booking = Booking.objects.get(email="jordan@example.org")
    assert response.status_code == 302
    assert booking.slot == alternative


def test_details_of_a_slot_no_longer_bookable_go_back_to_the_week(client, slot):
    make_booking(slot=slot, now=timezone.now())

    response = client.get(f"/book/slot/{slot.pk}/")

    assert response.status_code == 302
    assert response["Location"] == "/book/consultation/"


def test_details_of_unknown_slot_is_404(client):
    assert client.get("/book/slot/999999/").status_code == 404


def test_booking_post_without_csrf_token_is_403(slot):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)

    response = client.post(f"/book/slot/{slot.pk}/", form_data())

    assert response.status_code == 403
    assert b"Your form has expired" in response.content
    assert Booking.objects.count() == 0


def test_booking_is_rate_limited_with_429_and_details_kept(client, slot, settings):
    settings.BOOKING_RATE_LIMIT = "2/h"
    client.post(f"/book/slot/{slot.pk}/", form_data(email="bad"))
    client.post(f"/book/slot/{slot.pk}/", form_data(email="bad"))

    response = client.post(f"/book/slot/{slot.pk}/", form_data())

    assert response.status_code == 429
    assert Booking.objects.count() == 0
    assert 'value="Jordan Rivers"' in response.content.decode()
    assert "Please wait an hour" in response.content.decode()


# --- The manage link ----------------------------------------------------------------------


@pytest.fixture
def booking(slot):
    return make_booking(slot=slot, now=timezone.now(), reason="Private reason")


def test_manage_page_shows_the_booking(client, booking):
    html = client.get(links.manage_path(booking)).content.decode()

    assert f"Booking reference: <strong>{booking.reference}</strong>" in html
    assert "Status: <strong>Confirmed</strong>" in html
    assert "Cancel this appointment" in html


def test_manage_get_changes_nothing(client, booking):
    client.get(links.manage_path(booking))
    client.get(f"/book/manage/{links.make_token(booking)}/cancel/")

    booking.refresh_from_db()
    assert booking.status == Booking.Status.CONFIRMED
    assert booking.version == 1


def test_cancel_by_post_frees_the_slot_and_supersedes_the_link(client, booking):
    token = links.make_token(booking)

    response = client.post(f"/book/manage/{token}/cancel/", {"reason": "Feeling better"})

    booking.refresh_from_db()
    assert booking.status == Booking.Status.CANCELLED
    assert booking.cancellation_reason == "Feeling better"
    assert booking.cancelled_by == Booking.CancelledBy.PATIENT
    assert Slot.objects.get(pk=booking.slot_id).booked_count == 0
    assert response.status_code == 302
    assert response["Location"] == links.manage_path(booking)
    assert client.get(f"/book/manage/{token}/").status_code == 404


def test_cancelled_slot_can_be_booked_again(client, booking):
    client.post(f"/book/manage/{links.make_token(booking)}/cancel/", {})

    response = client.post(f"/book/slot/{booking.slot_id}/", form_data(submission_key="another"))

    assert response.status_code == 302
    assert Booking.objects.active().get().email == "jordan@example.org"


def test_tampered_link_gets_a_friendly_404(client, booking):
    token = links.make_token(booking)
    tampered = token[:-2] + ("AA" if not token.endswith("AA") else "BB")

    response = client.get(f"/book/manage/{tampered}/")

    assert response.status_code == 404
    assert b"This link does not work" in response.content


def test_link_for_another_booking_id_cannot_be_forged(client, booking):
    other = make_booking(
        slot=make_slot(
            start=hour(8), clinician=booking.slot.clinician, appointment_type=booking.slot.appointment_type
        ),
        now=timezone.now(),
    )
    _value, timestamp, signature = links.make_token(booking).split(":")
    forged = f"{other.pk}.1:{timestamp}:{signature}"

    assert client.get(f"/book/manage/{forged}/").status_code == 404


def test_expired_link_is_404(client, booking, settings):
    token = signing.TimestampSigner(salt=links.SALT).sign(f"{booking.pk}.{booking.version}")
    settings.BOOKING_LINK_MAX_AGE_DAYS = 0

    import time

    time.sleep(1.1)
    assert client.get(f"/book/manage/{token}/").status_code == 404


def test_superseded_link_after_reschedule_is_404_and_new_link_works(client, booking):
    old_token = links.make_token(booking)
    target = make_slot(start=hour(9), clinician=booking.slot.clinician, appointment_type=booking.slot.appointment_type)

    response = client.post(f"/book/manage/{old_token}/reschedule/", {"slot": target.pk})

    booking.refresh_from_db()
    assert booking.slot == target
    assert response["Location"] == links.manage_path(booking)
    assert client.get(f"/book/manage/{old_token}/").status_code == 404
    assert client.get(links.manage_path(booking)).status_code == 200


def test_reschedule_page_offers_free_times_as_buttons(client, booking):
    target = make_slot(start=hour(5), clinician=booking.slot.clinician, appointment_type=booking.slot.appointment_type)

    html = client.get(f"/book/manage/{links.make_token(booking)}/reschedule/").content.decode()

    assert f'<button type="submit" name="slot" value="{target.pk}"' in html


def test_reschedule_to_a_taken_slot_changes_nothing(client, booking):
    taken = make_slot(start=hour(5), clinician=booking.slot.clinician, appointment_type=booking.slot.appointment_type)
    make_booking(slot=taken, now=timezone.now(), email="other@example.org")
    token = links.make_token(booking)

    response = client.post(f"/book/manage/{token}/reschedule/", {"slot": taken.pk}, follow=True)

    booking.refresh_from_db()
    assert booking.version == 1
    assert booking.slot.pk != taken.pk
    assert "just been taken" in response.content.decode()


def test_reschedule_with_garbage_slot_is_a_message_not_an_error(client, booking):
    response = client.post(f"/book/manage/{links.make_token(booking)}/reschedule/", {"slot": "'; DROP TABLE"})

    assert response.status_code == 200
    assert "Please choose one of the free times below." in response.content.decode()


def test_after_the_cutoff_the_page_gives_the_phone_number_and_refuses_changes(client, consultation, settings):
    soon = make_slot(
        start=timezone.now() + timedelta(hours=30),
        clinician=consultation.clinicians.get(),
        appointment_type=consultation,
    )
    booking = make_booking(slot=soon, now=timezone.now())
    token = links.make_token(booking)
    settings.BOOKING_CHANGE_CUTOFF_HOURS = 48

    html = client.get(f"/book/manage/{token}/").content.decode()
    response = client.post(f"/book/manage/{token}/cancel/", {})
    reschedule = client.get(f"/book/manage/{token}/reschedule/")

    assert "too close to change online" in html
    assert "+1 555-0100" in html
    assert "Cancel this appointment" not in html
    assert response.status_code == 302
    assert reschedule.status_code == 302
    booking.refresh_from_db()
    assert booking.status == Booking.Status.CONFIRMED


def test_calendar_file_downloads_and_parses(client, booking):
    response = client.get(f"/book/manage/{links.make_token(booking)}/calendar.ics")

    assert response.status_code == 200
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    assert f'filename="appointment-{booking.reference}.ics"' in response["Content-Disposition"]
    event = Calendar.from_ical(response.content).walk("VEVENT")[0]
    assert event.decoded("dtstart") == booking.slot.start
    assert event.decoded("dtend") == booking.slot.end
    assert str(event["uid"]).startswith(booking.reference)
    assert "Private reason" not in response.content.decode()
    assert "1980" not in response.content.decode()


def test_cancelled_booking_page_says_so_and_offers_a_new_booking(client, booking):
    booking = cancel_booking(booking_id=booking.pk, now=timezone.now(), by="clinic", reason="Clinician unwell")

    html = client.get(links.manage_path(booking)).content.decode()

    assert "Status: <strong>Cancelled</strong>" in html
    assert "Cancel this appointment" not in html


# --- Lost link ------------------------------------------------------------------------------


def test_find_gives_the_same_answer_whether_or_not_the_email_has_bookings(client, booking):
    with_booking = client.post("/book/find/", {"email": booking.email})
    without = client.post("/book/find/", {"email": "nobody@example.org"})

    assert with_booking.status_code == without.status_code == 200
    assert with_booking.content == without.content.replace(b"nobody@example.org", booking.email.encode())


class SlowMailServer(BaseEmailBackend):
    """A mail server that takes a second to take each email (to the test outbox)."""

    def send_messages(self, email_messages):
        time.sleep(1)
        mail.outbox.extend(email_messages)
        return len(email_messages)


@pytest.mark.django_db(transaction=True)
def test_find_answers_at_once_doing_the_same_work_for_any_address_and_the_worker_sends_the_links(
    client, settings, booking
):
    settings.TASKS = DATABASE_TASKS  # the production default
    settings.EMAIL_BACKEND = "tests.booking.test_views.SlowMailServer"
    run_task_worker()  # the booking's own confirmation
    mail.outbox = []
    queries, seconds = {}, {}

    for email in (booking.email, "nobody@example.org"):
        with CaptureQueriesContext(connection) as captured:
            started = time.perf_counter()
            response = client.post("/book/find/", {"email": email})
            seconds[email] = time.perf_counter() - started
        assert response.status_code == 200
        assert b"Check your email" in response.content
        queries[email] = len(captured.captured_queries)

    assert queries[booking.email] == queries["nobody@example.org"]
    assert max(seconds.values()) < 0.45, seconds
    assert mail.outbox == []

    run_task_worker()

    [message] = mail.outbox
    assert message.to == [booking.email]
    assert links.manage_url(Booking.objects.get(pk=booking.pk)) in message.body
    assert LinkRequest.objects.count() == 0


def test_find_is_rate_limited(client, settings):
    settings.LOOKUP_RATE_LIMIT = "1/h"
    client.post("/book/find/", {"email": "a@example.org"})

    response = client.post("/book/find/", {"email": "a@example.org"})

    assert response.status_code == 429
    assert b"many requests" in response.content


def test_find_with_invalid_email_shows_the_field_error(client):
    response = client.post("/book/find/", {"email": "nope"})

    assert response.status_code == 200
    assert b"Enter an email address like name@example.com." in response.content


@pytest.mark.parametrize("slot_id", ["9223372036854775808", "99999999999999999999999"])
def test_details_of_an_out_of_range_slot_id_is_404(client, slot_id):
    assert client.get(f"/book/slot/{slot_id}/").status_code == 404
    assert client.post(f"/book/slot/{slot_id}/", form_data()).status_code == 404


@pytest.mark.parametrize("week", ["0001-01-01", "0001-01-02", "9999-12-31", "2026-02-30", "-1"])
def test_week_view_with_extreme_weeks_answers(client, slot, week):
    assert client.get("/book/consultation/", {"week": week}).status_code == 200

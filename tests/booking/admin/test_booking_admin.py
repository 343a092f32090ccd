"""The booking list and a receptionist's actions on it, through the admin client."""

import csv
import io
from datetime import date, timedelta

import pytest

from booking import admin as booking_admin
from booking.models import Booking, BookingEvent, Notification
from tests.booking.admin.conftest import book, make_clinician, make_type, slot_in
from tests.signin import log_in_verified

pytestmark = pytest.mark.django_db

LIST = "/admin/booking/booking/"


def listed(response) -> list[str]:
    return [booking.reference for booking in response.context["cl"].result_list]


def action(client, name: str, bookings, **data):
    return client.post(LIST, {"action": name, "_selected_action": [b.pk for b in bookings], **data})


# --- The list ---------------------------------------------------------------------------------


def test_booking_list_shows_local_time_clinician_type_patient_reference_status_source(reception_client):
    clinician = make_clinician(name="Dr Ada Stone")
    appointment_type = make_type(name="Follow-up visit")
    slot = slot_in(timedelta(days=3), clinician=clinician, appointment_type=appointment_type)
    booking = book(slot, name="Alex Example")

    response = reception_client.get(LIST)

    assert response.status_code == 200
    row = response.content.decode()
    local = slot.local_start
    for text in ["Dr Ada Stone", "Follow-up visit", "Alex Example", booking.reference, "Confirmed", "Online"]:
        assert text in row
    assert f"{local:%a} {local.day} {local:%b %Y}" in row


@pytest.mark.parametrize("term", ["{ref}", "{ref_lower}", "{code}"])
def test_booking_list_finds_a_caller_by_reference(reception_client, term):
    wanted = book(slot_in(timedelta(days=3)))
    book(slot_in(timedelta(days=4)), name="Other Person", email="other@example.org")
    query = term.format(ref=wanted.reference, ref_lower=wanted.reference.lower(), code=wanted.reference[3:])

    response = reception_client.get(LIST, {"q": query})

    assert listed(response) == [wanted.reference]


@pytest.mark.parametrize(
    "query",
    ["jordan", "Jordan Rivers", "jordan@example.org", "555-0199", "(555) 0199", "1961-02-03", "02/03/1961"],
)
def test_booking_list_finds_a_caller_by_name_email_phone_or_date_of_birth(reception_client, query):
    wanted = book(
        slot_in(timedelta(days=3)),
        name="Jordan Rivers",
        email="jordan@example.org",
        phone="+15555550199",
        date_of_birth=date(1961, 2, 3),
    )
    book(slot_in(timedelta(days=4)), name="Alex Example", email="alex@example.org", phone="+15555550142")

    response = reception_client.get(LIST, {"q": query})

    assert listed(response) == [wanted.reference]


@pytest.mark.parametrize("query", ["(212) 555-0123", "212.555.0123", "+1 212 555 0123", "1-212-555-0123"])
def test_booking_list_finds_a_whole_phone_number_exactly_however_it_is_typed(reception_client, query):
    wanted = book(slot_in(timedelta(days=3)), phone="+12125550123")
    book(slot_in(timedelta(days=4)), name="Other Person", email="other@example.org", phone="+12125550124")
    # Another country's number that holds the same ten digits is someone else.
    book(slot_in(timedelta(days=5)), name="Third Person", email="third@example.org", phone="+612125550123")

    response = reception_client.get(LIST, {"q": query})

    assert listed(response) == [wanted.reference]


@pytest.mark.parametrize("id_limit", [2, 3, 4])  # fewer ids than matches, as many, more
def test_booking_list_word_search_lists_every_match_newest_first(reception_client, monkeypatch, id_limit):
    monkeypatch.setattr(booking_admin, "WORD_SEARCH_IDS", id_limit)
    matches = [
        book(slot_in(timedelta(days=days)), name="Jordan Rivers", email=f"j{days}@example.org") for days in (3, 5, 4)
    ]
    book(slot_in(timedelta(days=6)), name="Alex Example", email="alex@example.org")

    response = reception_client.get(LIST, {"q": "jordan riv"})

    assert listed(response) == [matches[1].reference, matches[2].reference, matches[0].reference]


def test_booking_list_searches_the_reason_only_for_those_who_may_see_it(reception_client, manager):
    book(slot_in(timedelta(days=3)), reason="Stiff-elbow-7731")

    assert listed(reception_client.get(LIST, {"q": "Stiff-elbow-7731"})) == []

    log_in_verified(reception_client, manager)
    assert len(listed(reception_client.get(LIST, {"q": "Stiff-elbow-7731"}))) == 1


@pytest.mark.parametrize("bookings", [1, 30, 120])
def test_booking_list_takes_a_constant_number_of_queries_for_any_page_size(
    client, reception, bookings, django_assert_max_num_queries
):
    clinicians = [make_clinician() for _ in range(3)]
    types = [make_type() for _ in range(2)]
    for n in range(bookings):
        book(
            slot_in(timedelta(days=2, hours=n), clinician=clinicians[n % 3], appointment_type=types[n % 2]),
            email=f"p{n}@example.org",
        )
    log_in_verified(client, reception)

    for params in [{}, {"all": ""}, {"q": "example"}, {"status__exact": "confirmed", "when": "upcoming"}]:
        # Eight for the page, one for the session's second factor (django-otp's device); a word
        # search first reads its matches' ids: one query more.
        with django_assert_max_num_queries(10 if "q" in params else 9):
            response = client.get(LIST, params)
        assert response.status_code == 200
    assert len(listed(client.get(LIST, {"all": ""}))) == bookings


def test_booking_list_opens_a_day_from_the_calendar_hierarchy(reception_client):
    today_slot = slot_in(timedelta(hours=1))
    later = slot_in(timedelta(days=40))
    booking = book(today_slot)
    book(later)
    day = today_slot.local_start.date()

    response = reception_client.get(
        LIST, {"slot__start__year": day.year, "slot__start__month": day.month, "slot__start__day": day.day}
    )

    assert listed(response) == [booking.reference]


def test_booking_cannot_be_deleted_or_edited_directly(manager_client):
    booking = book(slot_in(timedelta(days=3)))

    assert manager_client.get(f"{LIST}{booking.pk}/delete/").status_code == 403
    assert "delete_selected" not in manager_client.get(LIST).context["action_form"].fields["action"].choices.__str__()
    response = manager_client.post(f"{LIST}{booking.pk}/change/", {"patient_name": "Changed", "status": "cancelled"})
    assert response.status_code == 403
    booking.refresh_from_db()
    assert (booking.patient_name, booking.status) == ("Alex Example", Booking.Status.CONFIRMED)


def test_add_booking_leads_to_book_for_a_caller(reception_client):
    response = reception_client.get(f"{LIST}add/")

    assert response.status_code == 302
    assert response["Location"] == "/admin/booking/booking/book/"


# --- Cancel with a reason --------------------------------------------------------------------


def test_cancel_action_asks_for_a_reason_then_cancels_and_emails_each_patient(
    reception_client, reception, mailoutbox, django_capture_on_commit_callbacks
):
    first = book(slot_in(timedelta(days=3)), email="first@example.org")
    second = book(slot_in(timedelta(days=4)), email="second@example.org")

    page = action(reception_client, "cancel_and_notify", [first, second])
    assert page.status_code == 200
    assert "Reason, for the patient" in page.content.decode()
    assert Booking.objects.filter(status=Booking.Status.CANCELLED).count() == 0

    with django_capture_on_commit_callbacks(execute=True):
        response = action(
            reception_client,
            "cancel_and_notify",
            [first, second],
            confirm="yes",
            cancelled_by="clinic",
            reason="The clinician is unwell.",
        )

    assert response.status_code == 302
    for booking in (first, second):
        booking.refresh_from_db()
        assert booking.status == Booking.Status.CANCELLED
        assert booking.cancelled_by == Booking.CancelledBy.CLINIC
        assert booking.cancelled_by_user == reception
        assert booking.cancellation_reason == "The clinician is unwell."
        assert booking.slot.booked_count == 0
    assert sorted(m.to[0] for m in mailoutbox) == ["first@example.org", "second@example.org"]
    assert Notification.objects.filter(kind="cancellation", status="sent").count() == 2


def test_cancel_action_without_a_reason_changes_nothing(reception_client):
    booking = book(slot_in(timedelta(days=3)))

    response = action(
        reception_client, "cancel_and_notify", [booking], confirm="yes", cancelled_by="clinic", reason=""
    )

    assert response.status_code == 200
    assert "Give a reason" in response.content.decode()
    booking.refresh_from_db()
    assert booking.status == Booking.Status.CONFIRMED


def test_cancel_page_of_one_booking_records_a_patient_request(
    reception_client, reception, mailoutbox, django_capture_on_commit_callbacks
):
    booking = book(slot_in(timedelta(hours=5)))  # inside the patients' cut-off: staff may still cancel

    with django_capture_on_commit_callbacks(execute=True):
        response = reception_client.post(
            f"{LIST}{booking.pk}/cancel/", {"cancelled_by": "patient", "reason": "Caller is in hospital."}
        )

    assert response.status_code == 302
    booking.refresh_from_db()
    assert (booking.status, booking.cancelled_by, booking.cancelled_by_user) == ("cancelled", "patient", reception)
    assert [m.to for m in mailoutbox] == [[booking.email]]


# --- Attendance -------------------------------------------------------------------------------


def test_mark_attended_action_marks_todays_patients(reception_client, reception):
    earlier = book(slot_in(timedelta(minutes=-90)))
    just_now = book(slot_in(timedelta(minutes=-5)))
    upcoming = book(slot_in(timedelta(hours=3)))

    response = action(reception_client, "mark_attended", [earlier, just_now, upcoming])

    assert response.status_code == 302
    statuses = {b.pk: b.status for b in Booking.objects.all()}
    assert statuses == {earlier.pk: "attended", just_now.pk: "attended", upcoming.pk: "confirmed"}
    events = BookingEvent.objects.filter(action="attended")
    assert sorted(e.booking_id for e in events) == sorted([earlier.pk, just_now.pk])
    assert {e.actor_user for e in events} == {reception}
    messages = [str(m) for m in response.wsgi_request._messages]
    assert messages[0] == "Marked 2 booking(s) attended."
    assert upcoming.reference in messages[1]


def test_mark_no_show_action_and_correction_to_attended(reception_client):
    booking = book(slot_in(timedelta(minutes=-30)))

    action(reception_client, "mark_no_show", [booking])
    booking.refresh_from_db()
    assert booking.status == Booking.Status.NO_SHOW

    reception_client.post(f"{LIST}{booking.pk}/attendance/", {"attended": "yes"})
    booking.refresh_from_db()
    assert booking.status == Booking.Status.ATTENDED


# --- Move -------------------------------------------------------------------------------------


def test_move_offers_free_times_and_moves_the_booking(
    reception_client, reception, mailoutbox, django_capture_on_commit_callbacks
):
    clinician, appointment_type = make_clinician(), make_type()
    old = slot_in(timedelta(days=3), clinician=clinician, appointment_type=appointment_type)
    free = slot_in(timedelta(days=3, hours=2), clinician=clinician, appointment_type=appointment_type)
    taken = slot_in(timedelta(days=3, hours=4), clinician=clinician, appointment_type=appointment_type)
    book(taken, email="someone@example.org")
    booking = book(old)

    page = reception_client.get(
        f"{LIST}{booking.pk}/move/", {"date": free.local_start.date().isoformat(), "view": "day"}
    )
    offered = [e.slot.pk for row in page.context["schedule"].rows for cell in row.cells for e in cell.entries]
    assert offered == [free.pk]

    with django_capture_on_commit_callbacks(execute=True):
        response = reception_client.post(f"{LIST}{booking.pk}/move/", {"slot": free.pk})

    assert response.status_code == 302
    assert response["Location"] == f"{LIST}{booking.pk}/change/"
    booking.refresh_from_db()
    old.refresh_from_db()
    free.refresh_from_db()
    assert (booking.slot_id, old.booked_count, free.booked_count) == (free.pk, 0, 1)
    assert [m.to for m in mailoutbox] == [[booking.email]]
    event = BookingEvent.objects.get(action="rescheduled")
    assert (event.actor_user, event.detail) == (reception, f"slot {old.pk} -> {free.pk}")


def test_move_to_a_taken_slot_says_so_and_changes_nothing(reception_client):
    taken = slot_in(timedelta(days=3, hours=2))
    book(taken, email="someone@example.org")
    booking = book(slot_in(timedelta(days=3)))

    response = reception_client.post(f"{LIST}{booking.pk}/move/", {"slot": taken.pk}, follow=True)

    booking.refresh_from_db()
    assert booking.slot_id != taken.pk
    assert "just been taken" in response.content.decode()


# --- Export -----------------------------------------------------------------------------------


def test_export_gives_the_selection_as_csv(manager_client):
    slot = slot_in(timedelta(days=3), clinician=make_clinician(name="Dr Ada Stone"))
    booking = book(slot, name="Jordan Rivers", reason="=cmd|' /C calc'!A0")
    book(slot_in(timedelta(days=5)), email="not-selected@example.org")

    response = action(manager_client, "export_csv", [booking])

    assert response["Content-Type"] == "text/csv; charset=utf-8"
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    local = slot.local_start
    assert rows[0][:3] == ["Reference", "Date", "Time"]
    assert rows[0][-1] == "Reason"
    assert rows[1][:8] == [
        booking.reference,
        local.date().isoformat(),
        f"{local:%H:%M}",
        "Dr Ada Stone",
        slot.appointment_type.name,
        "Confirmed",
        "Online",
        "Jordan Rivers",
    ]
    assert rows[1][-1] == "'=cmd|' /C calc'!A0"  # never a live spreadsheet formula
    assert len(rows) == 2


# --- Outbox -----------------------------------------------------------------------------------


def test_resend_action_sends_a_failed_email_again(reception_client, mailoutbox, django_capture_on_commit_callbacks):
    booking = book(slot_in(timedelta(days=3)))
    notification = booking.notifications.get()
    Notification.objects.filter(pk=notification.pk).update(status="failed", attempts=5, last_error="SMTPException")

    with django_capture_on_commit_callbacks(execute=True):
        response = reception_client.post(
            "/admin/booking/notification/", {"action": "resend", "_selected_action": [notification.pk]}
        )

    assert response.status_code == 302
    notification.refresh_from_db()
    assert notification.status == Notification.Status.SENT
    assert [m.to for m in mailoutbox] == [[booking.email]]


def test_booking_list_matches_several_words_each_anywhere(reception_client):
    wanted = book(slot_in(timedelta(days=3)), name="Jordan Rivers", date_of_birth=date(1961, 2, 3))
    book(slot_in(timedelta(days=4)), name="Jordan Other", email="other@example.org")

    assert listed(reception_client.get(LIST, {"q": "jordan 1961-02-03"})) == [wanted.reference]
    assert listed(reception_client.get(LIST, {"q": "rivers jordan"})) == [wanted.reference]


# --- Contact details --------------------------------------------------------------------------


def test_contact_page_shows_the_current_details(reception_client):
    booking = book(slot_in(timedelta(days=3)), phone="+12125550123", accessibility_needs="Hoist")

    response = reception_client.get(f"{LIST}{booking.pk}/contact/")
    html = response.content.decode()

    assert response.status_code == 200
    assert 'value="+12125550123"' in html
    assert "Hoist</textarea>" in html
    change_page = reception_client.get(f"{LIST}{booking.pk}/change/").content.decode()
    assert f'href="{LIST}{booking.pk}/contact/"' in change_page


def test_contact_page_saves_a_new_email_and_sends_the_confirmation_there(
    reception_client, reception, mailoutbox, django_capture_on_commit_callbacks
):
    booking = book(slot_in(timedelta(days=3)))
    data = {
        "patient_name": booking.patient_name,
        "email": "Right.Address@Example.org",
        "phone": "(212) 555-0123",
        "accessibility_needs": "",
    }

    with django_capture_on_commit_callbacks(execute=True):
        response = reception_client.post(f"{LIST}{booking.pk}/contact/", data)

    assert response.status_code == 302
    booking.refresh_from_db()
    assert (booking.email, booking.phone, booking.version) == ("right.address@example.org", "+12125550123", 2)
    assert [message.to for message in mailoutbox] == [["right.address@example.org"]]
    event = BookingEvent.objects.get(booking=booking, action="details_changed")
    assert (event.actor_user, event.detail) == (reception, "changed: email, phone")
    shown = reception_client.get(response["Location"]).content.decode()
    assert "The confirmation with a new link goes to the new email address" in shown


def test_contact_page_with_bad_input_keeps_what_was_typed_and_saves_nothing(reception_client):
    booking = book(slot_in(timedelta(days=3)))
    data = {"patient_name": "J0hn", "email": "not-an-email", "phone": "12", "accessibility_needs": "Ramp please"}

    response = reception_client.post(f"{LIST}{booking.pk}/contact/", data)
    html = response.content.decode()

    assert response.status_code == 200
    assert "Please use letters only" in html
    assert "Enter an email address like name@example.com." in html
    assert "Please enter a phone number we can call" in html
    assert 'value="not-an-email"' in html
    assert "Ramp please</textarea>" in html
    assert Booking.objects.get(pk=booking.pk).email == booking.email
    assert not BookingEvent.objects.filter(action="details_changed").exists()


def test_contact_page_needs_the_change_permission(client, doctor):
    booking = book(slot_in(timedelta(days=3)))
    log_in_verified(client, doctor)

    response = client.post(f"{LIST}{booking.pk}/contact/", {"patient_name": "Someone Else"})

    assert response.status_code == 403
    assert Booking.objects.get(pk=booking.pk).patient_name == booking.patient_name


@pytest.mark.parametrize(
    ("page", "message"),
    [("contact", "Enter the patient&#x27;s full name."), ("cancel", "Give a reason: the patient will see it")],
)
def test_an_empty_post_gets_required_field_messages_and_changes_nothing(reception_client, page, message):
    booking = book(slot_in(timedelta(days=3)))

    response = reception_client.post(f"{LIST}{booking.pk}/{page}/", {})

    assert response.status_code == 200
    assert message in response.content.decode()
    after = Booking.objects.get(pk=booking.pk)
    assert (after.status, after.patient_name, after.version) == ("confirmed", booking.patient_name, 1)

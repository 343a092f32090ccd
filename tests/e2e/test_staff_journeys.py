"""Staff in a real browser: a receptionist runs the day in the admin; a content editor changes a page and cannot
reach bookings. Every step goes through the staff pages as a person would use them."""

import csv
import io
import re
from datetime import timedelta
from pathlib import Path

import pytest
from django.contrib.auth.models import Group
from django.utils import timezone
from playwright.sync_api import expect

from booking.models import Booking, clinic_tz
from info.models import Page
from tests.booking.conftest import make_booking, make_slot
from tests.e2e.helpers import PATIENT, VIEWPORTS, make_schedule, save_screenshot

pytestmark = pytest.mark.django_db(transaction=True)

PASSWORD = "a-long-test-password-for-staff"


@pytest.fixture
def make_staff(django_user_model):
    def make(username, group):
        user = django_user_model.objects.create_user(username, f"{username}@example.org", PASSWORD, is_staff=True)
        user.groups.add(Group.objects.get(name=group))
        return user

    return make


def log_in(page, username):
    page.goto("/admin/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("link", name="Log out").or_(page.get_by_role("button", name="Log out"))).to_be_visible()


def choose_action(page, action_label):
    page.locator("select[name=action]").select_option(label=action_label)
    page.get_by_role("button", name="Go").click()


def test_receptionist_books_moves_marks_attended_cancels_and_exports(new_page, make_staff, mailoutbox, captured_logs):
    captured_logs.forbidden += ["Robin Arrived", "robin.arrived@example.org", "Casey Cancelled", "casey.c@example.org"]
    schedule = make_schedule()
    make_staff("reception", "Reception")
    first, _, third, fourth, _ = schedule.slots
    okafor = schedule.clinicians[0]
    started = make_slot(
        start=(timezone.now() - timedelta(minutes=20)).replace(second=0, microsecond=0),
        clinician=okafor,
        appointment_type=schedule.type,
    )
    came_in = make_booking(
        slot=started, now=started.start - timedelta(days=3), name="Robin Arrived", email="robin.arrived@example.org"
    )
    to_cancel = make_booking(slot=fourth, now=timezone.now(), name="Casey Cancelled", email="casey.c@example.org")
    mailoutbox.clear()
    page = new_page()

    log_in(page, "reception")
    page.get_by_role("link", name="Schedule", exact=True).click()
    expect(page.get_by_role("heading", name="Schedule")).to_be_visible()

    # The schedule of the day the first patient came in: mark attended.
    page.goto(f"/admin/booking/slot/schedule/?view=day&date={started.start.astimezone(clinic_tz()).date()}")
    row = page.locator(".slot-booking", has_text="Robin Arrived")
    row.get_by_role("button", name="Attended").click()
    expect(page.locator(".messagelist")).to_contain_text(f"{came_in.reference} marked attended")
    came_in.refresh_from_db()
    assert came_in.status == Booking.Status.ATTENDED

    page.goto(f"/admin/booking/slot/schedule/?view=week&date={schedule.day}")
    expect(page.locator("table.schedule")).to_contain_text("Casey Cancelled")
    save_screenshot(page, "desktop-admin-schedule")
    phone = new_page(VIEWPORTS["phone"])
    log_in(phone, "reception")
    phone.goto(f"/admin/booking/slot/schedule/?view=day&date={schedule.day}")
    save_screenshot(phone, "phone-admin-schedule")

    page.goto("/admin/")
    with page.expect_navigation():
        page.get_by_role("link", name="Book for a caller").click()
    for _ in range(3):
        pick = page.get_by_role("link", name=re.compile(r"^Book 9:00 AM .*with Dr\. Maya Okafor$"))
        if pick.count():
            break
        with page.expect_navigation():
            page.get_by_role("link", name=re.compile(r"^Next week")).click()
    pick.click()
    page.get_by_label("Full name").fill(PATIENT.name)
    page.get_by_label("Date of birth").fill(PATIENT.date_of_birth.isoformat())
    page.get_by_label("No, this is the first visit").check()
    page.get_by_label("Email").fill(PATIENT.email)
    page.get_by_label("Phone").fill(PATIENT.phone)
    page.get_by_label("The caller agrees").check()
    page.get_by_role("button", name="Confirm booking").click()

    expect(page.locator(".messagelist")).to_contain_text("Booked HO-")
    booking = Booking.objects.get(email=PATIENT.email)
    assert (booking.slot_id, booking.source, booking.status) == (first.pk, Booking.Source.STAFF, "confirmed")
    assert [message.to for message in mailoutbox] == [[PATIENT.email]]

    page.get_by_role("link", name="Move").click()
    page.get_by_role("button", name=re.compile(r"^Move to 10:00 AM .*with Dr\. Daniel Reyes$")).click()
    expect(page.locator(".messagelist")).to_contain_text(f"Moved {booking.reference}")
    booking.refresh_from_db()
    assert booking.slot_id == third.pk
    first.refresh_from_db()
    assert first.booked_count == 0

    page.goto("/admin/booking/booking/")
    page.locator("tr", has_text="Casey Cancelled").get_by_role("checkbox").check()
    choose_action(page, "Cancel and notify the patients (with a reason)")
    page.get_by_label("The clinic").check()
    page.get_by_label("Reason, for the patient").fill("Dr. Okafor is away that day.")
    page.get_by_role("button", name="Cancel and notify").click()
    expect(page.locator(".messagelist")).to_contain_text("Cancelled 1 booking(s)")
    to_cancel.refresh_from_db()
    assert (to_cancel.status, to_cancel.cancelled_by) == (Booking.Status.CANCELLED, "clinic")
    cancellation = mailoutbox[-1]
    assert cancellation.to == ["casey.c@example.org"]
    assert "Dr. Okafor is away that day." in cancellation.body

    # The receptionist exports the day's bookings as CSV (without the reason for the visit).
    page.goto("/admin/booking/booking/")
    page.locator("#action-toggle").check()
    with page.expect_download() as download_info:
        choose_action(page, "Export the selected bookings as CSV")
    rows = list(csv.DictReader(io.StringIO(Path(download_info.value.path()).read_text(encoding="utf-8-sig"))))
    assert {row["Reference"]: row["Status"] for row in rows} == {
        came_in.reference: "Attended",
        to_cancel.reference: "Cancelled",
        booking.reference: "Confirmed",
    }


def test_content_editor_changes_a_page_and_cannot_reach_bookings(page, make_staff):
    make_staff("editor", "Content editor")
    make_booking(slot=make_schedule().slots[0], now=timezone.now())
    info_page = Page.objects.filter(published=True).order_by("order").first()

    log_in(page, "editor")
    expect(page.get_by_role("link", name="Bookings")).to_have_count(0)
    expect(page.get_by_role("link", name="Schedule", exact=True)).to_have_count(0)
    with page.expect_navigation():
        page.locator("a[href='/admin/info/page/']").first.click()
    with page.expect_navigation():
        page.locator("#result_list").get_by_role("link", name=info_page.title, exact=True).click()
    page.get_by_label("Summary").fill("Updated by the content editor in the browser test.")
    page.get_by_role("button", name="Save", exact=True).click()
    # What patients read changed: the page asks who reviewed this version, and when.
    expect(page.get_by_text("You changed what patients read.")).to_be_visible()
    today = timezone.localdate()
    page.get_by_label("Reviewing clinician").fill("Dr. Test Reviewer, Physiatrist")
    page.get_by_label("Reviewed on").fill(today.isoformat())
    page.get_by_label("Next review due").fill(today.replace(year=today.year + 1).isoformat())
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.locator(".messagelist")).to_contain_text("was changed successfully")

    page.goto(info_page.get_absolute_url())
    expect(page.locator(".lead")).to_have_text("Updated by the content editor in the browser test.")
    expect(page.locator(".page-review")).to_contain_text("Reviewed by Dr. Test Reviewer, Physiatrist on")

    for path in ("/admin/booking/booking/", "/admin/booking/slot/schedule/", "/admin/booking/booking/book/"):
        response = page.goto(path)
        assert response.status == 403, path
        expect(page.locator("body")).not_to_contain_text("Alex Example")


XSS = '<script>alert("xss")</script><img src=x onerror=alert(1)>'


def test_script_payloads_stay_text_for_patients_and_staff(new_page, make_staff):
    """No dialog opens (the page fixture fails the test if one does) and the payload reads as typed."""
    schedule = make_schedule()
    slot = schedule.slots[1]
    make_staff("manager", "Clinic manager")
    page = new_page()

    page.goto(f"/book/slot/{slot.pk}/")
    for label in ("Full name", "Email", "Phone", "Reason for visit (optional)", "Access needs (optional)"):
        page.get_by_label(label).fill(XSS)
    page.get_by_role("button", name="Confirm booking").click()
    expect(page.get_by_label("Reason for visit (optional)")).to_have_value(XSS)
    expect(page.get_by_label("Full name")).to_have_value(XSS)

    page.get_by_label("Full name").fill("Jordan Rivers")
    page.get_by_label("Email").fill('"<script>alert(1)</script>"@example.org')
    page.get_by_label("Phone").fill("212-555-0123")
    page.get_by_label("Date of birth").fill("1975-03-27")
    page.get_by_label("No, this is the first visit").check()
    page.get_by_label("I agree that the clinic may store").check()
    page.get_by_role("button", name="Confirm booking").click()
    expect(page.get_by_text("Booking reference")).to_be_visible()
    booking = Booking.objects.get()
    assert booking.reason == XSS

    log_in(page, "manager")
    page.goto(f"/admin/booking/booking/{booking.pk}/change/")
    expect(page.locator("#content-main")).to_contain_text(XSS)
    expect(page.locator("#content-main")).to_contain_text('"<script>alert(1)</script>"@example.org')
    page.goto("/admin/booking/booking/")
    expect(page.locator("#result_list")).to_contain_text("Jordan Rivers")
    page.goto(f"/admin/booking/slot/schedule/?view=day&date={schedule.day}")
    expect(page.locator("table.schedule")).to_contain_text("Jordan Rivers")
    assert page.evaluate("() => document.querySelectorAll('main script, #content script').length") == 0

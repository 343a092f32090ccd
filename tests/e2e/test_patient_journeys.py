"""A patient books, reschedules and cancels in a real browser: by mouse at desktop and phone size, by keyboard
alone, and when someone else takes the time while the form is being filled in."""

import re
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from django.utils import timezone
from icalendar import Calendar
from playwright.sync_api import expect

from booking.models import Booking, Slot
from tests.booking.conftest import make_booking
from tests.e2e.helpers import PATIENT, VIEWPORTS, focused, make_schedule, save_screenshot, tab_to

# Transactional, because the live server's thread must see the test's data.
pytestmark = pytest.mark.django_db(transaction=True)

REFERENCE = re.compile(r"HO-[A-Z0-9]{6}")


@pytest.fixture
def schedule():
    return make_schedule()


def fill_details(page, *, phone=PATIENT.phone):
    page.get_by_label("Full name").fill(PATIENT.name)
    page.get_by_label("Date of birth").fill(PATIENT.date_of_birth.isoformat())
    page.get_by_label("No, this is the first visit").check()
    page.get_by_label("Email").fill(PATIENT.email)
    page.get_by_label("Phone").fill(phone)
    page.get_by_label("Reason for visit (optional)").fill(PATIENT.reason)
    page.get_by_label("Access needs (optional)").fill(PATIENT.access_needs)
    page.get_by_label("I agree that the clinic may store").check()


def booking_reference(page) -> str:
    expect(page.get_by_text("Booking reference")).to_be_visible()
    return REFERENCE.search(page.locator(".booking-reference").inner_text()).group(0)


def assert_slot_free(slot: Slot) -> None:
    slot.refresh_from_db()
    assert slot.booked_count == 0
    assert not slot.bookings.filter(status=Booking.Status.CONFIRMED).exists()


def manage_path_from_email(mailoutbox) -> str:
    links = re.findall(r"https?://\S+/book/manage/[^/\s]+/", mailoutbox[-1].body)
    assert links, mailoutbox[-1].body
    return urlsplit(links[0]).path


@pytest.mark.parametrize("device", ["desktop", "phone"])
def test_patient_books_downloads_calendar_reschedules_and_cancels(new_page, schedule, mailoutbox, device):
    page = new_page(VIEWPORTS[device])
    first, _, other_clinician_slot, *_ = schedule.slots

    page.goto("/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Care for heterotopic ossification")
    save_screenshot(page, f"{device}-home")
    page.locator("main .card-title a").first.click()
    expect(page).to_have_url(re.compile(r"/info/[\w-]+/$"))
    expect(page.get_by_role("heading", name="Share this page")).to_be_visible()
    save_screenshot(page, f"{device}-info-page")

    page.get_by_role("link", name="Make an appointment").first.click()
    expect(page).to_have_url(re.compile(r"/book/$"))
    page.get_by_role("link", name="HO consultation").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Choose a time")
    expect(page.get_by_role("link", name=re.compile(r"AM with|PM with"))).to_have_count(5)
    save_screenshot(page, f"{device}-week")
    page.get_by_role("link", name="9:00 AM with Dr. Maya Okafor").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Your details")
    save_screenshot(page, f"{device}-form")
    fill_details(page, phone="12345")
    page.get_by_role("button", name="Confirm booking").click()

    summary = page.locator("#error-summary")
    expect(summary).to_be_focused()
    expect(summary).to_contain_text("Please correct 1 thing in the form")
    phone = page.get_by_label("Phone")
    expect(phone).to_have_attribute("aria-invalid", "true")
    expect(page.get_by_label("Full name")).to_have_value(PATIENT.name)
    expect(page.get_by_label("Reason for visit (optional)")).to_have_value(PATIENT.reason)
    expect(page.get_by_label("I agree that the clinic may store")).to_be_checked()
    assert Booking.objects.count() == 0
    phone.fill(PATIENT.phone)
    page.get_by_role("button", name="Confirm booking").click()

    expect(page).to_have_url(re.compile(r"/book/confirmed/[^/]+/$"))
    reference = booking_reference(page)
    save_screenshot(page, f"{device}-confirmation")
    booking = Booking.objects.get(reference=reference)
    assert (booking.slot_id, booking.status, booking.patient_name, booking.email, booking.phone) == (
        first.pk,
        Booking.Status.CONFIRMED,
        PATIENT.name,
        PATIENT.email,
        "+12125550187",
    )
    assert (booking.date_of_birth, booking.reason, booking.accessibility_needs) == (
        PATIENT.date_of_birth,
        PATIENT.reason,
        PATIENT.access_needs,
    )
    assert PATIENT.name not in page.url and PATIENT.email not in page.url

    with page.expect_download() as download_info:
        page.get_by_role("link", name="Add to calendar (.ics)").click()
    download = download_info.value
    assert download.suggested_filename == f"appointment-{reference}.ics"
    calendar = Calendar.from_ical(Path(download.path()).read_bytes())
    (event,) = calendar.walk("VEVENT")
    assert event.decoded("dtstart") == first.start
    assert event.decoded("dtend") == first.end
    assert "HO consultation" in str(event.get("summary"))
    ics_text = calendar.to_ical().decode()
    assert PATIENT.reason not in ics_text and PATIENT.date_of_birth.isoformat() not in ics_text

    page.goto(manage_path_from_email(mailoutbox))
    expect(page.get_by_role("heading", level=1)).to_have_text("Your appointment")
    expect(page.locator(".booking-reference")).to_contain_text(reference)
    page.get_by_role("link", name="Reschedule").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Choose a new time")
    page.get_by_role("button", name="10:00 AM with Dr. Daniel Reyes").click()

    expect(page.get_by_role("status").first).to_contain_text("Your appointment is moved to")
    booking.refresh_from_db()
    assert (booking.slot_id, booking.status) == (other_clinician_slot.pk, Booking.Status.CONFIRMED)
    assert_slot_free(first)

    page.get_by_label("Reason for cancelling (optional)").fill("Feeling better")
    page.get_by_role("button", name="Cancel appointment").click()
    expect(page.locator(".booking-status")).to_contain_text("Cancelled")
    booking.refresh_from_db()
    assert booking.status == Booking.Status.CANCELLED
    assert_slot_free(other_clinician_slot)

    page.goto(f"/book/{schedule.type.slug}/")
    expect(page.get_by_role("link", name="10:00 AM with Dr. Daniel Reyes")).to_be_visible()
    expect(page.get_by_role("link", name="9:00 AM with Dr. Maya Okafor")).to_be_visible()


def press(page, key="Enter"):
    page.keyboard.press(key)


def test_patient_journey_by_keyboard_alone(page, schedule):
    first, _, other_clinician_slot, *_ = schedule.slots
    page.goto("/")

    page.keyboard.press("Tab")
    assert focused(page)["text"] == "Skip to main content"
    box = page.get_by_role("link", name="Skip to main content").bounding_box()
    assert box["y"] >= 0 and box["height"] >= 24, box
    press(page)
    expect(page.locator("#main")).to_be_focused()
    expect(page).to_have_url(re.compile(r"/#main$"))
    tab_to(page, "What is heterotopic ossification")
    press(page)
    expect(page).to_have_url(re.compile(r"/info/[\w-]+/$"))
    tab_to(page, "Make an appointment")
    press(page)
    expect(page).to_have_url(re.compile(r"/book/$"))
    tab_to(page, "HO consultation")
    press(page)
    expect(page.get_by_role("heading", level=1)).to_have_text("Choose a time")
    tab_to(page, "9:00 AM")
    press(page)
    expect(page.get_by_role("heading", level=1)).to_have_text("Your details")

    tab_to(page, element_id="id_patient_name")
    page.keyboard.type(PATIENT.name)
    tab_to(page, element_id="id_date_of_birth")
    page.keyboard.type(PATIENT.date_of_birth.strftime("%m%d%Y"))
    tab_to(page, element_id="id_patient_kind_0")
    press(page, "Space")
    tab_to(page, element_id="id_email")
    page.keyboard.type("morgan.quillfeather(at)example.org")
    tab_to(page, element_id="id_phone")
    page.keyboard.type(PATIENT.phone)
    tab_to(page, element_id="id_reason")
    page.keyboard.type(PATIENT.reason)
    tab_to(page, element_id="id_consent")
    press(page, "Space")
    tab_to(page, "Confirm booking")
    press(page)

    expect(page.locator("#error-summary")).to_be_focused()
    tab_to(page, "Enter an email address like name@example.com.")
    press(page)
    expect(page.get_by_label("Email")).to_be_focused()
    page.keyboard.press("ControlOrMeta+a")
    page.keyboard.type(PATIENT.email)
    tab_to(page, "Confirm booking")
    press(page)

    reference = booking_reference(page)
    booking = Booking.objects.get(reference=reference)
    assert (booking.slot_id, booking.date_of_birth, booking.patient_kind, booking.email) == (
        first.pk,
        PATIENT.date_of_birth,
        "new",
        PATIENT.email,
    )
    with page.expect_download() as download_info:
        tab_to(page, "Add to calendar (.ics)")
        press(page)
    assert download_info.value.suggested_filename == f"appointment-{reference}.ics"

    tab_to(page, "Reschedule")
    press(page)
    expect(page.get_by_role("heading", level=1)).to_have_text("Choose a new time")
    tab_to(page, "10:00 AM")
    press(page)
    expect(page.get_by_role("status").first).to_contain_text("Your appointment is moved to")

    tab_to(page, element_id="id_reason")
    page.keyboard.type("Feeling better")
    tab_to(page, "Cancel appointment")
    press(page)
    expect(page.locator(".booking-status")).to_contain_text("Cancelled")
    booking.refresh_from_db()
    assert (booking.slot_id, booking.status) == (other_clinician_slot.pk, Booking.Status.CANCELLED)
    assert_slot_free(first)
    assert_slot_free(other_clinician_slot)


def test_slot_taken_while_filling_the_form_keeps_details_and_one_click_books_another(page, schedule):
    first, second, third, *_ = schedule.slots
    page.goto(f"/book/slot/{first.pk}/")
    fill_details(page)

    someone_else = make_booking(slot=first, now=timezone.now(), name="Sam Other", email="sam.other@example.org")
    page.get_by_role("button", name="Confirm booking").click()

    problem = page.locator("#problem")
    expect(problem).to_be_focused()
    expect(problem).to_contain_text("Your details are kept")
    expect(page.get_by_label("Full name")).to_have_value(PATIENT.name)
    expect(page.get_by_label("Email")).to_have_value(PATIENT.email)
    expect(page.get_by_label("Phone")).to_have_value(PATIENT.phone)
    expect(page.get_by_label("Date of birth")).to_have_value(PATIENT.date_of_birth.isoformat())
    expect(page.get_by_label("No, this is the first visit")).to_be_checked()
    expect(page.get_by_label("Reason for visit (optional)")).to_have_value(PATIENT.reason)
    expect(page.get_by_label("Access needs (optional)")).to_have_value(PATIENT.access_needs)
    expect(page.get_by_label("I agree that the clinic may store")).to_be_checked()
    alternatives = page.get_by_role("button", name=re.compile(r"^Book "))
    expect(alternatives).to_have_count(3)
    expect(alternatives.first).to_have_text(re.compile(r"^Book .* at 9:30 AM with Dr\. Maya Okafor$"))

    alternatives.first.click()

    reference = booking_reference(page)
    booking = Booking.objects.get(reference=reference)
    assert (booking.slot_id, booking.patient_name, booking.reason) == (second.pk, PATIENT.name, PATIENT.reason)
    assert list(Booking.objects.filter(slot=first).values_list("pk", flat=True)) == [someone_else.pk]
    assert Booking.objects.count() == 2
    third.refresh_from_db()
    assert third.booked_count == 0

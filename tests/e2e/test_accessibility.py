"""axe-core on every public page and every booking step, error states included, at desktop and phone size:
no WCAG 2.2 A/AA violation. Also: targets of at least 24 x 24 px, and errors announced and tied to their fields."""

import re
import sys

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from info.models import Page
from tests.booking.conftest import make_booking, make_type
from tests.e2e.helpers import (
    PATIENT,
    VIEWPORTS,
    assert_targets_large_enough,
    axe_violations,
    describe_violations,
    make_schedule,
)
from tests.e2e.test_patient_journeys import fill_details

pytestmark = pytest.mark.django_db(transaction=True)


class Audit:
    """Runs axe on each page state and keeps every result, so one run reports all pages at once."""

    def __init__(self, page, device):
        self.page = page
        self.device = device
        self.results = {}

    def check(self, name, *, status=None):
        if status is not None:
            assert self.last_status == status, f"{name}: expected HTTP {status}, got {self.last_status}"
        assert_targets_large_enough(self.page)
        self.results[name] = axe_violations(self.page)

    def goto(self, path, name, *, status=200):
        response = self.page.goto(path)
        self.last_status = response.status
        self.check(name, status=status)

    def submit(self, button_name, name, *, status=200):
        with self.page.expect_navigation() as navigation:
            self.page.get_by_role("button", name=button_name).click()
        self.last_status = navigation.value.status
        self.check(name, status=status)

    def follow(self, link_name, name, *, status=200):
        with self.page.expect_navigation() as navigation:
            self.page.get_by_role("link", name=link_name, exact=True).click()
        self.last_status = navigation.value.status
        self.check(name, status=status)

    def report(self):
        lines = [f"{name}: {len(found)} violation(s)" for name, found in self.results.items()]
        print(f"\naxe-core results ({self.device}):\n  " + "\n  ".join(lines), file=sys.stderr)
        failed = {name: found for name, found in self.results.items() if found}
        message = "\n".join(f"[{self.device}] {name}:\n{describe_violations(v)}" for name, v in failed.items())
        assert failed == {}, message


def assert_errors_announced_and_tied(page, expected_fields):
    """The error summary is an alert that takes the focus; each invalid field points at its own message."""
    summary = page.locator("#error-summary")
    expect(summary).to_have_attribute("role", "alert")
    expect(summary).to_be_focused()
    for field_id in expected_fields:
        field = page.locator(f"#{field_id}")
        expect(field).to_have_attribute("aria-invalid", "true")
        owner = field if field_id != "id_patient_kind_0" else page.locator("#div_id_patient_kind fieldset")
        described_by = owner.get_attribute("aria-describedby").split()
        error_id = f"{field_id.removesuffix('_0')}_error"
        assert error_id in described_by, (field_id, described_by)
        message = page.locator(f"#{error_id}").inner_text().strip()
        assert message and summary.get_by_role("link", name=message).count() == 1, (field_id, message)


@pytest.mark.parametrize("device", ["desktop", "phone"])
def test_every_public_page_and_booking_step_has_no_wcag_violations(new_page, settings, device):
    schedule = make_schedule()
    make_type(name="Closed type", slug="closed-type")
    make_type(
        name="Radiation therapy planning",
        slug="radiation-therapy-planning",
        call_to_book=True,
        call_to_book_reason="Radiation works only in a short window around surgery.",
        phone_note="Surgery in the next 14 days, or just had it? Call us.",
    )
    page = new_page(VIEWPORTS[device])
    audit = Audit(page, device)

    audit.goto("/", "home")
    audit.goto("/info/", "information index")
    for info_page in Page.objects.filter(published=True):
        audit.goto(info_page.get_absolute_url(), f"information page {info_page.slug}")
    audit.goto("/our-team/", "our team")
    audit.goto("/visiting-us/", "visiting us")
    audit.goto("/no-such-page/", "404 page", status=404)
    audit.goto("/book/", "appointment types")
    audit.goto("/book/ho-consultation/", "week view")
    audit.goto("/book/ho-consultation/?week=not-a-date&clinician=nobody", "week view with a warning")
    audit.goto("/book/closed-type/", "week view without free times")
    audit.goto("/book/radiation-therapy-planning/", "call to book")
    audit.goto("/book/manage/not-a-real-token/", "manage link not valid", status=404)

    audit.goto("/book/find/", "find my booking")
    audit.submit("Send my links", "find my booking, empty email (error)")
    expect(page.get_by_label("Email")).to_have_attribute("aria-invalid", "true")
    page.get_by_label("Email").fill(PATIENT.email)
    audit.submit("Send my links", "find my booking, sent")

    first, second, *_ = schedule.slots
    audit.goto(f"/book/slot/{first.pk}/", "details form")
    audit.submit("Confirm booking", "details form, everything missing (errors)")
    assert_errors_announced_and_tied(
        page, ["id_patient_name", "id_date_of_birth", "id_patient_kind_0", "id_email", "id_phone", "id_consent"]
    )
    fill_details(page, phone="12345")
    audit.submit("Confirm booking", "details form, one invalid field (error)")
    assert_errors_announced_and_tied(page, ["id_phone"])
    page.get_by_label("Phone").fill(PATIENT.phone)
    audit.submit("Confirm booking", "confirmation")
    expect(page.get_by_text("Booking reference")).to_be_visible()

    audit.follow("Cancel", "manage booking")
    audit.follow("Reschedule", "reschedule week")
    audit.submit(re.compile(r"^9:30 AM"), "manage after reschedule")
    audit.submit("Cancel appointment", "manage after cancelling")
    expect(page.locator(".booking-status")).to_contain_text("Cancelled")

    page.goto(f"/book/slot/{first.pk}/")
    fill_details(page)
    make_booking(slot=first, now=timezone.now(), name="Sam Other", email="sam.other@example.org")
    audit.submit("Confirm booking", "details form, time taken meanwhile (409)", status=409)
    expect(page.get_by_role("button", name=re.compile(r"^Book "))).not_to_have_count(0)

    settings.BOOKING_RATE_LIMIT = "1/h"
    settings.LOOKUP_RATE_LIMIT = "1/h"
    page.goto(f"/book/slot/{second.pk}/")
    fill_details(page, phone="12345")
    audit.submit("Confirm booking", "details form before the rate limit")
    audit.submit("Confirm booking", "details form, rate limited (429)", status=429)
    page.goto("/book/find/")
    page.get_by_label("Email").fill(PATIENT.email)
    page.get_by_role("button", name="Send my links").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Check your email")
    page.goto("/book/find/")
    page.get_by_label("Email").fill(PATIENT.email)
    audit.submit("Send my links", "find my booking, rate limited (429)", status=429)

    page.goto("/book/find/")
    page.context.clear_cookies()
    page.get_by_label("Email").fill(PATIENT.email)
    audit.submit("Send my links", "form expired (CSRF failure)", status=403)

    audit.report()


def test_the_checker_itself_finds_violations(page):
    """A page with known faults, so a silently broken axe set-up cannot pass the tests above."""
    page.set_content(
        """<!doctype html><html lang="en"><head><title>Faults</title>
        <style>.pale { color: #bbb; } .tiny { width: 10px; height: 10px; padding: 0; }</style></head>
        <body><main><h1>Faults</h1><p class="pale">Pale text</p><input type="text">
        <button class="tiny" aria-label="One"></button><button class="tiny" aria-label="Two"></button>
        </main></body></html>"""
    )

    found = {violation["id"] for violation in axe_violations(page)}

    assert {"color-contrast", "label", "target-size"} <= found, found


@pytest.mark.parametrize("device", ["desktop", "phone"])
def test_the_staff_pages_have_no_wcag_violations(browser, live_server, django_user_model, device):
    """The clinic's own admin pages, and Django's pages they lead to, through axe-core.

    Its own browser context: axe-core's checks on Django's admin forms set inline styles, which the
    site's CSP refuses and the browser reports. Each page is checked for console errors before axe
    runs, so the site's own errors still fail the test.
    """
    from django.contrib.auth.models import Group

    from tests.e2e.test_staff_journeys import PASSWORD, log_in

    schedule = make_schedule()
    manager = django_user_model.objects.create_user("mona", "mona@example.org", PASSWORD, is_staff=True)
    manager.groups.add(Group.objects.get(name="Clinic manager"))
    booking = make_booking(slot=schedule.slots[0], now=timezone.now())
    free = schedule.slots[1]
    context = browser.new_context(base_url=live_server.url, viewport=VIEWPORTS[device])
    page = context.new_page()
    console_errors = []
    page.on(
        "console",
        lambda message: (
            console_errors.append(message.text)
            if message.type == "error" and not message.text.startswith("Failed to load resource")
            else None
        ),
    )
    log_in(page, "mona")
    pages = {
        "dashboard": "/admin/",
        "schedule, day": "/admin/booking/slot/schedule/",
        "schedule, week": f"/admin/booking/slot/schedule/?view=week&date={schedule.day}",
        "book for a caller, pick": "/admin/booking/booking/book/",
        "book for a caller, details": f"/admin/booking/booking/book/{free.pk}/",
        "booking list": "/admin/booking/booking/",
        "booking": f"/admin/booking/booking/{booking.pk}/change/",
        "contact details": f"/admin/booking/booking/{booking.pk}/contact/",
        "cancel": f"/admin/booking/booking/{booking.pk}/cancel/",
        "move": f"/admin/booking/booking/{booking.pk}/move/",
        "generate slots": "/admin/booking/slot/generate/",
        "slot list": "/admin/booking/slot/",
        "add a slot": "/admin/booking/slot/add/",
        "add a closure": "/admin/booking/closure/add/",
    }
    results = {}
    try:
        for name, path in pages.items():
            assert page.goto(path).status == 200, name
            assert console_errors == [], f"{name}: {console_errors}"
            results[name] = axe_violations(page)
            console_errors.clear()
        page.goto(f"/admin/booking/booking/{booking.pk}/contact/")
        page.get_by_label("Email").fill("not-an-email")
        page.get_by_role("button", name="Save contact details").click()
        expect(page.locator("#id_email_error")).to_contain_text("Enter an email address like name@example.com.")
        assert console_errors == [], f"contact details with an error: {console_errors}"
        results["contact details with an error"] = axe_violations(page)
    finally:
        context.close()

    counts = ", ".join(f"{name} {len(found)}" for name, found in results.items())
    print(f"\naxe-core, staff pages ({device}): {counts}", file=sys.stderr)
    failed = {name: found for name, found in results.items() if found}
    assert failed == {}, "\n".join(f"[{device}] {name}:\n{describe_violations(v)}" for name, v in failed.items())

"""The new patient pages in a real browser, at desktop and phone size: urgent help from the home page,
the FOP notice and page, Our team, Visiting us and a call-to-book appointment. Screenshots for the README."""

import re

import pytest
from playwright.sync_api import expect

from booking.demo import load_demo_schedule
from booking.models import Clinician, Closure, WeeklyHours
from tests.e2e.helpers import VIEWPORTS, assert_accessible, save_screenshot

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.mark.parametrize("device", ["desktop", "phone"])
def test_patient_finds_urgent_help_fop_advice_the_team_and_the_visit_details(new_page, device):
    load_demo_schedule()
    assert Clinician.objects.count() == 3 and WeeklyHours.objects.exists() and Closure.objects.exists()
    page = new_page(VIEWPORTS[device])

    page.goto("/")
    page.get_by_role("link", name="Symptoms and when to get urgent help").first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Symptoms and when to get urgent help")
    expect(
        page.get_by_role("heading", name="Call 911 or go to the nearest emergency room now if you have:")
    ).to_be_visible()
    assert_accessible(page)
    save_screenshot(page, f"{device}-symptoms")

    page.goto("/info/treatment-options/")
    notice = page.get_by_role("complementary", name="If you have FOP, or it might be FOP")
    expect(notice).to_be_visible()
    save_screenshot(page, f"{device}-fop-notice")
    notice.get_by_role("link", name="Read about FOP").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("FOP (fibrodysplasia ossificans progressiva)")
    expect(page.get_by_text("This version of the page has not yet been reviewed by a clinician.")).to_be_visible()
    assert_accessible(page)
    save_screenshot(page, f"{device}-fop")

    page.goto("/")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Our team").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Our team")
    expect(page.locator(".avatar")).to_have_count(3)
    expect(page.get_by_role("heading", name="Dr. Maya Okafor")).to_be_visible()
    assert_accessible(page)
    save_screenshot(page, f"{device}-team")

    page.get_by_role("navigation", name="Main").get_by_role("link", name="Visiting us").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Visiting us")
    expect(
        page.get_by_role("row", name=re.compile(r"^Monday 9:00 AM to 12:30 PM, 1:30 PM to 5:00 PM"))
    ).to_be_visible()
    expect(page.get_by_text("Staff training day (demo)")).to_be_visible()
    assert_accessible(page)
    save_screenshot(page, f"{device}-visiting")

    page.goto("/book/")
    page.get_by_role("link", name="Radiation therapy planning").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Radiation therapy planning")
    expect(page.get_by_text("Surgery in the next 14 days, or just had it? Call us.")).to_be_visible()
    expect(page.get_by_role("link", name="+1 555-0100").first).to_be_visible()
    expect(page.get_by_role("link", name=re.compile(r"AM with|PM with"))).to_have_count(0)
    assert_accessible(page)
    save_screenshot(page, f"{device}-call-to-book")

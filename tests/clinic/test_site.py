"""Absolute URLs come from CLINIC_SITE_URL, never from the request's Host header (clinic/site.py)."""

from datetime import timedelta

import pytest
from django.utils import timezone
from icalendar import Calendar

from booking import links
from tests.booking.conftest import make_booking, make_slot

pytestmark = pytest.mark.django_db

SITE = "https://clinic.example.org"
FORGED_HOST = "localhost:6666"  # "localhost" is in the tests' ALLOWED_HOSTS, as a forged name can be


@pytest.fixture(autouse=True)
def site_url(settings):
    settings.CLINIC_SITE_URL = SITE


def test_share_link_of_a_page_cached_after_a_forged_host_is_the_sites_own(client):
    forged = client.get("/info/diagnosis/", HTTP_HOST=FORGED_HOST).content.decode()

    next_visitor = client.get("/info/diagnosis/").content.decode()

    for html in (forged, next_visitor):
        assert f'value="{SITE}/info/diagnosis/"' in html
        assert "6666" not in html


def test_robots_txt_names_the_sites_own_sitemap_whatever_the_host(client):
    text = client.get("/robots.txt", HTTP_HOST=FORGED_HOST).content.decode()

    assert f"Sitemap: {SITE}/sitemap.xml\n" in text
    assert "6666" not in text


def test_sitemap_lists_the_sites_own_addresses_whatever_the_host(client):
    xml = client.get("/sitemap.xml", HTTP_HOST=FORGED_HOST).content.decode()

    assert f"<loc>{SITE}/</loc>" in xml
    assert f"<loc>{SITE}/info/diagnosis/</loc>" in xml
    assert "6666" not in xml


def test_calendar_file_links_to_the_sites_own_manage_page_whatever_the_host(client):
    booking = make_booking(slot=make_slot(start=timezone.now() + timedelta(days=3)), now=timezone.now())

    response = client.get(f"/book/manage/{links.make_token(booking)}/calendar.ics", HTTP_HOST=FORGED_HOST)

    event = Calendar.from_ical(response.content).walk("VEVENT")[0]
    assert str(event["url"]) == links.manage_url(booking)
    assert str(event["url"]).startswith(f"{SITE}/book/manage/")
    assert b"6666" not in response.content

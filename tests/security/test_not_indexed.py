"""Pages under /book/ are not indexed by search engines (DESIGN.md): every answer there sends
``X-Robots-Tag: noindex`` and every page has ``<meta name="robots" content="noindex">``; the
sitemap lists none of them, and robots.txt lets crawlers read the pages that say so."""

import re

import pytest
from django.test import Client

from booking.models import Booking
from info.models import Page

pytestmark = pytest.mark.django_db

META_NOINDEX = '<meta name="robots" content="noindex">'
PATIENT = {
    "patient_name": "Jordan Rivers",
    "email": "jordan@example.org",
    "phone": "212-555-0123",
    "date_of_birth": "1975-03-27",
    "patient_kind": "new",
    "consent": "on",
}


def booking_pages(schedule, token):
    """(method, path, data) of every kind of answer under /book/."""
    slot = schedule.slots[1]
    week = f"/book/{schedule.type.slug}/"
    return [
        ("get", "/book/", None),
        ("get", "/book/", None),  # the second time from the page cache
        ("get", week, None),
        ("get", week, None),
        ("get", f"{week}?week=garbage", None),
        ("head", week, None),
        ("get", f"/book/slot/{slot.pk}/", None),
        ("post", f"/book/slot/{slot.pk}/", {**PATIENT, "phone": "12"}),  # shown again with errors
        ("post", f"/book/slot/{schedule.slots[0].pk}/", PATIENT),  # just taken: 409
        ("get", f"/book/confirmed/{token}/", None),
        ("get", f"/book/manage/{token}/", None),
        ("get", f"/book/manage/{token}/reschedule/", None),
        ("get", f"/book/manage/{token}/calendar.ics", None),
        ("get", "/book/manage/no-longer-valid/", None),
        ("get", "/book/find/", None),
        ("post", "/book/find/", {"email": "not-an-email"}),
        ("get", "/book/no-such-type/", None),
    ]


def test_every_answer_under_book_asks_not_to_be_indexed(schedule, token):
    client = Client()

    for method, path, data in booking_pages(schedule, token):
        response = getattr(client, method)(path, data) if data else getattr(client, method)(path)

        assert response.status_code in (200, 404, 409), (path, response.status_code)
        assert response["X-Robots-Tag"] == "noindex", (method, path)
        if method != "head" and response["Content-Type"].startswith("text/html"):
            assert response.content.decode().count(META_NOINDEX) == 1, (method, path)
    assert Booking.objects.count() == 1


def test_pages_outside_book_may_be_indexed(client):
    for path in ["/", "/info/", *(page.get_absolute_url() for page in Page.objects.filter(published=True))]:
        response = client.get(path)

        assert response.status_code == 200, path
        assert "X-Robots-Tag" not in response, path
        assert 'name="robots"' not in response.content.decode(), path


def test_the_sitemap_lists_only_pages_that_may_be_indexed(client):
    locations = re.findall(r"<loc>http://testserver(/[^<]*)</loc>", client.get("/sitemap.xml").content.decode())

    assert "/" in locations and "/info/" in locations
    for path in locations:
        response = client.get(path)
        assert response.status_code == 200, path
        assert "X-Robots-Tag" not in response, path


def test_robots_txt_lets_crawlers_see_the_noindex_of_booking_pages(client):
    rules = client.get("/robots.txt").content.decode().splitlines()

    # A crawler kept out of a page never reads its noindex: only the private links stay out.
    assert "Disallow: /book/" not in rules
    assert [rule for rule in rules if rule.startswith("Disallow: /book/")] == [
        "Disallow: /book/confirmed/",
        "Disallow: /book/manage/",
    ]

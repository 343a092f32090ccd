from datetime import timedelta
from pathlib import Path

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from booking.availability import monday_of
from booking.models import Slot, clinic_tz
from clinic.caching import bump_generation, current_generation
from info.models import Page
from tests.booking.conftest import make_booking, make_clinician, make_slot, make_type

pytestmark = pytest.mark.django_db


def cached_pages(settings) -> int:
    """Entries in the page cache (the file cache of the test run: one file each)."""
    return len(list(Path(settings.CACHES["default"]["LOCATION"]).glob("*.djcache")))


def queries_of(client, path) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(path)
    assert response.status_code == 200
    return len(queries)


def test_anonymous_information_page_is_served_from_the_cache(client, django_assert_num_queries):
    first = client.get("/info/diagnosis/")

    with django_assert_num_queries(0):
        second = client.get("/info/diagnosis/")

    assert second.status_code == 200
    assert second.content == first.content
    assert second["Content-Type"] == "text/html; charset=utf-8"


def test_saving_a_page_makes_the_cached_copy_stale_once_committed(client, django_capture_on_commit_callbacks):
    client.get("/info/diagnosis/")
    page = Page.objects.get(slug="diagnosis")

    with django_capture_on_commit_callbacks() as on_commit:
        page.body = "New wording about **imaging**."
        page.save()
    # Until the commit, other visitors could only read the old page: the cached copy stands.
    assert "New wording" not in client.get("/info/diagnosis/").content.decode()
    for callback in on_commit:
        callback()

    assert "New wording about <strong>imaging</strong>." in client.get("/info/diagnosis/").content.decode()


def test_cached_page_keeps_every_security_header(client):
    first = client.get("/")

    second = client.get("/")

    assert "default-src 'self'" in second["Content-Security-Policy"]
    assert second["Content-Security-Policy"] == first["Content-Security-Policy"]
    assert second["X-Frame-Options"] == "DENY"
    assert second["X-Content-Type-Options"] == "nosniff"
    assert second["Referrer-Policy"] == "same-origin"


def test_staff_preview_is_never_cached_for_the_public(staff_client, make_page):
    page = make_page(slug="draft", published=False)

    assert staff_client.get(page.get_absolute_url()).status_code == 200
    assert Client().get(page.get_absolute_url()).status_code == 404


def test_visitor_with_a_session_is_not_served_from_the_cache(staff_client):
    staff_client.get("/info/diagnosis/")

    assert queries_of(staff_client, "/info/diagnosis/") >= 1


def test_not_found_pages_are_not_cached(client, make_page):
    assert client.get("/info/later/").status_code == 404
    make_page(slug="later")

    assert client.get("/info/later/").status_code == 200


def test_pages_that_are_not_marked_are_not_cached(client, settings):
    client.get("/book/find/")
    client.get("/healthz")
    client.get("/no-such-page/")

    assert cached_pages(settings) == 0


def test_unknown_query_parameters_share_the_cached_page(client, settings):
    client.get("/info/")
    entries = cached_pages(settings)

    queries = [queries_of(client, f"/info/?flood={number}") for number in range(1, 51)]

    assert queries == [0] * 50
    assert cached_pages(settings) == entries


def test_flooding_the_page_cache_leaves_the_rate_limit_in_force(client, settings):
    settings.LOOKUP_RATE_LIMIT = "1/h"
    assert client.post("/book/find/", {"email": "a@example.org"}).status_code == 200
    assert client.post("/book/find/", {"email": "a@example.org"}).status_code == 429

    for number in range(400):
        client.get(f"/info/?flood={number}")

    assert client.post("/book/find/", {"email": "a@example.org"}).status_code == 429


def test_booking_a_slot_removes_it_from_the_cached_week_view(client, django_capture_on_commit_callbacks):
    appointment_type = make_type(slug="consultation")
    clinician = make_clinician()
    start = (timezone.now() + timedelta(days=4)).replace(minute=0, second=0, microsecond=0)
    slot = make_slot(start=start, clinician=clinician, appointment_type=appointment_type)
    assert f"/book/slot/{slot.pk}/" in client.get("/book/consultation/").content.decode()

    with django_capture_on_commit_callbacks(execute=True):
        make_booking(slot=slot, now=timezone.now())

    assert f"/book/slot/{slot.pk}/" not in client.get("/book/consultation/").content.decode()


def test_blocking_a_slot_by_update_is_seen_after_the_generation_is_bumped(client):
    appointment_type = make_type(slug="consultation")
    start = (timezone.now() + timedelta(days=4)).replace(minute=0, second=0, microsecond=0)
    slot = make_slot(start=start, appointment_type=appointment_type)
    client.get("/book/consultation/")

    Slot.objects.filter(pk=slot.pk).update(blocked=True)
    bump_generation("slots")

    assert f"/book/slot/{slot.pk}/" not in client.get("/book/consultation/").content.decode()


def test_every_day_of_a_week_shares_one_cached_week_page(client, settings):
    make_type(slug="consultation")
    monday = monday_of((timezone.now() + timedelta(days=14)).astimezone(clinic_tz()).date())
    client.get(f"/book/consultation/?week={monday}")
    entries = cached_pages(settings)

    queries = [queries_of(client, f"/book/consultation/?week={monday + timedelta(days=n)}") for n in range(7)]

    assert queries == [0] * 7
    assert cached_pages(settings) == entries


def test_week_pages_past_the_horizon_share_the_last_weeks_page(client, settings):
    make_type(slug="consultation")
    far = timezone.now().date() + timedelta(days=settings.BOOKING_HORIZON_DAYS + 30)
    client.get(f"/book/consultation/?week={far}")
    entries = cached_pages(settings)

    queries = [queries_of(client, f"/book/consultation/?week={far + timedelta(weeks=n)}") for n in range(1, 6)]

    assert queries == [0] * 5
    assert cached_pages(settings) == entries


@pytest.mark.parametrize("query", ["clinician=nobody", "week=not-a-date", "week=2026-13-45"])
def test_week_page_for_an_address_it_cannot_read_is_not_kept(client, settings, query):
    make_type(slug="consultation")
    client.get("/book/consultation/")
    entries = cached_pages(settings)

    first = client.get(f"/book/consultation/?{query}")
    again = queries_of(Client(), f"/book/consultation/?{query}")

    assert b"We could not read that week or clinician" in first.content
    assert again > 0
    assert cached_pages(settings) == entries


def test_week_page_of_a_known_clinician_is_cached(client):
    appointment_type = make_type(slug="consultation")
    clinician = make_clinician(slug="dr-lee")
    clinician.appointment_types.add(appointment_type)
    client.get("/book/consultation/?clinician=dr-lee")

    assert queries_of(client, "/book/consultation/?clinician=dr-lee") == 0


def test_bump_generation_changes_the_generation_and_survives_an_empty_cache():
    from django.core.cache import cache

    before = current_generation("info")
    bump_generation("info")
    bumped = current_generation("info")
    cache.clear()
    after_clear = current_generation("info")

    assert len({before, bumped, after_clear}) == 3
    assert current_generation("info") == after_clear


def test_a_page_cached_before_its_generation_was_evicted_is_not_served(client, make_page):
    """A generation pushed out of the cache comes back with a new value, never an old one."""
    from django.core.cache import cache

    page = make_page(slug="evicted", body="First wording.")
    client.get("/info/evicted/")
    cache.delete("page-generation:info")  # evicted, as a full cache may do
    page.body = "Second wording."
    page.save()  # its bump would come with a commit, which never comes in this test
    client.get("/info/")  # another page of the generation, rendered meanwhile, gives it a value again

    assert "Second wording." in client.get("/info/evicted/").content.decode()


def test_redis_replies_are_parsed_by_hiredis():
    """requirements.txt pins hiredis so that the cached-page round trip is parsed in C."""
    from redis.utils import HIREDIS_AVAILABLE

    assert HIREDIS_AVAILABLE

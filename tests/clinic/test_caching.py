import time
from datetime import timedelta

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from booking.models import Slot
from clinic.caching import bump_generation, current_generation
from info.models import Page
from tests.booking.conftest import make_booking, make_clinician, make_slot, make_type

pytestmark = pytest.mark.django_db


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


def test_cached_page_keeps_security_headers(client):
    client.get("/")

    response = client.get("/")

    assert "default-src 'self'" in response["Content-Security-Policy"]
    assert response["X-Frame-Options"] == "DENY"


def test_staff_preview_is_never_cached_for_the_public(staff_client, make_page):
    page = make_page(slug="draft", published=False)

    assert staff_client.get(page.get_absolute_url()).status_code == 200
    assert Client().get(page.get_absolute_url()).status_code == 404


def test_visitor_with_a_session_is_not_served_from_the_cache(staff_client):
    staff_client.get("/info/diagnosis/")

    with CaptureQueriesContext(connection) as queries:
        staff_client.get("/info/diagnosis/")

    assert len(queries) >= 1


def test_not_found_pages_are_not_cached(client, make_page):
    assert client.get("/info/later/").status_code == 404
    make_page(slug="later")

    assert client.get("/info/later/").status_code == 200


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


def test_bump_generation_increments_and_survives_an_empty_cache():
    from django.core.cache import cache

    before = current_generation("info")
    bump_generation("info")
    assert current_generation("info") == before + 1

    cache.clear()
    bump_generation("info")
    assert current_generation("info") == 2


def test_redis_replies_are_parsed_by_hiredis():
    """requirements.txt pins hiredis so that the cached-page round trip is parsed in C."""
    from redis.utils import HIREDIS_AVAILABLE

    assert HIREDIS_AVAILABLE


# --- The process's own copies (clinic.caching._local_pages) ----------------------------------


def count_shared_reads(monkeypatch) -> list[list[str]]:
    from django.core.cache import cache

    reads = []
    real = cache.get_many

    def get_many(keys, *args, **kwargs):
        reads.append(list(keys))
        return real(keys, *args, **kwargs)

    monkeypatch.setattr(cache, "get_many", get_many)
    return reads


def test_a_page_found_valid_is_served_from_process_memory_for_a_second(client, monkeypatch):
    client.get("/info/diagnosis/")  # rendered and stored in the shared cache
    client.get("/info/diagnosis/")  # found valid there: kept here too
    reads = count_shared_reads(monkeypatch)

    response = client.get("/info/diagnosis/")

    assert response.status_code == 200
    assert "Diagnosis" in response.content.decode()
    assert reads == []


def test_after_a_second_the_shared_cache_is_asked_again_and_sees_another_servers_change(client, monkeypatch):
    from django.core.cache import cache

    from clinic import caching

    client.get("/info/diagnosis/")
    client.get("/info/diagnosis/")
    # Another app server saves the page: the generation moves in the shared cache only.
    cache.incr(caching._generation_key("info"))
    page = Page.objects.get(slug="diagnosis")
    page.body = "Wording saved on another server."
    page.save()  # its own bump waits for a commit that never comes in this test
    assert "Wording saved on another server." not in client.get("/info/diagnosis/").content.decode()

    clock = time.monotonic
    monkeypatch.setattr(caching.time, "monotonic", lambda: clock() + caching.LOCAL_SECONDS)
    reads = count_shared_reads(monkeypatch)

    assert "Wording saved on another server." in client.get("/info/diagnosis/").content.decode()
    assert len(reads) == 1


def test_a_change_in_this_process_drops_its_copies_at_once(client):
    client.get("/info/diagnosis/")
    client.get("/info/diagnosis/")

    page = Page.objects.get(slug="diagnosis")
    page.body = "Wording changed here."
    page.save()
    bump_generation("info")  # what the commit of that save does

    assert "Wording changed here." in client.get("/info/diagnosis/").content.decode()


def test_the_process_keeps_a_bounded_number_of_copies(monkeypatch):
    from clinic import caching

    monkeypatch.setattr(caching, "LOCAL_PAGES", 3)
    for number in range(5):
        caching._remember(f"page:{number}", "info", b"x", "text/html")

    assert list(caching._local_pages) == ["page:2", "page:3", "page:4"]

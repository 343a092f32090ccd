import os
import time

import pytest
from django.core import signing
from django.core.servers.basehttp import WSGIServer

from info.models import Page

# The live server of the browser and HTTP concurrency tests takes many connections at once;
# Django's default listen backlog (10) would reset them. Production runs gunicorn (backlog 2048).
WSGIServer.request_queue_size = 128


@pytest.fixture
def make_page(db):
    """Create an information page; published unless told otherwise."""
    counter = iter(range(1000, 100000))

    def make(**fields):
        number = next(counter)
        defaults = {
            "title": f"Page {number}",
            "slug": f"page-{number}",
            "summary": f"Summary of page {number}.",
            "body": f"Body of page {number}.",
            "order": number,
            "published": True,
        }
        defaults.update(fields)
        return Page.objects.create(**defaults)

    return make


@pytest.fixture
def staff_client(client, django_user_model):
    user = django_user_model.objects.create_superuser("staffer", "staffer@example.org", "a-long-test-password")
    client.force_login(user)
    return client


@pytest.fixture(autouse=True, scope="session")
def cache_of_this_run(tmp_path_factory):
    """Without a CACHE_URL of its own, a test run keeps its file caches in a directory of its own:
    two runs on one machine, or `make run` in the same checkout, must not share pages or counters."""
    from django.test import override_settings

    from clinic.settings import cache_settings

    if os.environ.get("CACHE_URL"):
        yield
        return
    with override_settings(CACHES=cache_settings(f"file://{tmp_path_factory.mktemp('cache')}")):
        yield


@pytest.fixture(autouse=True)
def clear_cache():
    """Rate-limit counters and cached pages must not leak from one test into the next."""
    from django.core.cache import caches

    for cache in caches.all():
        cache.clear()
    yield
    for cache in caches.all():
        cache.clear()


@pytest.fixture(autouse=True)
def stable_signing_timestamps(monkeypatch):
    """Manage links carry the second they were signed in; a test that builds the expected link a
    moment after the code under test must get the same one, even across a second boundary.
    Checking a link's age still reads the real clock."""
    frozen = signing.b62_encode(int(time.time()))
    monkeypatch.setattr(signing.TimestampSigner, "timestamp", lambda self: frozen)


def pytest_sessionfinish(session, exitstatus):
    """The SQLite test database is gone by now; its writer lock file (clinic/sqlite3) goes too."""
    import contextlib
    import os

    from django.conf import settings

    test_name = settings.DATABASES["default"].get("TEST", {}).get("NAME")
    if settings.DATABASES["default"]["ENGINE"] == "clinic.sqlite3" and test_name:
        with contextlib.suppress(FileNotFoundError):
            os.remove(f"{test_name}-writer.lock")

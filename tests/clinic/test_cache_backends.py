"""The caches the site keeps working without (clinic/cache_backends.py).

The Redis tests run a throwaway ``redis-server`` of their own, on a free port, and stop, pause or
kill only that one: never the machine's Redis.
"""

import json
import logging
import multiprocessing
import re
import shutil
import signal
import socket
import subprocess
import time
from datetime import timedelta

import pytest
from django.core.cache import caches
from django.test import Client
from django.utils import timezone

from booking.models import Booking
from clinic.cache_backends import LockedFileBasedCache, RedisCacheWithFallback
from clinic.settings import cache_settings
from tests.booking.conftest import make_clinician, make_slot, make_type

REDIS_SERVER = shutil.which("redis-server") or "/usr/bin/redis-server"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class ThrowawayRedis:
    """A redis-server of this test only: no persistence, on a free port of 127.0.0.1."""

    def __init__(self, tmp_path):
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.tmp_path = tmp_path
        self.process = None
        self.start()

    def start(self) -> None:
        command = [REDIS_SERVER, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"]
        command += ["--dir", str(self.tmp_path)]
        self.process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.5) as sock:
                    sock.sendall(b"PING\r\n")
                    if sock.recv(16).startswith(b"+PONG"):
                        return
            except OSError:
                time.sleep(0.05)
        raise RuntimeError("the throwaway redis-server did not start")

    def kill(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait()

    def pause(self) -> None:
        self.process.send_signal(signal.SIGSTOP)

    def resume(self) -> None:
        self.process.send_signal(signal.SIGCONT)


@pytest.fixture
def redis_cache(tmp_path, settings):
    """The site's Redis settings, pointed at a throwaway redis-server; killed at the end."""
    if not shutil.which(REDIS_SERVER):
        pytest.skip("redis-server is not installed")
    server = ThrowawayRedis(tmp_path)
    settings.CACHES = cache_settings(server.url)
    per_process_counters = caches["ratelimit-per-process"]
    per_process_counters.clear()
    yield server
    per_process_counters.clear()
    server.resume()
    server.kill()


def booking_form(client, slot_id) -> dict[str, str]:
    form = client.get(f"/book/slot/{slot_id}/").content.decode()
    return {
        "patient_name": "Jordan Rivers",
        "email": "jordan@example.org",
        "phone": "212-555-0123",
        "date_of_birth": "1975-03-27",
        "patient_kind": "new",
        "consent": "on",
        "website": "",
        "submission_key": re.search(r'name="submission_key" value="([^"]+)"', form).group(1),
    }


@pytest.fixture
def schedule(db):
    appointment_type = make_type(slug="consultation")
    clinician = make_clinician()
    clinician.appointment_types.add(appointment_type)
    start = (timezone.now() + timedelta(days=4)).replace(hour=15, minute=0, second=0, microsecond=0)
    return [
        make_slot(start=start + timedelta(hours=n), clinician=clinician, appointment_type=appointment_type)
        for n in range(2)
    ]


PUBLIC_PAGES = ["/", "/info/", "/info/diagnosis/", "/book/", "/book/consultation/", "/book/find/", "/robots.txt"]
STAFF_PAGES = ["/admin/", "/admin/booking/booking/", "/admin/booking/slot/schedule/", "/admin/info/page/"]


@pytest.mark.django_db
def test_with_redis_killed_mid_run_every_page_works_uncached(redis_cache, schedule, staff_client, caplog):
    anonymous = Client()
    assert [anonymous.get(path).status_code for path in PUBLIC_PAGES] == [200] * len(PUBLIC_PAGES)  # cached now

    redis_cache.kill()
    with caplog.at_level(logging.INFO, logger="clinic.cache_backends"):
        public = [anonymous.get(path).status_code for path in PUBLIC_PAGES * 2]
        booked = anonymous.post(f"/book/slot/{schedule[0].pk}/", booking_form(anonymous, schedule[0].pk))
        staff = [staff_client.get(path).status_code for path in STAFF_PAGES]
        health = anonymous.get("/healthz")

    assert public == [200] * len(PUBLIC_PAGES) * 2
    assert booked.status_code == 302
    assert Booking.objects.get(slot=schedule[0]).email == "jordan@example.org"
    assert staff == [200] * len(STAFF_PAGES)
    assert (health.status_code, json.loads(health.content)) == (200, {"status": "ok", "cache": "down"})
    # Once per cache (pages, rate limits) per thread, with nothing of the requests in it.
    assert [record.getMessage() for record in caplog.records] == [
        "Redis cache does not answer (ConnectionError): using the 'uncached' cache until it does",
        "Redis cache does not answer (ConnectionError): using the 'ratelimit-per-process' cache until it does",
    ]


@pytest.mark.django_db
def test_with_redis_down_a_booking_page_is_never_served_stale(
    redis_cache, schedule, django_capture_on_commit_callbacks
):
    client = Client()
    redis_cache.kill()
    assert f"/book/slot/{schedule[0].pk}/".encode() in client.get("/book/consultation/").content

    with django_capture_on_commit_callbacks(execute=True):
        client.post(f"/book/slot/{schedule[0].pk}/", booking_form(client, schedule[0].pk))

    assert f"/book/slot/{schedule[0].pk}/".encode() not in client.get("/book/consultation/").content


@pytest.mark.django_db
def test_with_redis_down_rate_limits_are_counted_by_the_process(redis_cache, settings):
    settings.LOOKUP_RATE_LIMIT = "2/h"
    client = Client()
    redis_cache.kill()

    answers = [client.post("/book/find/", {"email": "a@example.org"}).status_code for _ in range(4)]

    assert answers == [200, 200, 429, 429]


@pytest.mark.django_db
def test_a_hung_redis_costs_one_short_timeout_not_one_per_request(redis_cache, schedule):
    client = Client()
    client.get("/info/diagnosis/")  # connections to Redis are open and in the pool
    redis_cache.pause()  # accepts connections, answers nothing

    started = time.monotonic()
    answers = [client.get(path).status_code for path in PUBLIC_PAGES * 3]
    booked = client.post(f"/book/slot/{schedule[1].pk}/", booking_form(client, schedule[1].pk)).status_code
    elapsed = time.monotonic() - started

    assert answers == [200] * len(PUBLIC_PAGES) * 3
    assert booked == 302
    # Two caches time out once each (0.25 s); 22 pages rendered without a cache take far less than a second more.
    assert elapsed < 3


@pytest.mark.django_db
def test_pages_are_cached_again_once_redis_answers_again(redis_cache, monkeypatch, django_assert_num_queries, caplog):
    monkeypatch.setattr(RedisCacheWithFallback, "retry_seconds", 0)
    client = Client()
    redis_cache.kill()
    client.get("/info/diagnosis/")
    assert json.loads(client.get("/healthz").content)["cache"] == "down"

    redis_cache.start()
    with caplog.at_level(logging.INFO, logger="clinic.cache_backends"):
        client.get("/info/diagnosis/")
        with django_assert_num_queries(0):
            cached = client.get("/info/diagnosis/")

    assert cached.status_code == 200
    assert json.loads(client.get("/healthz").content)["cache"] == "ok"
    assert "Redis cache answers again (was replaced by the 'uncached' cache)" in caplog.messages


def count_to_fifty(location: str) -> None:
    counters = LockedFileBasedCache(location, {"TIMEOUT": None})
    for _ in range(50):
        if not counters.add("visits", 1):
            counters.incr("visits")


def test_locked_file_cache_counts_every_increment_of_several_processes(tmp_path):
    context = multiprocessing.get_context("fork")
    workers = [context.Process(target=count_to_fifty, args=(str(tmp_path),)) for _ in range(4)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=60)

    assert [worker.exitcode for worker in workers] == [0] * 4
    assert LockedFileBasedCache(str(tmp_path), {}).get("visits") == 200

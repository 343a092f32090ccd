"""Two app servers on one database, as in production at clinic-network scale (docs/deploy.md).

Two gunicorn instances (2 workers of 4 threads each, their own ports) serve the pytest test
database: PostgreSQL when the run has ``DATABASE_URL``, otherwise the SQLite test file (both
processes open the same file). With Redis up they share a cache at ``redis://127.0.0.1:6379``
under a key prefix of their own, as several production servers do; without it, a file cache in a
directory of this run, as the workers of one host do.

- 50 patients press "Confirm booking" for one slot at the same moment, half on each server:
  exactly one booking, 49 clean "just taken" answers (409, form kept), no server error; and a
  week view cached on either server no longer offers the slot.
- Rate limits are counted once for both servers (the shared cache).
- The staff sign-in lockout (django-axes, database handler) is counted once for both servers.
"""

import os
import secrets
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections import Counter
from datetime import timedelta
from pathlib import Path

import pytest
from django.conf import settings
from django.utils import timezone

from booking.models import Booking, Slot
from tests.booking.conftest import make_clinician, make_slot, make_type
from tests.deploy.visitors import database_environment, free_port, patient_details, tail, wait_until_up

BASE_DIR = Path(__file__).resolve().parents[2]
REDIS_HOST, REDIS_PORT, REDIS_DB = "127.0.0.1", 6379, 12
PATIENTS = 50
LOOKUP_LIMIT = 3
AXES_LIMIT = 3

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]


def redis_answers() -> bool:
    try:
        with socket.create_connection((REDIS_HOST, REDIS_PORT), timeout=1) as sock:
            sock.sendall(b"PING\r\n")
            return sock.recv(16).startswith(b"+PONG")
    except OSError:
        return False


class Server:
    def __init__(self, name: str, env: dict[str, str], log_dir: Path):
        self.name = name
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = log_dir / f"{name}.log"
        command = [sys.executable, "-m", "gunicorn", "clinic.wsgi", "--bind", f"127.0.0.1:{self.port}"]
        command += ["--workers", "2", "--threads", "4", "--log-level", "warning", "--error-logfile", str(self.log)]
        self.process = subprocess.Popen(command, cwd=BASE_DIR, env=env, stdout=subprocess.DEVNULL)

    def wait_until_up(self, timeout: float = 30) -> None:
        wait_until_up(self.url, self.process, self.log, timeout)

    def errors(self) -> str:
        return tail(self.log)

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


@pytest.fixture(scope="module")
def shared_cache(tmp_path_factory):
    """A Redis cache under a key prefix of this run, or a file cache of this run when Redis does not answer."""
    if not redis_answers():
        yield {"CACHE_URL": f"file://{tmp_path_factory.mktemp('cache')}"}
        return
    prefix = f"hoclinic-two-servers-{secrets.token_hex(4)}"
    yield {"CACHE_URL": f"redis://{REDIS_HOST}:{REDIS_PORT}/{REDIS_DB}", "CACHE_KEY_PREFIX": prefix}
    import redis

    client = redis.Redis(host=REDIS_HOST, port=REDIS_PORT, db=REDIS_DB)
    for key in client.scan_iter(f"{prefix}:*"):
        client.delete(key)


@pytest.fixture(scope="module")
def servers(django_db_setup, shared_cache, tmp_path_factory):
    """Two gunicorn instances on the test database, started once for this module."""
    env = {
        **os.environ,
        **database_environment(),
        **shared_cache,
        "DEBUG": "0",
        "HTTPS": "0",
        "SECRET_KEY": settings.SECRET_KEY,
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "BOOKING_RATE_LIMIT": "10000/m",
        "LOOKUP_RATE_LIMIT": f"{LOOKUP_LIMIT}/h",
        "AXES_FAILURE_LIMIT": str(AXES_LIMIT),
        "TASKS_BACKEND": "database",
        "EMAIL_BACKEND": "django.core.mail.backends.dummy.EmailBackend",
        "DB_CONN_MAX_AGE": "60",
        "LOG_LEVEL": "WARNING",
    }
    log_dir = tmp_path_factory.mktemp("two-servers")
    started = [Server("a", env, log_dir), Server("b", env, log_dir)]
    try:
        for server in started:
            server.wait_until_up()
        yield started
    finally:
        for server in started:
            server.stop()


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def send(url: str, *, data: dict | None = None, timeout: float = 60) -> tuple[int, dict, bytes]:
    """GET (or POST ``data`` with a CSRF cookie and the same secret in the form); no redirects."""
    body = None
    request = urllib.request.Request(url)
    if data is not None:
        # Django accepts a form token equal to the cookie's secret: no page load needed first.
        csrf = secrets.token_hex(16)
        body = urllib.parse.urlencode({"csrfmiddlewaretoken": csrf, **data}).encode()
        request = urllib.request.Request(url, data=body, method="POST")
        request.add_header("Cookie", f"csrftoken={csrf}")
    opener = urllib.request.build_opener(NoRedirect)
    try:
        with opener.open(request, timeout=timeout) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read()


def booking_form(number: int) -> dict[str, str]:
    return {**patient_details(number), "submission_key": f"two-servers-{number}"}


def test_two_servers_fifty_simultaneous_bookings_of_one_slot_give_one_booking(servers):
    appointment_type = make_type(slug="consultation")
    start = (timezone.now() + timedelta(days=5)).replace(minute=0, second=0, microsecond=0)
    slot = make_slot(start=start, clinician=make_clinician(), appointment_type=appointment_type)
    slot_link = f"/book/slot/{slot.pk}/".encode()
    # Each server renders (and caches) the week view offering the slot, then serves it again from
    # the shared cache.
    for server in servers:
        for _ in range(2):
            status, _, page = send(f"{server.url}/book/consultation/")
            assert (status, slot_link in page) == (200, True)

    barrier = threading.Barrier(PATIENTS)
    results: list[tuple[int, dict, bytes] | None] = [None] * PATIENTS

    def patient(number: int) -> None:
        url = f"{servers[number % 2].url}/book/slot/{slot.pk}/"
        barrier.wait()
        results[number] = send(url, data=booking_form(number))

    threads = [threading.Thread(target=patient, args=(number,)) for number in range(PATIENTS)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    elapsed = time.perf_counter() - started

    statuses = Counter(status for status, _, _ in results)
    by_server = Counter((number % 2, results[number][0]) for number in range(PATIENTS))
    print(f"\n{PATIENTS} bookings of one slot over two servers in {elapsed:.2f} s: {dict(by_server)}")
    assert statuses == {302: 1, 409: PATIENTS - 1}, "\n".join(server.errors() for server in servers)
    for number, (status, headers, body) in enumerate(results):
        if status == 302:
            assert headers["Location"].startswith("/book/confirmed/")
        else:  # the clean answer, with the patient's details kept in the form
            assert b"this time has just been taken" in body
            assert booking_form(number)["patient_name"].encode() in body
    booking = Booking.objects.get(slot=slot)
    assert booking.status == Booking.Status.CONFIRMED
    assert Slot.objects.get(pk=slot.pk).booked_count == 1
    # The booking made the cached week views stale on both servers at once, not only on the winner's.
    for server in servers:
        status, _, page = send(f"{server.url}/book/consultation/")
        assert (status, slot_link in page) == (200, False)


def test_two_servers_share_rate_limits(servers):
    first, second = servers
    form = {"email": "nobody@example.org"}
    answers = [send(f"{first.url}/book/find/", data=form)[0] for _ in range(LOOKUP_LIMIT)]
    over_limit_on_second = send(f"{second.url}/book/find/", data=form)[0]
    over_limit_on_first = send(f"{first.url}/book/find/", data=form)[0]
    assert (answers, over_limit_on_second, over_limit_on_first) == ([200] * LOOKUP_LIMIT, 429, 429)


def test_two_servers_share_the_sign_in_lockout(servers, django_user_model):
    if "axes" not in settings.INSTALLED_APPS or not hasattr(settings, "AXES_FAILURE_LIMIT"):
        pytest.skip("django-axes is not configured yet (no 'axes' app or AXES_FAILURE_LIMIT)")
    from axes.models import AccessAttempt

    django_user_model.objects.create_user("reception", password="the-right-password-1234", is_staff=True)
    first, second = servers

    def sign_in(server: Server, password: str) -> tuple[int, dict, bytes]:
        return send(
            f"{server.url}/admin/login/?next=/admin/",
            data={"username": "reception", "password": password, "next": "/admin/"},
        )

    # Failures alternate between the servers; the limit is reached on the total, not per server.
    failures = [sign_in(servers[number % 2], "wrong-password")[0] for number in range(AXES_LIMIT - 1)]
    locking = sign_in(first, "wrong-password")[0]
    status, headers, body = sign_in(second, "the-right-password-1234")
    assert (failures, locking, status) == ([200] * (AXES_LIMIT - 1), 429, 429)
    assert b"Sign-in locked" in body
    assert "sessionid" not in headers.get("Set-Cookie", "")
    # One row for both servers; the attempt made while locked out is counted too.
    assert AccessAttempt.objects.get(username="reception").failures_since_start == AXES_LIMIT + 1

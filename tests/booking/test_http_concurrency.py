"""Fifty patients press "Confirm booking" for one slot at the same moment, over real HTTP.

The live server runs the whole stack (middleware, CSRF, form, service) in threads against the
test database (a SQLite file or PostgreSQL). Exactly one patient gets the booking; the others
get the form back with a clean "just taken" answer (409), never a server error.
"""

import secrets
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections import Counter
from datetime import timedelta

import pytest
from django.utils import timezone

from booking.models import Booking, Slot
from tests.booking.conftest import make_clinician, make_slot, make_type

pytestmark = pytest.mark.django_db(transaction=True)

PATIENTS = 50


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def post_booking(url: str, number: int) -> tuple[int, bytes]:
    # Django accepts a CSRF token equal to the cookie's secret: no page load needed per patient.
    csrf = secrets.token_hex(16)
    body = urllib.parse.urlencode(
        {
            "csrfmiddlewaretoken": csrf,
            "patient_name": f"Patient {chr(65 + number % 26)}{chr(97 + number // 26)}",
            "email": f"patient{number}@example.org",
            "phone": "212-555-0123",
            "date_of_birth": "1970-01-01",
            "patient_kind": "new",
            "consent": "on",
            "website": "",
            "submission_key": f"http-race-{number}",
        }
    ).encode()
    request = urllib.request.Request(url, data=body, method="POST")
    request.add_header("Cookie", f"csrftoken={csrf}")
    request.add_header("Referer", url)
    opener = urllib.request.build_opener(NoRedirect)
    try:
        with opener.open(request, timeout=60) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


def test_fifty_simultaneous_http_bookings_of_one_slot_give_one_booking(live_server, settings):
    settings.BOOKING_RATE_LIMIT = "1000/m"
    appointment_type = make_type(slug="consultation")
    clinician = make_clinician()
    start = (timezone.now() + timedelta(days=5)).replace(minute=0, second=0, microsecond=0)
    slot = make_slot(start=start, clinician=clinician, appointment_type=appointment_type)
    url = f"{live_server.url}/book/slot/{slot.pk}/"
    barrier = threading.Barrier(PATIENTS)
    results: list[tuple[int, bytes] | None] = [None] * PATIENTS

    def patient(number):
        barrier.wait()
        results[number] = post_booking(url, number)

    threads = [threading.Thread(target=patient, args=(n,)) for n in range(PATIENTS)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    elapsed = time.perf_counter() - started

    statuses = Counter(status for status, _ in results)
    print(f"\n{PATIENTS} HTTP bookings of one slot in {elapsed:.2f} s: {dict(statuses)}")
    assert statuses == {302: 1, 409: PATIENTS - 1}
    taken_answers = [body for status, body in results if status == 409]
    assert all(b"this time has just been taken" in body for body in taken_answers)
    assert Booking.objects.filter(slot=slot).count() == 1
    assert Slot.objects.get(pk=slot.pk).booked_count == 1

"""How fast is the admin booking list with 100,000 bookings, and how many queries does it take?

Run: /tmp/v/bin/python bench/admin_list.py [--bookings N]
Uses a throwaway test database (SQLite file by default; with DATABASE_URL, a test_<name>
database beside it, dropped at the end). Prints figures; asserts nothing.
"""

import argparse
import os
import statistics
import sys
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "clinic.settings")
os.environ.setdefault("SECRET_KEY", "bench-only-secret-key-not-for-production-0123456789abcdef")
os.environ.setdefault("ALLOWED_HOSTS", "testserver")
os.environ.setdefault("HTTPS", "0")
os.environ.setdefault("LOG_LEVEL", "WARNING")

import django

django.setup()

from django.contrib.auth.models import Group, User  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext, setup_test_environment  # noqa: E402

from booking.models import REFERENCE_ALPHABET, AppointmentType, Booking, Clinician, Slot  # noqa: E402

BATCH = 5000


def reference(number: int) -> str:
    digits = []
    for _ in range(6):
        number, remainder = divmod(number, len(REFERENCE_ALPHABET))
        digits.append(REFERENCE_ALPHABET[remainder])
    return "HO-" + "".join(reversed(digits))


def fill(bookings: int) -> None:
    clinicians = [Clinician.objects.create(name=f"Dr Bench {n}", slug=f"dr-bench-{n}") for n in range(5)]
    types = [AppointmentType.objects.create(name=f"Type {n}", slug=f"type-{n}", duration_minutes=30) for n in range(4)]
    # Half the bookings in the past, half ahead, 30-minute slots per clinician.
    base = datetime.now(UTC).replace(minute=0, second=0, microsecond=0) - timedelta(
        minutes=30 * bookings // (2 * len(clinicians))
    )
    for first in range(0, bookings, BATCH):
        numbers = range(first, min(first + BATCH, bookings))
        slots = Slot.objects.bulk_create(
            Slot(
                clinician=clinicians[n % len(clinicians)],
                appointment_type=types[n % len(types)],
                start=base + timedelta(minutes=30 * (n // len(clinicians))),
                end=base + timedelta(minutes=30 * (n // len(clinicians)) + 30),
                booked_count=1,
            )
            for n in numbers
        )
        Booking.objects.bulk_create(
            Booking(
                slot=slot,
                reference=reference(n),
                patient_name=f"Patient {n} Example",
                email=f"patient{n}@example.org",
                phone=f"+1212555{n % 10000:04d}",
                date_of_birth=date(1940 + n % 60, 1 + n % 12, 1 + n % 28),
                patient_kind="new",
                created_at=slot.start - timedelta(days=3),
            )
            for n, slot in zip(numbers, slots, strict=True)
        )


def measure(client: Client, url: str, repeat: int = 5) -> tuple[float, int, int]:
    timings, queries, status = [], 0, 0
    for _ in range(repeat):
        with CaptureQueriesContext(connection) as captured:
            started = time.perf_counter()
            response = client.get(url)
            timings.append(time.perf_counter() - started)
        queries, status = len(captured), response.status_code
    return statistics.median(timings), queries, status


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bookings", type=int, default=100_000)
    args = parser.parse_args()

    setup_test_environment()
    old_name = connection.creation.create_test_db(verbosity=0)
    try:
        started = time.perf_counter()
        fill(args.bookings)
        print(f"{connection.vendor}: {args.bookings} bookings created in {time.perf_counter() - started:.1f} s")
        user = User.objects.create_user("bench-reception", password="x", is_staff=True)  # noqa: S106
        user.groups.add(Group.objects.get(name="Reception"))
        client = Client()
        client.force_login(user)
        sample = Booking.objects.order_by("pk")[args.bookings // 2]
        today = datetime.now(UTC).date()
        urls = {
            "first page": "/admin/booking/booking/",
            "page 100": "/admin/booking/booking/?p=100",
            "today, all on one page": "/admin/booking/booking/?all=&when=today",
            "today": "/admin/booking/booking/?when=today",
            "one day (hierarchy)": (
                f"/admin/booking/booking/?slot__start__year={today.year}"
                f"&slot__start__month={today.month}&slot__start__day={today.day}"
            ),
            "search reference": f"/admin/booking/booking/?q={sample.reference}",
            "search name": "/admin/booking/booking/?q=Patient+4242+Example",
            "search phone": "/admin/booking/booking/?q=212-555-4242",
            "search date of birth": "/admin/booking/booking/?q=1975-03-01",
        }
        for label in ("fresh database", "after ANALYZE (planner statistics)"):
            if label.startswith("after"):
                with connection.cursor() as cursor:
                    cursor.execute("ANALYZE")
            print(f"\n{label}\n{'view':<24} {'median ms':>10} {'queries':>8} {'status':>7}")
            for name, url in urls.items():
                seconds, queries, status = measure(client, url)
                print(f"{name:<24} {seconds * 1000:>10.1f} {queries:>8} {status:>7}")
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)


if __name__ == "__main__":
    main()

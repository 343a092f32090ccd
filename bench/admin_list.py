"""The admin booking list and its search box at benchmark scale: how long each takes, how many
queries, how many rows it finds, and the query plans.

Part of ``make bench`` (bench/run.py calls ``measure``). On its own, against the database a
previous ``make bench`` at the same scale left behind (``BENCH_KEEP=1``):

    BENCH_SCALE=200 [DATABASE_URL=postgres://...] .venv/bin/python -m bench.admin_list
"""

import sys

from django.test import Client

from bench.measure import Timing, time_requests

LIST = "/admin/booking/booking/"


def listed(response) -> int:
    return len(response.context["cl"].result_list)


def search_terms(sample) -> dict[str, str]:
    """What a receptionist types for one caller, from a booking in the middle of the table."""
    national = sample.phone.removeprefix("+1")
    first, last = sample.patient_name.split(" ", 1)
    return {
        "exact reference": sample.reference,
        "phone as said on the phone": f"({national[:3]}) {national[3:6]}-{national[6:]}",
        "date of birth": f"{sample.date_of_birth:%m/%d/%Y}",
        "name prefix (first name and start of last name)": f"{first} {last[:4]}",
        "last name": last,
    }


def measure(
    client: Client, *, reception, manager, sample, repeat: int = 7
) -> tuple[list[Timing], dict[str, list[str]]]:
    """Time the first page of the list and each search, as a receptionist (the role that
    searches all day) and, for a name, as the clinic manager too (whose search also covers the
    reason for the visit). Returns the timings and the captured SELECTs of each, for plans."""
    from urllib.parse import urlencode

    timings, queries = [], {}
    terms = search_terms(sample)
    name = terms["name prefix (first name and start of last name)"]
    cases = [
        ("Booking list, first page (newest appointments first)", None, reception),
        *((f"Booking list, search: {what}", term, reception) for what, term in terms.items()),
        ("Booking list, search as clinic manager: name prefix", name, manager),
    ]
    for what, term, user in cases:
        client.force_login(user)
        url = f"{LIST}?{urlencode({'q': term})}" if term else LIST
        timing, captured = time_requests(client, what, [url], repeat=repeat, count_rows=listed)
        timing.note = term or ""
        timings.append(timing)
        queries[what] = [q["sql"] for q in captured if 'FROM "booking_booking"' in q["sql"]]
    client.logout()
    return timings, queries


def main() -> int:
    from bench import run

    run.setup_django(reuse=True)
    from django.contrib.auth import get_user_model

    from bench.dataset import MANAGER_USERNAME, RECEPTION_USERNAME
    from booking.models import Booking

    users = get_user_model().objects
    sample = Booking.objects.order_by("pk")[Booking.objects.count() // 2]
    timings, _ = measure(
        Client(),
        reception=users.get(username=RECEPTION_USERNAME),
        manager=users.get(username=MANAGER_USERNAME),
        sample=sample,
    )
    print(f"{'what':<72} {'median ms':>9} {'max ms':>7} {'queries':>7} {'rows':>5}")
    for timing in timings:
        print(
            f"{timing.what:<72} {timing.median_ms:>9.1f} {timing.max_ms:>7.1f} {timing.queries:>7} {timing.rows!s:>5}"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())

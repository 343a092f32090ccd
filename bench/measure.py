"""In-process figures of the benchmark, with Django's test client on the benchmark database:
queries per page, the uncached week view, the staff schedule, page weight, table and index
sizes, and the query plans of the pages and background jobs.

Times here are server time without HTTP (the test client calls the WSGI handler directly), of
one request at a time on an otherwise idle server: what a page costs, not how many a second the
machine serves (bench/run.py measures that with wrk).
"""

import gzip
import re
import statistics
import time
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass
from datetime import date, datetime, timedelta

from django.contrib.staticfiles.storage import staticfiles_storage
from django.core.cache import cache
from django.db import connection, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext, setup_test_environment, teardown_test_environment

STATIC_ASSET = re.compile(r'(?:href|src)="(/static/[^"]+)"')


@dataclass
class Timing:
    """Milliseconds of one page over several requests, and the queries of the last one."""

    what: str
    url: str
    median_ms: float
    p99_ms: float
    max_ms: float
    requests: int
    queries: int
    status: int
    rows: int | None = None  # what the page lists, where that matters (search results, slots)
    note: str = ""

    def as_dict(self) -> dict:
        return asdict(self)


def time_requests(
    client: Client,
    what: str,
    urls: list[str],
    *,
    repeat: int = 1,
    before_each: Callable[[], None] | None = None,
    count_rows: Callable | None = None,
) -> tuple[Timing, list[dict]]:
    """GET each of ``urls`` ``repeat`` times after one untimed warm-up request; return the timing
    and the queries of the last request."""
    client.get(urls[0])  # a process's first request of a page fills its own caches (templates ...)
    timings, captured, status = [], [], 0
    for _ in range(repeat):
        for url in urls:
            if before_each:
                before_each()
            with CaptureQueriesContext(connection) as queries:
                started = time.perf_counter()
                response = client.get(url)
                timings.append((time.perf_counter() - started) * 1000)
            status, captured = response.status_code, queries.captured_queries
    timings.sort()
    rows = None
    if count_rows is not None and status == 200:
        # Django's test client sees the template context only with its test instrumentation,
        # which copies the context at every template: on for one more, untimed request.
        setup_test_environment()
        try:
            if before_each:
                before_each()
            rows = count_rows(client.get(urls[-1]))
        finally:
            teardown_test_environment()
    timing = Timing(
        what=what,
        url=urls[0],
        median_ms=statistics.median(timings),
        p99_ms=timings[min(len(timings) - 1, round(0.99 * (len(timings) - 1)))],
        max_ms=timings[-1],
        requests=len(timings),
        queries=len(captured),
        status=status,
        rows=rows,
    )
    return timing, captured


# --- Public pages ---------------------------------------------------------------------------


def queries_of(client: Client, path: str) -> str:
    """Queries of one GET: "cold / cached" (cache empty / page in the cache)."""
    client.get(path)
    cache.clear()
    with CaptureQueriesContext(connection) as cold:
        response = client.get(path)
    assert response.status_code == 200, f"{path} answered {response.status_code}"
    with CaptureQueriesContext(connection) as warm:
        client.get(path)
    return f"{len(cold.captured_queries)} / {len(warm.captured_queries)}"


def week_urls(
    type_slugs: list[str],
    clinicians_by_type: dict[str, list[str]],
    first_week: date,
    weeks: int,
    *,
    every_clinician: bool = False,
) -> list[str]:
    """Week pages as patients open them: every type, week after week, for any clinician and for
    one (each in turn, or ``every_clinician``)."""
    urls = []
    for offset in range(weeks):
        week = first_week + timedelta(days=7 * offset)
        for index, slug in enumerate(type_slugs):
            clinicians = clinicians_by_type[slug]
            chosen = clinicians if every_clinician else [clinicians[(offset + index) % len(clinicians)]]
            urls.append(f"/book/{slug}/?week={week:%Y-%m-%d}")
            urls += [f"/book/{slug}/?week={week:%Y-%m-%d}&clinician={clinician}" for clinician in chosen]
    return urls


def free_times_listed(response) -> int:
    return sum(len(day.times) for day in response.context["week"].days)


def uncached_week(client: Client, urls: list[str]) -> tuple[Timing, list[dict]]:
    """The week view with the page cache emptied before each request: the database and the
    rendering at this data size, as the first visitor after a change meets them."""
    return time_requests(
        client,
        "Week view, uncached (each type, weeks ahead, with and without a clinician)",
        urls,
        before_each=cache.clear,
        count_rows=free_times_listed,
    )


# --- Page weight ------------------------------------------------------------------------------


def page_weight(client: Client, what: str, path: str) -> dict:
    """Bytes a browser fetches for one page, compressed (gzip -6 for the HTML, as a proxy would
    send it; the static files as whitenoise serves them, compressed where that helps)."""
    response = client.get(path)
    assert response.status_code == 200, f"{path} answered {response.status_code}"
    html = response.content
    assets = sorted(set(STATIC_ASSET.findall(html.decode())))
    static_prefix = staticfiles_storage.base_url
    assets_bytes = assets_compressed = 0
    for url in assets:
        with staticfiles_storage.open(url.removeprefix(static_prefix)) as handle:
            content = handle.read()
        assets_bytes += len(content)
        assets_compressed += min(len(content), len(gzip.compress(content, 9)))
    html_compressed = len(gzip.compress(html, 6))
    return {
        "what": what,
        "path": path,
        "html_bytes": len(html),
        "html_compressed": html_compressed,
        "assets": len(assets),
        "assets_bytes": assets_bytes,
        "assets_compressed": assets_compressed,
        "total_compressed": html_compressed + assets_compressed,
    }


# --- Sizes ------------------------------------------------------------------------------------

TABLES = ["booking_slot", "booking_booking", "booking_bookingevent", "booking_notification", "booking_closure"]


def table_sizes() -> list[dict]:
    """Rows, table bytes and each index's bytes of the tables that grow."""
    sizes = []
    with connection.cursor() as cursor:
        for table in TABLES:
            cursor.execute(f"SELECT COUNT(*) FROM {connection.ops.quote_name(table)}")  # noqa: S608 - our table names
            rows = cursor.fetchone()[0]
            if connection.vendor == "postgresql":
                cursor.execute("SELECT pg_table_size(%s::regclass)", [table])
                table_bytes = cursor.fetchone()[0]
                cursor.execute(
                    "SELECT indexrelname, pg_relation_size(indexrelid) FROM pg_stat_user_indexes "
                    "WHERE relname = %s ORDER BY 2 DESC",
                    [table],
                )
                indexes = cursor.fetchall()
            else:
                cursor.execute("SELECT SUM(pgsize) FROM dbstat WHERE name = %s", [table])
                table_bytes = cursor.fetchone()[0]
                cursor.execute(
                    "SELECT m.name, SUM(s.pgsize) FROM sqlite_master m JOIN dbstat s ON s.name = m.name "
                    "WHERE m.type = 'index' AND m.tbl_name = %s GROUP BY m.name ORDER BY 2 DESC",
                    [table],
                )
                indexes = cursor.fetchall()
            sizes.append({"table": table, "rows": rows, "table_bytes": table_bytes, "indexes": indexes})
    return sizes


# --- Query plans ------------------------------------------------------------------------------


def selects_on(queries: Iterable[dict], tables: tuple[str, ...]) -> list[str]:
    return [
        query["sql"]
        for query in queries
        if query["sql"].startswith("SELECT") and any(f'FROM "{table}"' in query["sql"] for table in tables)
    ]


def explain(sql: str) -> str:
    """The plan of one captured query: EXPLAIN ANALYZE on PostgreSQL (run for real, read only),
    EXPLAIN QUERY PLAN on SQLite (as a tree)."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY ON) " + sql)
            return "\n".join(row[0] for row in cursor.fetchall())
        cursor.execute("EXPLAIN QUERY PLAN " + sql)
        depth: dict[int, int] = {0: -1}
        lines = []
        for node, parent, _, detail in cursor.fetchall():
            depth[node] = depth.get(parent, -1) + 1
            lines.append("  " * depth[node] + detail)
        return "\n".join(lines)


def scans(plan: str) -> list[str]:
    """The lines of a plan that say how each table is read."""
    if connection.vendor == "postgresql":
        return [line.strip().removeprefix("->  ") for line in plan.splitlines() if " Scan " in f" {line} "]
    return [line.strip() for line in plan.splitlines() if line.strip().startswith(("SCAN", "SEARCH"))]


def job_queries(now: datetime, *, retention_days: int) -> dict[str, list[str]]:
    """The SELECTs of the reminder job and of the retention job, captured from a real run whose
    writes are rolled back."""
    from booking import notifications, services

    with CaptureQueriesContext(connection) as reminders, transaction.atomic():
        made = notifications.create_reminders(now=now)
        notifications.send_due_notifications(now=now, limit=1)
        transaction.set_rollback(True)
    with CaptureQueriesContext(connection) as retention, transaction.atomic():
        result = services.purge_personal_data(older_than=timedelta(days=retention_days), now=now)
        transaction.set_rollback(True)
    return {
        f"reminder job ({made} reminders written)": selects_on(
            reminders.captured_queries, ("booking_booking", "booking_notification")
        ),
        f"retention job, older than {retention_days} days ({result.anonymised} bookings anonymised)": [
            sql
            for sql in selects_on(retention.captured_queries, ("booking_booking",))
            # Once per batch of 500 the same lookup by primary key: one plan is enough.
            if "FOR UPDATE" not in sql
        ][:3],
    }

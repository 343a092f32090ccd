"""`make bench`: the site at clinic-network scale, measured.

1. A fresh database (SQLite in a temporary file, or with ``DATABASE_URL`` a PostgreSQL database
   ``<name>_bench`` next to the one it names: the benchmark never touches your data), migrated
   and filled by ``bench/dataset.py``: 20 clinicians, a year of slots, 100,000 bookings. Slot
   generation for the year is timed.
2. In-process figures with Django's test client: database queries per page, the admin booking
   list time, and on PostgreSQL the EXPLAIN plans of the week view, the admin list and the
   reminder job.
3. The site under gunicorn with production-like settings (2 sync workers, ``DEBUG=0``, hashed
   static files, Redis cache when it answers, the database task queue), and on a second port the
   same gunicorn settings serving ``bench/hello.py``, the ceiling of the stack. wrk drives both in
   interleaved rounds (bare, page, bare, page ...), so each ratio compares two runs made a few
   seconds apart on the same machine state.
4. The table is printed and written into docs/benchmarks.md (one section per database engine;
   the other engine's last section is kept).

Knobs (environment): BENCH_DURATION (seconds per wrk run, default 5), BENCH_ROUNDS (3),
BENCH_CONNECTIONS (16), BENCH_THREADS (2), BENCH_WORKERS (2), BENCH_NO_DOCS=1 (do not write docs),
BENCH_KEEP=1 (keep the temporary directory: SQLite database, wrk inputs, server logs).
"""

import json
import os
import platform
import random
import secrets
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

BASE_DIR = Path(__file__).resolve().parent.parent
WRK_DIR = BASE_DIR / "bench" / "wrk"
DOCS = BASE_DIR / "docs" / "benchmarks.md"
REDIS_URL = "redis://127.0.0.1:6379/13"

DURATION = int(os.environ.get("BENCH_DURATION", "5"))
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "3"))
CONNECTIONS = int(os.environ.get("BENCH_CONNECTIONS", "16"))
THREADS = int(os.environ.get("BENCH_THREADS", "2"))
WORKERS = int(os.environ.get("BENCH_WORKERS", "2"))

# Ratio to the bare WSGI app (same run) and p99 ceilings from issue 6.
TARGETS = {
    "info": {"ratio": 0.35},
    "week": {"ratio": 0.15},
    "book": {"ratio": 0.05, "p99_ms": 100},
}
GENERATION_TARGET_S = 5.0
ADMIN_TARGET_MS = 100.0


def say(message: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S')}] {message}", flush=True)


# --- The database ---------------------------------------------------------------------------


def prepare_database(workdir: Path) -> dict[str, str]:
    """Environment that points Django at a fresh, empty benchmark database."""
    url = os.environ.get("DATABASE_URL", "")
    if not url:
        return {"SQLITE_PATH": str(workdir / "bench.sqlite3"), "DATABASE_URL": ""}
    import psycopg

    parts = urlsplit(url)
    name = parts.path.lstrip("/") + "_bench"
    admin_url = urlunsplit(parts._replace(path="/postgres"))
    with psycopg.connect(admin_url, autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.execute(f'CREATE DATABASE "{name}"')
    return {"DATABASE_URL": urlunsplit(parts._replace(path="/" + name))}


def redis_answers() -> bool:
    try:
        with socket.create_connection(("127.0.0.1", 6379), timeout=1) as sock:
            sock.sendall(b"PING\r\n")
            return sock.recv(16).startswith(b"+PONG")
    except OSError:
        return False


def server_environment(database_env: dict[str, str], cache_url: str) -> dict[str, str]:
    return {
        **database_env,
        "DEBUG": "0",
        "HTTPS": "0",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "ALLOWED_HOSTS": "127.0.0.1,localhost,testserver",
        "STATIC_MANIFEST": "1",
        "CACHE_URL": cache_url,
        "CACHE_KEY_PREFIX": "hoclinic-bench",
        # The booking POSTs go to distinct slots: every slot of the year is open for booking, so
        # that a run of a few thousand bookings never runs out of free slots and wraps round.
        "BOOKING_HORIZON_DAYS": "366",
        # The booking POSTs all come from 127.0.0.1: the rate limit must not turn them into 429s.
        "BOOKING_RATE_LIMIT": "1000000/s",
        "LOOKUP_RATE_LIMIT": "1000000/s",
        # Production: emails are queued in the database for the worker (not running here).
        "TASKS_BACKEND": "database",
        "EMAIL_BACKEND": "django.core.mail.backends.dummy.EmailBackend",
        "LOG_LEVEL": "WARNING",
        "DB_CONN_MAX_AGE": "600",
    }


# --- In-process figures -----------------------------------------------------------------------


@dataclass
class Page:
    key: str
    title: str
    paths: list[str]
    method: str = "GET"
    queries: int | str | None = None
    runs: list[dict] = field(default_factory=list)
    bare_runs: list[dict] = field(default_factory=list)


def count_queries(client, page: Page, *, post_slot: int | None = None) -> int | str:
    """Queries of one request; for GETs "cold / warm" (cache empty / page cached)."""
    from django.core.cache import cache
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    if page.method == "POST":
        data = booking_form(f"queries-{secrets.token_hex(4)}")
        with CaptureQueriesContext(connection) as captured:
            response = client.post(f"/book/slot/{post_slot}/", data)
        assert response.status_code == 302, f"booking POST answered {response.status_code}"
        return len(captured.captured_queries)
    # Cold: nothing in the cache (the first visitor after a change); warm: served from the cache.
    client.get(page.paths[-1])  # a process's first request fills its own caches (content types ...)
    cache.clear()
    with CaptureQueriesContext(connection) as cold:
        response = client.get(page.paths[0])
    assert response.status_code == 200, f"{page.paths[0]} answered {response.status_code}"
    with CaptureQueriesContext(connection) as warm:
        client.get(page.paths[0])
    return f"{len(cold.captured_queries)} / {len(warm.captured_queries)}"


def booking_form(key: str) -> dict[str, str]:
    return {
        "patient_name": "Alex Bench",
        "email": "alex.bench@example.org",
        "phone": "212-555-0123",
        "date_of_birth": "1980-05-17",
        "patient_kind": "new",
        "reason": "",
        "accessibility_needs": "",
        "consent": "on",
        "website": "",
        "submission_key": key,
    }


@dataclass
class AdminTiming:
    status: int
    median_ms: float | None
    queries: int | None
    captured: list[dict]
    error: str = ""


def time_admin_list(client) -> AdminTiming:
    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from bench.dataset import ADMIN_USERNAME

    client.force_login(get_user_model().objects.get(username=ADMIN_USERNAME))
    url = "/admin/booking/booking/"
    try:
        response = client.get(url)
    except Exception as error:  # the admin is work in progress elsewhere: report, do not stop
        return AdminTiming(500, None, None, [], error=f"{type(error).__name__}: {error}")
    if response.status_code != 200:
        return AdminTiming(response.status_code, None, None, [])
    timings = []
    for _ in range(7):
        started = time.perf_counter()
        client.get(url)
        timings.append((time.perf_counter() - started) * 1000)
    with CaptureQueriesContext(connection) as captured:
        client.get(url)
    client.logout()
    return AdminTiming(200, statistics.median(timings), len(captured.captured_queries), captured.captured_queries)


def explain_plans(client, week_path: str, admin: AdminTiming) -> list[tuple[str, str, str]]:
    """(what, SQL, plan) for the queries of the week view, the admin list and the reminder job."""
    from django.db import connection, transaction
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    from booking import notifications
    from booking.models import Booking

    with CaptureQueriesContext(connection) as week:
        client.get(week_path)
    # The jobs write; their queries are captured and the writes rolled back.
    with CaptureQueriesContext(connection) as reminders, transaction.atomic():
        notifications.create_reminders(now=timezone.now())
        notifications.send_due_notifications(now=timezone.now(), limit=1)
        transaction.set_rollback(True)
    email = Booking.objects.filter(status=Booking.Status.CONFIRMED).order_by("pk").values_list("email", flat=True)[0]
    with CaptureQueriesContext(connection) as lookup, transaction.atomic():
        notifications.write_manage_links(email=email.upper(), now=timezone.now())
        transaction.set_rollback(True)

    chosen = []
    for what, queries, tables in (
        ("week view", week.captured_queries, ("booking_slot",)),
        ("admin booking list", admin.captured, ("booking_booking",)),
        ("reminder job", reminders.captured_queries, ("booking_booking", "booking_notification")),
        ("lost-link lookup", lookup.captured_queries, ("booking_booking",)),
    ):
        for query in queries:
            sql = query["sql"]
            if sql.startswith("SELECT") and any(f'FROM "{table}"' in sql for table in tables):
                chosen.append((what, sql))
    plans = []
    with connection.cursor() as cursor:
        for what, sql in chosen:
            cursor.execute("EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY ON) " + sql)
            plans.append((what, sql, "\n".join(row[0] for row in cursor.fetchall())))
    return plans


# --- Servers and wrk ---------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_gunicorn(app: str, port: int, env: dict[str, str], log: Path) -> subprocess.Popen:
    command = [
        sys.executable,
        "-m",
        "gunicorn",
        app,
        "--bind",
        f"127.0.0.1:{port}",
        "--workers",
        str(WORKERS),
        "--log-level",
        "warning",
        "--error-logfile",
        str(log),
    ]
    return subprocess.Popen(  # noqa: S603 - our own command line
        command, cwd=BASE_DIR, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT
    )


def wait_until_up(port: int, path: str, process: subprocess.Popen) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"gunicorn on port {port} exited with {process.returncode}")
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.2)
    raise SystemExit(f"gunicorn on port {port} did not answer {path} within 30 s")


def wrk(port: int, script: str, args: list[str], duration: int = DURATION) -> dict:
    command = [
        shutil.which("wrk"),
        f"-t{THREADS}",
        f"-c{CONNECTIONS}",
        f"-d{duration}s",
        "--timeout",
        "5s",
        "--latency",
        "-s",
        str(WRK_DIR / script),
        f"http://127.0.0.1:{port}",
        "--",
        *args,
    ]
    output = subprocess.run(  # noqa: S603 - our own command line
        command, capture_output=True, text=True, check=True, env={**os.environ, "BENCH_WRK_DIR": str(WRK_DIR)}
    ).stdout
    line = next(line for line in output.splitlines() if line.startswith("BENCH_JSON "))
    result = json.loads(line.removeprefix("BENCH_JSON "))
    result["rps"] = result["requests"] / (result["duration_us"] / 1e6)
    return result


def write_lines(path: Path, items) -> Path:
    path.write_text("".join(f"{item}\n" for item in items))
    return path


# --- The report ----------------------------------------------------------------------------------


def summarise(page: Page) -> dict:
    rps = statistics.median(run["rps"] for run in page.runs)
    bare = statistics.median(run["rps"] for run in page.bare_runs)
    # Per round: the page over the bare app run just before it; the median damps a round that
    # something else on the machine disturbed.
    pairs = zip(page.runs, page.bare_runs, strict=True)
    ratio = statistics.median(run["rps"] / bare_run["rps"] for run, bare_run in pairs)
    p50 = statistics.median(run["p50_us"] for run in page.runs) / 1000
    p99 = statistics.median(run["p99_us"] for run in page.runs) / 1000
    worst_p99 = max(run["p99_us"] for run in page.runs) / 1000
    problems = sum(
        run["non_2xx_3xx"] + run["connect_errors"] + run["read_errors"] + run["timeouts"] for run in page.runs
    )
    codes = {name: sum(run[name] for run in page.runs) for name in ("n2xx", "n3xx", "n409", "n429", "n4xx", "n5xx")}
    target = TARGETS.get(page.key)
    verdict = ""
    if target:
        met = ratio >= target["ratio"] and p99 < target.get("p99_ms", float("inf"))
        goal = f"≥ {target['ratio']:.2f}" + (f", p99 < {target['p99_ms']} ms" if "p99_ms" in target else "")
        verdict = f"{goal}: {'met' if met else 'NOT met'}"
    return {
        "rps": rps,
        "bare": bare,
        "ratio": ratio,
        "p50": p50,
        "p99": p99,
        "worst_p99": worst_p99,
        "problems": problems,
        "codes": codes,
        "verdict": verdict,
    }


def render_table(pages: list[Page]) -> list[str]:
    lines = [
        "| page | req/s | p50 ms | p99 ms (worst round) | bare WSGI req/s | ratio to bare "
        "| DB queries (cold / cached) | non-2xx/3xx | target |",
        "|---|--:|--:|--:|--:|--:|--:|--:|---|",
    ]
    for page in pages:
        s = summarise(page)
        lines.append(
            f"| {page.title} | {s['rps']:.0f} | {s['p50']:.1f} | {s['p99']:.1f} ({s['worst_p99']:.0f}) "
            f"| {s['bare']:.0f} | {s['ratio']:.3f} | {page.queries} | {s['problems']} | {s['verdict']} |"
        )
    return lines


def machine() -> list[str]:
    cpu = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
        memory = next(line for line in Path("/proc/meminfo").read_text().splitlines() if line.startswith("MemTotal"))
        memory_gb = int(memory.split()[1]) / 1024 / 1024
    except (OSError, StopIteration):
        memory_gb = 0
    os_name = platform.platform()
    try:
        for line in Path("/etc/os-release").read_text().splitlines():
            if line.startswith("PRETTY_NAME="):
                os_name = line.split("=", 1)[1].strip('"') + f" (Linux {platform.release()})"
    except OSError:
        pass
    version_command = [shutil.which("wrk"), "--version"]
    wrk_version = subprocess.run(version_command, capture_output=True, text=True).stdout.split("\n")[0]  # noqa: S603
    import django
    import gunicorn

    return [
        f"- Machine: {cpu}, {os.cpu_count()} CPU cores, {memory_gb:.1f} GB RAM, {os_name}",
        f"- Python {platform.python_version()}, Django {django.get_version()}, gunicorn {gunicorn.__version__}, "
        f"{wrk_version.split(' Copyright')[0]}",
    ]


def main() -> int:
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is not installed (Debian: apt-get install wrk; `make bench` does it).")
    started = time.monotonic()
    load_before = os.getloadavg()[0]
    workdir = Path(tempfile.mkdtemp(prefix="hoclinic-bench-"))
    database_env = prepare_database(workdir)
    cache_url = REDIS_URL if redis_answers() else f"file://{workdir / 'cache'}"
    env = server_environment(database_env, cache_url)
    os.environ.update(env)
    if not env.get("DATABASE_URL"):
        os.environ.pop("DATABASE_URL", None)
    os.environ["DJANGO_SETTINGS_MODULE"] = "clinic.settings"
    sys.path.insert(0, str(BASE_DIR))

    import django

    django.setup()
    from django.core.cache import cache
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client
    from django.utils import timezone

    from bench import dataset
    from booking import links
    from booking.models import Booking, Slot
    from info.models import Page as InfoPage

    engine = connection.vendor
    database_version = (
        f"PostgreSQL {connection.cursor().connection.info.server_version // 10000}"
        if engine == "postgresql"
        else f"SQLite {__import__('sqlite3').sqlite_version}"
    )
    say(f"database: {engine} ({database_version}); cache: {'Redis' if cache_url == REDIS_URL else 'files'}")
    call_command("migrate", verbosity=0)
    call_command("collectstatic", "--noinput", verbosity=0)
    cache.clear()
    say("building the data set ...")
    data = dataset.build()
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    say(
        f"{data.clinicians} clinicians, {data.slots} slots (generated in {data.generation_seconds:.2f} s), "
        f"{data.bookings} bookings ({data.active_bookings} confirmed); built in {data.build_seconds:.1f} s"
    )

    now = timezone.now()
    rng = random.Random(dataset.SEED)
    info_slug = InfoPage.objects.published().order_by("order").values_list("slug", flat=True).first()
    free_ids = list(Slot.objects.bookable(now).order_by("pk").values_list("pk", flat=True))
    rng.shuffle(free_ids)
    confirmed = list(
        Booking.objects.filter(status=Booking.Status.CONFIRMED, slot__start__gt=now)
        .select_related("slot")
        .order_by("pk")[:2000]
    )
    manage_paths = [links.manage_path(booking) for booking in confirmed]
    pages = [
        Page("home", "Home page `/`", ["/"]),
        Page("info", f"Information page `/info/{info_slug}/`", [f"/info/{info_slug}/"]),
        Page("week", "Week view of free slots `/book/<type>/`", [f"/book/{slug}/" for slug in data.appointment_types]),
        Page("book", "Booking POST `/book/slot/<id>/` (distinct slots)", [], method="POST"),
        Page("manage", "Manage page `/book/manage/<token>/`", manage_paths),
    ]

    client = Client()
    post_slot = free_ids.pop()
    for page in pages:
        page.queries = count_queries(client, page, post_slot=post_slot)
    admin = time_admin_list(client)
    plans = explain_plans(client, pages[2].paths[0], admin) if engine == "postgresql" else []
    cache.clear()
    connection.close()

    # Each booking run (and its warm-up) gets its own share of the free slots.
    chunks = [free_ids[index :: ROUNDS + 1] for index in range(ROUNDS + 1)]
    say(f"{len(free_ids)} free bookable slots for the booking POSTs ({len(chunks[0])} per run)")
    files = {page.key: write_lines(workdir / f"{page.key}.txt", page.paths) for page in pages if page.paths}
    slot_files = [write_lines(workdir / f"slots-{index}.txt", chunk) for index, chunk in enumerate(chunks)]
    bare_file = write_lines(workdir / "bare.txt", ["/"])

    site_port, bare_port = free_port(), free_port()
    server_env = {**os.environ, **env}
    site = start_gunicorn("clinic.wsgi", site_port, server_env, workdir / "site.log")
    bare = start_gunicorn("bench.hello:application", bare_port, server_env, workdir / "bare.log")
    try:
        wait_until_up(site_port, "/healthz", site)
        wait_until_up(bare_port, "/", bare)
        say(f"gunicorn up: site on :{site_port}, bare WSGI on :{bare_port}; warming up")
        run_id = secrets.token_hex(3)

        def run_page(page: Page, round_index: int, duration: int = DURATION) -> dict:
            if page.key == "book":
                args = [str(slot_files[round_index]), f"bench-{run_id}-{round_index}", str(THREADS)]
                return wrk(site_port, "book.lua", args, duration)
            return wrk(site_port, "paths.lua", [str(files[page.key])], duration)

        wrk(bare_port, "paths.lua", [str(bare_file)], 2)
        for page in pages:
            run_page(page, ROUNDS, 2)
        for round_index in range(ROUNDS):
            for page in pages:
                page.bare_runs.append(wrk(bare_port, "paths.lua", [str(bare_file)]))
                page.runs.append(run_page(page, round_index))
                say(
                    f"round {round_index + 1}/{ROUNDS} {page.key}: {page.runs[-1]['rps']:.0f} req/s "
                    f"(bare {page.bare_runs[-1]['rps']:.0f})"
                )
    finally:
        for process in (site, bare):
            process.terminate()
        for process in (site, bare):
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
    errors = (workdir / "site.log").read_text() if (workdir / "site.log").exists() else ""

    generation_ok = data.generation_seconds < GENERATION_TARGET_S
    admin_line = (
        f"- Admin booking list `/admin/booking/booking/` at {data.bookings:,} bookings: "
        f"**{admin.median_ms:.1f} ms** (median of 7, test client, {admin.queries} queries; target < "
        f"{ADMIN_TARGET_MS:.0f} ms: {'met' if admin.median_ms < ADMIN_TARGET_MS else 'NOT met'})"
        if admin.median_ms is not None
        else f"- Admin booking list: not measured (`/admin/booking/booking/` answered {admin.status}"
        + (f": {admin.error})" if admin.error else ": no Booking admin registered yet)")
    )
    codes = summarise(pages[3])["codes"]
    report = [
        f"### {'PostgreSQL' if engine == 'postgresql' else 'SQLite'}",
        "",
        f"Run {datetime.now(UTC):%Y-%m-%d %H:%M} UTC, {database_version}, cache: "
        f"{'Redis' if cache_url == REDIS_URL else 'files shared by the workers'}.",
        *machine(),
        f"- Machine load (1-minute load average) at start / end of the run: {load_before:.1f} / "
        f"{os.getloadavg()[0]:.1f}; anything else running on the machine lowers the figures.",
        f"- Load: wrk {THREADS} threads, {CONNECTIONS} connections, {ROUNDS} interleaved rounds of "
        f"{DURATION} s per page (bare WSGI, page, bare WSGI, page ...); gunicorn {WORKERS} sync workers for both; "
        "req/s, p50, p99 and the ratio (page req/s over the bare app's in the run just before) are "
        "medians over the rounds.",
        f"- Data: {data.clinicians} clinicians, {data.slots:,} slots (one year), {data.bookings:,} bookings "
        f"({data.active_bookings:,} confirmed, the rest cancelled), one event and one notification per booking. "
        f"Booking horizon set to 366 days, so the {len(free_ids) + 1:,} free slots are all bookable and each "
        "booking run has its own.",
        "",
        *render_table(pages),
        "",
        f'- Booking POST answers: {codes["n3xx"]} booked (302), {codes["n409"]} "just taken" (409), '
        f"{codes['n429']} rate limited (429), {codes['n4xx']} other 4xx, {codes['n5xx']} 5xx.",
        f"- Slot generation for the year (`services.generate_slots`, {data.clinicians} clinicians, "
        f"{data.slots:,} slots): **{data.generation_seconds:.2f} s** (target < {GENERATION_TARGET_S:.0f} s: "
        f"{'met' if generation_ok else 'NOT met'})",
        admin_line,
        f"- Whole benchmark: {time.monotonic() - started:.0f} s.",
    ]
    if plans:
        report += ["", "#### EXPLAIN ANALYZE at this scale", "", "Key lines (every table scan of each query):", ""]
        for number, (what, _, plan) in enumerate(plans, start=1):
            scans = [line.strip().removeprefix("->  ") for line in plan.splitlines() if " Scan " in f" {line} "]
            took = next((line for line in plan.splitlines() if line.startswith("Execution Time")), "")
            report.append(f"{number}. {what}: {'; '.join(scans)} ({took.lower()})")
        report += ["", "Full plans:", ""]
        for number, (what, sql, plan) in enumerate(plans, start=1):
            report += [f"{number}. {what}:", "", "```sql", sql, "```", "", "```", plan, "```", ""]
    if errors.strip():
        report += ["", "Server errors logged:", "", "```", errors.strip()[-3000:], "```"]

    print("\n" + "\n".join(report) + "\n", flush=True)
    if os.environ.get("BENCH_NO_DOCS") != "1":
        write_docs(engine, report)
        say(f"wrote {DOCS.relative_to(BASE_DIR)}")
    if os.environ.get("BENCH_KEEP") == "1":
        say(f"kept {workdir} (BENCH_KEEP=1)")
    else:
        shutil.rmtree(workdir, ignore_errors=True)
    return 0


DOCS_HEADER = """# Benchmarks

Written by `make bench` (bench/run.py); do not edit by hand. `make bench` measures on SQLite,
`DATABASE_URL=postgres://... make bench` on PostgreSQL (in a separate `<name>_bench` database);
each run replaces its own engine's section and keeps the other's. What is measured and how:
see the docstring of bench/run.py and the "Benchmarks" section of docs/deploy.md.
"""


def write_docs(engine: str, report: list[str]) -> None:
    sections = {}
    if DOCS.exists():
        text = DOCS.read_text()
        for other in ("sqlite", "postgresql"):
            other_start, other_end = f"<!-- bench:{other}:start -->", f"<!-- bench:{other}:end -->"
            if other_start in text and other_end in text:
                sections[other] = text.split(other_start, 1)[1].split(other_end, 1)[0].strip("\n")
    sections[engine] = "\n".join(report).rstrip("\n")
    body = [DOCS_HEADER]
    for name in ("sqlite", "postgresql"):
        if name in sections:
            body += [f"<!-- bench:{name}:start -->", sections[name], f"<!-- bench:{name}:end -->", ""]
    DOCS.write_text("\n".join(body))


if __name__ == "__main__":
    sys.exit(main())

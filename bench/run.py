"""`make bench`: the site at clinic-network scale, measured.

``BENCH_SCALE`` picks the size: 20 clinicians (the default: a few minutes) or 200 (ten times the
data: about 1.6 million slots and a million bookings; the build alone takes minutes). Any other
number of clinicians works the same way; see bench/dataset.py for what the data set holds.

1. A database of its own (SQLite in a file under the temporary directory, or with
   ``DATABASE_URL`` a PostgreSQL database ``<name>_bench`` (``<name>_bench200`` at 200 clinicians)
   next to the one it names: the benchmark never touches your data), migrated and filled by
   bench/dataset.py. The generation of the year ahead's slots is timed.
2. In-process figures with Django's test client (bench/measure.py, bench/admin_list.py): queries
   per page, the uncached week view, the staff schedule, the admin booking list and its searches,
   page weight, table and index sizes, and the query plans of the pages and of the reminder and
   retention jobs.
3. The site under gunicorn with production-like settings (2 sync workers, ``DEBUG=0``, hashed
   static files, Redis cache when it answers, the database task queue), and on a second port the
   same gunicorn settings serving bench/hello.py, the ceiling of the stack. wrk drives both in
   interleaved rounds (bare, page, bare, page ...), so each ratio compares two runs made a few
   seconds apart on the same machine state.
4. The figures go into docs/benchmarks.json (one entry per engine and scale; the others are kept)
   and docs/benchmarks.md is written again from all of them, with the growth from 20 to 200
   clinicians side by side.

Knobs (environment): BENCH_SCALE (clinicians, default 20), BENCH_DURATION (seconds per wrk run,
default 5), BENCH_ROUNDS (3), BENCH_CONNECTIONS (16), BENCH_THREADS (2), BENCH_WORKERS (2),
BENCH_NO_DOCS=1 (print only), BENCH_KEEP=1 (keep the SQLite file and the wrk inputs and server
logs), BENCH_REUSE=1 (measure the database an earlier run at this scale left, without building it
again; for working on the benchmark itself), BENCH_NO_WRK=1 (in-process figures only).
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
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

BASE_DIR = Path(__file__).resolve().parent.parent
WRK_DIR = BASE_DIR / "bench" / "wrk"
RESULTS = BASE_DIR / "docs" / "benchmarks.json"
REDIS_URL = "redis://127.0.0.1:6379/13"

SCALE = int(os.environ.get("BENCH_SCALE", "20"))
DURATION = int(os.environ.get("BENCH_DURATION", "5"))
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "3"))
CONNECTIONS = int(os.environ.get("BENCH_CONNECTIONS", "16"))
THREADS = int(os.environ.get("BENCH_THREADS", "2"))
WORKERS = int(os.environ.get("BENCH_WORKERS", "2"))
REUSE = os.environ.get("BENCH_REUSE") == "1"
KEEP = os.environ.get("BENCH_KEEP") == "1"


def say(message: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S')}] {message}", flush=True)


# --- The database ---------------------------------------------------------------------------


def database_env() -> dict[str, str]:
    """Environment that points Django at the benchmark database of this scale (not created here)."""
    url = os.environ.get("DATABASE_URL", "")
    suffix = "_bench" if SCALE == 20 else f"_bench{SCALE}"
    if not url:
        return {"SQLITE_PATH": str(Path(tempfile.gettempdir()) / f"hoclinic{suffix}.sqlite3"), "DATABASE_URL": ""}
    parts = urlsplit(url)
    return {"DATABASE_URL": urlunsplit(parts._replace(path="/" + parts.path.lstrip("/") + suffix))}


def fresh_database(env: dict[str, str]) -> None:
    if env.get("SQLITE_PATH"):
        for suffix in ("", "-wal", "-shm"):
            Path(env["SQLITE_PATH"] + suffix).unlink(missing_ok=True)
        return
    import psycopg

    parts = urlsplit(env["DATABASE_URL"])
    name = parts.path.lstrip("/")
    with psycopg.connect(urlunsplit(parts._replace(path="/postgres")), autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.execute(f'CREATE DATABASE "{name}"')


def state_file(env: dict[str, str]) -> Path:
    """Where a run leaves the description of the data set it built, for BENCH_REUSE=1."""
    name = Path(env["SQLITE_PATH"]).name if env.get("SQLITE_PATH") else urlsplit(env["DATABASE_URL"]).path.lstrip("/")
    return Path(tempfile.gettempdir()) / f"{name}.dataset.json"


def redis_answers() -> bool:
    try:
        with socket.create_connection(("127.0.0.1", 6379), timeout=1) as sock:
            sock.sendall(b"PING\r\n")
            return sock.recv(16).startswith(b"+PONG")
    except OSError:
        return False


def server_environment(database: dict[str, str], cache_url: str) -> dict[str, str]:
    return {
        **database,
        "DEBUG": "0",
        "HTTPS": "0",
        "SECRET_KEY": os.environ.get("BENCH_SECRET_KEY") or secrets.token_urlsafe(50),
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


def setup_django(*, reuse: bool) -> dict[str, str]:
    """Point this process at the benchmark database (made afresh unless ``reuse``), set up Django
    with the servers' settings, and return those settings for the servers."""
    database = database_env()
    if not reuse:
        fresh_database(database)
    elif database.get("SQLITE_PATH") and not Path(database["SQLITE_PATH"]).exists():
        raise SystemExit(f"BENCH_REUSE=1: no database at {database['SQLITE_PATH']} (run once with BENCH_KEEP=1)")
    cache_url = REDIS_URL if redis_answers() else f"file://{Path(tempfile.gettempdir()) / 'hoclinic-bench-cache'}"
    env = server_environment(database, cache_url)
    os.environ.update(env)
    if not env.get("DATABASE_URL"):
        os.environ.pop("DATABASE_URL", None)
    os.environ["DJANGO_SETTINGS_MODULE"] = "clinic.settings"
    sys.path.insert(0, str(BASE_DIR))
    import django

    django.setup()
    return env


# --- Servers and wrk ---------------------------------------------------------------------------


@dataclass
class Page:
    key: str
    title: str
    paths: list[str]
    method: str = "GET"
    queries: str = ""
    cookie: str = ""  # sent with every request (a session cookie turns the page cache off)
    runs: list[dict] = field(default_factory=list)
    bare_runs: list[dict] = field(default_factory=list)


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


def summarise(page: Page) -> dict:
    # Per round: the page over the bare app run just before it; the median damps a round that
    # something else on the machine disturbed.
    pairs = zip(page.runs, page.bare_runs, strict=True)
    return {
        "key": page.key,
        "title": page.title,
        "queries": page.queries,
        "rps": statistics.median(run["rps"] for run in page.runs),
        "bare": statistics.median(run["rps"] for run in page.bare_runs),
        "ratio": statistics.median(run["rps"] / bare_run["rps"] for run, bare_run in pairs),
        "p50": statistics.median(run["p50_us"] for run in page.runs) / 1000,
        "p99": statistics.median(run["p99_us"] for run in page.runs) / 1000,
        "worst_p99": max(run["p99_us"] for run in page.runs) / 1000,
        "problems": sum(
            run["non_2xx_3xx"] + run["connect_errors"] + run["read_errors"] + run["timeouts"] for run in page.runs
        ),
        "codes": {
            name: sum(run[name] for run in page.runs) for name in ("n2xx", "n3xx", "n409", "n429", "n4xx", "n5xx")
        },
    }


def load_pages(pages: list[Page], env: dict[str, str], workdir: Path, slot_chunks: list[list[int]]) -> str:
    """Run wrk against the site and the bare app; fill each page's runs. Returns the server errors."""
    files = {page.key: write_lines(workdir / f"{page.key}.txt", page.paths) for page in pages if page.paths}
    slot_files = [write_lines(workdir / f"slots-{index}.txt", chunk) for index, chunk in enumerate(slot_chunks)]
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
            # Each run starts at its own place in the list (an uncached page stays uncached).
            offset = round_index * len(page.paths) // (ROUNDS + 1)
            return wrk(site_port, "paths.lua", [str(files[page.key]), str(offset), page.cookie], duration)

        wrk(bare_port, "paths.lua", [str(bare_file)], 2)
        for page in pages:
            run_page(page, ROUNDS, 2)
        for round_index in range(ROUNDS):
            for page in pages:
                page.bare_runs.append(wrk(bare_port, "paths.lua", [str(bare_file)]))
                page.runs.append(run_page(page, round_index))
                say(
                    f"round {round_index + 1}/{ROUNDS} {page.key}: {page.runs[-1]['rps']:.0f} req/s, "
                    f"p99 {page.runs[-1]['p99_us'] / 1000:.1f} ms (bare {page.bare_runs[-1]['rps']:.0f})"
                )
    finally:
        for process in (site, bare):
            process.terminate()
        for process in (site, bare):
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
    return (workdir / "site.log").read_text() if (workdir / "site.log").exists() else ""


# --- The machine --------------------------------------------------------------------------------


def machine() -> dict:
    cpu, memory_gb = "unknown CPU", 0.0
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
        memory = next(line for line in Path("/proc/meminfo").read_text().splitlines() if line.startswith("MemTotal"))
        memory_gb = int(memory.split()[1]) / 1024 / 1024
    except (OSError, StopIteration):
        pass
    os_name = platform.platform()
    try:
        for line in Path("/etc/os-release").read_text().splitlines():
            if line.startswith("PRETTY_NAME="):
                os_name = line.split("=", 1)[1].strip('"') + f" (Linux {platform.release()})"
    except OSError:
        pass
    version_command = [shutil.which("wrk") or "wrk", "--version"]
    try:
        wrk_version = subprocess.run(version_command, capture_output=True, text=True).stdout.split("\n")[0]  # noqa: S603
    except OSError:
        wrk_version = "wrk not installed"
    import django
    import gunicorn

    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "memory_gb": round(memory_gb, 1),
        "os": os_name,
        "software": f"Python {platform.python_version()}, Django {django.get_version()}, "
        f"gunicorn {gunicorn.__version__}, {wrk_version.split(' Copyright')[0]}",
    }


# --- The run ----------------------------------------------------------------------------------


def main() -> int:
    no_wrk = os.environ.get("BENCH_NO_WRK") == "1"
    if shutil.which("wrk") is None and not no_wrk:
        raise SystemExit("wrk is not installed (Debian: apt-get install wrk; `make bench` does it).")
    started = time.monotonic()
    load_before = os.getloadavg()
    workdir = Path(tempfile.mkdtemp(prefix="hoclinic-bench-"))
    env = setup_django(reuse=REUSE)

    from django.core.cache import cache
    from django.core.management import call_command
    from django.db import connection

    from bench import dataset

    engine = connection.vendor
    with connection.cursor() as cursor:
        version = (
            f"PostgreSQL {cursor.connection.info.server_version // 10000}"
            if engine == "postgresql"
            else f"SQLite {__import__('sqlite3').sqlite_version}"
        )
    say(f"{SCALE} clinicians; database: {version}; cache: {'Redis' if env['CACHE_URL'] == REDIS_URL else 'files'}")
    call_command("migrate", verbosity=0)
    call_command("collectstatic", "--noinput", verbosity=0)
    cache.clear()
    state = state_file(env)
    if REUSE and state.exists():
        data = dataset.DataSet(**json.loads(state.read_text()))
        say(f"reusing the data set built at {data.built_at}")
    else:
        say("building the data set ...")
        data = dataset.build(clinicians=SCALE)
        state.write_text(json.dumps(asdict(data)))
    say(
        f"{data.clinicians} clinicians, {data.slots:,} slots (the year ahead generated in "
        f"{data.generation_seconds:.1f} s), {data.bookings:,} bookings; built in {data.build_seconds:.0f} s"
    )

    figures = measure_in_process(data)
    say("in-process figures done")

    pages = [Page(**page) for page in figures.pop("wrk_pages")]
    errors = ""
    if not no_wrk:
        free_ids = figures.pop("free_slot_ids")
        # Each booking run (and its warm-up) gets its own share of the free slots.
        chunks = [free_ids[index :: ROUNDS + 1] for index in range(ROUNDS + 1)]
        say(f"{len(free_ids):,} free bookable slots for the booking POSTs ({len(chunks[0]):,} per run)")
        connection.close()
        errors = load_pages(pages, env, workdir, chunks)
    else:
        figures.pop("free_slot_ids")

    result = {
        "engine": engine,
        "scale": SCALE,
        "run_at": f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC",
        "database": version,
        "cache": "Redis" if env["CACHE_URL"] == REDIS_URL else "files shared by the workers",
        "machine": machine(),
        "load": {"before": [round(x, 1) for x in load_before], "after": [round(x, 1) for x in os.getloadavg()]},
        "wrk": {
            "threads": THREADS,
            "connections": CONNECTIONS,
            "rounds": ROUNDS,
            "duration": DURATION,
            "workers": WORKERS,
        },
        "data": asdict(data),
        "pages": [summarise(page) for page in pages] if not no_wrk else [],
        **figures,
        "server_errors": errors.strip()[-3000:],
        "seconds": round(time.monotonic() - started),
    }
    from bench import report

    print("\n" + "\n".join(report.run_section(result)) + "\n", flush=True)
    if os.environ.get("BENCH_NO_DOCS") != "1":
        report.save(result)
        say(f"wrote {report.DOCS.relative_to(BASE_DIR)} and {RESULTS.relative_to(BASE_DIR)}")
    if KEEP:
        say(f"kept {workdir} and the database (BENCH_KEEP=1)")
    else:
        shutil.rmtree(workdir, ignore_errors=True)
        if env.get("SQLITE_PATH") and not REUSE:
            for suffix in ("", "-wal", "-shm"):
                Path(env["SQLITE_PATH"] + suffix).unlink(missing_ok=True)
            state.unlink(missing_ok=True)
    return 0


def measure_in_process(data) -> dict:
    """Everything measured with the test client, and what the wrk phase needs (pages, slots)."""
    from django.contrib.auth import get_user_model
    from django.core.cache import cache
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    from bench import admin_list, dataset, measure
    from booking import links
    from booking.availability import monday_of
    from booking.models import AppointmentType, Booking, Clinician, Slot, clinic_tz
    from info.models import Page as InfoPage

    now = timezone.now()
    today = timezone.localdate(now, clinic_tz())
    rng = random.Random(dataset.SEED)
    client = Client()
    users = get_user_model().objects
    reception = users.get(username=dataset.RECEPTION_USERNAME)
    manager = users.get(username=dataset.MANAGER_USERNAME)

    info_slug = InfoPage.objects.published().order_by("order").values_list("slug", flat=True).first()
    types = list(AppointmentType.objects.filter(slug__in=data.appointment_types).order_by("order"))
    clinicians_by_type = {
        t.slug: list(Clinician.objects.filter(appointment_types=t).order_by("name").values_list("slug", flat=True))
        for t in types
    }
    free_ids = list(Slot.objects.bookable(now).order_by("pk").values_list("pk", flat=True))
    rng.shuffle(free_ids)
    confirmed = list(
        Booking.objects.filter(status=Booking.Status.CONFIRMED, slot__start__gt=now + timedelta(days=2))
        .select_related("slot")
        .order_by("pk")[:2000]
    )
    manage_paths = [links.manage_path(booking) for booking in confirmed]
    week_paths = [f"/book/{t.slug}/" for t in types]
    # Every week of the year ahead, every type, with and without each clinician: thousands of
    # distinct pages, shuffled, so a run of a few seconds meets few of them twice.
    uncached_paths = measure.week_urls(
        [t.slug for t in types],
        clinicians_by_type,
        monday_of(today) + timedelta(days=7),
        weeks=52,
        every_clinician=True,
    )
    rng.shuffle(uncached_paths)
    pages = [
        {"key": "home", "title": "Home page `/`", "paths": ["/"]},
        {"key": "info", "title": f"Information page `/info/{info_slug}/`", "paths": [f"/info/{info_slug}/"]},
        {"key": "week", "title": "Week view `/book/<type>/` (page cache on)", "paths": week_paths},
        {
            "key": "week_uncached",
            "title": "Week view, uncached (any week and clinician, with a session cookie)",
            "paths": uncached_paths,
            "cookie": "sessionid=bench-no-such-session",
        },
        {"key": "book", "title": "Booking POST `/book/slot/<id>/` (distinct slots)", "paths": [], "method": "POST"},
        {"key": "manage", "title": "Manage page `/book/manage/<token>/`", "paths": manage_paths},
    ]

    say("queries per page ...")
    queries = {
        "home": measure.queries_of(client, "/"),
        "info": measure.queries_of(client, f"/info/{info_slug}/"),
        "start": measure.queries_of(client, "/book/"),
        "week": measure.queries_of(client, week_paths[0]),
        "details": "",
        "manage": measure.queries_of(client, manage_paths[0]),
    }
    post_slot = free_ids.pop()
    with CaptureQueriesContext(connection) as captured:
        response = client.post(f"/book/slot/{post_slot}/", booking_form(f"queries-{secrets.token_hex(4)}"))
    assert response.status_code == 302, f"booking POST answered {response.status_code}"
    queries["book"] = str(len(captured.captured_queries))
    details_slot = free_ids.pop()
    with CaptureQueriesContext(connection) as captured:
        assert client.get(f"/book/slot/{details_slot}/").status_code == 200
    queries["details"] = str(len(captured.captured_queries))
    for page in pages:
        page["queries"] = queries.get(page["key"], "")
    pages[3]["queries"] = queries["week"].split(" / ")[0]

    say("uncached week view ...")
    sample_weeks = max(2, -(-120 // (2 * len(types))))  # about 120 requests at any scale
    week_sample = measure.week_urls(
        [t.slug for t in types], clinicians_by_type, monday_of(today) + timedelta(days=7), weeks=sample_weeks
    )
    week_timing, week_queries = measure.uncached_week(client, week_sample)

    say("staff schedule ...")
    client.force_login(reception)
    day = next(today + timedelta(days=n) for n in range(1, 8) if (today + timedelta(days=n)).weekday() < 5)
    team_type = types[0]
    one_clinician = Clinician.objects.get(slug=clinicians_by_type[team_type.slug][0])
    schedule_url = "/admin/booking/slot/schedule/"
    schedule_cases = [
        (
            f"Staff schedule, one day, one team (type filter: {len(clinicians_by_type[team_type.slug])} clinicians)",
            f"{schedule_url}?date={day:%Y-%m-%d}&view=day&type={team_type.pk}",
        ),
        (
            "Staff schedule, one week of one clinician",
            f"{schedule_url}?date={day:%Y-%m-%d}&view=week&clinician={one_clinician.pk}",
        ),
        (
            f"Staff schedule, one day, every clinician ({data.clinicians})",
            f"{schedule_url}?date={day:%Y-%m-%d}&view=day",
        ),
    ]
    schedule_timings, schedule_queries = [], {}
    for what, url in schedule_cases:
        timing, captured = measure.time_requests(client, what, [url], repeat=7, count_rows=schedule_entries)
        schedule_timings.append(timing)
        schedule_queries[what] = measure.selects_on(captured, ("booking_slot", "booking_booking", "booking_closure"))
    client.logout()

    say("admin booking list and search ...")
    sample = Booking.objects.order_by("pk")[data.bookings // 2]
    admin_timings, admin_queries = admin_list.measure(client, reception=reception, manager=manager, sample=sample)

    say("page weight ...")
    cache.clear()
    public_pages = {
        "home": "/",
        "information page": f"/info/{info_slug}/",
        "appointment types": "/book/",
        "week view": week_paths[0],
        "details form": f"/book/slot/{details_slot}/",
        "manage page": manage_paths[0],
    }
    weights = [measure.page_weight(client, what, path) for what, path in public_pages.items()]
    client.force_login(reception)
    weights += [
        measure.page_weight(client, "staff schedule, one team's day (staff)", schedule_cases[0][1]),
        measure.page_weight(client, "booking list (staff)", admin_list.LIST),
    ]
    client.logout()

    say("query plans ...")
    plans = []
    wanted = {
        "week view": measure.selects_on(week_queries, ("booking_slot",)),
        schedule_cases[0][0]: schedule_queries[schedule_cases[0][0]],
        **admin_queries,
        **measure.job_queries(now, retention_days=dataset.DAYS - 1),
    }
    email = confirmed[0].email
    from django.db import transaction

    from booking import notifications

    with CaptureQueriesContext(connection) as lookup, transaction.atomic():
        notifications.write_manage_links(email=email.upper(), now=now)
        transaction.set_rollback(True)
    wanted["lost-link lookup by email"] = measure.selects_on(lookup.captured_queries, ("booking_booking",))
    for what, sqls in wanted.items():
        for sql in sqls:
            plan = measure.explain(sql)
            plans.append({"what": what, "sql": sql, "plan": plan, "scans": measure.scans(plan)})

    return {
        "queries": queries,
        "timings": [t.as_dict() for t in [week_timing, *schedule_timings, *admin_timings]],
        "page_weight": weights,
        "sizes": measure.table_sizes(),
        "plans": plans,
        "wrk_pages": pages,
        "free_slot_ids": free_ids,
    }


def schedule_entries(response) -> int:
    return sum(len(cell.entries) for row in response.context["schedule"].rows for cell in row.cells)


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


if __name__ == "__main__":
    sys.exit(main())

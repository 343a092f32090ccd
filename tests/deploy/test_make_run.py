"""`make run` as the README promises it: the production server and the task worker, on SQLite with
demo data.

The test runs the Makefile's own `run` target (so the two cannot drift), on a free port with a
throwaway SQLite file. Only two prerequisites are skipped with make's ``-o``: installing the
dependencies (this test runs inside that environment) and writing ``.secret-key`` (the test gives
``SECRET_KEY``). Then:

- the pages come from gunicorn, and the task worker runs next to it;
- 50 patients press "Confirm booking" for one slot at the same moment: exactly 1 booking, 49 clean
  "just taken" answers (409, form kept), no connection error; the worker prints the winner's
  confirmation email to the console;
- Ctrl-C (SIGINT to the terminal's process group) stops the web server and the worker;
- `make run` again keeps the booking and adds no demo data twice.

SQLite only, as `make run` is: skipped on a PostgreSQL test run.
"""

import os
import re
import shutil
import signal
import sqlite3
import subprocess
import threading
import time
from collections import Counter
from pathlib import Path

import pytest
from django.conf import settings

from tests.deploy.visitors import Visitor, free_port, patient_details, tail, wait_until_up

ROOT = Path(__file__).resolve().parents[2]
PATIENTS = 50
TYPE_SLUG = "new-patient-consultation"  # a demo appointment type open to new patients

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(
        settings.DATABASES["default"]["ENGINE"] != "clinic.sqlite3", reason="`make run` serves SQLite only"
    ),
    pytest.mark.skipif(shutil.which("make") is None, reason="make is not installed"),
]


class MakeRun:
    """`make run` in a terminal of its own: a process group that Ctrl-C reaches as a whole."""

    def __init__(self, *, port: int, database: Path, log: Path):
        self.database = database
        self.log = log
        self.url = f"http://127.0.0.1:{port}"
        env = {
            key: value
            for key, value in os.environ.items()
            # The test run's own settings (pyproject's test environment, DATABASE_URL) stay out.
            if key not in {"DATABASE_URL", "TASKS_BACKEND", "CACHE_URL", "EMAIL_BACKEND", "ALLOWED_HOSTS"}
        }
        env.update(
            PORT=str(port),
            SQLITE_PATH=str(database),
            SECRET_KEY="make-run-test-secret-key-0123456789-abcdefghijklmnopqrstuvwxyz",
            DEMO_ADMIN_PASSWORD="make-run-test-password",
            BOOKING_RATE_LIMIT="1000/m",  # 50 patients from one address
        )
        with log.open("ab") as output:
            self.process = subprocess.Popen(
                ["make", "--no-print-directory", "-o", ".venv/.installed", "-o", ".secret-key", "run"],
                cwd=ROOT,
                env=env,
                stdout=output,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )

    def wait_until_up(self) -> None:
        # Migrations, demo data and collectstatic come first.
        wait_until_up(self.url, self.process, self.log, timeout=240)

    def press_ctrl_c(self) -> int:
        os.killpg(self.process.pid, signal.SIGINT)
        return self.process.wait(timeout=60)

    def processes(self) -> list[str]:
        """Command lines of the processes still running with this run's database."""
        return [command for _, command in processes_with_env(f"SQLITE_PATH={self.database}")]

    def stop_everything(self) -> None:
        """Clean-up when a test failed half way: nothing of this run may outlive the test."""
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()
        for pid, _ in processes_with_env(f"SQLITE_PATH={self.database}"):
            os.kill(pid, signal.SIGKILL)


def processes_with_env(entry: str) -> list[tuple[int, str]]:
    found = []
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            if entry.encode() in (proc / "environ").read_bytes().split(b"\0"):
                command = (proc / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
                found.append((int(proc.name), command.strip()))
        except OSError:  # gone meanwhile, or not ours
            continue
    return found


DEMO_TABLES = ("auth_user", "booking_clinician", "booking_appointmenttype", "booking_slot", "booking_booking")


def counts(database: Path) -> dict[str, int]:
    with sqlite3.connect(database) as db:
        return {table: db.execute(f"SELECT count(*) FROM {table}").fetchone()[0] for table in DEMO_TABLES}


def bookings_of(database: Path, slot_id: int) -> list[tuple[str, str]]:
    with sqlite3.connect(database) as db:
        return db.execute("SELECT email, status FROM booking_booking WHERE slot_id = ?", (slot_id,)).fetchall()


def booked_count(database: Path, slot_id: int) -> int:
    with sqlite3.connect(database) as db:
        return db.execute("SELECT booked_count FROM booking_slot WHERE id = ?", (slot_id,)).fetchone()[0]


def test_make_run_serves_with_gunicorn_and_the_worker_and_keeps_one_booking_per_slot(tmp_path):
    database, log = tmp_path / "make-run.sqlite3", tmp_path / "make-run.log"
    run = MakeRun(port=free_port(), database=database, log=log)
    try:
        run.wait_until_up()
        status, headers, _ = Visitor(run.url).get("/")
        assert (status, headers["Server"]) == (200, "gunicorn")
        assert any("db_worker" in command for command in run.processes()), run.processes()

        _, _, week = Visitor(run.url).get(f"/book/{TYPE_SLUG}/")
        slot_id = int(re.search(rb'href="/book/slot/(\d+)/"', week).group(1))
        path = f"/book/slot/{slot_id}/"
        patients = [Visitor(run.url) for _ in range(PATIENTS)]
        forms = [patient.form(path, **patient_details(number)) for number, patient in enumerate(patients)]
        barrier = threading.Barrier(PATIENTS)
        answers: list = [None] * PATIENTS

        def confirm_booking(number: int) -> None:
            barrier.wait()
            try:
                answers[number] = patients[number].post(path, forms[number])
            except OSError as error:  # a reset or refused connection
                answers[number] = (type(error).__name__, {}, b"")

        threads = [threading.Thread(target=confirm_booking, args=(number,)) for number in range(PATIENTS)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=120)

        assert Counter(status for status, _, _ in answers) == {302: 1, 409: PATIENTS - 1}, tail(log)
        [winner] = [number for number, (status, _, _) in enumerate(answers) if status == 302]
        assert answers[winner][1]["Location"].startswith("/book/confirmed/")
        for number, (status, _, body) in enumerate(answers):
            if status == 409:
                assert b"this time has just been taken" in body
                assert patient_details(number)["patient_name"].encode() in body
        winner_email = patient_details(winner)["email"]
        assert bookings_of(database, slot_id) == [(winner_email, "confirmed")]
        assert booked_count(database, slot_id) == 1
        # The worker sends the confirmation; the console email backend prints it.
        deadline = time.monotonic() + 30
        while f"To: {winner_email}" not in log.read_text() and time.monotonic() < deadline:
            time.sleep(0.2)
        assert f"To: {winner_email}" in log.read_text()
        before = counts(database)

        run.press_ctrl_c()

        assert run.processes() == []
        assert "Traceback" not in log.read_text()

        again = MakeRun(port=free_port(), database=database, log=log)
        try:
            again.wait_until_up()
            assert counts(database) == before
            assert bookings_of(database, slot_id) == [(winner_email, "confirmed")]
            again.press_ctrl_c()
            assert again.processes() == []
        finally:
            again.stop_everything()
    finally:
        run.stop_everything()

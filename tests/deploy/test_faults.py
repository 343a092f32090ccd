"""Faults of the services the site depends on, against throwaway instances the tests start
themselves (never the machine's shared services).

- The mail server is down: bookings succeed, and the emails go out on the next sending run
  once it is back. The mail server is a small SMTP server (the standard library's socketserver)
  on a port of its own, closed at first, then started.
- PostgreSQL drops the app server's connections (``pg_terminate_backend`` on the connections of
  a gunicorn serving the test database, as a restart does) while patients book: no booking is
  lost or made twice, and the site recovers by itself. Skipped on SQLite runs.
"""

import os
import random
import socketserver
import subprocess
import sys
import threading
import time
from collections import Counter
from datetime import timedelta
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection
from django.utils import timezone

from booking.models import Booking, Notification, Slot
from booking.notifications import send_due_notifications
from tests.booking.conftest import make_clinician, make_slot, make_type
from tests.deploy.visitors import (
    Visitor,
    database_environment,
    free_port,
    hidden_fields,
    patient_details,
    tail,
    wait_until_up,
)
from tests.worker import DATABASE_TASKS, run_task_worker

ROOT = Path(__file__).resolve().parents[2]

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]


def bookable_slots(count: int) -> list[Slot]:
    """``count`` free slots of one type, a few days ahead (past the notice, within the horizon)."""
    appointment_type = make_type(slug="consultation")
    clinician = make_clinician()
    first = (timezone.now() + timedelta(days=5)).replace(hour=12, minute=0, second=0, microsecond=0)
    return [
        make_slot(start=first + timedelta(hours=number), clinician=clinician, appointment_type=appointment_type)
        for number in range(count)
    ]


# --- Mail server down ---------------------------------------------------------------------


class SMTPHandler(socketserver.StreamRequestHandler):
    """Enough of SMTP for smtplib: greeting, EHLO/HELO, MAIL, RCPT, DATA, RSET, NOOP, QUIT."""

    def reply(self, line: str) -> None:
        self.wfile.write(line.encode() + b"\r\n")

    def handle(self) -> None:
        self.reply("220 localhost test mail server")
        recipients: list[str] = []
        while line := self.rfile.readline():
            command = line.decode("ascii", "replace").strip()
            verb = command[:4].upper()
            if verb in ("EHLO", "HELO"):
                self.reply("250 localhost")
            elif verb == "MAIL":
                recipients = []
                self.reply("250 OK")
            elif verb == "RCPT":
                recipients.append(command.partition("<")[2].rstrip(">"))
                self.reply("250 OK")
            elif verb == "DATA":
                self.reply("354 End data with <CR><LF>.<CR><LF>")
                data = b"".join(iter(self.rfile.readline, b".\r\n"))
                self.server.messages.append((recipients, data))
                self.reply("250 OK queued")
            elif verb in ("RSET", "NOOP"):
                self.reply("250 OK")
            elif verb == "QUIT":
                self.reply("221 Bye")
                return
            else:
                self.reply("502 Command not implemented")


class MailServer(socketserver.ThreadingTCPServer):
    allow_reuse_address = True
    daemon_threads = True

    def __init__(self, port: int):
        super().__init__(("127.0.0.1", port), SMTPHandler)
        self.messages: list[tuple[list[str], bytes]] = []


@pytest.fixture
def mail_port():
    """A port for the mail server, with nothing listening on it yet."""
    return free_port()


def test_mail_server_down_bookings_succeed_and_the_emails_go_out_when_it_is_back(client, settings, mail_port):
    settings.TASKS = DATABASE_TASKS
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", mail_port, 5
    slots = bookable_slots(3)

    answers = []
    for number, slot in enumerate(slots):
        path = f"/book/slot/{slot.pk}/"
        form = {**hidden_fields(client.get(path).content.decode()), **patient_details(number)}
        answers.append(client.post(path, form).status_code)
    run_task_worker()  # the worker tries, and the mail server does not answer

    assert answers == [302, 302, 302]
    assert list(Booking.objects.values_list("status", flat=True)) == ["confirmed"] * 3
    assert set(Notification.objects.values_list("kind", "status", "attempts", "last_error")) == {
        ("confirmation", "pending", 1, "ConnectionRefusedError: could not hand the email to the mail server")
    }

    mail_server = MailServer(mail_port)
    threading.Thread(target=mail_server.serve_forever, daemon=True).start()
    try:
        # The next sending run (send_reminders, every 5 minutes) once the first retry is due.
        sent = send_due_notifications(now=timezone.now() + timedelta(minutes=1))
    finally:
        mail_server.shutdown()
        mail_server.server_close()

    assert sent == 3
    assert sorted(recipients for recipients, _ in mail_server.messages) == [
        [patient_details(number)["email"]] for number in range(3)
    ]
    assert all(b"is confirmed" in data for _, data in mail_server.messages)
    assert set(Notification.objects.values_list("status", "attempts")) == {("sent", 2)}


# --- PostgreSQL drops connections ---------------------------------------------------------

APP_NAME = "hoclinic-fault-test"
PATIENTS = 24


def terminate_server_connections(cursor) -> int:
    """End every connection the app server holds to the test database, as a restart does."""
    cursor.execute(
        "SELECT count(*) FILTER (WHERE pg_terminate_backend(pid)) FROM pg_stat_activity "
        "WHERE datname = current_database() AND application_name = %s",
        [APP_NAME],
    )
    return cursor.fetchone()[0]


@pytest.fixture
def app_server(tmp_path):
    """One gunicorn as `make run` starts it (two sync workers), on the PostgreSQL test database,
    its connections named so that only they are terminated."""
    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL fault test: run with DATABASE_URL=postgres://...")
    env = {
        **os.environ,
        **database_environment(application_name=APP_NAME),
        "DEBUG": "0",
        "HTTPS": "0",
        "SECRET_KEY": settings.SECRET_KEY,
        "ALLOWED_HOSTS": "127.0.0.1",
        "CACHE_URL": "",
        "BOOKING_RATE_LIMIT": "10000/m",
        "TASKS_BACKEND": "database",
        "EMAIL_BACKEND": "django.core.mail.backends.dummy.EmailBackend",
        "DB_CONN_MAX_AGE": "60",
        "LOG_LEVEL": "WARNING",
    }
    port, log = free_port(), tmp_path / "gunicorn.log"
    command = [sys.executable, "-m", "gunicorn", "clinic.wsgi", "--bind", f"127.0.0.1:{port}", "--workers", "2"]
    with log.open("ab") as output:
        process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=output, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        wait_until_up(url, process, log)
        yield url, log
    finally:
        process.terminate()
        process.wait(timeout=30)


def test_postgresql_dropping_connections_during_bookings_loses_and_doubles_nothing(app_server):
    import psycopg  # PostgreSQL runs only

    url, log = app_server
    slots = bookable_slots(PATIENTS)
    answers: Counter = Counter()
    booked: list[int] = []
    lock = threading.Lock()
    storm = threading.Event()
    storm.set()
    terminated = 0

    def database_restarts() -> None:
        nonlocal terminated
        db = connection.settings_dict
        credentials = {"host": db["HOST"], "port": db["PORT"] or None, "user": db["USER"], "password": db["PASSWORD"]}
        with psycopg.connect(dbname=db["NAME"], autocommit=True, **credentials) as admin, admin.cursor() as cursor:
            while storm.is_set():
                terminated += terminate_server_connections(cursor)
                time.sleep(random.uniform(0.05, 0.3))

    def patient(number: int) -> None:
        """Books slot ``number``; like a person, tries again after an error page."""
        visitor, path = Visitor(url), f"/book/slot/{slots[number].pk}/"
        for _ in range(50):
            try:
                form = visitor.form(path, **patient_details(number))
                break
            except (AssertionError, OSError):
                time.sleep(0.1)
        for _ in range(50):
            try:
                status = visitor.post(path, form)[0]  # the same form again: the same submission key
            except OSError as error:
                status = type(error).__name__
            with lock:
                answers[status] += 1
            if status == 302:
                with lock:
                    booked.append(number)
                return
            time.sleep(0.1)

    restarts = threading.Thread(target=database_restarts)
    restarts.start()
    patients = [threading.Thread(target=patient, args=(number,)) for number in range(PATIENTS)]
    try:
        for thread in patients:
            thread.start()
        for thread in patients:
            thread.join(timeout=180)
    finally:
        storm.clear()
        restarts.join(timeout=30)
    print(f"\n{terminated} connections terminated; answers to booking POSTs: {dict(answers)}")

    assert terminated > 0
    assert sorted(booked) == list(range(PATIENTS)), tail(log)
    # One booking per patient, each in its own slot, each with its one confirmation in the outbox.
    bookings = list(Booking.objects.order_by("slot__start").values_list("email", "slot_id", "status"))
    assert bookings == [(patient_details(number)["email"], slot.pk, "confirmed") for number, slot in enumerate(slots)]
    assert set(Slot.objects.values_list("booked_count", flat=True)) == {1}
    assert Counter(Notification.objects.values_list("kind", flat=True)) == {"confirmation": PATIENTS}

    # Recovery by itself: once PostgreSQL is back, every request succeeds at the first try.
    with connection.cursor() as cursor:
        terminate_server_connections(cursor)
    visitor = Visitor(url)
    health = [visitor.get("/healthz")[0] for _ in range(6)]
    last = slots[-1]
    extra = make_slot(
        start=last.start + timedelta(hours=1), clinician=last.clinician, appointment_type=last.appointment_type
    )
    path = f"/book/slot/{extra.pk}/"
    status = visitor.post(path, visitor.form(path, **patient_details(PATIENTS)))[0]
    assert (health, status) == ([200] * 6, 302)

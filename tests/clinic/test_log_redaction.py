"""Secret links (manage and confirmation tokens) never reach a log: gunicorn's access log and
Django's own warnings write them as [redacted] (clinic/log_redaction.py, gunicorn.conf.py)."""

import io
import logging
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from datetime import timedelta
from pathlib import Path
from types import SimpleNamespace

import pytest
from django.test import Client
from gunicorn.config import Config

from booking import links
from clinic.log_redaction import RedactingGunicornLogger, redact
from tests.booking.conftest import make_booking

BASE_DIR = Path(__file__).resolve().parents[2]
TOKEN = "12.3:1xYAaH:Zm9vYmFyYmF6cXV4LWZha2Utc2lnbmF0dXJl"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (f"/book/manage/{TOKEN}/", "/book/manage/[redacted]/"),
        (f"/book/manage/{TOKEN}/cancel/", "/book/manage/[redacted]/cancel/"),
        (f"/book/manage/{TOKEN}/calendar.ics", "/book/manage/[redacted]/calendar.ics"),
        (f"/book/confirmed/{TOKEN}/?x=1", "/book/confirmed/[redacted]/?x=1"),
        (f"https://clinic.example.org/book/manage/{TOKEN}", "https://clinic.example.org/book/manage/[redacted]"),
        (f'"GET /book/manage/{TOKEN}/ HTTP/1.1" 404', '"GET /book/manage/[redacted]/ HTTP/1.1" 404'),
        ("/book/consultation/?week=2030-01-07", "/book/consultation/?week=2030-01-07"),
        ("/book/slot/42/", "/book/slot/42/"),
        ("/book/manage/", "/book/manage/"),
    ],
)
def test_redact_replaces_only_the_token_of_secret_links(text, expected):
    assert redact(text) == expected


def test_gunicorn_logger_writes_every_access_log_value_redacted(tmp_path):
    log = tmp_path / "access.log"
    config = Config()
    config.set("accesslog", str(log))
    config.set("access_log_format", '"%(r)s" %(s)s "%(f)s" %(U)s %({location}o)s %({referer}i)s')
    logger = RedactingGunicornLogger(config)
    response = SimpleNamespace(status="302 Found", sent=0, headers=[("Location", f"/book/confirmed/{TOKEN}/")])
    request = SimpleNamespace(headers=[("REFERER", f"https://clinic.example.org/book/manage/{TOKEN}/")])
    environ = {
        "REQUEST_METHOD": "POST",
        "RAW_URI": f"/book/manage/{TOKEN}/cancel/",
        "PATH_INFO": f"/book/manage/{TOKEN}/cancel/",
        "QUERY_STRING": "",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "REMOTE_ADDR": "192.0.2.1",
        "HTTP_REFERER": f"https://clinic.example.org/book/manage/{TOKEN}/",
    }

    logger.access(response, request, environ, timedelta(milliseconds=12))
    logger.close_on_exec()

    assert log.read_text() == (
        '"POST /book/manage/[redacted]/cancel/ HTTP/1.1" 302 '
        '"https://clinic.example.org/book/manage/[redacted]/" /book/manage/[redacted]/cancel/ '
        "/book/confirmed/[redacted]/ https://clinic.example.org/book/manage/[redacted]/\n"
    )


def test_gunicorn_reads_the_redacting_logger_from_the_project_config():
    config = Config()
    config.set("logger_class", _project_gunicorn_settings()["logger_class"])

    assert config.logger_class is RedactingGunicornLogger


def _project_gunicorn_settings() -> dict:
    namespace: dict = {}
    exec((BASE_DIR / "gunicorn.conf.py").read_text(), namespace)  # noqa: S102 - our own config file
    return namespace


@pytest.mark.django_db
def test_django_warnings_about_a_secret_link_are_written_redacted():
    booking = make_booking()
    token = links.make_token(booking)
    # The console handler of settings.LOGGING (pytest adds handlers of its own).
    [console] = [handler for handler in logging.getLogger("django").handlers if type(handler) is logging.StreamHandler]
    written = io.StringIO()
    previous = console.setStream(written)
    try:
        # A form sent without its CSRF cookie: Django warns, naming the path.
        response = Client(enforce_csrf_checks=True).post(f"/book/manage/{token}/cancel/", {})
    finally:
        console.setStream(previous)

    assert response.status_code == 403
    assert "Forbidden (CSRF cookie not set.): /book/manage/[redacted]/cancel/" in written.getvalue()
    assert token not in written.getvalue()


def test_every_log_handler_of_the_site_redacts(settings):
    for name, handler in settings.LOGGING["handlers"].items():
        assert handler["filters"] == ["redact_tokens"], name
    assert settings.LOGGING["filters"]["redact_tokens"] == {"()": "clinic.log_redaction.RedactTokens"}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def get(url: str, **headers) -> int:
    try:
        with urllib.request.urlopen(urllib.request.Request(url, headers=headers), timeout=5) as response:
            return response.status
    except urllib.error.HTTPError as error:
        return error.code
    except urllib.error.URLError:  # not listening yet
        return 0


@pytest.mark.slow
def test_gunicorn_started_from_the_project_writes_tokens_redacted(tmp_path):
    port = free_port()
    log = tmp_path / "access.log"
    env = {**os.environ, "DATABASE_URL": "", "SQLITE_PATH": str(tmp_path / "db.sqlite3"), "CACHE_URL": ""}
    # As `make serve` starts it: from the project's directory, no config option on the command line.
    command = [sys.executable, "-m", "gunicorn", "clinic.wsgi", "--bind", f"127.0.0.1:{port}"]
    server = subprocess.Popen([*command, "--access-logfile", str(log)], cwd=BASE_DIR, env=env, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 30
        while get(f"http://127.0.0.1:{port}/robots.txt") != 200:
            assert server.poll() is None, server.stderr.read().decode()
            assert time.monotonic() < deadline, "gunicorn did not start"
            time.sleep(0.2)

        statuses = [
            get(f"http://127.0.0.1:{port}/book/manage/{TOKEN}/"),
            get(f"http://127.0.0.1:{port}/robots.txt", Referer=f"http://127.0.0.1:{port}/book/confirmed/{TOKEN}/"),
        ]
        time.sleep(0.5)  # the access log is written after the response
    finally:
        server.terminate()
        server.wait(timeout=10)

    written = log.read_text()
    assert statuses == [404, 200]
    assert token_free(written)
    assert '"GET /book/manage/[redacted]/ HTTP/1.1" 404' in written
    assert f'"http://127.0.0.1:{port}/book/confirmed/[redacted]/"' in written


def token_free(text: str) -> bool:
    return TOKEN not in text and TOKEN.split(":")[-1] not in text

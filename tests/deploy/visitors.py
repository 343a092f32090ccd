"""Helpers for the tests that drive a real server over HTTP: free ports, the test database's
address for a server process, and a visitor that fills in forms as a browser does."""

import socket
import subprocess
import time
import urllib.error
import urllib.parse
import urllib.request
from html.parser import HTMLParser
from http.cookiejar import CookieJar
from pathlib import Path

import pytest
from django.db import connection


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def database_environment(**options: str) -> dict[str, str]:
    """Point a server at the database of this test run (the test database, not the real one).
    ``options`` go into a PostgreSQL address's query string (e.g. ``application_name``)."""
    db = connection.settings_dict
    if connection.vendor == "sqlite":
        return {"DATABASE_URL": "", "SQLITE_PATH": str(db["NAME"])}
    if connection.vendor != "postgresql":
        pytest.skip(f"server tests support SQLite and PostgreSQL, not {connection.vendor}")
    user = urllib.parse.quote(db["USER"] or "", safe="")
    password = ":" + urllib.parse.quote(db["PASSWORD"], safe="") if db["PASSWORD"] else ""
    host = db["HOST"] or "localhost"
    port = f":{db['PORT']}" if db["PORT"] else ""
    query = f"?{urllib.parse.urlencode(options)}" if options else ""
    return {"DATABASE_URL": f"postgres://{user}{password}@{host}{port}/{db['NAME']}{query}"}


def wait_until_up(url: str, process: subprocess.Popen, log: Path, timeout: float = 60) -> None:
    """Wait for ``url``/healthz to answer 200; fail with the end of ``log`` if it never does."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"the server exited with {process.returncode}:\n{tail(log)}")
        try:
            with urllib.request.urlopen(f"{url}/healthz", timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.2)
    pytest.fail(f"the server did not answer /healthz within {timeout} s:\n{tail(log)}")


def tail(log: Path, characters: int = 4000) -> str:
    return log.read_text(errors="replace")[-characters:] if log.exists() else ""


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def hidden_fields(page: str) -> dict[str, str]:
    """The hidden inputs of a page's form (CSRF token, submission key), by name."""
    parser = _HiddenFields()
    parser.feed(page)
    return parser.fields


class _HiddenFields(HTMLParser):
    def __init__(self):
        super().__init__()
        self.fields: dict[str, str] = {}

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if tag == "input" and attributes.get("type") == "hidden" and attributes.get("name"):
            self.fields[attributes["name"]] = attributes.get("value") or ""


class Visitor:
    """One browser: keeps its cookies, sends a form with the hidden fields its page gave
    (CSRF token, submission key), and does not follow redirects."""

    def __init__(self, base_url: str):
        self.base_url = base_url
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(CookieJar()), _NoRedirect)

    def get(self, path: str, *, timeout: float = 60) -> tuple[int, dict, bytes]:
        return self._open(urllib.request.Request(self.base_url + path), timeout)

    def post(self, path: str, data: dict[str, str], *, timeout: float = 60) -> tuple[int, dict, bytes]:
        body = urllib.parse.urlencode(data).encode()
        return self._open(urllib.request.Request(self.base_url + path, data=body, method="POST"), timeout)

    def form(self, path: str, **fields: str) -> dict[str, str]:
        """The hidden fields of the form at ``path``, plus ``fields``."""
        status, _, page = self.get(path)
        if status != 200:
            raise AssertionError(f"GET {path} answered {status}")
        return {**hidden_fields(page.decode()), **fields}

    def _open(self, request: urllib.request.Request, timeout: float) -> tuple[int, dict, bytes]:
        try:
            with self.opener.open(request, timeout=timeout) as response:
                return response.status, dict(response.headers), response.read()
        except urllib.error.HTTPError as error:
            return error.code, dict(error.headers), error.read()


def patient_details(number: int) -> dict[str, str]:
    """The visible fields of the booking form for patient ``number``."""
    return {
        "patient_name": f"Patient {chr(65 + number % 26)}{chr(97 + number // 26)}",
        "email": f"patient{number}@example.org",
        "phone": "212-555-0123",
        "date_of_birth": "1970-01-01",
        "patient_kind": "new",
        "consent": "on",
        "website": "",
    }

"""Browser tests: Playwright drives Debian's Chromium against pytest-django's live server.

The live server runs in a thread of this process on the test database, so the tests arrange data
with the ORM and read the results back. Every page is checked for script errors, CSP violations
and requests to any other host; every log line written while a test runs is kept and checked for
the patient's personal data.
"""

import logging
import os
import sys
from urllib.parse import urlsplit

import pytest

from tests.e2e.helpers import CHROMIUM_ARGS, DESKTOP, PATIENT, chromium_path, restore_migration_data

# Playwright's sync API keeps an event loop in this thread; the ORM calls the tests make between
# browser steps are plain synchronous code all the same.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


@pytest.fixture(autouse=True)
def migration_data(transactional_db):
    """Every browser test runs on a transactional database (the live server's thread must see the test's
    data), whose flush after each test also removes what data migrations made: put it back."""
    restore_migration_data()


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    path = chromium_path()
    if not (os.path.isfile(path) and os.access(path, os.X_OK)):
        pytest.fail(
            f"Chromium is needed for the browser tests and is not at {path}. `make test` installs Debian's "
            "package (apt-get install chromium); or set CHROMIUM=/path/to/chromium.",
            pytrace=False,
        )
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=path, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def new_page(browser, live_server):
    """Open a page in a fresh browser context (own cookies) at a viewport; `page.goto("/")` is the live server."""
    contexts = []
    problems = []
    own_origin = urlsplit(live_server.url)[:2]

    def on_console(message):
        # The browser reports every 4xx answer as an error; the tests check those statuses themselves.
        if message.type == "error" and not message.text.startswith("Failed to load resource"):
            problems.append(f"console: {message.text}")

    def on_dialog(dialog):
        problems.append(f"a script opened a dialog: {dialog.message!r}")
        dialog.dismiss()

    def on_route(route):
        if urlsplit(route.request.url)[:2] == own_origin or route.request.url.startswith("data:"):
            route.continue_()
        else:
            problems.append(f"request to another host: {route.request.url}")
            route.abort()

    def make(viewport=DESKTOP, **options):
        context = browser.new_context(
            viewport=viewport,
            base_url=live_server.url,
            locale="en-US",
            timezone_id="America/New_York",
            accept_downloads=True,
            reduced_motion="reduce",
            **options,
        )
        context.set_default_timeout(15_000)
        context.route("**/*", on_route)
        page = context.new_page()
        page.on("console", on_console)
        page.on("pageerror", lambda error: problems.append(f"script error: {error}"))
        page.on("dialog", on_dialog)
        contexts.append(context)
        return page

    yield make
    for context in contexts:
        context.close()
    assert problems == [], "the browser reported problems:\n" + "\n".join(problems)


@pytest.fixture
def page(new_page):
    return new_page()


# Loggers the settings keep above DEBUG whatever LOG_LEVEL says (tests/security/test_logging.py proves it):
# django.template's DEBUG records carry the whole template context.
PINNED_LOGGERS = {"django.template"}


class LogCapture(logging.Handler):
    def __init__(self):
        super().__init__(level=logging.DEBUG)
        self.lines = []

    def emit(self, record):
        try:
            self.lines.append(f"{record.name} {record.levelname} {record.getMessage()}")
        except Exception:  # a broken log call must not hide the real test result
            self.lines.append(f"{record.name} {record.levelname} {record.msg!r} {record.args!r}")
        if record.exc_info and record.exc_info[1] is not None:
            self.lines.append(repr(record.exc_info[1]))


@pytest.fixture(autouse=True)
def captured_logs(capfd):
    """Every log record, at DEBUG, of every logger (also those that do not propagate), plus the output of
    the process (the live server runs in it). After the test none of it may hold the patient's details."""
    handler = LogCapture()
    handler.forbidden = list(PATIENT.personal_data())
    loggers = [logging.getLogger()] + [
        logger
        for logger in logging.root.manager.loggerDict.values()
        if isinstance(logger, logging.Logger) and not logger.propagate
    ]
    levels = [logger.level for logger in loggers]
    for logger in loggers:
        if logger.name not in PINNED_LOGGERS:
            logger.setLevel(logging.DEBUG)
        logger.addHandler(handler)
    try:
        yield handler
    finally:
        for logger, level in zip(loggers, levels, strict=True):
            logger.removeHandler(handler)
            logger.setLevel(level)
    out, err = capfd.readouterr()
    # Give the output back to pytest, so that a failing test still shows it.
    print(out, end="")
    print(err, end="", file=sys.stderr)
    text = "\n".join([*handler.lines, out, err])
    leaked = [value for value in handler.forbidden if value and value.lower() in text.lower()]
    assert leaked == [], f"personal data in the logs or server output: {leaked}"

"""Security headers on every public page; no inline script anywhere; HSTS and secure cookies in production."""

import json
import re

import pytest

from info.models import Page
from tests.clinic.test_settings import run_settings

pytestmark = pytest.mark.django_db

INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.IGNORECASE)
EVENT_HANDLER = re.compile(r"<[^>]+\son[a-z]+\s*=", re.IGNORECASE)


def public_paths(schedule, token):
    slot = schedule.slots[1]
    return [
        "/",
        "/info/",
        *(page.get_absolute_url() for page in Page.objects.filter(published=True)),
        "/book/",
        f"/book/{schedule.type.slug}/",
        f"/book/{schedule.type.slug}/?week=garbage",
        f"/book/slot/{slot.pk}/",
        f"/book/confirmed/{token}/",
        f"/book/manage/{token}/",
        f"/book/manage/{token}/reschedule/",
        f"/book/manage/{token}/calendar.ics",
        "/book/manage/tampered/",
        "/book/find/",
        "/no-such-page/",
        "/admin/login/",
        "/robots.txt",
        "/sitemap.xml",
        "/healthz",
    ]


def csp_directives(header: str) -> dict[str, list[str]]:
    directives = {}
    for part in header.split(";"):
        name, *values = part.split()
        directives[name] = values
    return directives


def test_every_public_page_sends_the_security_headers(client, schedule, token):
    for path in public_paths(schedule, token):
        response = client.get(path)

        assert response.status_code in (200, 404), (path, response.status_code)
        csp = csp_directives(response["Content-Security-Policy"])
        assert csp["script-src"] == ["'self'"], path
        assert csp["default-src"] == ["'self'"], path
        assert csp["object-src"] == ["'none'"], path
        assert csp["frame-ancestors"] == ["'none'"], path
        assert csp["form-action"] == ["'self'"], path
        assert "'unsafe-inline'" not in response["Content-Security-Policy"], path
        assert "'unsafe-eval'" not in response["Content-Security-Policy"], path
        assert response["X-Content-Type-Options"] == "nosniff", path
        assert response["Referrer-Policy"] == "same-origin", path
        assert response["X-Frame-Options"] == "DENY", path
        assert response["Cross-Origin-Opener-Policy"] == "same-origin", path


def test_no_page_has_inline_script_or_event_handler_attributes(client, schedule, token):
    for path in public_paths(schedule, token):
        response = client.get(path)
        if not response["Content-Type"].startswith("text/html"):
            continue
        html = response.content.decode()

        assert INLINE_SCRIPT.findall(html) == [], path
        assert EVENT_HANDLER.findall(html) == [], path
        assert " style=" not in html, path


def test_pages_with_personal_data_are_not_cached(client, token):
    for path in (f"/book/confirmed/{token}/", f"/book/manage/{token}/", f"/book/manage/{token}/calendar.ics"):
        response = client.get(path)

        assert "no-store" in response["Cache-Control"], path


PRODUCTION_CHECK = """
import json
from django.http import HttpResponse
from django.test import Client, RequestFactory
from django.test.utils import setup_test_environment
from django.contrib.sessions.middleware import SessionMiddleware
from django.conf import settings

from django.core.management import call_command

call_command("migrate", verbosity=0)  # a fresh SQLite file of this test's own (sessions are saved)
setup_test_environment()
client = Client()
plain = client.get("/robots.txt")
secure = client.get("/robots.txt", secure=True)
form = client.get("/book/find/", secure=True)

def view(request):
    request.session["seen"] = True
    return HttpResponse("ok")

request = RequestFactory().get("/", secure=True)
session_response = SessionMiddleware(view)(request)
csrf = form.cookies[settings.CSRF_COOKIE_NAME]
session = session_response.cookies[settings.SESSION_COOKIE_NAME]
print(json.dumps({
    "plain_status": plain.status_code,
    "plain_location": plain.get("Location"),
    "hsts": secure.get("Strict-Transport-Security"),
    "form_status": form.status_code,
    "csrf_secure": bool(csrf["secure"]), "csrf_httponly": bool(csrf["httponly"]), "csrf_samesite": csrf["samesite"],
    "session_secure": bool(session["secure"]), "session_httponly": bool(session["httponly"]),
    "session_samesite": session["samesite"],
}))
"""


def test_production_settings_redirect_to_https_send_hsts_and_secure_cookies(tmp_path):
    result = run_settings(
        {
            "SECRET_KEY": "s" * 60,
            "DEBUG": "0",
            "ALLOWED_HOSTS": "testserver",
            "CACHE_URL": "",
            "SQLITE_PATH": str(tmp_path / "production.sqlite3"),
        },
        code=PRODUCTION_CHECK,
        unset=("HTTPS", "SECURE_HSTS_SECONDS", "SECURE_HSTS_PRELOAD"),
    )

    assert result.returncode == 0, result.stderr
    facts = json.loads(result.stdout.strip().splitlines()[-1])
    assert facts == {
        "plain_status": 301,
        "plain_location": "https://testserver/robots.txt",
        "hsts": "max-age=31536000; includeSubDomains; preload",
        "form_status": 200,
        "csrf_secure": True,
        "csrf_httponly": True,
        "csrf_samesite": "Lax",
        "session_secure": True,
        "session_httponly": True,
        "session_samesite": "Lax",
    }

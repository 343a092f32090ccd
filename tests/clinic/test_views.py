import json
import re
from unittest import mock

import pytest
from django.db import OperationalError

pytestmark = pytest.mark.django_db


def test_home_introduces_ho_links_each_page_as_a_card_and_leads_to_booking(client):
    response = client.get("/")
    html = response.content.decode()

    assert response.status_code == 200
    assert "Heterotopic ossification (HO) is bone that grows where it should not" in html
    for slug in [
        "what-is-ho",
        "symptoms-and-urgent-help",
        "causes-and-risk-factors",
        "diagnosis",
        "treatment-options",
        "fop",
    ]:
        assert f'<h3 class="h5 card-title"><a href="/info/{slug}/">' in html
    assert '<a href="/info/symptoms-and-urgent-help/">Symptoms and when to get urgent help</a>' in html
    assert '<a class="btn btn-outline-primary" href="/our-team/">Our team</a>' in html
    assert 'href="/visiting-us/"' in html
    assert '<a class="btn btn-primary btn-lg" href="/book/">Make an appointment</a>' in html


@pytest.mark.parametrize(
    "path", ["/", "/info/", "/info/what-is-ho/", "/our-team/", "/visiting-us/", "/book/", "/no-such-page/"]
)
def test_every_public_page_has_layout_landmarks_skip_link_and_appointment_link(client, path):
    html = client.get(path).content.decode()

    assert '<a class="skip-link" href="#main">Skip to main content</a>' in html
    assert '<main id="main"' in html
    assert '<nav class="site-nav" aria-label="Main">' in html
    assert "<footer" in html
    assert 'href="/book/">Make an appointment</a>' in html
    assert "Medical disclaimer" in html
    assert "In an emergency" in html
    assert "+1 555-0100" in html


@pytest.mark.parametrize("path", ["/", "/info/", "/info/what-is-ho/", "/our-team/", "/visiting-us/", "/book/"])
def test_public_pages_have_no_inline_script_or_style_and_no_third_party_assets(client, path):
    html = client.get(path).content.decode()

    assert "<style" not in html
    assert " style=" not in html
    assert "<script>" not in html
    assert " on" + "click=" not in html
    # Nothing loaded from another host; links to the sources an information page cites are fine.
    assert not re.search(r'(src|srcset|action)="(https?:)?//', html)
    assert not re.search(r'<link[^>]*href="(https?:)?//', html)
    assert all('rel="noopener noreferrer"' in link for link in re.findall(r'<a [^>]*href="https?://[^>]*>', html))
    assert "//cdn" not in html


def test_not_found_page_is_styled_and_has_no_debug_detail(client):
    response = client.get("/no-such-page/")

    assert response.status_code == 404
    assert b"Page not found" in response.content
    assert b"Traceback" not in response.content
    assert b"URLconf" not in response.content


def test_server_error_page_is_friendly_and_has_no_stack_trace(client, settings):
    settings.ROOT_URLCONF = "tests.clinic.urls_raising"
    client.raise_request_exception = False

    response = client.get("/broken/")
    html = response.content.decode()

    assert response.status_code == 500
    assert "Sorry, something went wrong" in html
    assert "+1 555-0100" in html
    assert "secret internal detail" not in html
    assert "Traceback" not in html


def test_healthz_is_ok_when_database_answers(client):
    response = client.get("/healthz")

    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert json.loads(response.content) == {"status": "ok", "cache": "ok"}
    assert "no-cache" in response["Cache-Control"]


def test_healthz_is_ok_and_says_so_when_the_file_cache_fails(client, caplog):
    with mock.patch("clinic.views.cache.set", side_effect=OSError("No space left on device")):
        response = client.get("/healthz")

    assert response.status_code == 200
    assert json.loads(response.content) == {"status": "ok", "cache": "down"}
    assert "Health check: cache unavailable (OSError)" in caplog.messages


def test_healthz_is_503_with_reason_when_database_fails(client):
    with mock.patch("clinic.views.connection.cursor", side_effect=OperationalError("connection refused")):
        response = client.get("/healthz")

    assert response.status_code == 503
    assert json.loads(response.content) == {"status": "error", "reason": "database unavailable", "cache": "ok"}


def test_security_headers_on_public_pages(client):
    response = client.get("/")

    csp = response["Content-Security-Policy"]
    assert "default-src 'self'" in csp
    assert "script-src 'self'" in csp
    assert "unsafe-inline" not in csp
    assert "frame-ancestors 'none'" in csp
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["X-Frame-Options"] == "DENY"


def test_vendored_bootstrap_is_served_from_our_own_static_files(client):
    response = client.get("/static/vendor/bootstrap/css/bootstrap.min.css")

    assert response.status_code == 200
    assert b"Bootstrap  v5.3" in b"".join(response.streaming_content)

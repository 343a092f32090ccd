"""The site's icon: linked from every page, public and staff, and answered at /favicon.ico for
the clients that ask there without reading the page (no 404 in the logs)."""

import re
from pathlib import Path

import pytest

pytestmark = pytest.mark.django_db

STATIC = Path(__file__).resolve().parents[2] / "static"


def body(response) -> bytes:
    return b"".join(response.streaming_content) if response.streaming else response.content


def test_favicon_ico_is_answered_at_the_site_root(client):
    response = client.get("/favicon.ico")

    content = body(response)
    assert response.status_code == 200
    assert response["Content-Type"] == "image/x-icon"
    assert content == (STATIC / "favicon.ico").read_bytes()
    assert content[:4] == b"\x00\x00\x01\x00"  # an icon resource
    assert "max-age=86400" in response["Cache-Control"]


def test_head_of_favicon_ico_answers_too(client):
    assert client.head("/favicon.ico").status_code == 200


ICON_LINKS = [
    '<link rel="icon" href="/static/favicon.ico" sizes="32x32">',
    '<link rel="icon" href="/static/favicon.svg" type="image/svg+xml">',
    '<link rel="apple-touch-icon" href="/static/apple-touch-icon.png">',
]


@pytest.mark.parametrize("path", ["/", "/info/", "/book/", "/book/find/", "/no-such-page/", "/admin/login/"])
def test_every_public_page_links_the_icons(path, client):
    html = client.get(path).content.decode()

    assert re.findall(r'<link rel="(?:icon|apple-touch-icon)"[^>]*>', html) == ICON_LINKS, path


@pytest.mark.parametrize("path", ["/admin/", "/admin/booking/booking/"])
def test_every_staff_page_links_the_icons(path, admin_client):
    html = admin_client.get(path).content.decode()

    assert re.findall(r'<link rel="(?:icon|apple-touch-icon)"[^>]*>', html) == ICON_LINKS, path


def test_the_linked_icons_load(client):
    for href in re.findall(r'href="([^"]+)"', "".join(ICON_LINKS)):
        response = client.get(href)

        assert response.status_code == 200, href
        assert body(response) == (STATIC / href.removeprefix("/static/")).read_bytes(), href

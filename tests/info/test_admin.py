import pytest

from info.models import Page

pytestmark = pytest.mark.django_db


def test_admin_page_list_shows_pages_with_preview_links(staff_client, make_page):
    make_page(title="Draft page", slug="draft-page", published=False)

    response = staff_client.get("/admin/info/page/")
    html = response.content.decode()

    assert response.status_code == 200
    assert '<a href="/info/draft-page/">Preview (staff only)</a>' in html
    assert '<a href="/info/diagnosis/">View on site</a>' in html


def test_admin_page_search_finds_body_text(staff_client):
    response = staff_client.get("/admin/info/page/", {"q": "bisphosphonates"})

    assert [page.slug for page in response.context["cl"].result_list] == ["treatment-options"]


def test_admin_edit_renders_markdown_and_changes_the_public_page(staff_client, client):
    page = Page.objects.get(slug="diagnosis")

    response = staff_client.post(
        f"/admin/info/page/{page.pk}/change/",
        {
            "title": "Diagnosis",
            "slug": "diagnosis",
            "summary": page.summary,
            "body": "Updated body with **ultrasound** note.",
            "sources": "",
            "published": "on",
            "order": 30,
            "last_reviewed": "2026-11-20",
            "next_review_due": "",
            "reviewed_by": "Dr Example",
        },
    )

    assert response.status_code == 302
    page.refresh_from_db()
    assert page.body_html == "<p>Updated body with <strong>ultrasound</strong> note.</p>"
    assert "Updated body with <strong>ultrasound</strong> note." in client.get("/info/diagnosis/").content.decode()

import datetime

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
    response = staff_client.get("/admin/info/page/", {"q": "etidronate"})

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
            "next_review_due": "2027-11-20",
            "reviewed_by": "Dr Example",
        },
    )

    assert response.status_code == 302
    page.refresh_from_db()
    assert page.body_html == "<p>Updated body with <strong>ultrasound</strong> note.</p>"
    assert "Updated body with <strong>ultrasound</strong> note." in client.get("/info/diagnosis/").content.decode()


def change_form_data(page, **changes):
    data = {
        "title": page.title,
        "slug": page.slug,
        "summary": page.summary,
        "body": page.body,
        "sources": page.sources,
        "published": "on" if page.published else "",
        "order": page.order,
        "last_reviewed": page.last_reviewed.isoformat() if page.last_reviewed else "",
        "next_review_due": page.next_review_due.isoformat() if page.next_review_due else "",
        "reviewed_by": page.reviewed_by,
    }
    if page.fop_notice:
        data["fop_notice"] = "on"
    data.update(changes)
    return {key: value for key, value in data.items() if value is not None}


@pytest.fixture
def reviewed_page(make_page):
    return make_page(
        slug="reviewed",
        body="Old text.",
        reviewed_by="Dr Example, Physiatrist",
        last_reviewed=datetime.date(2026, 1, 5),
        next_review_due=datetime.date(2027, 1, 5),
    )


def test_admin_changing_the_body_asks_for_a_new_review_date(staff_client, reviewed_page):
    response = staff_client.post(
        f"/admin/info/page/{reviewed_page.pk}/change/", change_form_data(reviewed_page, body="New text.")
    )

    assert response.status_code == 200
    assert response.context["adminform"].form.errors["last_reviewed"] == [
        "You changed what patients read. Enter the date a clinician reviewed this new version "
        "(and their name, if someone else reviewed it)."
    ]
    reviewed_page.refresh_from_db()
    assert reviewed_page.body == "Old text."


def test_admin_changing_the_body_with_a_new_review_date_saves(staff_client, reviewed_page):
    response = staff_client.post(
        f"/admin/info/page/{reviewed_page.pk}/change/",
        change_form_data(reviewed_page, body="New text.", last_reviewed="2026-11-02", next_review_due="2027-11-02"),
    )

    assert response.status_code == 302
    reviewed_page.refresh_from_db()
    assert (reviewed_page.body, reviewed_page.last_reviewed) == ("New text.", datetime.date(2026, 11, 2))


def test_admin_changing_only_the_order_needs_no_new_review(staff_client, reviewed_page):
    response = staff_client.post(
        f"/admin/info/page/{reviewed_page.pk}/change/", change_form_data(reviewed_page, order=99)
    )

    assert response.status_code == 302
    reviewed_page.refresh_from_db()
    assert reviewed_page.order == 99


def test_admin_published_page_must_name_its_review(staff_client, make_page):
    page = make_page(slug="unreviewed")

    response = staff_client.post(
        f"/admin/info/page/{page.pk}/change/", change_form_data(page, body="Changed.", last_reviewed="2026-11-02")
    )

    assert response.status_code == 200
    assert response.context["adminform"].form.non_field_errors() == [
        "A published page names its clinical review: please fill in the reviewing clinician, the next review date."
    ]


def test_admin_review_dates_in_the_wrong_order_are_refused(staff_client, reviewed_page):
    response = staff_client.post(
        f"/admin/info/page/{reviewed_page.pk}/change/",
        change_form_data(reviewed_page, last_reviewed="2026-11-02", next_review_due="2026-10-01"),
    )

    assert response.status_code == 200
    assert response.context["adminform"].form.errors["next_review_due"] == [
        "The next review must come after the last review."
    ]


def test_admin_shows_the_reading_grade_and_warns_when_too_hard(staff_client, reviewed_page):
    hard = (
        "Heterotopic ossification necessitates multidisciplinary interdisciplinary consideration of "
        "pharmacological prophylactic interventions, notwithstanding considerable heterogeneity."
    )

    response = staff_client.post(
        f"/admin/info/page/{reviewed_page.pk}/change/",
        change_form_data(reviewed_page, body=hard, last_reviewed="2026-11-02", next_review_due="2027-11-02"),
        follow=True,
    )
    form_page = staff_client.get(f"/admin/info/page/{reviewed_page.pk}/change/").content.decode()

    warnings = [str(message) for message in response.context["messages"]]
    assert any("reads at US grade" in message and "grade 8 or below" in message for message in warnings)
    assert "too hard: aim for grade 8 or below" in form_page

"""The information pages as the migrations leave them: safe for people with FOP, with urgent help one
click away, sources on every medical page, and content updates that never overwrite staff edits."""

import datetime
import importlib
import re
from types import SimpleNamespace

import pytest
from django.apps import apps
from django.db import connection

from info.models import Page
from info.readability import text_blocks

pytestmark = pytest.mark.django_db

CONTENT = importlib.import_module("info.migrations.0004_corrected_plain_content")
FIRST = importlib.import_module("info.migrations.0002_first_content")
MEDICAL_PAGES = [
    "what-is-ho",
    "symptoms-and-urgent-help",
    "causes-and-risk-factors",
    "diagnosis",
    "treatment-options",
    "fop",
]


def page_text(client, slug) -> str:
    html = client.get(f"/info/{slug}/").content.decode()
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


@pytest.mark.parametrize("slug", ["causes-and-risk-factors", "diagnosis", "treatment-options"])
def test_fop_notice_is_on_the_causes_diagnosis_and_treatment_pages(client, slug):
    html = client.get(f"/info/{slug}/").content.decode()

    assert '<h2 id="fop-notice-heading" class="h5">If you have FOP, or it might be FOP</h2>' in html
    assert '<a href="/info/fop/">Read about FOP</a>' in html
    # Before the page's own advice, right after the lead.
    assert html.index("fop-notice-heading") < html.index("</p>", html.index('class="lead"')) + 200


def test_fop_notice_is_not_on_pages_without_it(client):
    assert "fop-notice-heading" not in client.get("/info/what-is-ho/").content.decode()


def test_fop_page_says_what_keeps_people_with_fop_safe(client):
    text = page_text(client, "fop")

    for fact in [
        "genetic test for a change in the ACVR1 gene",
        "A biopsy is not the way to test for FOP",
        "No surgery to take out bone.",
        "No shots into a muscle.",
        "including some vaccines",
        "nerve block",
        "Prevent falls.",
        "Show this page to every doctor, nurse and dentist",
        "In 2023, the US Food and Drug Administration (FDA) approved palovarotene (Sohonos) for FOP.",
        "please call us before you book",
    ]:
        assert fact in text, fact
    assert 'href="https://www.ifopa.org/"' in client.get("/info/fop/").content.decode()


def test_treatment_page_states_the_corrections(client):
    text = page_text(client, "treatment-options")

    for fact in [
        "Some NSAIDs also help prevent HO.",
        "indomethacin or a COX-2 inhibitor",
        "Etidronate is a bisphosphonate",
        "These medicines do not take away bone that has already formed.",
        "Do not start or stop a medicine without asking your doctor first.",
        "They can cause bleeding and sores (ulcers) in the stomach. They can harm the kidneys.",
        "about 7 to 8 Gy",
        "in the day before surgery, often a few hours before, or in the three days after it",
        "Surgeons often wait until the new bone has stopped growing.",
        "HO can come back after surgery.",
    ]:
        assert fact in text, fact
    assert "do not prevent further bone growth" not in text


def test_symptoms_page_says_when_to_call_the_emergency_number(client):
    text = page_text(client, "symptoms-and-urgent-help")

    assert "Call 911 or go to the nearest emergency room now if you have:" in text
    assert "sudden trouble breathing, or chest pain. It may be a blood clot in the lung." in text
    assert "a swollen, painful calf or leg. It may be a blood clot in a vein." in text
    for sign in ["pain that gets worse", "swelling", "warm or looks red", "stiff", "a mild fever"]:
        assert sign in text


def test_home_page_and_every_information_page_link_to_urgent_help(client):
    link = 'href="/info/symptoms-and-urgent-help/"'
    others = Page.objects.published().exclude(slug="symptoms-and-urgent-help")

    assert link in client.get("/").content.decode()
    missing = [page.slug for page in others if link not in client.get(page.get_absolute_url()).content.decode()]
    assert missing == []
    assert others.count() >= 6


def test_every_medical_page_cites_external_sources(client):
    for slug in MEDICAL_PAGES:
        html = client.get(f"/info/{slug}/").content.decode()
        sources = html[
            html.index('id="sources-heading"') : html.index("</section>", html.index('id="sources-heading"'))
        ]
        links = re.findall(r'href="(https://[^"]+)"', sources)
        assert len(links) >= 1, slug
        assert not any("127.0.0.1" in link or "/info/" in link for link in links), slug


def content_words(text: str) -> set[str]:
    return {word for word in re.findall(r"[a-z]+", text.lower()) if len(word) >= 4}


def test_no_published_page_repeats_its_lead_as_its_first_paragraph():
    """The lead (the summary) is shown above the body: the body must not say it again."""
    shared = {}
    for page in Page.objects.published():
        lead, first = content_words(page.summary), content_words(text_blocks(page.body_html)[0])
        shared[page.slug] = round(len(lead & first) / len(lead), 2)

    assert {slug: share for slug, share in shared.items() if share >= 0.5} == {}


def test_unreviewed_page_says_so_and_reviewed_page_names_the_clinician(client, make_page):
    reviewed = make_page(
        slug="signed",
        reviewed_by="Dr. Maya Okafor, Physiatrist",
        last_reviewed=datetime.date(2026, 11, 2),
        next_review_due=datetime.date(2027, 11, 2),
    )

    assert "This version of the page has not yet been reviewed by a clinician." in page_text(client, "fop")
    assert "Reviewed by Dr. Maya Okafor, Physiatrist on 2 November 2026. Next review due November 2027." in (
        page_text(client, reviewed.slug)
    )


def run_migration(function):
    function(apps, SimpleNamespace(connection=connection))


def test_content_migration_updates_pages_staff_never_edited_and_keeps_their_edits():
    run_migration(CONTENT.restore_first_content)
    edited = Page.objects.get(slug="diagnosis")
    edited.body = "Our own text about scans."
    edited.save()

    run_migration(CONTENT.update_pages)

    new = {data["slug"]: data for data in CONTENT.PAGES}
    treatment = Page.objects.get(slug="treatment-options")
    edited.refresh_from_db()
    assert (treatment.body, treatment.fop_notice, treatment.reviewed_by) == (
        new["treatment-options"]["body"],
        True,
        "",
    )
    assert edited.body == "Our own text about scans."
    assert edited.next_review_due == datetime.date.today()
    assert Page.objects.filter(slug__in=["fop", "symptoms-and-urgent-help"], published=True).count() == 2


def test_content_migration_backwards_restores_the_first_content():
    run_migration(CONTENT.restore_first_content)

    treatment = Page.objects.get(slug="treatment-options")
    assert treatment.body == next(data["body"] for data in FIRST.PAGES if data["slug"] == "treatment-options")
    assert not Page.objects.filter(slug__in=["fop", "symptoms-and-urgent-help"]).exists()

"""The information pages as the migrations leave them: safe for people with FOP, with urgent help one
click away, sources on every medical page, and content updates that never overwrite staff edits."""

import datetime
import importlib
import re
from types import SimpleNamespace

import pytest
from django.apps import apps
from django.db import connection

from info.models import Page, VisitInfo
from info.readability import text_blocks

pytestmark = pytest.mark.django_db

CONTENT = importlib.import_module("info.migrations.0004_corrected_plain_content")
REVIEWED = importlib.import_module("info.migrations.0006_reviewed_content")
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
        "in the hours before surgery, on the same day, or in the three days after it",
        "Surgeons often wait until the new bone has stopped growing.",
        "HO can come back after surgery.",
    ]:
        assert fact in text, fact
    assert "do not prevent further bone growth" not in text


def test_fop_notice_asks_for_vaccines_under_the_skin_and_no_stretching_by_others(client):
    html = client.get("/info/treatment-options/").content.decode()
    notice = html[html.index('<aside class="fop-notice') : html.index("</aside>")]

    assert "<li>Do not have shots into a muscle. Ask for vaccines to go under the skin.</li>" in notice
    assert "<li>Do not let anyone stretch a stiff joint or force it to move.</li>" in notice
    assert "This includes some vaccines." not in notice


def test_treatment_page_names_every_boxed_nsaid_risk_and_when_to_call_911(client):
    text = page_text(client, "treatment-options")

    assert "They can raise the risk of a heart attack or a stroke." in text
    assert "kidney problems or heart problems, or if you take a blood thinner" in text
    assert "Call 911 if you have chest pain, trouble breathing, or sudden weakness on one side of your body." in text
    assert "You take it for a short time after surgery. Your surgeon will tell you how long." in text
    assert "Most often you get one low dose of radiation, about 7 to 8 Gy." in text
    assert "Your radiation doctor will talk with you about the risks." in text


def test_fop_page_keeps_vaccines_and_activity_safe_and_names_both_approved_medicines(client):
    text = page_text(client, "fop")

    assert "Some vaccines can only go into a muscle: ask your FOP doctor about these." in text
    assert "No stretching by others. Do not let anyone force a stiff joint to move." in text
    assert "The FDA has since approved garetosmab (Pasatru) for adults with FOP." in text
    assert "Proc Intl Clin Council FOP" not in text


def test_what_is_ho_warns_people_with_fop_next_to_the_treatments(client):
    text = page_text(client, "what-is-ho")

    treatments = text.index("Physical therapy helps you keep your joints moving.")
    warning = text.index("If you have FOP, or it might be FOP, some of these treatments can harm you.")
    assert treatments < warning < text.index("When to get help")
    assert "Surgery to take out bone is never done for FOP." in text


def test_diagnosis_page_names_the_scans_that_find_early_ho(client):
    text = page_text(client, "diagnosis")

    assert "A bone scan can find HO weeks before an X-ray can." in text
    assert "An ultrasound scan uses sound waves to make a picture. It can show early HO." in text
    assert "In the first few weeks, new bone may not show on an X-ray yet." in text


def test_symptoms_page_says_when_to_call_the_emergency_number(client):
    text = page_text(client, "symptoms-and-urgent-help")

    assert "Call 911 or go to the nearest emergency room now if you have:" in text
    assert "sudden trouble breathing, or chest pain. It may be a blood clot in the lung." in text
    assert "a swollen, painful calf or leg. It may be a blood clot in a vein." in text
    for sign in ["pain that gets worse", "swelling", "warm or looks red", "stiff", "a mild fever"]:
        assert sign in text
    assert "In an emergency, tell the team that you have FOP, and show them our FOP page" in text


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


def test_review_migration_updates_pages_unchanged_since_0004_and_keeps_staff_edits():
    run_migration(REVIEWED.restore_previous)
    edited = Page.objects.get(slug="fop")
    edited.body = "Our own FOP text."
    edited.save()

    run_migration(REVIEWED.update_pages)

    new = {data["slug"]: data for data in REVIEWED.PAGES}
    treatment = Page.objects.get(slug="treatment-options")
    edited.refresh_from_db()
    assert (treatment.body, treatment.sources, treatment.reviewed_by, treatment.last_reviewed) == (
        new["treatment-options"]["body"],
        new["treatment-options"]["sources"],
        "",
        None,
    )
    assert "heart attack" in treatment.body_html
    assert edited.body == "Our own FOP text."
    assert edited.next_review_due == datetime.date.today()


def test_review_migration_leaves_a_page_that_already_has_the_reviewed_text_alone():
    page = Page.objects.get(slug="diagnosis")
    page.next_review_due = datetime.date(2030, 1, 1)
    page.save()

    run_migration(REVIEWED.update_pages)

    page.refresh_from_db()
    assert page.next_review_due == datetime.date(2030, 1, 1)


def test_review_migration_backwards_restores_0004_text_but_not_over_staff_edits():
    edited = Page.objects.get(slug="what-is-ho")
    edited.summary = "Our own summary."
    edited.save()

    run_migration(REVIEWED.restore_previous)

    previous = {data["slug"]: data for data in CONTENT.PAGES}
    edited.refresh_from_db()
    assert Page.objects.get(slug="treatment-options").body == previous["treatment-options"]["body"]
    assert edited.summary == "Our own summary."
    assert edited.body == REVIEWED.PAGES[0]["body"]


def test_review_migration_marks_the_referral_policy_as_demo_text_unless_staff_changed_it():
    visit_info = VisitInfo.objects.get()
    assert visit_info.referrals == REVIEWED.REFERRALS_AFTER
    assert visit_info.referrals.endswith("(Demo text: the clinic replaces this in the admin.)")

    run_migration(REVIEWED.restore_previous)
    visit_info.refresh_from_db()
    assert visit_info.referrals == REVIEWED.REFERRALS_BEFORE

    visit_info.referrals = "A referral from your doctor is needed."
    visit_info.save()
    run_migration(REVIEWED.update_pages)
    visit_info.refresh_from_db()
    assert visit_info.referrals == "A referral from your doctor is needed."

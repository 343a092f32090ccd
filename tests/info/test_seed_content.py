"""Every statement of the clinic's original page (docs/seed/clinic-ho-page.txt) is on the site.

The test walks the seed's sentences and looks for each in the published information pages,
as a patient would read them (fetched over HTTP from /info/ and the pages it links to).
"""

import re
from html import unescape
from pathlib import Path

import pytest

SEED = Path(__file__).resolve().parents[2] / "docs" / "seed" / "clinic-ho-page.txt"

# Page furniture of the old site, not statements about HO.
NOT_STATEMENTS = {"heterotopic ossification", "share this", "make an appointment! go there"}

# Where the site tidied the wording, the tidied version (normalised) that must appear instead.
TIDIED = {
    "ho can occur as a complication of a variety of medical conditions and procedures including": (
        "ho can occur as a complication of a variety of medical conditions and procedures"
    ),
}


def normalise(text: str) -> str:
    text = unescape(text).lower()
    text = re.sub(r"\(fop\)", "", text)
    text = re.sub(r"[^a-z0-9]+", " ", text)
    return " ".join(text.split())


def seed_statements() -> list[str]:
    raw = SEED.read_text(encoding="utf-8")
    # Drop list numbers and bullets, then split into sentences and list items' lead-ins.
    raw = re.sub(r"^\s*(\d+\.|•|\|)\s*", "", raw, flags=re.MULTILINE)
    pieces = re.split(r"(?<=[.?!:])\s+|\n+", raw)
    statements = []
    for piece in pieces:
        text = normalise(piece)
        if not text or text in NOT_STATEMENTS or len(text.split()) < 3:
            continue
        statements.append(text)
    return statements


def site_text(client) -> str:
    index = client.get("/info/")
    assert index.status_code == 200
    slugs = re.findall(r'href="/info/([a-z0-9-]+)/"', index.content.decode())
    assert len(set(slugs)) >= 4
    texts = []
    for slug in dict.fromkeys(slugs):
        response = client.get(f"/info/{slug}/")
        assert response.status_code == 200
        main = response.content.decode().split('<main id="main"', 1)[1]
        texts.append(re.sub(r"<[^>]+>", " ", main))
    return normalise(" ".join(texts))


def test_seed_has_the_statements_we_expect():
    statements = seed_statements()

    assert len(statements) >= 20
    assert "diagnosis of ho may involve imaging studies such as x rays ct scans or mri" in statements


@pytest.mark.django_db
def test_every_seed_statement_appears_on_the_information_pages(client):
    text = site_text(client)

    missing = [s for s in seed_statements() if TIDIED.get(s, s) not in text]

    assert missing == []


@pytest.mark.django_db
def test_first_content_has_the_four_required_pages(client):
    for slug, heading in [
        ("what-is-ho", "What is heterotopic ossification?"),
        ("causes-and-risk-factors", "Causes and risk factors"),
        ("diagnosis", "Diagnosis"),
        ("treatment-options", "Treatment options"),
    ]:
        response = client.get(f"/info/{slug}/")
        assert response.status_code == 200
        assert f'<h1 id="page-title">{heading}</h1>' in response.content.decode()


@pytest.mark.django_db
def test_causes_page_names_each_cause_and_fop(client):
    text = normalise(client.get("/info/causes-and-risk-factors/").content.decode())

    for phrase in ["trauma", "orthopedic surgeries", "neurological conditions", "genetic disorders"]:
        assert phrase in text
    assert "fibrodysplasia ossificans progressiva" in text
    assert "fop" in text

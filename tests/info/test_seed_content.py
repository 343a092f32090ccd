"""Every statement of the clinic's original page (docs/seed/clinic-ho-page.txt) is on the site, or its
change is documented.

The test walks the seed's sentences and looks for each in the published information pages, as a
patient would read them (fetched over HTTP from /info/ and the pages it links to). A statement the
site no longer says word for word must be listed in docs/content-decisions.md ("Seed statements")
as a correction or a plain-language rewording, with the text the site says now; a correction also
names its sources.
"""

import re
from dataclasses import dataclass, field
from html import unescape
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SEED = ROOT / "docs" / "seed" / "clinic-ho-page.txt"
DECISIONS = ROOT / "docs" / "content-decisions.md"

# Page furniture of the old site, not statements about HO.
NOT_STATEMENTS = {"heterotopic ossification", "share this", "make an appointment! go there"}
KINDS = {"correction", "plain language"}


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


@dataclass
class Decision:
    old: str
    kind: str = ""
    now: list[str] = field(default_factory=list)
    sources: list[str] = field(default_factory=list)


def read_decisions(markdown: str) -> list[Decision]:
    """The entries of the "Seed statements" section: `- Old: "..."`, then Kind, Now and Source lines."""
    section = markdown.split("\n## Seed statements", 1)[1].split("\n## ", 1)[0]
    decisions: list[Decision] = []
    for line in section.splitlines():
        found = re.match(r"- (Old|Kind|Now|Source): ?(.*)$", line.strip())
        if not found:
            continue
        key, value = found.groups()
        value = value.strip()
        if key == "Old":
            decisions.append(Decision(old=value.strip('"')))
        elif not decisions:
            raise ValueError(f"{key} before any Old: {line!r}")
        elif key == "Kind":
            decisions[-1].kind = value
        elif key == "Now":
            decisions[-1].now.append(value.strip('"'))
        else:
            decisions[-1].sources.append(value)
    return decisions


def seed_problems(statements: list[str], site: str, decisions: list[Decision]) -> list[str]:
    """What is wrong: seed statements changed without a documented decision, decisions whose new text
    is not on the site, corrections without a source, and decisions about no seed statement."""
    documented = {normalise(decision.old): decision for decision in decisions}
    problems = []
    for statement in statements:
        if statement in site:
            continue
        decision = documented.get(statement)
        if decision is None:
            problems.append(f"changed without a documented decision: {statement!r}")
            continue
        if decision.kind not in KINDS:
            problems.append(f"kind must be one of {sorted(KINDS)}: {statement!r} has {decision.kind!r}")
        if not decision.now:
            problems.append(f"no 'Now' text for {statement!r}")
        problems += [f"'Now' text not on the site: {now!r}" for now in decision.now if normalise(now) not in site]
        if decision.kind == "correction" and not decision.sources:
            problems.append(f"correction without a source: {statement!r}")
    problems += [f"decision about no seed statement: {old!r}" for old in documented if old not in statements]
    return problems


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


def test_content_decisions_document_the_harmful_nsaid_sentence_as_a_correction_with_sources():
    decisions = {normalise(d.old): d for d in read_decisions(DECISIONS.read_text(encoding="utf-8"))}

    harmful = decisions["however these medications do not prevent further bone growth"]

    assert harmful.kind == "correction"
    assert harmful.sources
    assert harmful.now == ["These medicines do not take away bone that has already formed."]


@pytest.mark.django_db
def test_every_seed_statement_is_on_the_site_or_its_change_is_documented(client):
    decisions = read_decisions(DECISIONS.read_text(encoding="utf-8"))

    problems = seed_problems(seed_statements(), site_text(client), decisions)

    assert problems == []


def test_seed_problems_reports_a_change_that_is_not_documented():
    statements = ["ho can occur spontaneously", "surgery may be necessary"]
    site = normalise("HO can occur spontaneously. Surgery is sometimes needed.")

    problems = seed_problems(statements, site, decisions=[])

    assert problems == ["changed without a documented decision: 'surgery may be necessary'"]


def test_seed_problems_reports_a_documented_text_that_is_not_on_the_site():
    statements = ["surgery may be necessary"]
    decisions = [Decision(old="Surgery may be necessary.", kind="plain language", now=["Surgery may be needed."])]

    problems = seed_problems(statements, normalise("Surgery is sometimes done."), decisions)

    assert problems == ["'Now' text not on the site: 'Surgery may be needed.'"]


def test_seed_problems_accepts_a_documented_correction_and_refuses_one_without_source():
    statements = ["nsaids do not prevent bone growth"]
    site = normalise("NSAIDs help prevent HO.")
    documented = Decision(old="NSAIDs do not prevent bone growth.", kind="correction", now=["NSAIDs help prevent HO."])

    without_source = seed_problems(statements, site, [documented])
    documented.sources.append("Cochrane review CD001160")
    with_source = seed_problems(statements, site, [documented])

    assert without_source == ["correction without a source: 'nsaids do not prevent bone growth'"]
    assert with_source == []


def test_seed_problems_reports_an_unknown_kind_and_a_stale_decision():
    statements = ["surgery may be necessary"]
    decisions = [
        Decision(old="Surgery may be necessary.", kind="tidied", now=["Surgery may be needed."]),
        Decision(old="A sentence the old page never had.", kind="plain language", now=["x"]),
    ]

    problems = seed_problems(statements, normalise("Surgery may be needed."), decisions)

    assert problems == [
        "kind must be one of ['correction', 'plain language']: 'surgery may be necessary' has 'tidied'",
        "decision about no seed statement: 'a sentence the old page never had'",
    ]


def test_read_decisions_reads_old_kind_now_and_source_lines():
    markdown = (
        "# Title\n\n## Seed statements\n\n### S1\n\n"
        '- Old: "A."\n- Kind: correction\n- Now: "B."\n- Now: "C."\n- Source: D.\n\n'
        '## Review per page\n\n- Old: "not read"\n'
    )

    assert read_decisions(markdown) == [Decision(old="A.", kind="correction", now=["B.", "C."], sources=["D."])]


@pytest.mark.django_db
def test_first_content_has_the_required_pages(client):
    for slug, heading in [
        ("what-is-ho", "What is heterotopic ossification?"),
        ("symptoms-and-urgent-help", "Symptoms and when to get urgent help"),
        ("causes-and-risk-factors", "Causes and risk factors"),
        ("diagnosis", "Diagnosis"),
        ("treatment-options", "Treatment options"),
        ("fop", "FOP (fibrodysplasia ossificans progressiva)"),
    ]:
        response = client.get(f"/info/{slug}/")
        assert response.status_code == 200
        assert f'<h1 id="page-title">{heading}</h1>' in response.content.decode()


@pytest.mark.django_db
def test_causes_page_names_each_cause_and_fop(client):
    text = normalise(client.get("/info/causes-and-risk-factors/").content.decode())

    for phrase in ["injuries", "bone and joint surgery", "brain and spinal cord injury", "genetic conditions"]:
        assert phrase in text
    assert "fibrodysplasia ossificans progressiva" in text
    assert "fop" in text

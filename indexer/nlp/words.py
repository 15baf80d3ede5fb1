"""What a word is, for every engine and every step: letters and digits, folded.

`fold` lower-cases and strips diacritics ("Patiënten" -> "patienten"); `WORD` finds the words
of a text; `plain_tokens` is a text as the positional fields hold it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from indexer.pages.normalise import fold as _fold_text

MAX_WORD = 64  # longer "words" (hashes, base64, runs of letters) are not indexed as terms


def fold(text: str) -> str:
    """Lower-case and strip diacritics ("Patiënten" -> "patienten"); fast for plain ASCII."""
    return text.lower() if text.isascii() else _fold_text(text)


# Letters and digits; everything else (punctuation, query syntax, hyphens) separates words.
# The Dutch clitic 's after an apostrophe is no word of its own: "foto's", "menu's" and
# "programma's" are the word before it ("foto"), and "'s-Hertogenbosch" is "Hertogenbosch".
# (Else every such word would add a term "s", and a search for "programma's" would need it.)
WORD = re.compile(r"(?<!['’])[^\W_]+|(?<=['’])(?![sS](?![^\W_]))[^\W_]+")


@dataclass(frozen=True)
class Token:
    """A word of a text: its surface form and character offsets."""

    text: str
    start: int
    end: int

    @property
    def folded(self) -> str:
        return fold(self.text)


def tokenize(text: str) -> list[Token]:
    """The words of `text` (letters and digits) with their offsets; punctuation is dropped."""
    return [Token(m.group(), m.start(), m.end()) for m in WORD.finditer(text)]


_CACHED_TEXT = 4_000  # longest text whose words are remembered (a passage, not a whole page)


def folded_words(text: str) -> tuple[str, ...]:
    """The folded words of `text` in order (letters and digits, at most MAX_WORD long):
    `fold` of each word of `WORD.findall(text)`.

    The text is lower-cased once and only its words with letters beyond ASCII are folded
    one by one (lower-casing keeps word boundaries, except a dotted capital I: those texts
    take the slow path). Short texts are remembered: indexing reads each passage's words for
    its terms, stems and positional field; a whole page is not kept (a worker's memory).
    """
    return _remembered_words(text) if len(text) <= _CACHED_TEXT else _folded_words(text)


@lru_cache(maxsize=256)
def _remembered_words(text: str) -> tuple[str, ...]:
    return _folded_words(text)


def _folded_words(text: str) -> tuple[str, ...]:
    lowered = text.lower()
    if "\u0307" in lowered and "\u0307" not in text:
        return tuple(fold(w) for w in WORD.findall(text) if len(w) <= MAX_WORD)
    words = [w for w in WORD.findall(lowered) if len(w) <= MAX_WORD]
    if lowered.isascii():
        return tuple(words)
    folded: dict[str, str] = {}
    for i, word in enumerate(words):
        if not word.isascii():
            form = folded.get(word)
            if form is None:
                form = folded[word] = _fold_text(word)
            words[i] = form
    return tuple(words)


def plain_tokens(text: str) -> str:
    """The folded words of `text` joined by single spaces: the text of the positional
    `plain` fields, where phrases and title proximity are matched word by word."""
    return " ".join(folded_words(text))

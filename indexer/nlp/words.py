"""What a word is, for every engine and every step: letters and digits, folded.

`fold` lower-cases and strips diacritics ("Patiënten" -> "patienten"); `WORD` finds the words
of a text; `plain_tokens` is a text as the positional fields hold it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

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


def plain_tokens(text: str) -> str:
    """The folded words of `text` joined by single spaces: the text of the positional
    `plain` fields, where phrases and title proximity are matched word by word."""
    return " ".join(fold(w) for w in WORD.findall(text) if len(w) <= MAX_WORD)

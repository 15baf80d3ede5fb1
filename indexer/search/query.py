"""What a visitor typed, as a typed `ParsedQuery`: never handed to a query parser as syntax.

The only syntax we honour: "quoted phrases" (quotes at word boundaries) and `-word`
exclusions. A hyphen is Dutch text everywhere else: inside a word ("e-mail", "ADHD-diagnose",
"10-jarig"), at its end ("in- en uitvoer") and before a word after "en", "of" or "tot", where
Dutch leaves out the shared part of a compound ("datum en -tijd", "spier- of -zenuwpijn"):
such a word is searched, not excluded, as it is in a query of more than six words (a sentence
written or pasted, not keywords). Repeated words count once; at most 16 words (and 4
phrases) are searched. Everything else that looks like query syntax (`title:x`, `*`, `/.*/`,
`~`, `\\`, brackets) is punctuation between words. An unmatched quote is punctuation too.
Whether a query can be searched at all, and how deep a visitor may page, is decided here
(`QueryError` otherwise).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from indexer.errors import QueryError
from indexer.nlp.words import tokenize
from indexer.pages.normalise import fold, normalise_text

# Each word costs a few dozen term queries: repeated words count once, and words beyond these
# limits are not searched (a search box query of 500 characters stays fast).
MAX_WORDS = 16
MAX_PHRASES = 4
# A quoted phrase opens after a space (or at the start) and closes before one (or at the end,
# or punctuation): a quote inside a word (`deb"-bestanden`, pasted text) quotes nothing.
_PHRASE = re.compile(r'(?:(?<=\s)|^)"([^"]*)"(?=[\s.,;:!?)]|$)')
_EXCLUDED = re.compile(r"(?:(?<=\s)|^)-(\w+)")
# After these words a leading hyphen marks a left-out compound part, not an exclusion.
_ELIDING = frozenset({"en", "of", "tot", "&"})
# A query of more words than this is text a visitor wrote or pasted ("ld: cannot find
# -lfoo"), where a leading hyphen is part of a word: exclusions are for keyword queries.
MAX_EXCLUDING_WORDS = 6


@dataclass(frozen=True)
class ParsedQuery:
    """A visitor's query: words (all should match), phrases (in order), excluded words.

    Words and phrase words are as typed (folding is the analyzer's job); `text` is the
    normalised query.
    """

    text: str
    words: tuple[str, ...] = ()
    phrases: tuple[tuple[str, ...], ...] = ()
    excluded: tuple[str, ...] = ()

    @property
    def is_empty(self) -> bool:
        """Nothing to search for (only punctuation, exclusions or blanks)."""
        return not self.words and not self.phrases

    def all_words(self) -> tuple[str, ...]:
        """Words and phrase words, in order, without duplicates (for snippets, suggestions)."""
        seen: dict[str, None] = {}
        for word in (*self.words, *(w for p in self.phrases for w in p)):
            seen.setdefault(word, None)
        return tuple(seen)


def parse_query(text: str, max_chars: int = 500) -> ParsedQuery:
    """Parse a visitor's text; raise QueryError when it is longer than `max_chars`."""
    if len(text) > max_chars:
        raise QueryError(f"query is too long: {len(text)} characters, the limit is {max_chars}")
    clean = normalise_text(text).replace("\n", " ").strip()
    phrases: list[tuple[str, ...]] = []

    def take_phrase(match: re.Match[str]) -> str:
        words = tuple(t.text for t in tokenize(match.group(1)))
        if len(words) == 1:
            return f" {words[0]} "  # a quoted single word is just that word
        if words:
            phrases.append(words)
        return " "

    rest = _PHRASE.sub(take_phrase, clean)
    exclusions = [m for m in _EXCLUDED.finditer(rest) if not _elided(rest, m.start())]
    if len(tokenize(rest)) > MAX_EXCLUDING_WORDS:
        exclusions = []
    excluded = tuple(dict.fromkeys(fold(m.group(1)) for m in exclusions))
    for match in reversed(exclusions):
        rest = rest[: match.start()] + " " + rest[match.end() :]
    unique: dict[str, str] = {}
    for token in tokenize(rest):
        unique.setdefault(token.folded, token.text)
    return ParsedQuery(
        text=clean,
        words=tuple(unique.values())[:MAX_WORDS],
        phrases=tuple(p[:MAX_WORDS] for p in phrases[:MAX_PHRASES]),
        excluded=excluded[:MAX_WORDS],
    )


def _elided(text: str, hyphen: int) -> bool:
    """Whether the hyphen at `hyphen` follows "en", "of" or "tot" ("datum en -tijd")."""
    before = text[:hyphen].split()
    return bool(before) and before[-1].lower() in _ELIDING


def fuzzy_distance(word: str) -> int:
    """Edits tolerated in a word: none below 5 letters, 1 from 5, 2 from 9 (never the first)."""
    length = len(word)
    if length >= 9:
        return 2
    if length >= 5:
        return 1
    return 0


def check_paging(page: int, size: int, max_page_size: int, max_result_window: int) -> int:
    """The offset of the first hit; raise QueryError when the page is too large or too deep."""
    if page < 1:
        raise QueryError(f"page must be 1 or more, not {page}")
    if size < 1:
        raise QueryError(f"size must be 1 or more, not {size}")
    if size > max_page_size:
        raise QueryError(f"size {size} is too large: at most {max_page_size} hits per page")
    if page * size > max_result_window:
        raise QueryError(
            f"page {page} of {size} hits is too deep: at most {max_result_window} results"
        )
    return (page - 1) * size


def checked_request(
    query: str,
    page: int,
    size: int,
    has_filters: bool,
    max_chars: int,
    max_page_size: int,
    max_result_window: int,
) -> tuple[ParsedQuery, int]:
    """What both engines do first with a search request: the parsed query and the offset of
    the first hit. Raises QueryError (too long, too deep, or nothing to search without a
    label/entity filter)."""
    parsed = parse_query(query, max_chars)
    offset = check_paging(page, size, max_page_size, max_result_window)
    if parsed.is_empty and not has_filters:
        raise QueryError("nothing to search for: type one or more words")
    return parsed, offset

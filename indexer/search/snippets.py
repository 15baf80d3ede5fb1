"""Highlighted snippets and the choice of a hit's best section, shared by both engines.

A snippet is HTML: the text is escaped first (`html.escape`), and only then are our own
`<mark>` tags put around the words that match the query. Nothing else of the page's text can
become markup, whatever it contains.
"""

from __future__ import annotations

import html
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property, lru_cache
from typing import Any

from rapidfuzz.distance import OSA

from indexer.nlp.analysis import Analyzer, compound_runs, decompound, lemma_of, stem_of
from indexer.nlp.words import WORD, fold
from indexer.search.query import ParsedQuery, fuzzy_distance

SNIPPET_CHARS = 220
_ELLIPSIS = "…"
_MAX_WINDOWS = 50  # windows tried, one starting before each of the first matches
_MIN_STEM = 5  # an inflected form ("depressieve") marks when it extends a lemma this long


@lru_cache(maxsize=200_000)
def _word_forms(word: str) -> tuple[str, str, tuple[str, ...], str]:
    """A word of a text (as it stands) folded, its folded lemma, its compound parts and its
    stem: the same for every query, so worked out once per process for each distinct word."""
    folded = fold(word)
    return folded, lemma_of(folded), decompound(folded), stem_of(folded)


@dataclass(frozen=True)
class Matcher:
    """Decides which words of a text match a query (the same rules as the query builder)."""

    forms: frozenset[str]
    fuzzy: tuple[str, ...]
    excluded: frozenset[str]
    stems: frozenset[str] = frozenset()
    # The words (as they stand) already decided, and those of them that match: a page
    # repeats its words, a query is matched against many texts.
    _seen: set[str] = field(default_factory=set, compare=False, repr=False)
    _hits: set[str] = field(default_factory=set, compare=False, repr=False)
    _texts: dict[str, set[str]] = field(default_factory=dict, compare=False, repr=False)

    @classmethod
    def for_query(
        cls, query: ParsedQuery, analyzer: Analyzer, typos: Iterable[str] | None = None
    ) -> Matcher:
        """The matcher of a query's words. A word of the text within the typo distance of a
        query word matches too: of every query word, or only of `typos` (folded) when given
        (the words the index did not know, which the engine matched by their typos)."""
        allowed = None if typos is None else frozenset(typos)
        forms: set[str] = set()
        stems: set[str] = set()
        fuzzy: list[str] = []
        for word in query.all_words():
            if analyzer.is_stopword(word) and len(query.all_words()) > 1:
                continue
            variants = analyzer.variants(word)
            forms |= variants.forms
            forms.update(variants.parts)
            stems.add(stem_of(variants.word))
            if fuzzy_distance(variants.word) and (allowed is None or variants.word in allowed):
                fuzzy.append(variants.word)
        # Words typed apart that the page has as one compound ("hoofd pijn": hoofdpijn).
        for run in compound_runs(analyzer.content_words(query.words)):
            forms.update(run.terms)
        return cls(frozenset(forms), tuple(fuzzy), frozenset(query.excluded), frozenset(stems))

    def with_forms(self, forms: Iterable[str]) -> Matcher:
        """The same matcher, also matching `forms` (e.g. the engine's fuzzy expansions)."""
        return Matcher(self.forms | frozenset(forms), self.fuzzy, self.excluded, self.stems)

    def matching_words(self, text: str) -> set[str]:
        """The distinct words of `text` (as they stand) that match the query."""
        known = self._texts.get(text)
        if known is not None:  # the passage chosen, highlighted after it was weighed
            return known
        words = set(WORD.findall(text))
        new = words.difference(self._seen)
        if new:
            self._decide(new)
        found = self._texts[text] = words & self._hits
        return found

    @cached_property
    def _stems(self) -> frozenset[str]:
        """The forms long enough (_MIN_STEM letters) for an inflected word to extend."""
        return frozenset(form for form in self.forms if len(form) >= _MIN_STEM)

    @cached_property
    def _typo_distances(self) -> tuple[tuple[str, int], ...]:
        """Each word matched within a typo distance, with that distance."""
        return tuple((word, fuzzy_distance(word)) for word in self.fuzzy)

    def _decide(self, words: set[str]) -> None:
        for word in words:
            if self._matches(*_word_forms(word)):
                self._hits.add(word)
        self._seen.update(words)

    def _matches(self, folded: str, lemma: str, parts: tuple[str, ...], stem: str) -> bool:
        if len(folded) < 2 or folded in self.excluded:
            return False
        forms = self.forms
        if folded in forms or lemma in forms or not forms.isdisjoint(parts) or stem in self.stems:
            return True
        # An inflected form: the word extends a form of at least _MIN_STEM letters by at
        # most 3 ("depressieve" for "depressie").
        stems = self._stems
        for cut in range(max(_MIN_STEM, len(folded) - 3), len(folded)):
            if folded[:cut] in stems:
                return True
        for word, distance in self._typo_distances:
            for candidate in (folded, *parts):
                if _near(candidate, word, distance):
                    return True
        return False


def _near(candidate: str, word: str, distance: int) -> bool:
    """Within `distance` OSA edits of `word`, first letter kept (the typo tolerance)."""
    return (
        candidate[0] == word[0]
        and abs(len(candidate) - len(word)) <= distance
        and OSA.distance(candidate, word, score_cutoff=distance) <= distance
    )


def highlight(text: str, matcher: Matcher, max_chars: int = SNIPPET_CHARS) -> str:
    """An HTML snippet of `text` around its best cluster of matching words.

    At most about `max_chars` characters of text (cut at word boundaries, "…" where cut);
    the start of the text when nothing matches.
    """
    marked = _occurrences(text, matcher.matching_words(text))
    start, end = _window(text, marked, max_chars)
    pieces: list[str] = [_ELLIPSIS] if start > 0 else []
    cursor = start
    for word_start, word_end, word in marked:
        if word_start < start or word_end > end:
            continue
        pieces.append(html.escape(text[cursor:word_start]))
        pieces.append(f"<mark>{html.escape(word)}</mark>")
        cursor = word_end
    pieces.append(html.escape(text[cursor:end]))
    if end < len(text):
        pieces.append(_ELLIPSIS)
    return "".join(pieces).strip()


Occurrence = tuple[int, int, str]  # where a word stands in a text: start, end, the word


def _occurrences(text: str, words: Iterable[str]) -> list[Occurrence]:
    """Every place where one of `words` (words of `text`) stands as a whole word, in order.

    A whole word is a maximal run of letters and digits, as `WORD` finds them; looking up the
    few matching words is cheaper than going through every word of the text.
    """
    found: list[Occurrence] = []
    for word in words:
        start = text.find(word)
        while start >= 0:
            end = start + len(word)
            if (start == 0 or not text[start - 1].isalnum()) and (
                end == len(text) or not text[end].isalnum()
            ):
                found.append((start, end, word))
            start = text.find(word, start + 1)
    found.sort()
    return found


def _window(text: str, marked: Sequence[Occurrence], max_chars: int) -> tuple[int, int]:
    """The span of at most `max_chars` holding the most distinct matching words."""
    if len(text) <= max_chars:
        return 0, len(text)
    best_start, best_score = 0, -1
    for i, (first_start, _, _) in enumerate(marked[:_MAX_WINDOWS]):
        start = max(0, first_start - max_chars // 4)
        inside = set()
        for _, word_end, word in marked[i:]:
            if word_end > start + max_chars:
                break
            inside.add(word.lower())
        if len(inside) > best_score:
            best_start, best_score = start, len(inside)
    start = _word_start(text, best_start)
    end = min(start + max_chars, len(text))
    if end < len(text) and text[end - 1].isalnum() and text[end].isalnum():
        cut = max(text.rfind(" ", start, end), text.rfind("\n", start, end))
        end = cut if cut > start else end
    return start, end


def _word_start(text: str, position: int) -> int:
    """The start of the first whole word at or after `position`."""
    if position <= 0:
        return 0
    match = WORD.search(text, position)
    if match is None:
        return position
    if match.start() == position and text[position - 1].isalnum():  # inside a word
        match = WORD.search(text, match.end())
        return match.start() if match else position
    return match.start()


@dataclass(frozen=True)
class PassageCandidate:
    """A passage of a hit's article as an engine scored it for the query."""

    score: float
    heading: str | None
    anchor: str | None
    text: str

    @classmethod
    def from_document(cls, score: float, doc: Mapping[str, Any]) -> PassageCandidate:
        """A candidate from a stored passage document (`indexer.search.documents` field names)."""
        return cls(
            score=score,
            heading=doc.get("section_heading") or None,
            anchor=doc.get("anchor") or None,
            text=str(doc.get("text") or ""),
        )


def best_passage(
    candidates: Iterable[PassageCandidate], matcher: Matcher
) -> PassageCandidate | None:
    """The passage that answers best: the most distinct matching words, then the best score."""
    best: tuple[int, float] | None = None
    chosen: PassageCandidate | None = None
    for candidate in candidates:
        distinct = len({w.lower() for w in matcher.matching_words(candidate.text)})
        key = (distinct, candidate.score)
        if best is None or key > best:
            best, chosen = key, candidate
    return chosen

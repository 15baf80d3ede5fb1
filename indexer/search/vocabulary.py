"""The words of an index version, for typo tolerance, "bedoelde u ...?" and completions.

Built by an engine from its own term dictionary (word -> number of documents), its article
titles and its entity values; pure Python from then on, so both engines can share it.
Distances are optimal string alignment (a swap of two neighbours is one edit), and the first
letter is never changed.
"""

from __future__ import annotations

import bisect
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cached_property

from rapidfuzz import process
from rapidfuzz.distance import OSA

from indexer.nlp.analysis import Analyzer, decompound, lemma_of
from indexer.nlp.words import tokenize
from indexer.pages.normalise import fold
from indexer.search.query import ParsedQuery, fuzzy_distance
from indexer.search.values import Completion

MAX_EXPANSIONS = 12
COMPLETION_LIMIT = 10
FUZZY_COMPLETION_FROM = 4  # letters typed before completions tolerate a typo


@dataclass(frozen=True)
class Title:
    text: str
    article_id: str
    folded: str


@dataclass
class Vocabulary:
    """Words with their document frequencies, titles and entity values of one version."""

    frequencies: dict[str, int]
    titles: list[Title] = field(default_factory=list)
    entities: list[tuple[str, int]] = field(default_factory=list)
    _by_letter: dict[str, list[str]] = field(default_factory=dict, repr=False)

    def __post_init__(self) -> None:
        for word in sorted(self.frequencies, key=lambda w: (-self.frequencies[w], w)):
            self._by_letter.setdefault(word[:1], []).append(word)

    @classmethod
    def build(
        cls,
        frequencies: Iterable[tuple[str, int]],
        titles: Iterable[tuple[str, str]] = (),
        entities: Iterable[tuple[str, int]] = (),
    ) -> Vocabulary:
        """From (word, document count) pairs, (title, article id) pairs, (entity, count)."""
        return cls(
            frequencies=dict(frequencies),
            titles=[Title(t, i, fold(t)) for t, i in titles],
            entities=sorted(entities, key=lambda e: (-e[1], e[0])),
        )

    def __contains__(self, word: object) -> bool:
        return isinstance(word, str) and word in self.frequencies

    @cached_property
    def lemmas(self) -> frozenset[str]:
        """The lemmas of the words (spaCy's Dutch lookup table), worked out on first use."""
        return frozenset(lemma_of(word) for word in self.frequencies)

    def has_form(self, word: str) -> bool:
        """Whether some form of `word` (folded) is in the index: the word itself, or a word
        with the same lemma ("hoofdpijn": the index has "hoofdpijnen")."""
        return word in self.frequencies or lemma_of(word) in self.lemmas

    def near(self, word: str, distance: int, limit: int = MAX_EXPANSIONS) -> list[str]:
        """Known words within `distance` edits of `word`, same first letter, most frequent first."""
        folded = fold(word)
        if distance < 1 or not folded:
            return []
        bucket = self._by_letter.get(folded[0], [])
        found = process.extract(
            folded, bucket, scorer=OSA.distance, score_cutoff=distance, limit=None
        )
        ranked = sorted(found, key=lambda f: (-self.frequencies[f[0]], f[1], f[0]))
        return [choice for choice, _, _ in ranked if choice != folded][:limit]

    @cached_property
    def _sorted(self) -> list[str]:
        return sorted(self.frequencies)

    def starting_with(self, prefix: str, limit: int) -> list[str]:
        """Known words that start with `prefix` (folded) and are longer, most frequent first."""
        words = self._sorted
        start = bisect.bisect_left(words, prefix)
        found = []
        for word in words[start:]:
            if not word.startswith(prefix):
                break
            if word != prefix:
                found.append(word)
        found.sort(key=lambda w: (-self.frequencies[w], w))
        return found[:limit]

    def typo_expansions(self, query: ParsedQuery) -> dict[str, list[str]]:
        """Per folded query word, the known words within its typo distance (first letter kept):
        what both engines add to a word's query, and what snippets mark too."""
        found = {}
        for word in query.all_words():
            folded = fold(word)
            distance = fuzzy_distance(folded)
            if distance and folded.isalpha():
                found[folded] = self.near(folded, distance)
        return found

    def knows(self, word: str, analyzer: Analyzer) -> bool:
        """Whether a visitor's word (or its lemma, or all its compound parts) is in the index."""
        variants = analyzer.variants(word)
        if any(form in self.frequencies for form in variants.forms):
            return True
        parts = decompound(word)
        return bool(parts) and all(p in self.frequencies for p in parts)

    def correct(
        self, query: ParsedQuery, analyzer: Analyzer, keep: frozenset[str] = frozenset()
    ) -> str | None:
        """ "Bedoelde u ...?": the query with each unknown word replaced by the most frequent
        known word within its edit distance (at least 1); None when nothing was corrected.
        Words in `keep` (folded) stay as typed (e.g. the start of a word, searched as such)."""
        changed = False
        words: list[str] = []
        for word in query.all_words():
            folded = fold(word)
            replacement = word
            if (
                folded not in keep
                and len(folded) >= 3
                and folded.isalpha()
                and not analyzer.is_stopword(folded)
                and not self.knows(folded, analyzer)
            ):
                near = self.near(folded, max(1, fuzzy_distance(folded)), limit=1)
                if near:
                    replacement, changed = near[0], True
            words.append(replacement)
        return " ".join(words) if changed else None

    def complete(self, prefix: str, limit: int = COMPLETION_LIMIT) -> list[Completion]:
        """Titles, entities and frequent words that start with `prefix`, or hold a word that
        does; from 4 letters on, one typo in the prefix is tolerated. At most 10."""
        wanted = " ".join(t.folded for t in tokenize(prefix))
        limit = max(0, min(limit, COMPLETION_LIMIT))
        if not wanted or limit == 0:
            return []
        found: dict[str, Completion] = {}

        def add(completion: Completion) -> None:
            found.setdefault(fold(completion.text), completion)

        for exact in (True, False):
            if not exact and len(wanted) < FUZZY_COMPLETION_FROM:
                break
            for title in self.titles:
                if _starts(title.folded, wanted, exact):
                    add(Completion(text=title.text, kind="title", article_id=title.article_id))
            for value, _ in self.entities:
                if _starts(fold(value), wanted, exact):
                    add(Completion(text=value, kind="entity"))
            last = wanted.rsplit(" ", 1)[-1]
            for word in self._by_letter.get(last[:1], []):
                if _prefix_matches(word, last, exact):
                    head = wanted[: len(wanted) - len(last)]
                    add(Completion(text=head + word, kind="term"))
                    if len(found) >= 3 * limit:
                        break
            if len(found) >= limit:
                break
        return list(found.values())[:limit]


def _starts(text: str, prefix: str, exact: bool) -> bool:
    """Whether `text` or one of its words starts with `prefix` (or nearly, when not exact)."""
    if exact:
        return text.startswith(prefix) or f" {prefix}" in f" {' '.join(text.split())}"
    words = [t.folded for t in tokenize(text)]
    return any(_prefix_matches(w, prefix, exact=False) for w in words)


def _prefix_matches(word: str, prefix: str, exact: bool) -> bool:
    if exact:
        return word.startswith(prefix)
    if word[:1] != prefix[:1] or len(word) < len(prefix) - 1:
        return False
    return min(
        OSA.distance(word[:n], prefix) for n in (len(prefix) - 1, len(prefix), len(prefix) + 1)
    ) <= 1

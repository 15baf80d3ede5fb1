"""Ranking: the one set of constants both engines rank with, and the re-ranking of the best
hits by how well a title answers the query.

An engine scores with BM25 over the fields and boosts below. The search flow then re-ranks the
best `RERANK_WINDOW` hits: a page whose title is the query (its words, in any form, with a typo,
without the question words around them) comes first, then titles holding the query's words in
order, then titles holding more of them; within each, the engine's score decides.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from itertools import pairwise

from indexer.nlp.analysis import lemma_of

# Field boosts: title > headings > entities > body (terms computed in Python, matched exactly).
ARTICLE_FIELDS = (
    ("title_terms", 5.0), ("heading_terms", 2.5), ("entity_terms", 2.0), ("body_terms", 1.0),
)
PASSAGE_FIELDS = (
    ("passage_heading_terms", 2.0), ("passage_entity_terms", 1.5), ("passage_terms", 1.0),
)
# Per grain: its stems field and its positional field (phrases).
STEMS = {"article": "stems", "passage": "passage_stems"}
PLAIN = {"article": "plain", "passage": "passage_plain"}
# A word within the typo distance is looked for in these fields only, as one of at most
# MAX_NEAR known words (most frequent first).
NEAR_FIELDS = frozenset({"title_terms", "heading_terms", "body_terms", "passage_heading_terms",
                         "passage_terms"})
MAX_NEAR = 6
STEM_BOOST = 0.5  # a word found only through its Dutch stem
PARTS_BOOST = 0.7  # all parts of a compound the index lacks, below a word it has
PARTS_KNOWN_BOOST = 0.15  # all parts of a compound the index has, far below the compound
FUZZY_BOOST = 0.4  # a word within the typo distance, well below the word itself
JOINED_BOOST = 8.0  # a compound typed apart, found whole (tuned with bench/relevance.py)
PROXIMITY_BOOST = 2.0  # the query's words next to each other, in order

RERANK_WINDOW = 50  # best hits re-ranked by their titles
# Words of a query up to which each hit names the ones it lacks (and articles with some of the
# words are ordered by how much of the query they hold); a longer query is a sentence.
MAX_NAMED_MISSING = 6
PARTIAL_BELOW = 10  # fewer full matches than this: articles with some of the words follow
# How well a title answers the query, added to the engine's score relative to the best hit (at
# most 1), so that these decide before the engine does:
TITLE_CONTAINS = 1.5  # the title holds every word of the query...
TITLE_SHARE = 1.0  # ...plus this times the share of the title they make up (more specific)
TITLE_EXACT = 1.5  # ...and nothing else (stop words aside): the title is the query
TITLE_NEAR = 1.2  # all of the title, and all but one of three or more query words
TITLE_IN_ORDER = 0.5  # the words matched stand next to each other, in order
TITLE_SAME_WORDS = 0.5  # ...as typed, not only in another form ("Penseel" before "Penselen")
TITLE_FILLER = 0.25  # ...and it also holds the query's fillers ("gebruik van ...")
TITLE_COVERAGE = 1.0  # else: (share of the query's weight in the title) x (share of the title)

FACET_SIZE = 50  # label values, and values per entity type, in the facets
PASSAGES_PER_HIT = 1  # candidate passages per hit for its snippet
MLT_TERMS = 25  # telling terms of a text compared by "more like this"


@dataclass(frozen=True, slots=True)
class QueryWord:
    """A query word as titles are compared with it: the folded words and lemmas a title word
    may have to count as it, how telling it is, whether it is a filler ("hoe werkt",
    "informatie": a title need not hold it) or otherwise soft (a common word: a title that is
    the rest of the query may lack it)."""

    spellings: frozenset[str]
    weight: float
    filler: bool = False
    soft: bool = False


# Numbering visitors do not type: "Hoofdstuk 16.", "5.3.", "Deel 2:" before a title's words.
_NUMBERED = frozenset({"hoofdstuk", "deel", "bijlage", "sectie", "paragraaf", "stap", "les",
                       "chapter", "appendix", "part", "section"})


def title_words(line: str, stopwords: frozenset[str], keep_numbers: bool) -> list[str]:
    """The words of one title (folded, a line of `title_key`) that a query must account for:
    no stop words, and no numbering unless the query has numbers."""
    return [w for w, _ in _title_forms(line, keep_numbers) if w not in stopwords]


@lru_cache(maxsize=100_000)
def _title_forms(line: str, keep_numbers: bool) -> tuple[tuple[str, str], ...]:
    """A title's words (without numbering unless kept) with their lemmas: the same for every
    query, so worked out once per title."""
    words = line.split()
    if not keep_numbers:
        words = [w for i, w in enumerate(words) if not w.isdigit() and not (
            w in _NUMBERED and i + 1 < len(words) and words[i + 1].isdigit())]
    return tuple((w, lemma_of(w)) for w in words)


def title_score(
    words: Sequence[QueryWord],
    title_keys: str,
    stopwords: frozenset[str],
    joined: Iterable[tuple[int, int, frozenset[str]]] = (),
    keep_numbers: bool = False,
) -> float:
    """How well the best of a page's titles (`title_keys`: each title's folded words, a line
    each) answers the query (see the TITLE_ constants). `joined`: runs of query words
    (start, end) that also count as one compound with these spellings ("hoofd pijn")."""
    return TitleMatcher(words, stopwords, joined, keep_numbers).score(title_keys)


class TitleMatcher:
    """`title_score` for one query, made once and asked of many titles."""

    def __init__(
        self,
        words: Sequence[QueryWord],
        stopwords: frozenset[str],
        joined: Iterable[tuple[int, int, frozenset[str]]] = (),
        keep_numbers: bool = False,
    ) -> None:
        self.words = list(words)
        self.stopwords = stopwords
        self.runs = list(joined)
        self.keep_numbers = keep_numbers
        self.meant = [i for i, w in enumerate(self.words) if not w.filler] \
            or list(range(len(self.words)))
        self.fillers = [i for i in range(len(self.words)) if i not in self.meant]
        self.meant_weight = sum(self.words[i].weight for i in self.meant) or 1.0
        # Spelling -> the query words it counts as: a title word is looked up, not compared.
        self.where: dict[str, list[int]] = {}
        for i, word in enumerate(self.words):
            for spelling in word.spellings:
                self.where.setdefault(spelling, []).append(i)

    def score(self, title_keys: str) -> float:
        if not self.words:
            return 0.0
        return max((self._line(line) for line in title_keys.split("\n")), default=0.0)

    def _line(self, line: str) -> float:
        forms = [(w, lemma) for w, lemma in _title_forms(line, self.keep_numbers)
                 if w not in self.stopwords]
        if not forms:
            return 0.0
        words, where = self.words, self.where
        count = len(words)
        # Where each query word stands: as typed first, else by lemma (the first such spot).
        typed: list[int | None] = [None] * count
        by_lemma: list[int | None] = [None] * count
        for position, (folded, lemma) in enumerate(forms):
            for i in where.get(folded, ()):
                if typed[i] is None:
                    typed[i] = position
            for i in where.get(lemma, ()):
                if by_lemma[i] is None:
                    by_lemma[i] = position
        matched = [t if t is not None else by_lemma[i] for i, t in enumerate(typed)]
        same = all(typed[i] is not None or matched[i] is None for i in range(count))
        for start, end, spellings in self.runs:
            spot = next((i for i, (w, lemma) in enumerate(forms)
                         if w in spellings or lemma in spellings), None)
            if spot is not None and any(m is None for m in matched[start:end]):
                for i in range(start, end):
                    matched[i] = spot
                same = False
        hits = [m for i in self.meant if (m := matched[i]) is not None]
        # A filler the title holds is part of it ("Gebruik van het Snelmasker").
        spots = {m for m in matched if m is not None}
        whole_title = len(spots) == len(forms)
        lacking = [i for i in self.meant if matched[i] is None]
        if not lacking:
            score = TITLE_CONTAINS + TITLE_EXACT * whole_title \
                + TITLE_SHARE * len(spots) / len(forms)
            if self.fillers:
                held = sum(matched[i] is not None for i in self.fillers)
                score += TITLE_FILLER * held / len(self.fillers)
        elif whole_title and len(lacking) == 1 and (
                len(self.meant) >= 3 or words[lacking[0]].soft):
            score = TITLE_NEAR
        else:
            share = sum(words[i].weight for i in self.meant if matched[i] is not None)
            return TITLE_COVERAGE * share / self.meant_weight * len(set(hits)) / len(forms)
        return score + TITLE_IN_ORDER * _in_order(hits) + TITLE_SAME_WORDS * same


def _in_order(positions: list[int]) -> bool:
    """Whether the matched title positions follow each other (a compound: the same spot)."""
    return all(0 <= b - a <= 1 for a, b in pairwise(positions))


def rerank(scored: Sequence[tuple[float, float]]) -> list[int]:
    """The order of hits given (engine score, title score) each: title score plus the engine
    score relative to the best one, highest first; ties keep the engine's order."""
    top = max((s for s, _ in scored), default=0.0) or 1.0
    keyed = [(-(title + score / top), i) for i, (score, title) in enumerate(scored)]
    return [i for _, i in sorted(keyed)]

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
from itertools import pairwise

# Field boosts: title > headings > entities > body (terms computed in Python, matched exactly).
ARTICLE_FIELDS = (
    ("title_terms", 5.0), ("heading_terms", 2.5), ("entity_terms", 2.0), ("body_terms", 1.0),
)
PASSAGE_FIELDS = (("heading_terms", 2.0), ("entity_terms", 1.5), ("body_terms", 1.0))
# A word within the typo distance is looked for in these fields only, as one of at most
# MAX_NEAR known words (most frequent first).
NEAR_FIELDS = frozenset({"title_terms", "heading_terms", "body_terms"})
MAX_NEAR = 6
STEM_BOOST = 0.5  # a word found only through its Dutch stem
PARTS_BOOST = 0.7  # all parts of a compound, below the compound itself
FUZZY_BOOST = 0.4  # a word within the typo distance, well below the word itself
JOINED_BOOST = 8.0  # a compound typed apart, found whole (tuned with bench/relevance.py)
PROXIMITY_BOOST = 2.0  # the query's words next to each other, in order

RERANK_WINDOW = 50  # best hits re-ranked by their titles
PARTIAL_BELOW = 10  # fewer full matches than this: articles with some of the words follow
# How well a title answers the query, added to the engine's score relative to the best hit (at
# most 1), so that these decide before the engine does:
TITLE_CONTAINS = 1.5  # the title holds every word of the query
TITLE_EXACT = 1.5  # ...and nothing else (stop words aside): the title is the query
TITLE_NEAR = 1.2  # all of the title, and all but one of three or more query words
TITLE_IN_ORDER = 0.5  # the words matched stand next to each other, in order
TITLE_COVERAGE = 1.0  # else: (share of the query's weight in the title) x (share of the title)

FACET_SIZE = 50  # label values, and values per entity type, in the facets
PASSAGES_PER_HIT = 2  # candidate passages per hit for its snippet
MLT_TERMS = 25  # telling terms of a text compared by "more like this"


@dataclass(frozen=True, slots=True)
class QueryWord:
    """A query word as titles are compared with it: the lemmas it may have there, and whether
    it is a stop word (never needed in a title)."""

    lemmas: frozenset[str]
    weight: float


def title_score(
    words: Sequence[QueryWord],
    title_keys: str,
    stopwords: frozenset[str],
    joined: Iterable[tuple[int, int, frozenset[str]]] = (),
) -> float:
    """How well the best of a page's titles (`title_keys`: each title's lemmas, a line each)
    answers the query (see the TITLE_ constants). `joined`: runs of query words (start, end)
    that also count as one compound with these lemmas ("hoofd pijn")."""
    if not words:
        return 0.0
    runs = list(joined)
    best = 0.0
    for line in title_keys.split("\n"):
        title = [w for w in line.split() if w not in stopwords]
        if not title:
            continue
        matched = [_position(word, title) for word in words]
        for start, end, lemmas in runs:
            if any(t in lemmas for t in title) and any(m is None for m in matched[start:end]):
                spot = next(i for i, t in enumerate(title) if t in lemmas)
                for i in range(start, end):
                    matched[i] = spot
        hits = [m for m in matched if m is not None]
        whole_title = len(set(hits)) == len(title)
        if len(hits) == len(words):
            score = TITLE_CONTAINS + TITLE_EXACT * whole_title
        elif whole_title and len(words) >= 3 and len(hits) == len(words) - 1:
            score = TITLE_NEAR
        else:
            share = sum(w.weight for w, m in zip(words, matched, strict=True) if m is not None)
            share /= sum(w.weight for w in words) or 1.0
            best = max(best, TITLE_COVERAGE * share * len(set(hits)) / len(title))
            continue
        best = max(best, score + TITLE_IN_ORDER * _in_order(hits))
    return best


def _position(word: QueryWord, title: list[str]) -> int | None:
    for i, lemma in enumerate(title):
        if lemma in word.lemmas:
            return i
    return None


def _in_order(positions: list[int]) -> bool:
    """Whether the matched title positions follow each other (a compound: the same spot)."""
    return all(0 <= b - a <= 1 for a, b in pairwise(positions))


def rerank(scored: Sequence[tuple[float, float]]) -> list[int]:
    """The order of hits given (engine score, title score) each: title score plus the engine
    score relative to the best one, highest first; ties keep the engine's order."""
    top = max((s for s, _ in scored), default=0.0) or 1.0
    keyed = [(-(title + score / top), i) for i, (score, title) in enumerate(scored)]
    return [i for _, i in sorted(keyed)]

"""Hybrid search: the passages nearest what a query means, fused with the lexical ranking.

Visitors of a health site type how they feel ("altijd moe en somber"), not the words of the
article. The semantic leg embeds the query (`indexer.nlp.embed`) and asks the engine for the
passages whose vectors are nearest (`indexer.search.clauses.Nearest`). Meaning only counts
where the words fail: when no article holds every word of the query (and it has no quoted
phrase), the search flow (`indexer.search.searcher`) fuses the articles with some of the words
and the articles near the query's meaning, and an article that lacks some of the words shows
its passage chosen by both. When some article holds every word, the words decide alone: a
visitor who types the site's words (a title, a term, a rare word) gets what words find.
One weight sets the mix: the request's `semantic` ratio (0: words only, 1: meaning only), by
default `semantic_ratio` of the settings.

- Articles: weighted reciprocal rank fusion, (1 - r) x coverage / (RRF_K + lexical rank) +
  r / (RRF_K + semantic rank), where coverage is the share of the query's weight the
  article holds (an article shown for one common word of a question says little about it).
  An article whose title answers the query (the page a visitor names) keeps its lexical place
  at the top. A passage below the model's `min_similarity` is no semantic hit.
- Passages: of a hit's candidate passages, the one with the best (1 - r) x (share of the
  query's words it holds) + r x (its similarity, scaled between the article's least and most
  similar candidates).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from functools import cache
from typing import NamedTuple

from indexer.nlp.embed import EmbedConfig, Embedder, ModelSpec, load_embedder
from indexer.search.clauses import Nearest, Retrieval
from indexer.search.documents import PASSAGE
from indexer.search.port import Engine
from indexer.search.query import ParsedQuery
from indexer.search.snippets import Matcher, PassageCandidate

RRF_K = 60  # rank smoothing of the fusion (the usual constant of reciprocal rank fusion)
SEMANTIC_PASSAGES = 100  # nearest passages asked per search (their articles are the leg)
PASSAGES_PER_HIT = 4  # nearest passages of the hits shown, per hit, to pick a snippet from
PINNED_TITLE = 1.5  # title score from which a lexical hit keeps its place (ranking.TITLE_CONTAINS)
_PASSAGE_FIELDS = ("id", "article_id", "section_heading", "anchor", "text")


@dataclass(frozen=True, slots=True)
class Neighbours:
    """What the semantic leg found for one query: the articles whose passages are nearest
    (best first, each at its best passage's similarity)."""

    ratio: float
    vector: tuple[float, ...]
    model: str
    articles: tuple[str, ...]
    similarity: Mapping[str, float] = field(default_factory=dict)


class Embedded(NamedTuple):
    """A query's vector and the model that made it."""

    spec: ModelSpec
    vector: tuple[float, ...]


@cache
def _embedding_threads() -> ThreadPoolExecutor:
    # Two: a query is embedded while the words are searched; the API's other threads wait.
    return ThreadPoolExecutor(max_workers=2, thread_name_prefix="embed-query")


@dataclass(frozen=True, slots=True)
class ScoredPassage:
    """A candidate passage of a hit with its similarity to the query."""

    similarity: float
    candidate: PassageCandidate


class SemanticLeg:
    """The semantic half of a search over one engine (`EmbedConfig`: which model)."""

    def __init__(self, engine: Engine, embed: EmbedConfig) -> None:
        self.engine = engine
        self.embed = embed

    @property
    def embedder(self) -> Embedder | None:
        return load_embedder(self.embed)

    def embedding(self, query: ParsedQuery, ratio: float) -> Callable[[], Embedded | None]:
        """The query's vector, being computed now on another thread (the model's C engine
        lets go of the interpreter: the words' search goes on meanwhile); the callable
        returned waits for it. None from it when the leg is off (ratio 0, no model)."""
        embedder = self.embedder if ratio > 0 else None
        text = " ".join(query.all_words())
        if embedder is None or not text:
            return lambda: None
        future = _embedding_threads().submit(embedder.query, text)
        return lambda: Embedded(embedder.spec, tuple(future.result().tolist()))

    def neighbours(
        self, query: ParsedQuery, ratio: float, version: str | None = None,
        embedded: Callable[[], Embedded | None] | None = None,
    ) -> Neighbours | None:
        """The articles nearest `query` (its vector from `embedded` when started before),
        or None when the leg is off (ratio 0, no model) or the version has no vectors of
        this model."""
        found_vector = (embedded or self.embedding(query, ratio))()
        if found_vector is None:
            return None
        spec, vector = found_vector
        found = self.engine.run(Retrieval(
            Nearest(vector, spec.name), limit=SEMANTIC_PASSAGES,
            fields=("article_id",), grain=PASSAGE), version)
        if not found.hits:
            return None
        best: dict[str, float] = {}
        for hit in found.hits:
            article = str(hit.fields["article_id"])
            if hit.score >= spec.min_similarity and article not in best:
                best[article] = hit.score
        return Neighbours(ratio, vector, spec.name, tuple(best), best)

    def passages(
        self, neighbours: Neighbours, article_ids: Sequence[str], version: str | None = None
    ) -> dict[str, list[ScoredPassage]]:
        """The passages of these articles nearest the query, per article, best first."""
        if not article_ids:
            return {}
        found = self.engine.run(Retrieval(
            Nearest(neighbours.vector, neighbours.model, articles=tuple(article_ids)),
            limit=PASSAGES_PER_HIT * len(article_ids), fields=_PASSAGE_FIELDS, grain=PASSAGE),
            version)
        by_article: dict[str, list[ScoredPassage]] = {}
        for hit in found.hits:
            by_article.setdefault(str(hit.fields["article_id"]), []).append(
                ScoredPassage(hit.score, PassageCandidate.from_document(hit.score, hit.fields)))
        return by_article


def fuse(
    lexical: Sequence[tuple[str, float]], semantic: Sequence[str], ratio: float,
    pinned: int = 0,
) -> list[tuple[str, float]]:
    """Article ids in their fused order, each with its fused score (higher first).

    `lexical`: the lexical ranking as (article id, coverage: the share of the query's
    weight the article holds, 1 when it holds every word). The first `pinned` of it keep
    their places on top; the others are ordered by weighted reciprocal rank fusion, the
    lexical part of each times its coverage (see the module's docstring); ties keep the
    lexical order, then the semantic one. An article only one list has scores by that list
    alone; one that scores 0 (ratio 1 and not near) is left out.
    """
    scores: dict[str, float] = {}
    for rank, (article, coverage) in enumerate(lexical[pinned:], start=1):
        scores[article] = (1.0 - ratio) * coverage / (RRF_K + rank)
    top = {article for article, _ in lexical[:pinned]}
    for rank, article in enumerate(semantic, start=1):
        if article not in top:
            scores[article] = scores.get(article, 0.0) + ratio / (RRF_K + rank)
    order: dict[str, int] = {}
    for article in [*(a for a, _ in lexical), *semantic]:
        order.setdefault(article, len(order))
    rest = sorted((a for a in scores if scores[a] > 0), key=lambda a: (-scores[a], order[a]))
    head = [(article, 1.0 + pinned - i) for i, (article, _) in enumerate(lexical[:pinned])]
    return head + [(article, scores[article]) for article in rest]


def pick_passage(
    lexical: PassageCandidate | None, semantic: Sequence[ScoredPassage], matcher: Matcher,
    ratio: float,
) -> PassageCandidate | None:
    """The passage a hit shows: of its lexical choice and its passages nearest the query, the
    best by words held and similarity (see the module's docstring)."""
    if not semantic:
        return lexical
    candidates = [s.candidate for s in semantic]
    similarity = {s.candidate.text: s.similarity for s in semantic}
    if lexical is not None and lexical.text not in similarity:
        candidates.insert(0, lexical)
    matched = [len({w.lower() for w in matcher.matching_words(c.text)}) for c in candidates]
    most = max(matched) or 1
    low = min(similarity.values())
    spread = (max(similarity.values()) - low) or 1.0

    def score(i: int) -> float:
        near = (similarity.get(candidates[i].text, low) - low) / spread
        return (1.0 - ratio) * matched[i] / most + ratio * near

    # Ties: the lexical choice, then the nearer passage.
    best = max(range(len(candidates)),
               key=lambda i: (round(score(i), 9), candidates[i] is lexical, -i))
    return candidates[best]

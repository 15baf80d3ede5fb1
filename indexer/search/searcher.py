"""The one search flow, above the engines: search, suggestions, topics and related articles.

`Searcher` is what every caller (the API, the CLI, the reindex job's smoke queries, the
benchmarks) searches through. It reads the query against the index's vocabulary
(`indexer.search.plan`), asks its engine (`indexer.search.port.Engine`) to run plain queries,
re-ranks the best hits by their titles (`indexer.search.ranking`), and builds the answer:
snippets from each hit's best passage, facets, "bedoelde u ...?" and the words hits lack.
"""

from __future__ import annotations

import dataclasses
import threading
import time
from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass, field
from typing import Any

from indexer.errors import QueryError
from indexer.nlp.analysis import Analyzer
from indexer.nlp.embed import EmbedConfig
from indexer.search import facets, hybrid, plan, ranking
from indexer.search.clauses import Bool, MatchAll, OneOf, Query, Retrieval, Term
from indexer.search.documents import ARTICLE, PASSAGE
from indexer.search.port import Engine, RawHit
from indexer.search.query import checked_request
from indexer.search.related import related_articles
from indexer.search.snippets import Matcher, PassageCandidate, best_passage, highlight
from indexer.search.values import (
    Completion,
    EntityRef,
    Facets,
    Hit,
    RelatedArticle,
    SearchRequest,
    SearchResult,
    SectionRef,
)
from indexer.search.vocabulary import Vocabulary
from indexer.settings import Settings

# What an article hit needs: to be re-ranked by its titles, and shown.
_HIT_FIELDS = ("article_id", "title_key", "url", "title", "labels", "entity")
_PASSAGE_FIELDS = ("article_id", "section_heading", "anchor", "text")


@dataclass(frozen=True, slots=True)
class SearchConfig:
    """What the search flow takes from settings."""

    max_query_chars: int = 500
    max_page_size: int = 50
    max_result_window: int = 1000
    facet_entity_types: tuple[str, ...] = ()
    semantic_ratio: float = 0.0  # the default weight of the semantic ranking (hybrid.py)
    embed: EmbedConfig = field(default_factory=lambda: EmbedConfig(model="off"))

    @classmethod
    def from_settings(cls, settings: Settings) -> SearchConfig:
        return cls(
            max_query_chars=settings.max_query_chars,
            max_page_size=settings.max_page_size,
            max_result_window=settings.max_result_window,
            facet_entity_types=tuple(settings.facet_entity_types),
            semantic_ratio=settings.semantic_ratio,
            embed=EmbedConfig.from_settings(settings),
        )


@dataclass(frozen=True, slots=True)
class _Ranked:
    """A hit of the article query, re-ranked: the engine's hit, whether it has only some of
    the words, and the words it lacks."""

    hit: RawHit
    partial: bool = False
    missing: tuple[str, ...] = ()
    title: float = 0.0  # how well its title answers the query (ranking.title_score)

    @property
    def article_id(self) -> str:
        return str(self.hit.fields["article_id"])


class Searcher:
    """Search, suggestions, topics and related articles over one engine.

    Keep one per engine: it remembers each index version's vocabulary until the version
    changes (`Engine.generation`).
    """

    def __init__(self, engine: Engine, analyzer: Analyzer, config: SearchConfig) -> None:
        self.engine = engine
        self.analyzer = analyzer
        self.config = config
        self._vocabulary: tuple[Hashable, Vocabulary] | None = None
        self._lock = threading.Lock()
        self.semantic = hybrid.SemanticLeg(engine, config.embed)

    @classmethod
    def from_settings(cls, engine: Engine, settings: Settings) -> Searcher:
        """A searcher on `engine` with the analysis data and limits of `settings`."""
        return cls(engine, Analyzer.from_config(settings.config_dir),
                   SearchConfig.from_settings(settings))

    def warm_up(self) -> None:
        """Load the analysis tables, the live vocabulary and the embedding model now rather
        than on a first query."""
        self.analyzer.variants("magnesiumtekort")
        self.vocabulary()
        if self.config.semantic_ratio > 0 and self.semantic.embedder is not None:
            self.semantic.embedder.query("magnesiumtekort")

    def vocabulary(self, version: str | None = None) -> Vocabulary | None:
        """The vocabulary of `version` (default: the live one), rebuilt when it changed."""
        key = self.engine.generation(version)
        if key is None:
            return None
        cached = self._vocabulary
        if cached is not None and cached[0] == key:
            return cached[1]
        with self._lock:
            source = self.engine.vocabulary_source(version)
            if source is None:
                return None
            vocabulary = Vocabulary.build(source.words, source.titles, source.entities)
            self._vocabulary = (key, vocabulary)
            return vocabulary

    # --- search -----------------------------------------------------------------------------

    def search(self, request: SearchRequest, version: str | None = None) -> SearchResult:
        """Articles for a visitor's request, best first, with snippets, facets, a suggestion
        and the words the hits lack; `version` searches that version instead of the live one
        (smoke queries before a switch; NotFound when it does not exist). Raises QueryError
        for a request that cannot be searched."""
        started = time.perf_counter()
        config = self.config
        query, offset = checked_request(
            request.query, request.page, request.size, bool(request.labels or request.entities),
            config.max_query_chars, config.max_page_size, config.max_result_window,
        )
        vocabulary = self.vocabulary(version)
        if vocabulary is None:
            return _result(request, started)
        planned = plan.plan_query(query, self.analyzer, vocabulary)
        filters = plan.article_filters(request.labels, request.entities)
        ratio = config.semantic_ratio if request.semantic is None else request.semantic

        meaning: list[hybrid.Neighbours | None] = []  # asked for once, if at all
        embedded: list[Callable[[], hybrid.Embedded | None]] = []

        def start() -> None:
            # Embedded only when meaning may be asked for (no article has every word): most
            # queries never pay for the model. Quotes ask for exact text: meaning does not
            # count then.
            if not embedded:
                embedded.append((lambda: None) if planned.is_empty or planned.phrases
                                else self.semantic.embedding(query, ratio))

        def near() -> hybrid.Neighbours | None:
            if not meaning:
                start()
                meaning.append(self.semantic.neighbours(query, ratio, version, embedded[0]))
            return meaning[0]

        ranked, total, counts = self._rank(planned, filters, offset, request.size, version,
                                           near, start)
        shown = ranked[offset : offset + request.size]
        # Where meaning ranked the hits, it also picks the passage of those lacking words.
        hits = self._hits(planned, shown, version, meaning[0] if meaning else None)
        missing = _missing_from_all(planned, shown)
        completed = frozenset(w.folded for w in planned.words if w.completed)
        suggestion = (vocabulary.correct(query, self.analyzer, completed)
                      if not query.is_empty else None)
        return _result(request, started, hits, total,
                       facets.decode(counts, config.facet_entity_types), suggestion, missing)

    def _rank(
        self, planned: plan.QueryPlan, filters: tuple[Query, ...], offset: int, size: int,
        version: str | None, near: Callable[[], hybrid.Neighbours | None] = lambda: None,
        start: Callable[[], None] = lambda: None,
    ) -> tuple[list[_Ranked], int, Any]:
        """The article hits up to `offset + size`, in their final order (fused with the
        articles `near` the query's meaning), with the number of matches and the facet
        counts over the lexical ones; the hits shown (from `offset`) name the words they
        lack."""
        wanted = offset + size
        if planned.is_empty:  # filters alone
            found = self.engine.run(Retrieval(
                Bool(must=(MatchAll(),), filter=filters), limit=wanted, fields=_HIT_FIELDS,
                count=True, facets=facets.REQUESTS), version)
            return [_Ranked(h) for h in found.hits], found.total, found.facets
        full = self.engine.run(Retrieval(
            plan.all_words_query(planned, filters), limit=max(wanted, ranking.RERANK_WINDOW),
            fields=_HIT_FIELDS, count=True, facets=facets.REQUESTS), version)
        if full.total == 0:
            start()  # the query's meaning may count: its vector is computed meanwhile
        ranked = self._reranked(planned, full.hits)
        total, counts = full.total, full.facets
        if full.total < ranking.PARTIAL_BELOW and planned.has_alternatives:
            # Few articles have every word: those with some of them follow, the rarer words
            # they hold weighing most.
            some = self.engine.run(Retrieval(
                plan.any_words_query(planned, filters),
                limit=max(wanted, ranking.RERANK_WINDOW) + full.total,
                fields=_HIT_FIELDS, count=True, facets=facets.REQUESTS),
                version)
            have_all = {r.article_id for r in ranked}
            partial = [h for h in some.hits if str(h.fields["article_id"]) not in have_all]
            ranked += self._some_words(planned, partial)
            total, counts = some.total, some.facets
        if full.total == 0 and (neighbours := near()) is not None:
            # No article has every word: the visitor's words are not the site's, and
            # meaning decides with them. Otherwise the words decide alone.
            ranked, total = self._fused(ranked, total, filters, planned, neighbours, version)
        return self._named_missing(planned, ranked, offset, size, version), total, counts

    def _fused(
        self, ranked: list[_Ranked], total: int, filters: tuple[Query, ...],
        planned: plan.QueryPlan, near: hybrid.Neighbours, version: str | None,
    ) -> tuple[list[_Ranked], int]:
        """The articles with some of the words and those near the query's meaning in one
        order (`hybrid.fuse`), with the number of matches; an article found by meaning alone
        must pass the request's filters and exclusions, and may lack every word."""
        pinned = 0
        while pinned < len(ranked) and ranked[pinned].title >= hybrid.PINNED_TITLE:
            pinned += 1
        lexical = {r.article_id: r for r in ranked}
        new = tuple(a for a in near.articles if a not in lexical)
        found = self.engine.run(Retrieval(
            Bool(must=(MatchAll(),), filter=(*filters, OneOf("article_id", new)),
                 must_not=plan.exclusions(planned)),
            limit=len(new), fields=_HIT_FIELDS), version) if new else None
        only_near = {str(h.fields["article_id"]): _Ranked(h, partial=True)
                     for h in (found.hits if found else ())}
        fused = hybrid.fuse(list(zip(lexical, self._coverage(planned, ranked, version),
                                     strict=True)),
                            [a for a in near.articles if a in lexical or a in only_near],
                            near.ratio, pinned)
        every = {**only_near, **lexical}
        return [dataclasses.replace(every[a], hit=RawHit(score, every[a].hit.fields))
                for a, score in fused], total + len(only_near)

    def _coverage(
        self, planned: plan.QueryPlan, ranked: Sequence[_Ranked], version: str | None
    ) -> list[float]:
        """Per hit, the share of the query's weight it holds (of the first RERANK_WINDOW;
        0 for the rest)."""
        window = tuple(r.article_id for r in ranked[: ranking.RERANK_WINDOW])
        holders = self._holders(planned, window, version)
        weight = sum(w.weight for w in planned.words) or 1.0
        return [sum(w.weight for w in planned.words if article in holders[w.folded]) / weight
                for article in window] + [0.0] * (len(ranked) - len(window))

    def _reranked(self, planned: plan.QueryPlan, hits: Sequence[RawHit]) -> list[_Ranked]:
        """Hits re-ranked by their titles within the window; the rest in the engine's order."""
        window, rest = hits[: ranking.RERANK_WINDOW], hits[ranking.RERANK_WINDOW :]
        words = [ranking.QueryWord(w.spellings, w.weight, w.filler, w.soft)
                 for w in planned.words]
        joined = [(run.start, run.end, frozenset(run.terms)) for run in planned.runs]
        # Stop words a query means ("andere") are compared with titles' words too.
        stopwords = self.analyzer.stopwords - {w.folded for w in planned.words if w.stopword}
        numbers = any(w.folded.isdigit() for w in planned.words)
        titles = ranking.TitleMatcher(words, stopwords, joined, numbers)
        scored = [(h.score, titles.score(str(h.fields.get("title_key") or ""))) for h in window]
        order = ranking.rerank(scored)
        return [_Ranked(window[i], title=scored[i][1]) for i in order] + [
            _Ranked(h) for h in rest]

    def _some_words(self, planned: plan.QueryPlan, hits: Sequence[RawHit]) -> list[_Ranked]:
        """Articles with some of the words, as titles and the engine rank them (the engine's
        BM25 weighs the rarer words they hold most)."""
        return [_Ranked(r.hit, partial=True) for r in self._reranked(planned, hits)]

    def _named_missing(
        self, planned: plan.QueryPlan, ranked: list[_Ranked], offset: int, size: int,
        version: str | None,
    ) -> list[_Ranked]:
        """`ranked`, the hits shown naming the query words they lack (an article may lack
        one when its title has the others, or when it is shown for some of the words)."""
        shown = ranked[offset : offset + size]
        # With every word required, only a title match of all but one of 3+ words lacks one.
        doubtful = [r for r in shown if r.partial or len(planned.words) >= 3]
        if not doubtful or not planned.has_alternatives \
                or len(planned.words) > ranking.MAX_NAMED_MISSING:
            return ranked
        holders = self._holders(planned, tuple(r.article_id for r in doubtful), version)
        named = [
            _Ranked(r.hit, r.partial,
                    tuple(w.text for w in planned.words if r.article_id not in holders[w.folded]))
            if r in doubtful else r
            for r in shown
        ]
        return ranked[:offset] + named + ranked[offset + size :]

    def _holders(
        self, planned: plan.QueryPlan, ids: tuple[str, ...], version: str | None
    ) -> dict[str, set[str]]:
        """Per query word (folded), which of the articles `ids` hold it."""
        holders: dict[str, set[str]] = {}
        for word in planned.words:
            found = self.engine.run(Retrieval(
                plan.word_in_articles_query(planned, word, ids), limit=len(ids),
                fields=("article_id",)), version) if ids else None
            holders[word.folded] = {str(h.fields["article_id"]) for h in found.hits} \
                if found else set()
        return holders

    def _hits(
        self, planned: plan.QueryPlan, shown: Sequence[_Ranked], version: str | None,
        near: hybrid.Neighbours | None = None,
    ) -> tuple[Hit, ...]:
        """The hits shown: stored fields, best passage and snippet of each."""
        if not shown:
            return ()
        ids = tuple(r.article_id for r in shown)
        typos = [w.folded for w in planned.words if w.near and not w.completed]
        matcher = Matcher.for_query(planned.query, self.analyzer, typos).with_forms(
            n for w in planned.words for n in w.near
        )
        passages = self._best_passages(planned, ids, matcher, version)
        # An article that lacks some of the words shows the passage nearest in meaning too.
        lacking = tuple(r.article_id for r in shown if r.partial)
        if near is not None and lacking:
            nearest = self.semantic.passages(near, lacking, version)
            passages.update({i: chosen for i in lacking if (chosen := hybrid.pick_passage(
                passages.get(i), nearest.get(i, ()), matcher, near.ratio)) is not None})
        return tuple(_hit(r, passages.get(r.article_id), matcher) for r in shown)

    def _best_passages(
        self, planned: plan.QueryPlan, ids: tuple[str, ...], matcher: Matcher,
        version: str | None,
    ) -> dict[str, PassageCandidate]:
        """Per article, the passage that answers the query best (its first one if none)."""
        candidates: dict[str, list[PassageCandidate]] = {}
        # One word or phrase: every candidate holds it, the engine's score decides.
        single = len(planned.words) + len(planned.phrases) <= 1
        per_hit = 1 if single else ranking.PASSAGES_PER_HIT
        if not planned.is_empty:
            found = self.engine.run(Retrieval(
                plan.passage_query(planned, ids),
                limit=ranking.PASSAGES_PER_HIT * 4 * len(ids), fields=_PASSAGE_FIELDS,
                group_by="article_id", group_size=per_hit, grain=PASSAGE), version)
            for hit in found.hits:
                candidates.setdefault(str(hit.fields["article_id"]), []).append(
                    PassageCandidate.from_document(hit.score, hit.fields))
        chosen: dict[str, PassageCandidate] = {}
        for article_id in ids:
            mine = candidates.get(article_id, [])
            best = mine[0] if mine and single else best_passage(mine, matcher)
            if best is not None:
                chosen[article_id] = best
        missing = tuple(i for i in ids if i not in chosen)
        if missing:
            first = self.engine.run(Retrieval(
                Bool(must=(MatchAll(),), filter=(Term("doc_type", PASSAGE),
                                                 OneOf("article_id", missing),
                                                 Term("passage_index", "0"))),
                limit=len(missing), fields=_PASSAGE_FIELDS, grain=PASSAGE), version)
            for hit in first.hits:
                chosen[str(hit.fields["article_id"])] = PassageCandidate.from_document(
                    0.0, hit.fields)
        return chosen

    # --- suggestions, topics, related articles ----------------------------------------------

    def suggest(self, prefix: str, limit: int = 10) -> list[Completion]:
        """Completions for what a visitor is typing: titles, entities and frequent words."""
        if len(prefix) > self.config.max_query_chars:
            raise QueryError(f"prefix is too long: at most {self.config.max_query_chars} "
                             "characters")
        vocabulary = self.vocabulary()
        return vocabulary.complete(prefix, limit) if vocabulary is not None else []

    def popular_facets(self) -> Facets:
        """Labels and entities over every live article, most frequent first (topics to offer
        when a search finds nothing)."""
        found = self.engine.run(Retrieval(
            Bool(must=(MatchAll(),), filter=(Term("doc_type", ARTICLE),)), limit=0,
            facets=facets.REQUESTS))
        return facets.decode(found.facets, self.config.facet_entity_types)

    def more_like_this(
        self, text: str, exclude_article: str | None = None, limit: int = 10
    ) -> list[RelatedArticle]:
        """Articles about the same subject as `text` (topical, not verbatim)."""
        return related_articles(self.engine, text, exclude_article, limit, self.analyzer)


def _hit(ranked: _Ranked, passage: PassageCandidate | None, matcher: Matcher) -> Hit:
    fields = ranked.hit.fields
    section = None
    if passage is not None and passage.heading and passage.anchor:
        section = SectionRef(heading=passage.heading, anchor=passage.anchor)
    entities = []
    for key in fields.get("entity") or ():
        label, _, value = str(key).partition(":")
        entities.append(EntityRef(label=label, value=value))
    return Hit(
        id=ranked.article_id,
        url=fields.get("url") or None,
        title=str(fields.get("title") or ""),
        snippet=highlight(passage.text, matcher) if passage else "",
        section=section,
        labels=tuple(fields.get("labels") or ()),
        entities=tuple(entities),
        score=ranked.hit.score,
        missing=ranked.missing,
    )


def _missing_from_all(planned: plan.QueryPlan, shown: Sequence[_Ranked]) -> tuple[str, ...]:
    """The words none of the shown hits holds, in query order."""
    if not shown or any(not r.missing for r in shown):
        return ()
    return tuple(w.text for w in planned.words if all(w.text in r.missing for r in shown))


def _result(
    request: SearchRequest,
    started: float,
    hits: tuple[Hit, ...] = (),
    total: int = 0,
    found_facets: Facets | None = None,
    suggestion: str | None = None,
    missing: tuple[str, ...] = (),
) -> SearchResult:
    return SearchResult(
        query=request.query, total=total, page=request.page, size=request.size,
        took_ms=round((time.perf_counter() - started) * 1000, 3), hits=hits,
        facets=found_facets or Facets(), suggestion=suggestion, missing=missing,
    )

"""Search and suggestions on the live Elasticsearch index: requests out, our values back.

Shared with the tantivy engine, so both behave the same: query parsing and paging caps
(`indexer.search.query`), the vocabulary behind typo expansion, "bedoelde u ...?" and
completions (`indexer.search.vocabulary`, loaded here from the index with composite
aggregations), and snippets with the choice of a hit's best section
(`indexer.search.snippets`: HTML escaped first, then only our `<mark>` tags). Transport errors
are the caller's (`ElasticEngine._calling`) to translate.
"""

from __future__ import annotations

import time
from collections import defaultdict
from collections.abc import Callable, Iterator
from typing import Any

from elasticsearch import Elasticsearch, helpers

from indexer.engines.elastic import queries as es_queries
from indexer.nlp.analysis import Analyzer
from indexer.search.documents import ARTICLE, PASSAGE
from indexer.search.query import ParsedQuery, checked_request
from indexer.search.snippets import Matcher, PassageCandidate, best_passage, highlight
from indexer.search.values import (
    EntityRef,
    Facets,
    FacetValue,
    Hit,
    SearchRequest,
    SearchResult,
    SectionRef,
)
from indexer.search.vocabulary import Vocabulary
from indexer.settings import Settings

_HIT_SOURCE = ["article_id", "url", "title", "labels", "entity"]
_PASSAGE_FIELDS = ["article_id", "section_heading", "anchor", "text"]
_PASSAGES_PER_HIT = 6
_COMPOSITE_PAGE = 1000


def load_vocabulary(client: Elasticsearch, index: str) -> Vocabulary:
    """The words (with document counts), titles and entity values of an index."""
    articles = {"term": {"doc_type": ARTICLE}}
    titles = [
        (str(hit["_source"].get("title", "")), str(hit["_source"]["article_id"]))
        for hit in helpers.scan(
            client, index=index, size=1000, query={"query": articles},
            _source=["title", "article_id"],
        )
    ]
    return Vocabulary.build(
        _all_terms(client, index, "words", articles),
        titles,
        _all_terms(client, index, "entity_value", articles),
    )


def _all_terms(
    client: Elasticsearch, index: str, field: str, query: dict[str, Any]
) -> Iterator[tuple[str, int]]:
    """Every term of a keyword field with its document count (composite aggregation pages)."""
    after: dict[str, Any] | None = None
    while True:
        composite: dict[str, Any] = {
            "size": _COMPOSITE_PAGE,
            "sources": [{"term": {"terms": {"field": field}}}],
        }
        if after:
            composite["after"] = after
        answer = client.search(
            index=index, size=0, query=query, aggs={"terms": {"composite": composite}}
        )
        result = answer["aggregations"]["terms"]
        for bucket in result["buckets"]:
            yield str(bucket["key"]["term"]), int(bucket["doc_count"])
        after = result.get("after_key")
        if not result["buckets"] or not after:
            return


def run_search(
    client: Elasticsearch,
    index: str | None,
    request: SearchRequest,
    analyzer: Analyzer,
    settings: Settings,
    vocabulary: Vocabulary | None,
) -> SearchResult:
    """Search `index` (None: nothing is live, nothing found). Raises QueryError."""
    started = time.perf_counter()
    parsed, offset = checked_request(
        request.query, request.page, request.size, bool(request.labels or request.entities),
        settings.max_query_chars, settings.max_page_size, settings.max_result_window,
    )

    def result(hits: tuple[Hit, ...] = (), total: int = 0, facets: Facets | None = None,
               suggestion: str | None = None) -> SearchResult:
        return SearchResult(
            query=request.query, total=total, page=request.page, size=request.size,
            took_ms=round((time.perf_counter() - started) * 1000, 3), hits=hits,
            facets=facets or Facets(), suggestion=suggestion,
        )

    if index is None or vocabulary is None:
        return result()
    near = vocabulary.typo_expansions(parsed)
    for all_words in (True, False):
        # Every word first; when no article has them all, any of them.
        answer = client.search(
            index=index,
            query=es_queries.article_query(
                parsed, analyzer, request.labels, request.entities, all_words, near,
                known=vocabulary.has_form,
            ),
            from_=offset,
            size=request.size,
            source={"includes": _HIT_SOURCE},
            aggs=es_queries.facet_aggregations(),
            track_total_hits=True,
        )
        total = int(answer["hits"]["total"]["value"])
        if total or len(parsed.words) + len(parsed.phrases) < 2:
            break
    found = [(h["_source"], float(h["_score"] or 0.0)) for h in answer["hits"]["hits"]]
    # Snippets mark the typo-corrected words the query matched too.
    matcher = Matcher.for_query(parsed, analyzer).with_forms(
        w for words in near.values() for w in words
    )
    ids = [str(source["article_id"]) for source, _ in found]
    passages = _best_passages(client, index, parsed, analyzer, ids, near, matcher,
                              vocabulary.has_form)
    hits = tuple(
        _hit(source, score, passages.get(str(source["article_id"])), matcher)
        for source, score in found
    )
    suggestion = vocabulary.correct(parsed, analyzer) if not parsed.is_empty else None
    return result(hits, total, _facets(answer.get("aggregations", {})), suggestion)


def _best_passages(
    client: Elasticsearch,
    index: str,
    parsed: ParsedQuery,
    analyzer: Analyzer,
    ids: list[str],
    near: dict[str, list[str]],
    matcher: Matcher,
    known: Callable[[str], bool] | None = None,
) -> dict[str, PassageCandidate]:
    """Per article, the passage that answers best (its first passage when none matches)."""
    if not ids:
        return {}
    candidates: dict[str, list[PassageCandidate]] = defaultdict(list)
    if not parsed.is_empty:
        answer = client.search(
            index=index,
            query=es_queries.passage_query(parsed, analyzer, ids, near, known),
            size=min(len(ids) * _PASSAGES_PER_HIT * 4, 1000),
            source={"includes": _PASSAGE_FIELDS},
        )
        for hit in answer["hits"]["hits"]:
            mine = candidates[str(hit["_source"]["article_id"])]
            if len(mine) < _PASSAGES_PER_HIT:
                score = float(hit["_score"] or 0.0)
                mine.append(PassageCandidate.from_document(score, hit["_source"]))
    chosen = {}
    missing = []
    for article_id in ids:
        best = best_passage(candidates.get(article_id, []), matcher)
        if best is None:
            missing.append(article_id)
        else:
            chosen[article_id] = best
    if missing:
        answer = client.search(
            index=index,
            query={"bool": {"filter": [
                {"term": {"doc_type": PASSAGE}},
                {"terms": {"article_id": missing}},
                {"term": {"passage_index": 0}},
            ]}},
            size=len(missing),
            source={"includes": _PASSAGE_FIELDS},
        )
        for hit in answer["hits"]["hits"]:
            source = hit["_source"]
            chosen[str(source["article_id"])] = PassageCandidate.from_document(0.0, source)
    return chosen


def _hit(
    source: dict[str, Any], score: float, passage: PassageCandidate | None, matcher: Matcher
) -> Hit:
    section = None
    if passage is not None and passage.heading and passage.anchor:
        section = SectionRef(heading=passage.heading, anchor=passage.anchor)
    return Hit(
        id=str(source["article_id"]),
        url=source.get("url") or None,
        title=str(source.get("title", "")),
        snippet=highlight(passage.text, matcher) if passage else "",
        section=section,
        labels=tuple(source.get("labels") or ()),
        entities=tuple(_entity_ref(str(key)) for key in source.get("entity") or ()),
        score=score,
    )


def _entity_ref(key: str) -> EntityRef:
    label, _, value = key.partition(":")
    return EntityRef(label=label, value=value)


def _facets(aggregations: dict[str, Any]) -> Facets:
    """Counts per label and per entity type/value over every article the query matched."""
    labels = tuple(
        FacetValue(value=str(b["key"]), count=int(b["doc_count"]))
        for b in aggregations.get("labels", {}).get("buckets", [])
    )
    entities: dict[str, list[FacetValue]] = defaultdict(list)
    for bucket in aggregations.get("entities", {}).get("buckets", []):
        ref = _entity_ref(str(bucket["key"]))
        group = entities[ref.label]
        if len(group) < es_queries.FACET_SIZE:
            group.append(FacetValue(value=ref.value, count=int(bucket["doc_count"])))
    return Facets(labels=labels, entities={k: tuple(v) for k, v in sorted(entities.items())})

"""Search and suggestions on the live Elasticsearch index: requests out, our values back.

The query bodies come from `es_queries`; snippets and the choice of a hit's best section come
from the shared `indexer.snippets` (the same HTML-escaping highlighter as the tantivy engine),
fed with the passages Elasticsearch scored best for each hit. Transport errors are the
caller's (`ElasticEngine._calling`) to translate.
"""

from __future__ import annotations

import time
from collections import defaultdict
from typing import Any

from elasticsearch import Elasticsearch

from indexer.analysis import Analyzer
from indexer.engine import (
    Completion,
    EntityRef,
    Facets,
    FacetValue,
    Hit,
    SearchRequest,
    SearchResult,
    SectionRef,
)
from indexer.engines import es_queries
from indexer.normalise import fold
from indexer.query import ParsedQuery, check_paging, fuzzy_distance, parse_query
from indexer.settings import Settings
from indexer.snippets import Matcher, PassageCandidate, best_passage, highlight

_HIT_SOURCE = ["article_id", "url", "title", "intro", "labels", "entity"]
_PASSAGES_PER_HIT = 6
_INTRO_CHARS = 2000


def run_search(
    client: Elasticsearch,
    index: str | None,
    request: SearchRequest,
    analyzer: Analyzer,
    settings: Settings,
) -> SearchResult:
    """Search `index` (None: nothing is live, so nothing is found). Raises QueryError."""
    started = time.perf_counter()
    parsed = parse_query(request.query, settings.max_query_chars)
    offset = check_paging(
        request.page, request.size, settings.max_page_size, settings.max_result_window
    )

    def result(hits: tuple[Hit, ...] = (), total: int = 0, facets: Facets | None = None,
               suggestion: str | None = None) -> SearchResult:
        return SearchResult(
            query=parsed.text, total=total, page=request.page, size=request.size,
            took_ms=(time.perf_counter() - started) * 1000, hits=hits,
            facets=facets or Facets(), suggestion=suggestion,
        )

    if index is None or parsed.is_empty:
        return result()
    for all_words in (True, False):
        # Every word first; when no article has them all, any of them.
        answer = client.search(
            index=index,
            query=es_queries.article_query(
                parsed, analyzer, request.labels, request.entities, all_words=all_words
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
    sources = [(h["_source"], float(h["_score"] or 0.0)) for h in answer["hits"]["hits"]]
    matcher = Matcher.for_query(parsed, analyzer)
    ids = [source["article_id"] for source, _ in sources]
    passages = _best_passages(client, index, parsed, analyzer, ids)
    hits = tuple(_hit(source, score, passages.get(source["article_id"], []), matcher)
                 for source, score in sources)
    suggestion = did_you_mean(client, index, parsed, analyzer) if total == 0 else None
    return result(hits, total, _facets(answer.get("aggregations", {})), suggestion)


def _best_passages(
    client: Elasticsearch, index: str, parsed: ParsedQuery, analyzer: Analyzer, ids: list[str]
) -> dict[str, list[PassageCandidate]]:
    if not ids:
        return {}
    answer = client.search(
        index=index,
        query=es_queries.passage_query(parsed, analyzer, ids),
        size=min(len(ids) * _PASSAGES_PER_HIT, 500),
        source={"includes": ["article_id", "section_heading", "anchor", "text"]},
    )
    found: dict[str, list[PassageCandidate]] = defaultdict(list)
    for hit in answer["hits"]["hits"]:
        source = hit["_source"]
        found[source["article_id"]].append(
            PassageCandidate(
                score=float(hit["_score"] or 0.0),
                heading=source.get("section_heading") or None,
                anchor=source.get("anchor") or None,
                text=source.get("text", ""),
            )
        )
    return found


def _hit(
    source: dict[str, Any], score: float, candidates: list[PassageCandidate], matcher: Matcher
) -> Hit:
    best = best_passage(candidates, matcher)
    text = best.text if best is not None else (source.get("intro") or "")[:_INTRO_CHARS]
    section = None
    if best is not None and best.heading and best.anchor:
        section = SectionRef(heading=best.heading, anchor=best.anchor)
    return Hit(
        id=source["article_id"],
        url=source.get("url") or None,
        title=source.get("title", ""),
        snippet=highlight(text, matcher),
        section=section,
        labels=tuple(source.get("labels", ())),
        entities=tuple(_entity_ref(key) for key in source.get("entity", ())),
        score=score,
    )


def _entity_ref(key: str) -> EntityRef:
    label, _, value = key.partition(":")
    return EntityRef(label=label, value=value)


def _facets(aggregations: dict[str, Any]) -> Facets:
    labels = tuple(
        FacetValue(value=b["key"], count=int(b["doc_count"]))
        for b in aggregations.get("labels", {}).get("buckets", [])
    )
    entities: dict[str, list[FacetValue]] = defaultdict(list)
    for bucket in aggregations.get("entities", {}).get("buckets", []):
        ref = _entity_ref(str(bucket["key"]))
        entities[ref.label].append(FacetValue(value=ref.value, count=int(bucket["doc_count"])))
    return Facets(labels=labels, entities={k: tuple(v) for k, v in sorted(entities.items())})


def did_you_mean(
    client: Elasticsearch, index: str, parsed: ParsedQuery, analyzer: Analyzer
) -> str | None:
    """"Bedoelde u ...?": the query with each unknown word replaced by the most frequent
    indexed word within its typo distance (term suggester on the `words` keywords)."""
    words = [fold(w) for w in parsed.words]
    candidates = {
        f"w{i}": {
            "text": word,
            "term": {
                "field": "words",
                "suggest_mode": "missing",
                "sort": "frequency",
                "prefix_length": 1,
                "max_edits": max(1, fuzzy_distance(word)),
                "min_word_length": 4,
                "size": 1,
            },
        }
        for i, word in enumerate(words)
        if len(word) >= 4 and not analyzer.is_stopword(word)
    }
    if not candidates:
        return None
    answer = client.search(index=index, size=0, suggest=candidates)
    changed = False
    for key, entries in answer.get("suggest", {}).items():
        options = entries[0]["options"] if entries else []
        if options:
            words[int(key[1:])] = options[0]["text"]
            changed = True
    return " ".join(words) if changed else None


def run_suggest(
    client: Elasticsearch, index: str, prefix: str, limit: int, analyzer: Analyzer
) -> list[Completion]:
    """Titles whose words start with what is typed, then frequent words with that prefix."""
    typed = " ".join(prefix.split())
    if not typed.strip() or limit < 1:
        return []
    last = fold(typed.split()[-1])
    titles = client.search(
        index=index, query=es_queries.title_prefix_query(typed), size=limit,
        source={"includes": ["article_id", "title"]},
    )
    found = [
        Completion(text=h["_source"]["title"], kind="title", article_id=h["_source"]["article_id"])
        for h in titles["hits"]["hits"]
    ]
    if len(found) < limit and last.isalnum():
        words = client.search(
            index=index, size=0,
            aggs={"words": {"terms": {"field": "words", "include": f"{last}.*", "size": limit}}},
        )
        for bucket in words.get("aggregations", {}).get("words", {}).get("buckets", []):
            if len(found) >= limit:
                break
            found.append(Completion(text=str(bucket["key"]), kind="term"))
    return found

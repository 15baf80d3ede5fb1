"""Elasticsearch requests and answers as the search layer speaks them: a `Retrieval` as a
search request, an answer as a `RawResult`, and the vocabulary and passages read back."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

from elasticsearch import Elasticsearch

from indexer.engines.elastic.queries import aggregations, query_body
from indexer.search.clauses import Retrieval
from indexer.search.port import RawHit, RawResult
from indexer.search.values import StoredPassage

_COMPOSITE_PAGE = 1000  # buckets per composite aggregation page
PASSAGE_SOURCE = [
    "id",
    "article_id",
    "article_title",
    "passage_index",
    "section_heading",
    "anchor",
    "text",
    "bands",
]


def search_request(retrieval: Retrieval) -> dict[str, Any]:
    """The keyword arguments of `Elasticsearch.search` for `retrieval`."""
    size = retrieval.limit if not retrieval.group_by else min(retrieval.limit, 10_000)
    fields = list(retrieval.fields)
    if retrieval.group_by and retrieval.group_by not in fields:
        fields.append(retrieval.group_by)
    body: dict[str, Any] = {
        "query": query_body(retrieval.query),
        "from_": 0 if retrieval.group_by else retrieval.offset,
        "size": max(0, size),
        "track_total_hits": retrieval.count,
        "source": {"includes": fields} if fields else False,
    }
    if retrieval.facets:
        body["aggs"] = aggregations(retrieval.facets)
    return body


def raw_result(answer: Any, retrieval: Retrieval) -> RawResult:
    """A search answer as the search layer reads it (grouped when the retrieval asks)."""
    fields = list(retrieval.fields)
    if retrieval.group_by and retrieval.group_by not in fields:
        fields.append(retrieval.group_by)
    hits = [RawHit(float(h["_score"] or 0.0), _fields(h.get("_source") or {}, fields))
            for h in answer["hits"]["hits"]]
    if retrieval.group_by:
        seen: dict[str, int] = {}
        kept = []
        for hit in hits:
            key = str(hit.fields.get(retrieval.group_by))
            seen[key] = seen.get(key, 0) + 1
            if seen[key] <= retrieval.group_size:
                kept.append(hit)
        hits = kept
    total = int(answer["hits"]["total"]["value"]) if retrieval.count else 0
    counts = {
        f.name: tuple((str(b["key"]), int(b["doc_count"]))
                      for b in answer.get("aggregations", {}).get(f.name, {}).get("buckets", []))
        for f in retrieval.facets
    }
    return RawResult(hits=tuple(hits), total=total, facets=counts)


def all_terms(
    client: Elasticsearch, index: str, field: str, query: dict[str, Any] | None
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
            index=index, size=0, query=query or {"match_all": {}},
            aggs={"terms": {"composite": composite}},
        )
        result = answer["aggregations"]["terms"]
        for bucket in result["buckets"]:
            yield str(bucket["key"]["term"]), int(bucket["doc_count"])
        after = result.get("after_key")
        if not result["buckets"] or not after:
            return


def _fields(source: dict[str, Any], names: Sequence[str]) -> dict[str, Any]:
    return {name: source.get(name) for name in names}


def stored_passage(source: dict[str, Any]) -> StoredPassage:
    return StoredPassage(
        id=source["id"],
        article_id=source["article_id"],
        article_title=source.get("article_title", ""),
        index=int(source.get("passage_index", 0)),
        section_heading=source.get("section_heading") or None,
        anchor=source.get("anchor") or None,
        text=source.get("text", ""),
        bands=tuple(source.get("bands", ())),
    )

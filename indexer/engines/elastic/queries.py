"""The search layer's queries (`indexer.search.clauses`) as Elasticsearch query bodies: pure
functions producing JSON. What a visitor typed never reaches a query parser: the search flow
has already turned it into terms, phrases and filters."""

from __future__ import annotations

from typing import Any

from indexer.search.clauses import (
    Bool,
    DisMax,
    FacetRequest,
    MatchAll,
    OneOf,
    Phrase,
    Query,
    Term,
)

Body = dict[str, Any]


def query_body(node: Query) -> Body:
    """`node` as an Elasticsearch query."""
    if isinstance(node, Term):
        return {"term": {node.field: _boosted({"value": node.value}, node.boost)}}
    if isinstance(node, OneOf):
        return {"terms": {node.field: list(node.values)}}
    if isinstance(node, Phrase):
        if len(node.words) == 1:
            return query_body(Term(node.field, node.words[0], node.boost))
        return {"match_phrase": {node.field: _boosted({"query": " ".join(node.words)},
                                                      node.boost)}}
    if isinstance(node, Bool):
        body: Body = {}
        for key, clauses in (("must", node.must), ("should", node.should),
                             ("must_not", node.must_not), ("filter", node.filter)):
            if clauses:
                body[key] = [query_body(q) for q in clauses]
        if node.should:
            body["minimum_should_match"] = node.min_should
        if not node.must and not node.should and not node.filter:
            body["must"] = [{"match_all": {}}]
        return {"bool": _boosted(body, node.boost)}
    if isinstance(node, DisMax):
        return {"dis_max": _boosted({"queries": [query_body(q) for q in node.queries],
                                     "tie_breaker": node.tie}, node.boost)}
    if isinstance(node, MatchAll):
        return {"match_all": {}}
    raise TypeError(f"not a query: {node!r}")


def _boosted(body: Body, boost: float) -> Body:
    if boost != 1.0:
        body["boost"] = boost
    return body


def aggregations(facets: tuple[FacetRequest, ...]) -> Body:
    """Counts of the most frequent values of each facet's field over every match."""
    return {f.name: {"terms": {"field": f.field, "size": f.size}} for f in facets}


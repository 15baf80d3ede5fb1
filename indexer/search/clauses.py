"""The queries the search flow asks an engine to run: a small tree that each engine translates.

Every node is engine-neutral and names index fields of `indexer.search.documents`. The search
flow (`indexer.search.searcher`) builds the whole query; an engine only translates the tree into
its own query objects (tantivy `Query`, an Elasticsearch query body) and runs it. Scoring nodes
(`Term`, `Phrase`) score with each engine's BM25, so the two engines rank alike; `filter` and
`must_not` clauses never score.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Term:
    """A document whose `field` holds exactly `value` (an index term), scored by BM25."""

    field: str
    value: str
    boost: float = 1.0


@dataclass(frozen=True, slots=True)
class OneOf:
    """A document whose `field` holds any of `values`: unscored, for filters and exclusions."""

    field: str
    values: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Phrase:
    """`words` (index terms) next to each other in this order in a positional `field`."""

    field: str
    words: tuple[str, ...]
    boost: float = 1.0


@dataclass(frozen=True, slots=True)
class Bool:
    """Every `must` and `filter` clause, none of `must_not`, and at least `min_should` of
    `should` (0: the `should` clauses only add to the score). The score is the sum of the
    scoring clauses' scores, times `boost`."""

    must: tuple[Query, ...] = ()
    should: tuple[Query, ...] = ()
    must_not: tuple[Query, ...] = ()
    filter: tuple[Query, ...] = ()
    min_should: int = 0
    boost: float = 1.0


@dataclass(frozen=True, slots=True)
class DisMax:
    """Any of `queries`; scored by the best of them (plus `tie` times the others)."""

    queries: tuple[Query, ...]
    tie: float = 0.0
    boost: float = 1.0


@dataclass(frozen=True, slots=True)
class MatchAll:
    """Every document (under the caller's filters)."""


@dataclass(frozen=True, slots=True)
class Nearest:
    """Passages by the cosine similarity of their vectors (made by the embedding model
    `model`) to `vector`, highest first: of the articles `articles` only (all when None), none
    of `excluded`. Only the whole query of a `Retrieval`; a hit's score is the similarity."""

    vector: tuple[float, ...]
    model: str
    articles: tuple[str, ...] | None = None
    excluded: tuple[str, ...] = ()


Query = Term | OneOf | Phrase | Bool | DisMax | MatchAll | Nearest


def any_of(queries: tuple[Query, ...] | list[Query], boost: float = 1.0) -> Query:
    """At least one of `queries`, their scores summed (the one query itself when alone)."""
    if len(queries) == 1 and boost == 1.0:
        return queries[0]
    return Bool(should=tuple(queries), min_should=1, boost=boost)


def all_of(queries: tuple[Query, ...] | list[Query]) -> Query:
    """Every one of `queries`, their scores summed (the one query itself when alone)."""
    if len(queries) == 1:
        return queries[0]
    return Bool(must=tuple(queries))


@dataclass(frozen=True, slots=True)
class FacetRequest:
    """Counts of the most frequent values of a keyword `field` over every match."""

    name: str
    field: str
    size: int


@dataclass(frozen=True, slots=True)
class Retrieval:
    """One query to run: the hits `offset`..`offset + limit` by score, the stored `fields` of
    each hit, the number of matches when `count` is set, and the `facets` over all matches.

    With `group_by` (a fast keyword field), at most `group_size` hits per value of that field
    are kept, best first, among the best `limit` (e.g. two passages per article)."""

    query: Query
    limit: int
    offset: int = 0
    fields: tuple[str, ...] = ()
    count: bool = False
    facets: tuple[FacetRequest, ...] = ()
    group_by: str | None = None
    group_size: int = 0
    grain: str = "article"  # "article" or "passage": the documents the query is about

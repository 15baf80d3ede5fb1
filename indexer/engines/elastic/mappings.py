"""Index settings and mappings of an Elasticsearch index version: pure functions producing JSON.

The mapping is built from `indexer.search.fields`, as tantivy's schema is: nothing is analysed
by Elasticsearch. Terms computed in Python (folded words, lemmas, compound parts, synonyms,
stems) arrive as lists and are indexed one term a value (`keyword` tokenizer on a `text` field,
so that BM25 sees term frequencies and field lengths as tantivy does); positional text arrives
as folded words separated by spaces (`whitespace` tokenizer); labels, entities, LSH bands and
ids are keywords. So both engines match exactly the same terms and rank alike, and an
Elasticsearch-compatible test server that lacks Dutch analysis runs the same searches.
"""

from __future__ import annotations

from typing import Any

from indexer.search.fields import FIELDS

# Analyzer names used by the mappings.
TERM_ANALYZER = "sitesearch_term"
WORDS_ANALYZER = "sitesearch_words"
VECTOR_FIELD = "vector"


def analysis() -> dict[str, Any]:
    """The `analysis` section of the index settings."""
    return {
        "analyzer": {
            TERM_ANALYZER: {"type": "custom", "tokenizer": "keyword"},
            WORDS_ANALYZER: {"type": "custom", "tokenizer": "whitespace"},
        },
    }


def _mapping(name: str) -> dict[str, Any]:
    spec = FIELDS[name]
    if name == "page_json" or spec.kind == "stored":
        return {"type": "keyword", "index": False, "doc_values": False}
    if spec.kind == "number":
        return {"type": "integer"}
    if spec.kind == "terms":
        return {"type": "text", "analyzer": TERM_ANALYZER, "index_options": "freqs"}
    if spec.kind == "positional":
        return {"type": "text", "analyzer": WORDS_ANALYZER}
    return {"type": "keyword"}


def mappings(vector_dims: int | None = None) -> dict[str, Any]:
    """Mappings of one index holding both grains (`doc_type` "article" or "passage").

    One index per version (rather than one per grain) keeps the alias switch one atomic action.
    `dynamic: strict` makes a field this mapping does not know a reported bulk failure instead
    of a silently guessed mapping. With `vector_dims`, passages have a `vector` (their
    embedding: a unit vector, so a dot product is the cosine) searched by kNN.
    """
    properties = {name: _mapping(name) for name in FIELDS}
    if vector_dims:
        properties[VECTOR_FIELD] = {"type": "dense_vector", "dims": vector_dims, "index": True,
                                    "similarity": "dot_product"}
    return {"dynamic": "strict", "properties": properties}


def index_body(
    *, shards: int, replicas: int, max_result_window: int, vector_dims: int | None = None
) -> dict[str, Any]:
    """The body of `PUT /<index_name>-v<N>`: settings (shards, replicas, analysis), mappings."""
    return {
        "settings": {
            "number_of_shards": shards,
            "number_of_replicas": replicas,
            # Paging stops at our own cap; keep Elasticsearch's window at least that deep.
            "max_result_window": max(max_result_window, 10_000),
            "analysis": analysis(),
        },
        "mappings": mappings(vector_dims),
    }

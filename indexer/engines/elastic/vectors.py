"""Passage vectors in Elasticsearch: each passage document's `vector` (a `dense_vector`, see
`indexer.engines.elastic.mappings`) and the kNN search of the passages nearest a query's
vector (`indexer.search.clauses.Nearest`), with the article filters as kNN filters."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager
from typing import Any

from elasticsearch import ApiError, Elasticsearch

from indexer.engines.elastic.mappings import VECTOR_FIELD
from indexer.engines.elastic.results import raw_result
from indexer.nlp.embed import Embedder, page_embeddings
from indexer.pages.models import EnrichedPage
from indexer.search.clauses import Nearest, Retrieval
from indexer.search.documents import PASSAGE
from indexer.search.port import RawHit, RawResult

Body = dict[str, Any]
KNN_CANDIDATES = 1000  # candidates per shard of a kNN search (Elasticsearch's limit: 10,000)


def with_vectors(documents: list[Body], embedder: Embedder | None, page: EnrichedPage
                 ) -> list[Body]:
    """The page's documents, each passage with its `vector` when there is an embedder."""
    embedded = page_embeddings(embedder, page)
    if embedded is not None:
        rows = dict(zip(embedded.ids, embedded.vectors.tolist(), strict=True))
        for document in documents:
            if document["id"] in rows:
                document[VECTOR_FIELD] = rows[document["id"]]
    return documents


def knn_body(node: Nearest, k: int) -> Body:
    """`node` as Elasticsearch's top-level kNN search of the `k` nearest passages (near
    exact: up to KNN_CANDIDATES candidates per shard)."""
    filters: list[Body] = [{"term": {"doc_type": PASSAGE}}]
    if node.articles is not None:
        filters.append({"terms": {"article_id": list(node.articles)}})
    query: Body = {"filter": filters}
    if node.excluded:
        query["must_not"] = [{"terms": {"article_id": list(node.excluded)}}]
    return {"field": VECTOR_FIELD, "query_vector": list(node.vector), "k": k,
            "num_candidates": max(k, KNN_CANDIDATES), "filter": {"bool": query}}


def similarity(score: float) -> float:
    """The cosine similarity of a kNN hit (dot_product of unit vectors scores (1 + cos) / 2)."""
    return 2.0 * score - 1.0


def nearest(
    client: Elasticsearch, calling: Callable[[str], AbstractContextManager[None]], index: str,
    node: Nearest, retrieval: Retrieval,
) -> RawResult:
    """Passages by the similarity of their vectors; nothing when the index has no vectors
    (made with the model off) or vectors of another size (the cluster refuses the query)."""
    wanted = retrieval.offset + retrieval.limit
    if wanted <= 0:
        return RawResult()
    fields = list(retrieval.fields)
    try:
        with calling("nearest passages"):
            answer = client.search(index=index, knn=knn_body(node, wanted), size=wanted,
                                   source={"includes": fields} if fields else False)
    except ApiError as exc:
        if exc.status_code != 400:
            raise
        return RawResult()
    found = raw_result(answer, Retrieval(node, limit=wanted, fields=retrieval.fields))
    hits = tuple(RawHit(similarity(h.score), h.fields) for h in found.hits[retrieval.offset :])
    return RawResult(hits=hits, total=len(hits) if retrieval.count else 0)

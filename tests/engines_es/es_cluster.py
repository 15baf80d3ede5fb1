"""An Elasticsearch cluster for the tests: a real one, or the osmem in-memory server.

With `SITESEARCH_TEST_ES_URL` set, the tests run against that real cluster, in indices named
after a unique per-session prefix that are deleted afterwards.
Otherwise they start `osmem-server` (an in-memory OpenSearch-compatible server, PyPI wheel
`osmem-server`) on 127.0.0.1. What the server cannot emulate is found by a probe at start
(`probe_gaps`); contract tests that depend on it are marked xfail with that reason.

Import as `tests.engines_es.es_cluster` (the suite runs as `python -m pytest` from the repo root)
so that the engine contract suite in tests/engines/ can build an ElasticEngine too.
"""

from __future__ import annotations

import atexit
import os
import uuid
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from typing import Any

from elastic_transport import HttpHeaders, Urllib3HttpNode
from elastic_transport._node import NodeApiResponse
from elasticsearch import ApiError, Elasticsearch

from indexer.engines.elastic.engine import ElasticEngine
from indexer.engines.elastic.mappings import index_body
from indexer.settings import Settings

TEST_URL_VARIABLE = "SITESEARCH_TEST_ES_URL"

def _plain_media_type(value: str) -> str:
    # "application/vnd.elasticsearch+json; compatible-with=9" -> "application/json"
    if "vnd.elasticsearch+" in value:
        return value.split(";", 1)[0].replace("vnd.elasticsearch+", "").strip()
    return value


class PlainJsonNode(Urllib3HttpNode):
    """Test-only transport node: sends plain `application/json` media types.

    The official client asks for `application/vnd.elasticsearch+json; compatible-with=N`, which
    osmem answers with 406. The product check needs nothing else: osmem already answers with
    `X-Elastic-Product: Elasticsearch`.
    """

    def perform_request(  # type: ignore[override]
        self,
        method: str,
        target: str,
        body: bytes | None = None,
        headers: HttpHeaders | None = None,
        **options: Any,
    ) -> NodeApiResponse:
        self._headers = HttpHeaders({k: _plain_media_type(v) for k, v in self._headers.items()})
        plain = HttpHeaders({k: _plain_media_type(v) for k, v in (headers or {}).items()})
        return super().perform_request(method, target, body=body, headers=plain, **options)


@dataclass
class EsTestCluster:
    """Where the tests' Elasticsearch is and how to talk to it."""

    url: str
    real: bool
    prefix: str  # every index name the session makes starts with this
    gaps: dict[str, str] = field(default_factory=dict)  # feature -> what this server lacks

    def client(self, timeout: float = 10.0) -> Elasticsearch:
        if self.real:
            return Elasticsearch(self.url, request_timeout=timeout)
        return Elasticsearch(self.url, node_class=PlainJsonNode, request_timeout=timeout)

    def engine(
        self, settings: Settings, name: str | None = None, vectors: bool = False
    ) -> ElasticEngine:
        """An engine on its own alias (`<prefix>-<name>`) so tests do not see each other.

        On a server without kNN (`missing("knn")`) its versions have no passage vectors
        (their mapping would be refused), unless the test asks for `vectors`: a test of
        semantic search then meets the server's gap.
        """
        index_name = f"{self.prefix}-{name or uuid.uuid4().hex[:8]}"
        update: dict[str, Any] = {"index_name": index_name, "es_url": self.url}
        if self.missing("knn") and not vectors:
            update["embedding_model"] = "off"
        configured = settings.model_copy(update=update)
        return ElasticEngine(self.client(configured.es_timeout), configured)

    def missing(self, feature: str) -> str | None:
        """Why `feature` cannot be tested here, or None when it can."""
        return self.gaps.get(feature)

    def clean_up(self) -> None:
        client = self.client()
        try:
            # By name: clusters refuse wildcard deletes (action.destructive_requires_name).
            names = sorted(client.indices.get(index=f"{self.prefix}-*", allow_no_indices=True))
            for start in range(0, len(names), 50):
                client.indices.delete(index=",".join(names[start : start + 50]))
        finally:
            client.close()


def probe_gaps(client: Elasticsearch, prefix: str) -> dict[str, str]:
    """What the server cannot do of what our mapping and queries use, found by trying it on a
    probe index. Keys: "phrases" (match_phrase on whitespace-tokenized text), "terms"
    (one term a value of a keyword-tokenized text field, scored), "bm25" (Lucene's BM25:
    a long text with the word 32 times above a short one with it once)."""
    name = f"{prefix}-probe"
    client.indices.create(index=name, **index_body(shards=1, replicas=0, max_result_window=1000))
    gaps: dict[str, str] = {}
    try:
        client.index(index=name, id="1", document={"plain": ["de kat zit", "op de mat"],
                                                   "body_terms": ["kat", "vitamine d"]})
        client.index(index=name, id="2", document={"plain": ["kat op"],
                                                   "body_terms": ["mat"]}, refresh=True)

        def found(query: dict[str, object]) -> list[str]:
            return [h["_id"] for h in client.search(index=name, query=query)["hits"]["hits"]]

        if found({"match_phrase": {"plain": "zit op"}}) or \
                found({"match_phrase": {"plain": "kat op"}}) != ["2"]:
            gaps["phrases"] = "the server's phrases ignore word positions or value gaps"
        if found({"term": {"body_terms": "vitamine d"}}) != ["1"]:
            gaps["terms"] = "the server splits keyword-tokenized values"
        # Lucene's BM25 (k1 1.2, b 0.75) ranks the long text first (2.05 against 1.53).
        long = ["m"] * 32 + [f"w{i}" for i in range(547)]
        filler = [{"body_terms": [f"f{i}"] * 50} for i in range(30)]
        for number, document in enumerate([{"body_terms": long},
                                           {"body_terms": ["m"] + ["k"] * 27}, *filler]):
            client.index(index=name, id=f"b{number}", document=document)
        client.indices.refresh(index=name)
        if found({"term": {"body_terms": "m"}})[:2] != ["b0", "b1"]:
            gaps["bm25"] = ("the server's BM25 is not Lucene's: it ranks a short text with a "
                            "word once above a long one with it 32 times")
    finally:
        client.indices.delete(index=name)
    knn = _knn_gap(client, f"{prefix}-probe-knn")
    if knn:
        gaps["knn"] = knn
    return gaps


def _knn_gap(client: Elasticsearch, name: str) -> str | None:
    """Why the server cannot hold passage vectors and find the nearest (None when it can): a
    `dense_vector` mapping, and a kNN search ranking the nearer of two vectors first."""
    try:
        client.indices.create(index=name, **index_body(shards=1, replicas=0,
                                                       max_result_window=1000, vector_dims=2))
    except ApiError as exc:
        return f"the server refuses a dense_vector mapping: {_reason(exc)}"
    try:
        client.index(index=name, id="far", document={"doc_type": "passage", "vector": [0, 1]})
        client.index(index=name, id="near", document={"doc_type": "passage", "vector": [1, 0]},
                     refresh=True)
        found = client.search(index=name, knn={"field": "vector", "query_vector": [1, 0],
                                               "k": 2, "num_candidates": 10})
        if [h["_id"] for h in found["hits"]["hits"]] != ["near", "far"]:
            return "the server's kNN search does not rank the nearest vector first"
    except ApiError as exc:
        return f"the server has no kNN search: {_reason(exc)}"
    finally:
        client.indices.delete(index=name)
    return None


def _reason(exc: ApiError) -> str:
    body = exc.body if isinstance(exc.body, dict) else {}
    error = body.get("error")
    return str(error.get("reason") if isinstance(error, dict) else exc.message)


@contextmanager
def running_cluster() -> Iterator[EsTestCluster]:
    """The real cluster named by SITESEARCH_TEST_ES_URL, else a fresh osmem-server.

    What the server cannot do is found by a probe at start (`probe_gaps`).
    """
    prefix = f"sitesearch-test-{uuid.uuid4().hex[:8]}"
    url = os.environ.get(TEST_URL_VARIABLE)
    server = None
    if not url:
        from osmem_server import OsmemServer

        server = OsmemServer.start(japanese=False)
        url = server.url
    cluster = EsTestCluster(url=url.rstrip("/"), real=server is None, prefix=prefix)
    try:
        client = cluster.client()
        try:
            cluster.gaps = probe_gaps(client, prefix)
        finally:
            client.close()
        yield cluster
    finally:
        if server is None:
            cluster.clean_up()
        else:
            server.close()


_SHARED: list[EsTestCluster] = []


def shared_cluster() -> EsTestCluster:
    """One cluster for the whole test process (both test directories use it); it is stopped
    and its indices deleted when the process exits."""
    if not _SHARED:
        stack = ExitStack()
        _SHARED.append(stack.enter_context(running_cluster()))
        atexit.register(stack.close)
    return _SHARED[0]

"""An Elasticsearch cluster for the tests: a real one, or the osmem in-memory server.

With `SITESEARCH_TEST_ES_URL` set, the tests run against that real cluster with the full Dutch
analysis, in indices named after a unique per-session prefix that are deleted afterwards.
Otherwise they start `osmem-server` (an in-memory OpenSearch-compatible server, PyPI wheel
`osmem-server`) on 127.0.0.1. What osmem cannot emulate is listed in `OSMEM_GAPS`; contract
tests that depend on it are marked xfail with that reason.

Import as `tests.engines_es.es_cluster` (the suite runs as `python -m pytest` from the repo root)
so that the engine contract suite in tests/engines/ can build an ElasticEngine too.
"""

from __future__ import annotations

import atexit
import os
import uuid
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from typing import Any

from elastic_transport import HttpHeaders, Urllib3HttpNode
from elastic_transport._node import NodeApiResponse
from elasticsearch import Elasticsearch

from indexer.engines.elastic import ElasticEngine
from indexer.engines.es_mappings import AnalysisProfile
from indexer.settings import Settings

TEST_URL_VARIABLE = "SITESEARCH_TEST_ES_URL"

# Behaviour osmem-server 0.1.x lacks, by the name used in xfail reasons.
OSMEM_GAPS = {
    "synonym_graph": "osmem ignores the search-time synonym_graph filter",
    "dutch_stemmer": "osmem's _analyze does not support the Dutch stemmer",
}


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
    profile: AnalysisProfile
    prefix: str  # every index name the session makes starts with this

    def client(self, timeout: float = 10.0) -> Elasticsearch:
        if self.real:
            return Elasticsearch(self.url, request_timeout=timeout)
        return Elasticsearch(self.url, node_class=PlainJsonNode, request_timeout=timeout)

    def engine(self, settings: Settings, name: str | None = None) -> ElasticEngine:
        """An engine on its own alias (`<prefix>-<name>`) so tests do not see each other."""
        index_name = f"{self.prefix}-{name or uuid.uuid4().hex[:8]}"
        configured = settings.model_copy(update={"index_name": index_name, "es_url": self.url})
        return ElasticEngine(
            self.client(configured.es_timeout), configured, analysis_profile=self.profile
        )

    def missing(self, feature: str) -> str | None:
        """Why `feature` cannot be tested here, or None when it can."""
        return None if self.real else OSMEM_GAPS.get(feature)

    def clean_up(self) -> None:
        client = self.client()
        try:
            client.indices.delete(
                index=f"{self.prefix}-*", ignore_unavailable=True, allow_no_indices=True
            )
        finally:
            client.close()


@contextmanager
def running_cluster() -> Iterator[EsTestCluster]:
    """The real cluster named by SITESEARCH_TEST_ES_URL, else a fresh osmem-server."""
    prefix = f"sitesearch-test-{uuid.uuid4().hex[:8]}"
    url = os.environ.get(TEST_URL_VARIABLE)
    if url:
        cluster = EsTestCluster(url=url.rstrip("/"), real=True, profile="full", prefix=prefix)
        try:
            yield cluster
        finally:
            cluster.clean_up()
        return
    from osmem_server import OsmemServer

    server = OsmemServer.start(japanese=False)
    try:
        yield EsTestCluster(url=server.url, real=False, profile="minimal", prefix=prefix)
    finally:
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

"""An Elasticsearch cluster for the tests: a real one, or the osmem in-memory server.

With `SITESEARCH_TEST_ES_URL` set, the tests run against that real cluster with the full Dutch
analysis, in indices named after a unique per-session prefix that are deleted afterwards.
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
from indexer.engines.elastic.mappings import AnalysisProfile, index_body
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
    profile: AnalysisProfile
    prefix: str  # every index name the session makes starts with this
    gaps: dict[str, str] = field(default_factory=dict)  # feature -> what this server lacks

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
    """What the server cannot do of our full Dutch analysis, found by trying it on a probe index.

    Keys: "dutch_stemmer" (index/search time), "dutch_stemmer_analyze" (the _analyze API),
    "synonym_graph" (search-time synonyms on the raw text fields).
    """
    name = f"{prefix}-probe"
    body = index_body(
        shards=1, replicas=0, synonyms=["adhd, aandachtstekortstoornis"],
        max_result_window=1000, profile="full",
    )
    client.indices.create(index=name, **body)
    gaps: dict[str, str] = {}
    try:
        client.index(index=name, id="1", document={"body": "depressieve klachten"})
        client.index(index=name, id="2", document={"body": "adhd bij volwassenen"}, refresh=True)

        def found(text: str) -> int:
            return int(client.count(index=name, query={"match": {"body": text}})["count"])

        if found("zzzzqx"):
            gaps["dutch_stemmer"] = "the server's Dutch stemmer matches any word ('zzzzqx')"
        elif not found("klacht"):
            gaps["dutch_stemmer"] = "the server does not stem Dutch ('klacht' vs 'klachten')"
        if "dutch_stemmer" in gaps:
            # Everything matches, so synonyms cannot be told apart; the minimal profile used
            # then leaves synonym_graph out (osmem 0.1 warns that it ignores it anyway).
            gaps["synonym_graph"] = "not tested: this server's minimal profile has no synonym_graph"
        elif not found("aandachtstekortstoornis"):
            gaps["synonym_graph"] = "the server ignores the search-time synonym_graph filter"
        try:
            client.indices.analyze(index=name, analyzer="nl_text", text="klachten")
        except ApiError as exc:
            gaps["dutch_stemmer_analyze"] = f"the server's _analyze lacks the Dutch stemmer: {exc}"
    finally:
        client.indices.delete(index=name)
    return gaps


@contextmanager
def running_cluster() -> Iterator[EsTestCluster]:
    """The real cluster named by SITESEARCH_TEST_ES_URL, else a fresh osmem-server.

    The full analysis is used unless the probe finds that the server's Dutch stemmer is broken
    or missing; then the "minimal" profile (no stemmer, no synonym_graph) is used.
    """
    prefix = f"sitesearch-test-{uuid.uuid4().hex[:8]}"
    url = os.environ.get(TEST_URL_VARIABLE)
    server = None
    if not url:
        from osmem_server import OsmemServer

        server = OsmemServer.start(japanese=False)
        url = server.url
    cluster = EsTestCluster(url=url.rstrip("/"), real=server is None, profile="full",
                            prefix=prefix)
    try:
        client = cluster.client()
        try:
            cluster.gaps = probe_gaps(client, prefix)
        finally:
            client.close()
        if "dutch_stemmer" in cluster.gaps:
            cluster.profile = "minimal"
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

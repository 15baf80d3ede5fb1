"""The Elasticsearch engine: versioned indices behind an alias, through the official client.

Each version is an index `<index_name>-v<N>` holding article and passage documents
(`indexer/search/documents.py`); the alias `<index_name>` names the live one and moves in one
atomic `_aliases` call. Every call to the cluster goes through `_calling` (`client.calling`):
callers never see a raw transport traceback. It runs the search layer's queries
(`results.search_request`) and answers with raw hits (`results.raw_result`).

Bulk writes (`es_bulk`) check every item's result, retry items refused with 429 with bounded
exponential backoff, and report what still failed by article id with the reason.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Hashable, Iterable, Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager
from functools import partial
from typing import Any

from elasticsearch import ApiError, Elasticsearch, NotFoundError, helpers

from indexer.engines.elastic.client import build_client, calling, public_url
from indexer.engines.elastic.mappings import index_body
from indexer.engines.elastic.results import (
    PASSAGE_SOURCE,
    all_terms,
    raw_result,
    search_request,
    stored_passage,
)
from indexer.engines.elastic.vectors import nearest
from indexer.engines.elastic.writing import BulkOptions, ElasticBulk, prepare_page
from indexer.errors import EngineUnavailable, NotFound
from indexer.nlp.analysis import Analyzer
from indexer.nlp.embed import EmbedConfig, Embedder, load_embedder
from indexer.pages.models import EnrichedPage
from indexer.search.clauses import Nearest, Retrieval
from indexer.search.documents import ARTICLE, PASSAGE
from indexer.search.port import (
    PreparedPage,
    RawResult,
    VocabularySource,
)
from indexer.search.values import Health, StoredPassage, WriteReport
from indexer.settings import Settings

_GENERATION_TTL = 1.0  # seconds the live version's identity is trusted before it is read again


class ElasticEngine:
    """The Engine protocol on an Elasticsearch (8.x/9.x) cluster."""

    name = "elasticsearch"

    def __init__(
        self,
        client: Elasticsearch,
        settings: Settings,
        *,
        analyzer: Analyzer | None = None,
    ) -> None:
        self._client = client
        self._settings = settings
        self._alias = settings.index_name
        self._url = public_url(settings.es_url)
        self._analyzer = analyzer or Analyzer.from_config(settings.config_dir)
        self._embed = EmbedConfig.from_settings(settings)
        self._version_name = re.compile(rf"^{re.escape(self._alias)}-v(\d+)$")
        # (version, its document count, when loaded, vocabulary): reloaded when the alias moves
        # or the document count changes, checked at most once a minute.
        # (when read, live version, its generation): the live version's identity, read again
        # after _GENERATION_TTL seconds or at once after a write of ours.
        self._generation: tuple[float, str | None, Hashable] = (-float("inf"), None, None)

    @classmethod
    def from_settings(cls, settings: Settings) -> ElasticEngine:
        """The engine on the cluster `settings.es_url` (no request is made yet)."""
        return cls(build_client(settings), settings)

    def _calling(self, what: str) -> AbstractContextManager[None]:
        """A call to the cluster: transport failures become EngineUnavailable (client.py)."""
        return calling(self._url, self._settings.es_timeout, what)

    # --- versions and the alias

    def versions(self) -> list[str]:
        with self._calling("list versions"):
            found = self._client.indices.get(
                index=f"{self._alias}-v*", expand_wildcards="open", allow_no_indices=True
            )
        numbered = []
        for name in found.body:
            match = self._version_name.match(name)
            if match:
                numbered.append((int(match.group(1)), name))
        return [name for _, name in sorted(numbered)]

    def create_version(self) -> str:
        existing = self.versions()
        number = int(existing[-1].rsplit("-v", 1)[1]) if existing else 0
        embedder = self.embedder
        body = index_body(
            shards=self._settings.es_shards,
            replicas=self._settings.es_replicas,
            max_result_window=self._settings.max_result_window,
            vector_dims=embedder.spec.dim if embedder is not None else None,
        )
        for attempt in range(number + 1, number + 6):
            name = f"{self._alias}-v{attempt}"
            try:
                with self._calling(f"create {name}"):
                    self._client.indices.create(index=name, **body)
                return name
            except ApiError as exc:
                # Another job created this number first: take the next one.
                if exc.error != "resource_already_exists_exception":
                    raise
        raise EngineUnavailable(f"could not create a new version of {self._alias} at {self._url}")

    def live_version(self) -> str | None:
        with self._calling("read alias"):
            try:
                found = self._client.indices.get_alias(name=self._alias)
            except NotFoundError:
                return None
        names = sorted(found.body)
        return names[0] if names else None

    def switch(self, version: str) -> None:
        self._require(version)
        live = self.live_version()
        actions: list[dict[str, Any]] = []
        if live is not None and live != version:
            actions.append({"remove": {"index": live, "alias": self._alias}})
        actions.append({"add": {"index": version, "alias": self._alias}})
        with self._calling(f"switch {self._alias} to {version}"):
            self._client.indices.update_aliases(actions=actions)

    def drop(self, version: str) -> None:
        if version == self.live_version():
            raise ValueError(
                f"{version} is live: switch {self._alias} elsewhere before dropping it"
            )
        self._require(version)
        with self._calling(f"drop {version}"):
            self._client.indices.delete(index=version)

    def _require(self, version: str) -> None:
        if version not in self.versions():
            raise NotFound(f"index version {version} does not exist at {self._url}")

    def _live(self) -> str:
        """The alias when it names a version; NotFound before the first switch."""
        if self.live_version() is None:
            raise NotFound(f"no live index: {self._alias} does not name a version yet")
        return self._alias

    # --- writing

    @property
    def embedder(self) -> Embedder | None:
        """The model embedding this engine's passages (None: off or not installed)."""
        return load_embedder(self._embed)

    def preparer(self) -> Callable[[EnrichedPage], PreparedPage]:
        return partial(prepare_page, self._analyzer, self.embedder)

    @contextmanager
    def bulk(self, version: str) -> Iterator[ElasticBulk]:
        """Bulk requests per batch; one refresh at the end makes them all searchable."""
        self._require(version)
        with self._calling(f"count {version}"):
            fresh = int(self._client.count(index=version)["count"]) == 0
        yield ElasticBulk(self._client, self._calling, version, fresh, self.preparer(),
                          BulkOptions.from_settings(self._settings))
        with self._calling(f"refresh {version}"):
            self._client.indices.refresh(index=version)
        self._forget_generation()

    def write(self, version: str, pages: Iterable[EnrichedPage | PreparedPage]) -> WriteReport:
        with self.bulk(version) as bulk:
            return bulk.write(pages)

    def _forget_generation(self) -> None:
        # Our own writes show at once; other processes' writes within _GENERATION_TTL.
        self._generation = (-float("inf"), None, None)

    def delete(self, version: str, article_ids: Iterable[str]) -> int:
        ids = sorted(set(article_ids))
        if not ids:
            return 0
        self._require(version)
        removed = self._count_ids(version, ids)
        with self._calling(f"delete from {version}"):
            self._client.delete_by_query(
                index=version, query={"terms": {"article_id": ids}},
                conflicts="proceed", refresh=True,
            )
        self._forget_generation()
        return removed

    def _count_ids(self, version: str, ids: Sequence[str]) -> int:
        with self._calling(f"count {version}"):
            answer = self._client.count(
                index=version,
                query={"bool": {"filter": [{"term": {"doc_type": ARTICLE}},
                                           {"terms": {"article_id": list(ids)}}]}},
            )
        return int(answer["count"])

    def count(self, version: str | None = None) -> int:
        if version is None:
            if self.live_version() is None:
                return 0
            version = self._alias
        elif version not in self.versions():
            raise NotFound(f"index version {version} does not exist at {self._url}")
        with self._calling(f"count {version}"):
            answer = self._client.count(index=version, query={"term": {"doc_type": ARTICLE}})
        return int(answer["count"])

    def content_hashes(self, version: str | None = None) -> dict[str, str]:
        index = self._alias if version is None else version
        if version is None and self.live_version() is None:
            return {}
        if version is not None:
            self._require(version)
        with self._calling(f"read content hashes of {index}"):
            return {
                hit["_source"]["article_id"]: hit["_source"].get("content_hash", "")
                for hit in helpers.scan(
                    self._client, index=index, size=1000,
                    query={"query": {"term": {"doc_type": ARTICLE}}},
                    _source=["article_id", "content_hash"],
                )
            }

    # --- reading the live version

    def _index_for(self, version: str | None) -> str | None:
        """The index to read: the alias (None when nothing is live) or a named version."""
        if version is None:
            return self._alias if self.live_version() is not None else None
        self._require(version)
        return version

    def run(self, retrieval: Retrieval, version: str | None = None) -> RawResult:
        index = self._index_for(version)
        if index is None:
            return RawResult()
        if isinstance(retrieval.query, Nearest):
            return nearest(self._client, self._calling, index, retrieval.query, retrieval)
        with self._calling("search"):
            answer = self._client.search(index=index, **search_request(retrieval))
        return raw_result(answer, retrieval)

    def generation(self, version: str | None = None) -> Hashable:
        if version is not None:
            self._require(version)
            return self._written(version)
        read_at, live, key = self._generation
        if time.monotonic() - read_at < _GENERATION_TTL:
            return key
        live = self.live_version()
        key = self._written(live) if live is not None else None
        self._generation = (time.monotonic(), live, key)
        return key

    def _written(self, index: str) -> Hashable:
        """What changes with every write into `index` and with every refresh that makes
        writes searchable: its primaries' indexing and deletion counts and refresh count (a
        write seen before its refresh gives a key that changes again after it)."""
        with self._calling(f"stats of {index}"):
            stats = self._client.indices.stats(index=index, metric=["indexing", "refresh"])
        primaries = stats["_all"]["primaries"]
        indexing, refresh = primaries.get("indexing", {}), primaries.get("refresh", {})
        return (index, int(indexing.get("index_total", 0)), int(indexing.get("delete_total", 0)),
                int(refresh.get("total", 0)))

    def vocabulary_source(self, version: str | None = None) -> VocabularySource | None:
        index = self._index_for(version)
        if index is None:
            return None
        articles = {"term": {"doc_type": ARTICLE}}
        with self._calling("load vocabulary"):
            titles = [
                (str(hit["_source"].get("title", "")), str(hit["_source"]["article_id"]))
                for hit in helpers.scan(
                    self._client, index=index, size=1000, query={"query": articles},
                    _source=["title", "article_id"],
                )
            ]
            words = list(all_terms(self._client, index, "words", articles))
            entities = list(all_terms(self._client, index, "entity_value", None))
        return VocabularySource(words=words, titles=titles, entities=entities)

    def term_stats(
        self, field: str, terms: Sequence[str], version: str | None = None
    ) -> tuple[int, dict[str, int]]:
        index = self._index_for(version)
        if index is None or not terms:
            return 0, {}
        # One request: a `filters` aggregation counts the documents holding each term.
        filters = {str(i): {"term": {field: term}} for i, term in enumerate(terms)}
        with self._calling("term statistics"):
            answer = self._client.search(
                index=index, size=0, track_total_hits=True,
                aggs={"df": {"filters": {"filters": filters}}},
            )
        buckets = answer["aggregations"]["df"]["buckets"]
        freqs = {term: int(buckets[str(i)]["doc_count"]) for i, term in enumerate(terms)}
        total = int(answer["hits"]["total"]["value"])
        return total, {term: df for term, df in freqs.items() if df}

    def get_page(self, article_id: str) -> EnrichedPage:
        index = self._live()
        with self._calling(f"get {article_id}"):
            try:
                found = self._client.get(
                    index=index, id=article_id, source_includes=["doc_type", "page_json"]
                )
            except NotFoundError:
                found = None
        if found is None or found["_source"].get("doc_type") != ARTICLE:
            raise NotFound(f"article {article_id!r} does not exist")
        return EnrichedPage.model_validate_json(found["_source"]["page_json"])

    def passages_by_bands(
        self, bands: Sequence[str], exclude_article: str | None = None, limit: int = 200
    ) -> list[StoredPassage]:
        if not bands:
            return []
        index = self._live()
        query: dict[str, Any] = {
            "filter": [{"term": {"doc_type": PASSAGE}}, {"terms": {"bands": list(bands)}}]
        }
        if exclude_article is not None:
            query["must_not"] = [{"term": {"article_id": exclude_article}}]
        with self._calling("find passages by bands"):
            answer = self._client.search(
                index=index, query={"bool": query}, size=limit,
                source={"includes": PASSAGE_SOURCE},
            )
        return [stored_passage(hit["_source"]) for hit in answer["hits"]["hits"]]

    def iter_passages(self) -> Iterator[StoredPassage]:
        index = self._live()
        with self._calling("read passages"):
            scanned = list(
                helpers.scan(
                    self._client, index=index, size=1000,
                    query={"query": {"term": {"doc_type": PASSAGE}}},
                    _source=PASSAGE_SOURCE,
                )
            )
        for hit in scanned:
            yield stored_passage(hit["_source"])

    def health(self) -> Health:
        try:
            with self._calling("health"):
                self._client.cluster.health(timeout=f"{self._settings.es_timeout:g}s")
            live = self.live_version()
            documents = self.count() if live else 0
        except EngineUnavailable:
            return Health(engine=self.name, status="unavailable", index_version=None, documents=0)
        return Health(engine=self.name, status="ok", index_version=live, documents=documents)

    def close(self) -> None:
        self._client.close()

"""The Elasticsearch engine: versioned indices behind an alias, through the official client.

Each version is an index `<index_name>-v<N>` holding article and passage documents
(`indexer/documents.py`); the alias `<index_name>` names the live one and moves in one atomic
`_aliases` call. Every call to the cluster goes through `_calling`, which turns transport
failures (refused, timed out, TLS, 5xx, not Elasticsearch at all) into `EngineUnavailable`
naming the URL: callers never see a raw transport traceback.

Bulk writes (`es_bulk`) check every item's result, retry items refused with 429 with bounded
exponential backoff, and report what still failed by article id with the reason.
"""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from functools import partial
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import elastic_transport
from elasticsearch import ApiError, Elasticsearch, NotFoundError, UnsupportedProductError, helpers

from indexer.engines.elastic import queries as es_queries
from indexer.engines.elastic.bulk import bulk_write
from indexer.engines.elastic.mappings import AnalysisProfile, index_body, read_synonym_rules
from indexer.engines.elastic.search import load_vocabulary, run_search
from indexer.errors import EngineUnavailable, NotFound, QueryError
from indexer.nlp.analysis import Analyzer
from indexer.pages.models import EnrichedPage
from indexer.search.documents import ARTICLE, PASSAGE, page_documents
from indexer.search.port import PreparedPage, prepared_or_failed
from indexer.search.values import (
    Completion,
    Health,
    RelatedArticle,
    SearchRequest,
    SearchResult,
    StoredPassage,
    WriteReport,
)
from indexer.search.vocabulary import Vocabulary
from indexer.settings import Settings

_VOCABULARY_TTL = 60.0  # seconds a loaded vocabulary serves before it is checked again
_PAGES_PER_CHUNK = 50  # pages whose old passages are replaced per delete_by_query
_PASSAGE_SOURCE = [
    "id",
    "article_id",
    "article_title",
    "passage_index",
    "section_heading",
    "anchor",
    "text",
    "bands",
]


def public_url(url: str) -> str:
    """The cluster URL without user:password, fit for an error message or a log."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    if parts.port:
        host = f"{host}:{parts.port}"
    return urlunsplit((parts.scheme, host, parts.path, "", ""))


def build_client(settings: Settings) -> Elasticsearch:
    """An Elasticsearch client configured from settings (URL, credentials, TLS, timeout)."""
    options: dict[str, Any] = {
        "request_timeout": settings.es_timeout,
        "verify_certs": settings.es_verify_certs,
        # A refused connection is retried once; a timeout is not (the caller's wait is bounded).
        "max_retries": 1,
        "retry_on_timeout": False,
    }
    if settings.es_api_key:
        options["api_key"] = settings.es_api_key
    elif settings.es_username:
        options["basic_auth"] = (settings.es_username, settings.es_password or "")
    return Elasticsearch(settings.es_url, **options)


def prepare_page(analyzer: Analyzer, page: EnrichedPage) -> PreparedPage:
    """`page` as this engine indexes it: its `indexer.search.documents` dicts
    (`Engine.preparer`)."""
    return PreparedPage.of(page, page_documents(page, analyzer))


class ElasticBulk:
    """Writes each batch as bulk requests into one version (`ElasticEngine.bulk`)."""

    def __init__(self, engine: ElasticEngine, version: str, fresh: bool) -> None:
        self.engine = engine
        self.version = version
        self.fresh = fresh  # the version was empty when the block began: no old passages
        self.written: set[str] = set()
        self.prepare = engine.preparer()

    def write(self, pages: Iterable[EnrichedPage | PreparedPage]) -> WriteReport:
        indexed = 0
        failed: dict[str, str] = {}
        chunk: list[PreparedPage] = []
        for page in pages:
            ready = prepared_or_failed(page, self.prepare, failed)
            if ready is not None:
                chunk.append(ready)
            if len(chunk) >= _PAGES_PER_CHUNK:
                indexed += self.engine.write_chunk(
                    self.version, chunk, failed, self.fresh, self.written)
                chunk = []
        if chunk:
            indexed += self.engine.write_chunk(
                self.version, chunk, failed, self.fresh, self.written)
        return WriteReport(indexed=indexed, failed=failed)


class ElasticEngine:
    """The Engine protocol on an Elasticsearch (8.x/9.x) cluster."""

    name = "elasticsearch"

    def __init__(
        self,
        client: Elasticsearch,
        settings: Settings,
        *,
        analysis_profile: AnalysisProfile = "full",
        analyzer: Analyzer | None = None,
    ) -> None:
        self._client = client
        self._settings = settings
        self._alias = settings.index_name
        self._url = public_url(settings.es_url)
        self._profile: AnalysisProfile = analysis_profile
        self._analyzer = analyzer or Analyzer.from_config(settings.config_dir)
        self._version_name = re.compile(rf"^{re.escape(self._alias)}-v(\d+)$")
        # (version, its document count, when loaded, vocabulary): reloaded when the alias moves
        # or the document count changes, checked at most once a minute.
        self._vocabulary: tuple[str, int, float, Vocabulary] | None = None
        self._vocabulary_lock = threading.Lock()

    @classmethod
    def from_settings(cls, settings: Settings) -> ElasticEngine:
        """The engine on the cluster `settings.es_url` (no request is made yet)."""
        return cls(build_client(settings), settings)

    # --- the boundary to the cluster

    @contextmanager
    def _calling(self, what: str) -> Iterator[None]:
        """Turn transport failures into EngineUnavailable naming the cluster's URL."""
        try:
            yield
        except elastic_transport.ConnectionTimeout:
            raise EngineUnavailable(
                f"Elasticsearch at {self._url} did not answer within "
                f"{self._settings.es_timeout:g} s ({what})"
            ) from None
        except elastic_transport.TransportError as exc:  # refused, DNS, TLS, ...
            raise EngineUnavailable(
                f"Elasticsearch at {self._url} cannot be reached ({what}): {exc.message}"
            ) from None
        except UnsupportedProductError:
            raise EngineUnavailable(
                f"the server at {self._url} is not Elasticsearch ({what})"
            ) from None
        except ApiError as exc:
            if exc.status_code in (401, 403):
                raise EngineUnavailable(
                    f"Elasticsearch at {self._url} refused our credentials ({what}): "
                    f"{exc.status_code} {exc.error}"
                ) from None
            if exc.status_code == 404 and exc.error == "index_not_found_exception":
                # The alias or version went away between two calls (a concurrent drop).
                raise NotFound(f"index not found at {self._url} ({what})") from None
            if exc.status_code >= 500 or exc.status_code in (406, 429):
                raise EngineUnavailable(
                    f"Elasticsearch at {self._url} failed ({what}): {exc.status_code} {exc.error}"
                ) from None
            raise

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
        body = index_body(
            shards=self._settings.es_shards,
            replicas=self._settings.es_replicas,
            synonyms=read_synonym_rules(self._settings.config_dir / "synonyms.txt"),
            max_result_window=self._settings.max_result_window,
            profile=self._profile,
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

    def generation(self) -> str | None:
        # Writes are searchable when they return (each refreshes); the primaries' index and
        # delete counts change with every write (they restart with the node's life).
        version = self.live_version()
        if version is None:
            return None
        with self._calling(f"stats of {version}"):
            stats = self._client.indices.stats(index=version, metric="indexing")
        writes = stats["_all"]["primaries"].get("indexing", {})
        return f"{version}@{writes.get('index_total', 0)}+{writes.get('delete_total', 0)}"

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

    def preparer(self) -> Callable[[EnrichedPage], PreparedPage]:
        return partial(prepare_page, self._analyzer)

    @contextmanager
    def bulk(self, version: str) -> Iterator[ElasticBulk]:
        """Bulk requests per batch; one refresh at the end makes them all searchable."""
        self._require(version)
        with self._calling(f"count {version}"):
            fresh = int(self._client.count(index=version)["count"]) == 0
        yield ElasticBulk(self, version, fresh)
        with self._calling(f"refresh {version}"):
            self._client.indices.refresh(index=version)
        self._forget_vocabulary(version)

    def write(self, version: str, pages: Iterable[EnrichedPage | PreparedPage]) -> WriteReport:
        with self.bulk(version) as bulk:
            return bulk.write(pages)

    def _forget_vocabulary(self, version: str) -> None:
        # Our own writes show at once; other processes' writes within _VOCABULARY_TTL.
        with self._vocabulary_lock:
            if self._vocabulary is not None and self._vocabulary[0] == version:
                self._vocabulary = None

    def write_chunk(
        self,
        version: str,
        pages: list[PreparedPage],
        failed: dict[str, str],
        fresh: bool,
        written: set[str],
    ) -> int:
        """Bulk-write one chunk of `pages` (for `ElasticBulk`); failures go into `failed`.

        `fresh`: the version was empty when the block began; `written`: the ids this block
        wrote so far (a page written again has its old passages deleted first). Returns
        the pages given minus the failed ones.
        """
        given = len(pages)
        # A page given twice: the later one wins, as if written one after the other.
        pages = list({page.id: page for page in pages}.values())
        ids = [page.id for page in pages]
        if not fresh or written.intersection(ids):
            # Replacing a page: its old passages go first (the new page may have fewer).
            with self._calling(f"replace passages in {version}"):
                self._client.delete_by_query(
                    index=version,
                    query={"bool": {"filter": [{"term": {"doc_type": PASSAGE}},
                                               {"terms": {"article_id": ids}}]}},
                    conflicts="proceed",
                    refresh=True,
                )
        owner: dict[str, str] = {}
        actions: list[dict[str, Any]] = []
        for page in pages:
            for document in page.documents:
                owner[document["id"]] = page.id
                actions.append({"_op_type": "index", "_index": version,
                                "_id": document["id"], "_source": document})
        with self._calling("bulk write"):
            problems = bulk_write(
                self._client,
                actions,
                chunk_size=self._settings.es_bulk_chunk,
                max_retries=self._settings.es_bulk_retries,
                initial_backoff=self._settings.es_bulk_backoff,
            )
        for doc_id, reason in problems.items():
            article = owner.get(doc_id, doc_id)
            failed.setdefault(article, reason if doc_id == article else f"{doc_id}: {reason}")
        written.update(ids)
        # Every page given counts (a repeated one too), as with one write per page.
        return given - sum(1 for page in pages if page.id in failed)

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
        self._forget_vocabulary(version)
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

    def search(self, request: SearchRequest, version: str | None = None) -> SearchResult:
        if version is None:
            version = self.live_version()
        else:
            self._require(version)
        vocabulary = self._version_vocabulary(version)
        with self._calling("search"):
            return run_search(
                self._client, version, request, self._analyzer, self._settings, vocabulary
            )

    def suggest(self, prefix: str, limit: int = 10) -> list[Completion]:
        if len(prefix) > self._settings.max_query_chars:
            raise QueryError(
                f"prefix is too long: at most {self._settings.max_query_chars} characters"
            )
        vocabulary = self._version_vocabulary(self.live_version())
        return vocabulary.complete(prefix, limit) if vocabulary else []

    def _version_vocabulary(self, version: str | None) -> Vocabulary | None:
        """The shared vocabulary of a version (typos, "bedoelde u", completions)."""
        if version is None:
            return None
        with self._vocabulary_lock:
            cached = self._vocabulary
            fresh = cached is not None and cached[0] == version
            if cached and fresh and time.monotonic() - cached[2] < _VOCABULARY_TTL:
                return cached[3]
            with self._calling("load vocabulary"):
                documents = int(self._client.count(index=version)["count"])
                if cached and fresh and cached[1] == documents:
                    vocabulary = cached[3]
                else:
                    vocabulary = load_vocabulary(self._client, version)
            self._vocabulary = (version, documents, time.monotonic(), vocabulary)
            return vocabulary

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
        with self._calling("find passages by bands"):
            answer = self._client.search(
                index=index,
                query=es_queries.bands_query(bands, exclude_article),
                size=limit,
                source={"includes": _PASSAGE_SOURCE},
            )
        return [_stored_passage(hit["_source"]) for hit in answer["hits"]["hits"]]

    def iter_passages(self) -> Iterator[StoredPassage]:
        index = self._live()
        with self._calling("read passages"):
            scanned = list(
                helpers.scan(
                    self._client, index=index, size=1000,
                    query={"query": {"term": {"doc_type": PASSAGE}}},
                    _source=_PASSAGE_SOURCE,
                )
            )
        for hit in scanned:
            yield _stored_passage(hit["_source"])

    def more_like_this(
        self, text: str, exclude_article: str | None = None, limit: int = 10
    ) -> list[RelatedArticle]:
        index = self.live_version()
        counts = es_queries.weighted_terms(text, self._analyzer)
        if index is None or not counts:
            return []
        articles = {"term": {"doc_type": ARTICLE}}
        with self._calling("more like this"):
            # Document frequencies of the text's terms: one terms aggregation.
            freqs = self._client.search(
                index=index, size=0, query=articles, track_total_hits=True,
                aggs={"df": {"terms": {"field": "body_terms", "include": sorted(counts),
                                       "size": len(counts)}}},
            )
            doc_freqs = {str(b["key"]): int(b["doc_count"])
                         for b in freqs["aggregations"]["df"]["buckets"]}
            weights = es_queries.term_weights(
                counts, doc_freqs, int(freqs["hits"]["total"]["value"])
            )
            if not weights:
                return []
            answer = self._client.search(
                index=index,
                query=es_queries.more_like_this_query(text, weights, exclude_article),
                size=limit,
                source={"includes": ["article_id", "title"]},
            )
        return [
            RelatedArticle(
                article_id=hit["_source"]["article_id"],
                title=hit["_source"].get("title", ""),
                score=float(hit["_score"] or 0.0),
            )
            for hit in answer["hits"]["hits"]
        ]

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


def _stored_passage(source: dict[str, Any]) -> StoredPassage:
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

"""Writing pages into an Elasticsearch version: each batch as bulk requests, a page written
again replacing its older passages, every failure reported by article id (`bulk.bulk_write`)."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from contextlib import AbstractContextManager
from dataclasses import dataclass
from typing import Any

from elasticsearch import Elasticsearch

from indexer.engines.elastic.bulk import bulk_write
from indexer.engines.elastic.vectors import with_vectors
from indexer.nlp.analysis import Analyzer
from indexer.nlp.embed import Embedder
from indexer.pages.models import EnrichedPage
from indexer.search.documents import PASSAGE, page_documents
from indexer.search.port import PreparedPage, prepared_or_failed
from indexer.search.values import WriteReport
from indexer.settings import Settings

PAGES_PER_CHUNK = 50  # pages whose old passages are replaced per delete_by_query


def prepare_page(analyzer: Analyzer, embedder: Embedder | None, page: EnrichedPage
                 ) -> PreparedPage:
    """`page` as this engine indexes it: its `indexer.search.documents` dicts, each passage
    with its `vector` when there is an embedder (`Engine.preparer`)."""
    return PreparedPage.of(page, with_vectors(page_documents(page, analyzer), embedder, page))


@dataclass(frozen=True, slots=True)
class BulkOptions:
    """Documents per bulk request, and the retries of items the cluster refused (429)."""

    chunk: int = 500
    retries: int = 4
    backoff: float = 1.0

    @classmethod
    def from_settings(cls, settings: Settings) -> BulkOptions:
        return cls(settings.es_bulk_chunk, settings.es_bulk_retries, settings.es_bulk_backoff)


class ElasticBulk:
    """Writes each batch as bulk requests into one version (`ElasticEngine.bulk`)."""

    def __init__(
        self,
        client: Elasticsearch,
        calling: Callable[[str], AbstractContextManager[None]],
        version: str,
        fresh: bool,
        prepare: Callable[[EnrichedPage], PreparedPage],
        options: BulkOptions,
    ) -> None:
        self.client = client
        self.calling = calling
        self.version = version
        self.fresh = fresh  # the version was empty when the block began: no old passages
        self.written: set[str] = set()
        self.prepare = prepare
        self.options = options

    def write(self, pages: Iterable[EnrichedPage | PreparedPage]) -> WriteReport:
        indexed = 0
        failed: dict[str, str] = {}
        chunk: list[PreparedPage] = []
        for page in pages:
            ready = prepared_or_failed(page, self.prepare, failed)
            if ready is not None:
                chunk.append(ready)
            if len(chunk) >= PAGES_PER_CHUNK:
                indexed += self._write_chunk(chunk, failed)
                chunk = []
        if chunk:
            indexed += self._write_chunk(chunk, failed)
        return WriteReport(indexed=indexed, failed=failed)

    def _write_chunk(self, pages: list[PreparedPage], failed: dict[str, str]) -> int:
        """Bulk-write one chunk of `pages`; failures go into `failed`. A page this block
        wrote before, or any page of a version that was not empty, has its old passages
        deleted first. Returns the pages given minus the failed ones."""
        given = len(pages)
        # A page given twice: the later one wins, as if written one after the other.
        pages = list({page.id: page for page in pages}.values())
        ids = [page.id for page in pages]
        if not self.fresh or self.written.intersection(ids):
            # Replacing a page: its old passages go first (the new page may have fewer).
            with self.calling(f"replace passages in {self.version}"):
                self.client.delete_by_query(
                    index=self.version,
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
                actions.append({"_op_type": "index", "_index": self.version,
                                "_id": document["id"], "_source": document})
        with self.calling("bulk write"):
            problems = bulk_write(self.client, actions, chunk_size=self.options.chunk,
                                  max_retries=self.options.retries,
                                  initial_backoff=self.options.backoff)
        for doc_id, reason in problems.items():
            article = owner.get(doc_id, doc_id)
            failed.setdefault(article, reason if doc_id == article else f"{doc_id}: {reason}")
        self.written.update(ids)
        # Every page given counts (a repeated one too), as with one write per page.
        return given - sum(1 for page in pages if page.id in failed)

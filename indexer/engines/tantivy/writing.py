"""Writing into a tantivy version: a writer per part, and a bulk that adds each page's
documents to the part they belong to (`schema.tantivy_json_documents`)."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable

import tantivy

from indexer.engines.tantivy.schema import tantivy_json_documents
from indexer.errors import IndexingError
from indexer.nlp.analysis import Analyzer
from indexer.nlp.embed import Embedder, PassageEmbeddings, page_embeddings
from indexer.pages.models import EnrichedPage
from indexer.search.documents import page_documents
from indexer.search.port import PreparedPage, prepared_or_failed
from indexer.search.values import WriteReport

WRITER_HEAP = 64_000_000
LOCK_WAIT = 10.0  # seconds a writer waits for another process's writer to finish


def open_writer(index: tantivy.Index, version: str) -> tantivy.IndexWriter:
    """A writer of `index` (a part of `version`), waiting up to LOCK_WAIT seconds for another
    process's writer to finish; IndexingError when it does not."""
    deadline = time.monotonic() + LOCK_WAIT
    while True:
        try:
            writer = index.writer(WRITER_HEAP, 1)
        except ValueError as exc:  # another writer holds the lock
            if time.monotonic() > deadline:
                raise IndexingError(f"index version {version} is locked: {exc}") from None
            time.sleep(0.1)
            continue
        # A commit that failed (a full disk) can leave files no commit names, whose names
        # the next commit would want again: away with them first.
        writer.garbage_collect_files()
        return writer


def prepare_page(analyzer: Analyzer, embedder: Embedder | None, page: EnrichedPage
                 ) -> PreparedPage:
    """`page` as this engine indexes it: its documents as tantivy JSON, and its passages'
    vectors when there is an embedder (`Engine.preparer`)."""
    return PreparedPage.of(page, tantivy_json_documents(page_documents(page, analyzer)),
                           page_embeddings(embedder, page))


class TantivyBulk:
    """Adds the pages of each batch to one open writer (`TantivyEngine.bulk` commits)."""

    def __init__(
        self, writers: dict[str, tantivy.IndexWriter],
        prepare: Callable[[EnrichedPage], PreparedPage],
    ) -> None:
        self.writers = writers
        self.prepare = prepare
        # What the commit changes in the version's vectors: the ids written (their old rows
        # go) and the vectors of the pages indexed.
        self.written: list[str] = []
        self.embedded: list[tuple[str, PassageEmbeddings]] = []

    def write(self, pages: Iterable[EnrichedPage | PreparedPage]) -> WriteReport:
        indexed, failed = 0, dict[str, str]()
        for page in pages:
            ready = prepared_or_failed(page, self.prepare, failed)
            if ready is None:
                continue
            # The page replaces whatever this id had (also earlier in this block).
            for writer in self.writers.values():
                writer.delete_documents_by_term("article_id", ready.id)
            self.written.append(ready.id)
            try:
                for part, document in ready.documents:
                    self.writers[part].add_json(document)
            except ValueError as exc:  # a document tantivy refuses: none of the page stays
                for writer in self.writers.values():
                    writer.delete_documents_by_term("article_id", ready.id)
                failed[ready.id] = f"{type(exc).__name__}: {exc}"
                continue
            if ready.vectors is not None:
                self.embedded.append((ready.id, ready.vectors))
            indexed += 1
        return WriteReport(indexed=indexed, failed=failed)

"""The embedded engine: tantivy indices on disk (layout: indexer/engines/tantivy/versions.py).

It runs the queries the search flow gives it (`indexer.search.clauses`, translated in
`indexer.engines.tantivy.schema`) and answers with raw hits. A long-lived reader (the API)
stats the live pointer on every read and reopens when it changed, so a switch made by another
process (a reindex job) is seen without a restart; writes by another process into the live
version reach tantivy's reader within about a second.
"""

from __future__ import annotations

import threading
import time
from collections import Counter
from collections.abc import Callable, Hashable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any

import tantivy

from indexer.engines.tantivy.schema import (
    PAGE,
    Translator,
    all_documents,
    article_key,
    build_schema,
    count_of,
    pick,
    stored,
    stored_passage,
    total_of,
)
from indexer.engines.tantivy.vectors import VectorFiles, nearest
from indexer.engines.tantivy.versions import PARTS, VersionFiles, VersionIndex, VersionStore
from indexer.engines.tantivy.writing import TantivyBulk, open_writer, prepare_page
from indexer.errors import IndexDamaged, NotFound
from indexer.nlp.analysis import Analyzer
from indexer.nlp.embed import EmbedConfig, Embedder, load_embedder
from indexer.pages.models import EnrichedPage
from indexer.search.clauses import Nearest, OneOf, Retrieval
from indexer.search.documents import ARTICLE, PASSAGE
from indexer.search.port import (
    PreparedPage,
    RawHit,
    RawResult,
    VocabularySource,
)
from indexer.search.values import Health, StoredPassage, WriteReport
from indexer.settings import Settings

# Seconds a check of the live version's files holds (a search's runs share one check).
RECHECK_EVERY = 0.05
# Fields a hit gets from the version's catalog of articles, without a document read.
_CATALOG_FIELDS = frozenset({"article_id", "title", "title_key", "url", "labels", "entity"})


@dataclass
class _Live:
    """A version as this process last opened it."""

    version: str
    index: VersionIndex
    pointer_key: tuple[int, int, int]
    files: VersionFiles | None = None  # as checked when opened (rechecked before each use)
    catalog: dict[int, dict[str, Any]] | None = None
    catalog_key: Hashable = None
    reloaded_to: Hashable = None  # the commits (meta.json files) the reader was reloaded to
    checked_at: float = float("-inf")  # when its files were last rechecked (time.monotonic)
    lock: threading.Lock = field(default_factory=threading.Lock)


class TantivyEngine:
    """The `Engine` on embedded tantivy indices (see indexer/search/port.py for the contract)."""

    name = "tantivy"

    def __init__(
        self, root: Path, index_name: str, analyzer: Analyzer,
        embed: EmbedConfig | None = None,
    ) -> None:
        self.root = root
        self.analyzer = analyzer
        self.embed = embed or EmbedConfig(model="off")  # no passage vectors unless asked
        self.vectors = VectorFiles(root)
        self.schema = build_schema()
        self.translator = Translator(self.schema)
        self.store = VersionStore(root, index_name, self.schema)
        self._live: _Live | None = None
        self._lock = threading.Lock()

    @classmethod
    def from_settings(cls, settings: Settings) -> TantivyEngine:
        """An engine on `<data_dir>/tantivy`, with the analysis data of `config_dir`."""
        return cls(
            root=settings.data_dir / "tantivy",
            index_name=settings.index_name,
            analyzer=Analyzer.from_config(settings.config_dir),
            embed=EmbedConfig.from_settings(settings),
        )

    # --- versions and the live pointer (see VersionStore)

    @property
    def pointer(self) -> Path:
        return self.store.pointer

    def create_version(self) -> str:
        return self.store.create()

    def versions(self) -> list[str]:
        return self.store.names()

    def live_version(self) -> str | None:
        return self.store.live()

    def switch(self, version: str) -> None:
        self.store.switch(version)

    def drop(self, version: str) -> None:
        self.store.drop(version)
        self.vectors.forget(version)

    def _index(self, version: str) -> VersionIndex:
        return self.store.index(version)

    # --- writing

    @property
    def embedder(self) -> Embedder | None:
        """The model embedding this engine's passages (None: off or not installed)."""
        return load_embedder(self.embed)

    def preparer(self) -> Callable[[EnrichedPage], PreparedPage]:
        return partial(prepare_page, self.analyzer, self.embedder)

    @contextmanager
    def bulk(self, version: str) -> Iterator[TantivyBulk]:
        """One writer per part (and one commit each, at the end: passages first, so that
        an article is never there without its passages) for every batch of the block."""
        index = self._index(version)
        writers = {part: open_writer(index.part(part), version) for part in PARTS}
        bulk = TantivyBulk(writers, self.preparer())
        try:
            yield bulk
            writers["passages"].commit()
            writers["articles"].commit()
        except BaseException:
            for writer in writers.values():
                writer.rollback()
            raise
        finally:
            # Ends the writers: their locks are released now, not when the objects are
            # collected (an exception's traceback keeps them alive).
            for writer in writers.values():
                writer.wait_merging_threads()
        self.vectors.update(version, bulk.written, bulk.embedded)
        self._reload(version, index)

    def write(self, version: str, pages: Iterable[EnrichedPage | PreparedPage]) -> WriteReport:
        with self.bulk(version) as bulk:
            return bulk.write(pages)

    def delete(self, version: str, article_ids: Iterable[str]) -> int:
        index = self._index(version)
        ids = list(dict.fromkeys(article_ids))
        searcher = index.articles.searcher()
        present = [i for i in ids if count_of(searcher, self.translator.term("id", i)) > 0]
        for part in ("passages", "articles"):
            writer = open_writer(index.part(part), version)
            for article_id in ids:
                writer.delete_documents_by_term("article_id", article_id)
            writer.commit()
            writer.wait_merging_threads()
        self.vectors.after_removal(version, ids)
        self._reload(version, index)
        return len(present)

    def _reload(self, version: str, index: VersionIndex) -> None:
        """After a commit: this engine's readers see it at once (the live reader is a
        handle of its own, which tantivy would otherwise reload only after a delay)."""
        index.reload()
        live = self._live
        if live is not None and live.version == version:
            live.index.reload()

    def count(self, version: str | None = None) -> int:
        index = self._index(version) if version else self._live_index()
        if index is None:
            return 0
        return count_of(index.articles.searcher(), self.translator.term("doc_type", ARTICLE))

    def content_hashes(self, version: str | None = None) -> dict[str, str]:
        index = self._index(version) if version else self._live_index()
        if index is None:
            return {}
        searcher = index.articles.searcher()
        found = {}
        for doc in all_documents(searcher, self.translator.term("doc_type", ARTICLE)):
            found[str(doc["id"])] = str(doc["content_hash"])
        return found

    # --- reading the live version

    def _reader(self) -> _Live | None:
        """The live version, reopened when the pointer file changed since the last read.

        Raises IndexDamaged when the live index is damaged (see VersionStore): the pointer
        is lost or names no version, or the version's files are missing or truncated (a
        reader going on would die of SIGBUS). Its files are rechecked before use, at most
        every RECHECK_EVERY seconds (the runs of one search share a check).
        """
        key = self.store.pointer_key()
        live = self._live
        if key is not None and live is not None and live.pointer_key == key:
            now = time.monotonic()
            if live.files is not None and now - live.checked_at >= RECHECK_EVERY:
                try:
                    live.files = self.store.recheck(live.files)
                except IndexDamaged:
                    self._live = None  # never read its mapped files again
                    raise
                live.checked_at = now
            return live
        with self._lock:
            self._live = None
            version = self.live_version() if key is not None else None
            if version is None:
                lost = self.store.unpointed()
                if lost:
                    raise IndexDamaged("there is no live pointer, but versions hold "
                                       f"documents: {', '.join(lost)}")
                return None
            index, files = self.store.open_checked(version)
            self._live = _Live(version, index, pointer_key=key or (0, 0, 0), files=files)
            return self._live

    def _version_reader(self, version: str) -> _Live:
        """A named version, live or not (smoke queries before a switch); NotFound if absent."""
        return _Live(version=version, index=self._index(version), pointer_key=(0, 0, 0))

    def _live_index(self) -> VersionIndex | None:
        live = self._reader()
        return live.index if live else None

    def run(self, retrieval: Retrieval, version: str | None = None) -> RawResult:
        live = self._reader() if version is None else self._version_reader(version)
        if live is None:
            return RawResult()
        if isinstance(retrieval.query, Nearest):
            return nearest(self.vectors.table(live.version), live.index.passages.searcher(),
                           self.translator, retrieval.query, retrieval)
        searcher = live.index.part(retrieval.grain).searcher()
        query = self.translator.query(retrieval.query)
        total = 0
        if retrieval.limit <= 0:
            found: list[tuple[float, tantivy.DocAddress]] = []
            if retrieval.count:
                total = count_of(searcher, query)
        elif retrieval.group_by:
            found = self._grouped(searcher, query, retrieval)
        else:
            result = searcher.search(query, limit=retrieval.limit, offset=retrieval.offset,
                                     count=retrieval.count)
            found, total = result.hits, (total_of(result) if retrieval.count else 0)
        counts = {}
        if retrieval.facets:
            spec = {f.name: {"terms": {"field": f.field, "size": f.size}}
                    for f in retrieval.facets}
            aggregated = searcher.aggregate(query, spec)
            counts = {name: tuple((str(b["key"]), int(b["doc_count"]))
                                  for b in aggregated[name]["buckets"]) for name in spec}
        hits = self._fields(live, searcher, found, retrieval.fields, retrieval.grain)
        return RawResult(hits=hits, total=total, facets=counts)

    def _grouped(
        self, searcher: tantivy.Searcher, query: tantivy.Query, retrieval: Retrieval
    ) -> list[tuple[float, tantivy.DocAddress]]:
        """The best hits, at most `group_size` per article (grouped by the fast article key,
        without loading any document)."""
        if retrieval.group_by != "article_id":
            raise ValueError(f"cannot group by {retrieval.group_by!r}")
        hits = searcher.search(query, limit=retrieval.limit, count=False).hits
        keys = searcher.fast_field_values("article_key", [address for _, address in hits])
        seen: Counter[int] = Counter()
        kept = []
        for hit, key in zip(hits, keys, strict=True):
            seen[int(key or 0)] += 1
            if seen[int(key or 0)] <= retrieval.group_size:
                kept.append(hit)
        return kept

    def _fields(
        self, live: _Live, searcher: tantivy.Searcher,
        found: Sequence[tuple[float, tantivy.DocAddress]], names: Sequence[str], grain: str,
    ) -> tuple[RawHit, ...]:
        """The hits with the fields asked for: an article's id, title and title key from the
        version's catalog (one fast-field read), anything else from the stored document."""
        if not names:
            return tuple(RawHit(float(score), {}) for score, _ in found)
        if grain == ARTICLE and set(names) <= _CATALOG_FIELDS:
            keys = [int(key or 0) for key in
                    searcher.fast_field_values("article_key", [address for _, address in found])]
            catalog = self._catalog(live)
            if not catalog.keys() >= set(keys):
                # The search saw a commit the catalog was not read from yet: read it from
                # this very searcher.
                catalog = self._catalog(live, searcher)
            return tuple(
                RawHit(float(score), catalog[key]) if key in catalog
                else RawHit(float(score), pick(stored(searcher.doc(address)), names))
                for (score, address), key in zip(found, keys, strict=True)
            )
        return tuple(
            RawHit(float(score), pick(stored(searcher.doc(address)), names))
            for score, address in found
        )

    def _catalog(
        self, live: _Live, searcher: tantivy.Searcher | None = None
    ) -> dict[int, dict[str, Any]]:
        """Article key -> the article's fields a hit shows (id, title, title key, URL, labels,
        entities), for this version as it is now (read once per commit; from `searcher`
        when given, whatever was read before)."""
        key = self._generation_of(live)
        if searcher is None:
            if live.catalog is not None and live.catalog_key == key:
                return live.catalog
            searcher = live.index.articles.searcher()
        with live.lock:
            catalog = {
                article_key(str(doc["id"])): {
                    "article_id": str(doc["id"]),
                    "title": str(doc.get("title") or ""),
                    "title_key": str(doc.get("title_key") or ""),
                    "url": doc.get("url") or "",
                    "labels": tuple(doc.get("labels") or ()),
                    "entity": tuple(doc.get("entity") or ()),
                }
                for doc in all_documents(searcher, self.translator.term("doc_type", ARTICLE))
            }
            live.catalog, live.catalog_key = catalog, key
            return catalog

    def _generation_of(self, live: _Live) -> Hashable:
        # Another process's commit changes meta.json at once but reaches our searcher a moment
        # later: the document counts are part of the key so that a stale read is redone.
        return (live.version, self.store.written_key(live.version),
                live.index.articles.searcher().num_docs, live.index.passages.searcher().num_docs)

    def generation(self, version: str | None = None) -> Hashable:
        live = self._reader() if version is None else self._version_reader(version)
        if live is None:
            return None
        # Each commit replaces a meta.json (a new inode; its mtime alone can repeat in a tick).
        written = self.store.written_key(live.version)
        if live.reloaded_to != written:
            # Another process committed: reload now rather than after tantivy's delay, so
            # that what is read after this call is at least this generation (the API keys
            # its remembered answers by it).
            live.index.reload()
            live.reloaded_to = written
        return self._generation_of(live)

    def vocabulary_source(self, version: str | None = None) -> VocabularySource | None:
        live = self._reader() if version is None else self._version_reader(version)
        if live is None:
            return None
        searcher = live.index.articles.searcher()
        catalog = self._catalog(live)
        return VocabularySource(
            words=searcher.terms_with_prefix("words", ""),
            titles=[(a["title"], a["article_id"]) for a in catalog.values()],
            entities=searcher.terms_with_prefix("entity_value", ""),
        )

    def term_stats(
        self, field: str, terms: Sequence[str], version: str | None = None
    ) -> tuple[int, dict[str, int]]:
        live = self._reader() if version is None else self._version_reader(version)
        if live is None:
            return 0, {}
        searcher = live.index.part("passages" if field.startswith("passage") else "articles") \
            .searcher()
        freqs = {term: searcher.doc_freq(field, term) for term in terms}
        return searcher.num_docs, {term: df for term, df in freqs.items() if df}

    def get_page(self, article_id: str) -> EnrichedPage:
        live = self._reader()
        if live is None:
            raise NotFound(f"article {article_id} not found (no live index)")
        searcher = live.index.passages.searcher()
        query = tantivy.Query.boolean_query(
            [
                (tantivy.Occur.Must, self.translator.term("doc_type", PAGE)),
                (tantivy.Occur.Must, self.translator.term("id", f"{article_id}#page")),
            ]
        )
        hits = searcher.search(query, limit=1, count=False).hits
        if not hits:
            raise NotFound(f"article {article_id} not found")
        raw = searcher.doc(hits[0][1]).get_first("page_json")
        if not isinstance(raw, bytes):
            raise NotFound(f"article {article_id} has no stored page")
        return EnrichedPage.model_validate_json(raw)

    def passages_by_bands(
        self, bands: Sequence[str], exclude_article: str | None = None, limit: int = 200
    ) -> list[StoredPassage]:
        live = self._reader()
        if live is None or not bands:
            return []
        clauses = [
            (tantivy.Occur.Must, self.translator.term("doc_type", PASSAGE)),
            (tantivy.Occur.Must, self.translator.query(OneOf("bands", tuple(bands)))),
        ]
        if exclude_article:
            excluded = self.translator.term("article_id", exclude_article)
            clauses.append((tantivy.Occur.MustNot, excluded))
        searcher = live.index.passages.searcher()
        hits = searcher.search(tantivy.Query.boolean_query(clauses), limit=limit, count=False).hits
        return [stored_passage(stored(searcher.doc(address))) for _, address in hits]

    def iter_passages(self) -> Iterator[StoredPassage]:
        live = self._reader()
        if live is None:
            return
        searcher = live.index.passages.searcher()
        for doc in all_documents(searcher, self.translator.term("doc_type", PASSAGE)):
            yield stored_passage(doc)

    def health(self) -> Health:
        """The live version and its document count; raises IndexDamaged, with the reason,
        when the live index is damaged (the API's health answer says "degraded")."""
        try:
            live = self._reader()
            documents = self.count() if live else 0
        except IndexDamaged:
            raise
        except Exception:  # a broken engine is reported, not raised, by a health check
            return Health(engine=self.name, status="unavailable", index_version=None, documents=0)
        return Health(
            engine=self.name,
            status="ok",
            index_version=live.version if live else None,
            documents=documents,
        )

    def close(self) -> None:
        self.store.close()
        self._live = None

"""The embedded engine: tantivy indices on disk (layout: indexer/engines/tantivy_versions.py).

A long-lived reader (the API) stats the live pointer on every read and reopens when it changed,
so a switch made by another process (a reindex job) is seen without a restart; writes by
another process into the live version reach tantivy's reader within about a second.
"""

from __future__ import annotations

import math
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any

import tantivy

from indexer.engines.tantivy.schema import (
    PAGE,
    QueryBuilder,
    article_key,
    build_schema,
    facets,
    stored,
    stored_passage,
    tantivy_json_documents,
    total,
)
from indexer.engines.tantivy.versions import VersionFiles, VersionStore
from indexer.errors import IndexDamaged, IndexingError, NotFound, QueryError
from indexer.nlp.analysis import Analyzer, lemma_of, tokenize
from indexer.pages.models import EnrichedPage
from indexer.search.documents import ARTICLE, PASSAGE, page_documents
from indexer.search.port import PreparedPage, prepared_or_failed
from indexer.search.query import ParsedQuery, checked_request
from indexer.search.snippets import Matcher, PassageCandidate, best_passage, highlight
from indexer.search.values import (
    Completion,
    EntityRef,
    Facets,
    Health,
    Hit,
    RelatedArticle,
    SearchRequest,
    SearchResult,
    SectionRef,
    StoredPassage,
    WriteReport,
)
from indexer.search.vocabulary import Vocabulary
from indexer.settings import Settings

_WRITER_HEAP = 64_000_000
_LOCK_WAIT = 10.0  # seconds a writer waits for another process's writer to finish
_PASSAGES_PER_HIT = 2
_MLT_TERMS = 25


@dataclass
class _Live:
    """The live version as this process last opened it."""

    version: str
    index: tantivy.Index
    pointer_key: tuple[int, int, int]
    files: VersionFiles | None = None  # as checked when opened (rechecked before each use)
    vocabulary: Vocabulary | None = None
    vocabulary_key: int = -1
    lock: threading.Lock = field(default_factory=threading.Lock)


class TantivyEngine:
    """The `Engine` on embedded tantivy indices (see indexer/engine.py for the contract)."""

    name = "tantivy"

    def __init__(
        self,
        root: Path,
        index_name: str,
        analyzer: Analyzer,
        max_page_size: int = 50,
        max_result_window: int = 1000,
        max_query_chars: int = 500,
    ) -> None:
        self.root = root
        self.analyzer = analyzer
        self.max_page_size = max_page_size
        self.max_result_window = max_result_window
        self.max_query_chars = max_query_chars
        self.schema = build_schema()
        self.queries = QueryBuilder(self.schema, analyzer)
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
            max_page_size=settings.max_page_size,
            max_result_window=settings.max_result_window,
            max_query_chars=settings.max_query_chars,
        )

    def warm_up(self) -> None:
        """Load the analysis tables and open the live version now, not on the first query.

        (A long-lived process such as the API calls this once at start-up.)
        """
        self.analyzer.variants("magnesiumtekort")
        live = self._reader()
        if live is not None:
            self._vocabulary(live, live.index.searcher())

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

    def _index(self, version: str) -> tantivy.Index:
        return self.store.index(version)

    # --- writing

    def preparer(self) -> Callable[[EnrichedPage], PreparedPage]:
        return partial(prepare_page, self.analyzer)

    @contextmanager
    def bulk(self, version: str) -> Iterator[TantivyBulk]:
        """One writer (and one commit, at the end) for every batch of the block."""
        index = self._index(version)
        writer = self._writer(index, version)
        try:
            yield TantivyBulk(writer, self.preparer())
            writer.commit()
        except BaseException:
            writer.rollback()
            raise
        finally:
            # Ends the writer: its lock is released now, not when the object is collected
            # (an exception's traceback keeps it alive).
            writer.wait_merging_threads()
        self._reload(version, index)

    def write(self, version: str, pages: Iterable[EnrichedPage | PreparedPage]) -> WriteReport:
        with self.bulk(version) as bulk:
            return bulk.write(pages)

    def delete(self, version: str, article_ids: Iterable[str]) -> int:
        index = self._index(version)
        ids = list(dict.fromkeys(article_ids))
        searcher = index.searcher()
        present = [i for i in ids if self._count(searcher, self.queries.term("id", i)) > 0]
        writer = self._writer(index, version)
        for article_id in ids:
            writer.delete_documents_by_term("article_id", article_id)
        writer.commit()
        writer.wait_merging_threads()
        self._reload(version, index)
        return len(present)

    def _reload(self, version: str, index: tantivy.Index) -> None:
        """After a commit: this engine's readers see it at once (the live reader is a
        handle of its own, which tantivy would otherwise reload only after a delay)."""
        index.reload()
        live = self._live
        if live is not None and live.version == version:
            live.index.reload()

    def _writer(self, index: tantivy.Index, version: str) -> tantivy.IndexWriter:
        deadline = time.monotonic() + _LOCK_WAIT
        while True:
            try:
                return index.writer(_WRITER_HEAP, 1)
            except ValueError as exc:  # another writer holds the lock
                if time.monotonic() > deadline:
                    raise IndexingError(f"index version {version} is locked: {exc}") from None
                time.sleep(0.1)

    def count(self, version: str | None = None) -> int:
        index = self._index(version) if version else self._live_index()
        if index is None:
            return 0
        return self._count(index.searcher(), self.queries.doc_type(ARTICLE))

    def content_hashes(self, version: str | None = None) -> dict[str, str]:
        index = self._index(version) if version else self._live_index()
        if index is None:
            return {}
        searcher = index.searcher()
        found = {}
        for doc in self._all(searcher, self.queries.doc_type(ARTICLE)):
            found[str(doc["id"])] = str(doc["content_hash"])
        return found

    # --- reading the live version

    def _reader(self) -> _Live | None:
        """The live version, reopened when the pointer file changed since the last read.

        Raises IndexDamaged when the live index is damaged (see VersionStore): the pointer
        is lost or names no version, or the version's files are missing or truncated (a
        reader going on would die of SIGBUS). Its files are rechecked before each use.
        """
        key = self.store.pointer_key()
        live = self._live
        if key is not None and live is not None and live.pointer_key == key:
            if live.files is not None:
                try:
                    live.files = self.store.recheck(live.files)
                except IndexDamaged:
                    self._live = None  # never read its mapped files again
                    raise
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

    def _live_index(self) -> tantivy.Index | None:
        live = self._reader()
        return live.index if live else None

    def _vocabulary(self, live: _Live, searcher: tantivy.Searcher) -> Vocabulary:
        """The live version's vocabulary, rebuilt when the version was written to."""
        # Another process's commit changes meta.json at once but reaches our searcher a moment
        # later: the document count is part of the key so that a stale build is redone.
        key = hash((self.store.written_key(live.version), searcher.num_docs))
        if live.vocabulary is not None and live.vocabulary_key == key:
            return live.vocabulary
        with live.lock:
            titles = [
                (str(d["title"]), str(d["id"]))
                for d in self._all(searcher, self.queries.doc_type(ARTICLE))
            ]
            vocabulary = Vocabulary.build(
                searcher.terms_with_prefix("words", ""),
                titles,
                searcher.terms_with_prefix("entity_value", ""),
            )
            live.vocabulary, live.vocabulary_key = vocabulary, key
            return vocabulary

    def search(self, request: SearchRequest, version: str | None = None) -> SearchResult:
        started = time.perf_counter()
        query, offset = checked_request(
            request.query, request.page, request.size, bool(request.labels or request.entities),
            self.max_query_chars, self.max_page_size, self.max_result_window,
        )
        live = self._reader() if version is None else self._version_reader(version)
        if live is None:
            return _empty_result(request, started)
        searcher = live.index.searcher()
        vocabulary = self._vocabulary(live, searcher)
        fuzzy = vocabulary.typo_expansions(query)
        filters = self.queries.filters(request.labels, request.entities)
        known = vocabulary.has_form  # compounds typed apart: only those the index has
        articles = self.queries.build(query, ARTICLE, fuzzy, filters, known=known)
        found = searcher.search(articles, limit=request.size, offset=offset, count=True)
        if total(found) == 0 and len(query.words) + len(query.phrases) > 1:
            # Not every word matched anywhere: fall back to any of the words.
            articles = self.queries.build(query, ARTICLE, fuzzy, filters, all_words=False,
                                          known=known)
            found = searcher.search(articles, limit=request.size, offset=offset, count=True)
        docs = [(float(score), stored(searcher.doc(address))) for score, address in found.hits]
        matcher = Matcher.for_query(query, self.analyzer).with_forms(
            t for terms in fuzzy.values() for t in terms
        )
        passages = self._best_passages(searcher, query, fuzzy, [d["id"] for _, d in docs], matcher,
                                       known)
        hits = tuple(self._hit(score, doc, passages.get(doc["id"]), matcher) for score, doc in docs)
        suggestion = vocabulary.correct(query, self.analyzer) if not query.is_empty else None
        return SearchResult(
            query=request.query,
            total=total(found),
            page=request.page,
            size=request.size,
            took_ms=round((time.perf_counter() - started) * 1000, 3),
            hits=hits,
            facets=facets(searcher, articles),
            suggestion=suggestion,
        )

    def _best_passages(
        self,
        searcher: tantivy.Searcher,
        query: ParsedQuery,
        fuzzy: dict[str, list[str]],
        article_ids: Sequence[str],
        matcher: Matcher,
        known: Callable[[str], bool] | None = None,
    ) -> dict[str, PassageCandidate]:
        """Per article, the passage that answers the query best (the first one if none)."""
        if not article_ids:
            return {}
        candidates: dict[str, list[PassageCandidate]] = {}
        if not query.is_empty:
            within = tantivy.Query.term_set_query(self.schema, "article_id", list(article_ids))
            passages = self.queries.build(
                query, PASSAGE, fuzzy, [(tantivy.Occur.Must, within)], all_words=False,
                known=known,
            )
            limit = _PASSAGES_PER_HIT * 4 * len(article_ids)
            hits = searcher.search(passages, limit=limit, count=False).hits
            keys = searcher.fast_field_values("article_key", [address for _, address in hits])
            by_key = {article_key(i): i for i in article_ids}
            for (score, address), key in zip(hits, keys, strict=True):
                mine = candidates.setdefault(by_key.get(int(key or 0), ""), [])
                if len(mine) < _PASSAGES_PER_HIT:
                    doc = stored(searcher.doc(address))
                    mine.append(PassageCandidate.from_document(float(score), doc))
        chosen = {}
        single = len(self.queries.searchable_words(query)) + len(query.phrases) <= 1
        for article_id in article_ids:
            mine = candidates.get(article_id, [])
            # One word or phrase: every candidate holds it, tantivy's score decides.
            best = mine[0] if mine and single else best_passage(mine, matcher)
            chosen[article_id] = best or self._first_passage(searcher, article_id)
        return {k: v for k, v in chosen.items() if v is not None}

    def _first_passage(
        self, searcher: tantivy.Searcher, article_id: str
    ) -> PassageCandidate | None:
        query = tantivy.Query.boolean_query(
            [
                (tantivy.Occur.Must, self.queries.doc_type(PASSAGE)),
                (tantivy.Occur.Must, self.queries.term("article_id", article_id)),
                (tantivy.Occur.Must, tantivy.Query.term_query(self.schema, "passage_index", 0)),
            ]
        )
        hits = searcher.search(query, limit=1, count=False).hits
        if not hits:
            return None
        return PassageCandidate.from_document(0.0, stored(searcher.doc(hits[0][1])))

    def _hit(
        self,
        score: float,
        doc: dict[str, Any],
        passage: PassageCandidate | None,
        matcher: Matcher,
    ) -> Hit:
        section = None
        if passage is not None and passage.heading and passage.anchor:
            section = SectionRef(heading=passage.heading, anchor=passage.anchor)
        entities = []
        for key in doc.get("entity") or []:
            label, _, value = str(key).partition(":")
            entities.append(EntityRef(label=label, value=value))
        return Hit(
            id=str(doc["id"]),
            url=doc.get("url") or None,
            title=str(doc["title"]),
            snippet=highlight(passage.text, matcher) if passage else "",
            section=section,
            labels=tuple(doc.get("labels") or ()),
            entities=tuple(entities),
            score=score,
        )

    def suggest(self, prefix: str, limit: int = 10) -> list[Completion]:
        if len(prefix) > self.max_query_chars:
            raise QueryError(f"prefix is too long: at most {self.max_query_chars} characters")
        live = self._reader()
        if live is None:
            return []
        return self._vocabulary(live, live.index.searcher()).complete(prefix, limit)

    def get_page(self, article_id: str) -> EnrichedPage:
        live = self._reader()
        if live is None:
            raise NotFound(f"article {article_id} not found (no live index)")
        searcher = live.index.searcher()
        query = tantivy.Query.boolean_query(
            [
                (tantivy.Occur.Must, self.queries.doc_type(PAGE)),
                (tantivy.Occur.Must, self.queries.term("id", f"{article_id}#page")),
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
            (tantivy.Occur.Must, self.queries.doc_type(PASSAGE)),
            (tantivy.Occur.Must, tantivy.Query.term_set_query(self.schema, "bands", list(bands))),
        ]
        if exclude_article:
            excluded = self.queries.term("article_id", exclude_article)
            clauses.append((tantivy.Occur.MustNot, excluded))
        searcher = live.index.searcher()
        hits = searcher.search(tantivy.Query.boolean_query(clauses), limit=limit, count=False).hits
        return [stored_passage(stored(searcher.doc(address))) for _, address in hits]

    def iter_passages(self) -> Iterator[StoredPassage]:
        live = self._reader()
        if live is None:
            return
        searcher = live.index.searcher()
        for doc in self._all(searcher, self.queries.doc_type(PASSAGE)):
            yield stored_passage(doc)

    def more_like_this(
        self, text: str, exclude_article: str | None = None, limit: int = 10
    ) -> list[RelatedArticle]:
        live = self._reader()
        if live is None:
            return []
        searcher = live.index.searcher()
        total = max(1, searcher.num_docs)
        counts = Counter(
            lemma_of(t.folded)
            for t in tokenize(text)
            if len(t.text) > 2 and t.text.isalpha() and not self.analyzer.is_stopword(t.text)
        )
        weights = {}
        for term, tf in counts.items():
            df = searcher.doc_freq("body_terms", term)
            if df:
                weights[term] = (1 + math.log(tf)) * math.log(1 + total / df)
        top = sorted(weights.items(), key=lambda kv: (-kv[1], kv[0]))[:_MLT_TERMS]
        if not top:
            return []
        should = tantivy.Query.boolean_query(
            [
                (tantivy.Occur.Should,
                 tantivy.Query.boost_query(self.queries.term("body_terms", t), w))
                for t, w in top
            ]
        )
        clauses = [
            (tantivy.Occur.Must, self.queries.doc_type(ARTICLE)),
            (tantivy.Occur.Must, should),
        ]
        if exclude_article:
            excluded = self.queries.term("article_id", exclude_article)
            clauses.append((tantivy.Occur.MustNot, excluded))
        hits = searcher.search(tantivy.Query.boolean_query(clauses), limit=limit, count=False).hits
        related = []
        for score, address in hits:
            doc = stored(searcher.doc(address))
            related.append(
                RelatedArticle(article_id=str(doc["id"]), title=str(doc["title"]), score=score)
            )
        return related

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

    # --- small shared reads

    @staticmethod
    def _count(searcher: tantivy.Searcher, query: tantivy.Query) -> int:
        return total(searcher.search(query, limit=1, count=True))

    def _all(self, searcher: tantivy.Searcher, query: tantivy.Query) -> Iterator[dict[str, Any]]:
        total = self._count(searcher, query)
        if total == 0:
            return
        for _, address in searcher.search(query, limit=total, count=False).hits:
            yield stored(searcher.doc(address))


def prepare_page(analyzer: Analyzer, page: EnrichedPage) -> PreparedPage:
    """`page` as this engine indexes it: its documents as tantivy JSON (`Engine.preparer`)."""
    return PreparedPage.of(page, tantivy_json_documents(page_documents(page, analyzer)))


class TantivyBulk:
    """Adds the pages of each batch to one open writer (`TantivyEngine.bulk` commits)."""

    def __init__(
        self, writer: tantivy.IndexWriter, prepare: Callable[[EnrichedPage], PreparedPage]
    ) -> None:
        self.writer = writer
        self.prepare = prepare

    def write(self, pages: Iterable[EnrichedPage | PreparedPage]) -> WriteReport:
        indexed, failed = 0, dict[str, str]()
        for page in pages:
            ready = prepared_or_failed(page, self.prepare, failed)
            if ready is None:
                continue
            # The page replaces whatever this id had (also earlier in this block).
            self.writer.delete_documents_by_term("article_id", ready.id)
            try:
                for document in ready.documents:
                    self.writer.add_json(document)
            except ValueError as exc:  # a document tantivy refuses: none of the page stays
                self.writer.delete_documents_by_term("article_id", ready.id)
                failed[ready.id] = f"{type(exc).__name__}: {exc}"
                continue
            indexed += 1
        return WriteReport(indexed=indexed, failed=failed)


def _empty_result(request: SearchRequest, started: float) -> SearchResult:
    return SearchResult(
        query=request.query,
        total=0,
        page=request.page,
        size=request.size,
        took_ms=round((time.perf_counter() - started) * 1000, 3),
        hits=(),
        facets=Facets(),
    )

"""The one small interface both search engines implement (the engine port).

Everything a caller (the search orchestration, the reindex jobs, the overlap finder) needs from
an engine goes through `Engine`; nothing outside `indexer/engines/` imports tantivy or
elasticsearch directly. `indexer.engines.make_engine(settings)` picks the implementation.

Versions: an engine holds numbered index versions (`<index_name>-v<N>`); one of them is live
(the Elasticsearch alias / the tantivy pointer file). Reads name a version or read the live
one; writes name their version.

An engine runs the queries it is given (`run`: terms, phrases, filters, facet counts) and
returns raw hits; query planning, ranking, snippets, facets, suggestions and related-article
weighting live once, above the engines, in `indexer.search.searcher`.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterable, Iterator, Mapping, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from typing import Any, Protocol, runtime_checkable

from indexer.nlp.embed import PassageEmbeddings
from indexer.pages.models import EnrichedPage
from indexer.search.clauses import Retrieval
from indexer.search.values import Health, StoredPassage, WriteReport


@dataclass(frozen=True, slots=True)
class RawHit:
    """A hit as an engine found it: its score and the fields the retrieval asked for (a list
    for a multi-valued field, `indexer.search.fields.MULTI_VALUED`)."""

    score: float
    fields: Mapping[str, Any]


@dataclass(frozen=True, slots=True)
class RawResult:
    """What an engine found for one `Retrieval`."""

    hits: tuple[RawHit, ...] = ()
    total: int = 0  # the number of matches (0 unless the retrieval asked to count)
    facets: Mapping[str, tuple[tuple[str, int], ...]] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class VocabularySource:
    """What an index version's vocabulary is built from (`indexer.search.vocabulary`)."""

    words: Iterable[tuple[str, int]]  # folded surface word, number of articles holding it
    titles: Iterable[tuple[str, str]]  # article title, article id
    entities: Iterable[tuple[str, int]]  # entity value, number of articles naming it


@dataclass(frozen=True, slots=True)
class PreparedPage:
    """A page as one engine will index it, made by `Engine.preparer()` (where it was
    enriched): its id, content hash and source, and `documents` in the engine's own form
    (tantivy: JSON strings; Elasticsearch: `indexer.search.documents` dicts). Cheap to pickle."""

    id: str
    content_hash: str
    source: str
    documents: Sequence[Any]
    # The passages' vectors, for an engine that keeps them beside its documents (tantivy).
    vectors: PassageEmbeddings | None = None

    @classmethod
    def of(
        cls, page: EnrichedPage, documents: Sequence[Any],
        vectors: PassageEmbeddings | None = None,
    ) -> PreparedPage:
        """`page`'s id, content hash and source, with its `documents` for the engine."""
        base = page.page
        return cls(base.id, base.content_hash, base.source or "", documents, vectors)


@runtime_checkable
class BulkWriter(Protocol):
    """Writes batches into one version (see `Engine.bulk`)."""

    def write(self, pages: Iterable[EnrichedPage | PreparedPage]) -> WriteReport:
        """Index (insert or replace, by page id) the pages of one batch; report failures
        by page id (a page that cannot be prepared fails alone)."""
        ...


def prepared_or_failed(
    page: EnrichedPage | PreparedPage,
    prepare: Callable[[EnrichedPage], PreparedPage],
    failed: dict[str, str],
) -> PreparedPage | None:
    """`page` prepared (as it is when it already is); None, with the reason in `failed`
    under its id, when it cannot be: one bad page is reported, the others indexed."""
    if isinstance(page, PreparedPage):
        return page
    try:
        return prepare(page)
    except Exception as exc:
        failed[page.page.id] = f"could not build its documents: {type(exc).__name__}: {exc}"
        return None



@runtime_checkable
class Engine(Protocol):
    """A search engine holding versioned indices of pages and their passages."""

    name: str

    # --- versions and the live pointer
    def create_version(self) -> str:
        """Create a new, empty index version and return its name (not live yet)."""
        ...

    def versions(self) -> list[str]:
        """All versions, oldest first."""
        ...

    def live_version(self) -> str | None:
        """The version the alias/pointer names, or None before the first switch."""
        ...

    def switch(self, version: str) -> None:
        """Atomically point the alias/pointer at `version`."""
        ...

    def drop(self, version: str) -> None:
        """Delete a version (never the live one: raises ValueError)."""
        ...

    # --- writing (into a named version)
    def preparer(self) -> Callable[[EnrichedPage], PreparedPage]:
        """A function making a page ready for this engine to index (`PreparedPage`).

        It holds no index handle or connection, so that the reindex job's forked worker
        processes call it in parallel and send the job only what the engine will write.
        """
        ...

    def bulk(self, version: str) -> AbstractContextManager[BulkWriter]:
        """A writer into `version` for many batches, made visible together when it closes.

        Nothing written through it needs to be searchable before the block ends (a version
        being built is not live); leaving the block with an exception discards what this
        engine can still discard (tantivy: the uncommitted documents).
        """
        ...

    def write(self, version: str, pages: Iterable[EnrichedPage | PreparedPage]) -> WriteReport:
        """Index (insert or replace, by page id) articles and their passages; report failures.

        One batch through `bulk`: visible when this returns.
        """
        ...

    def delete(self, version: str, article_ids: Iterable[str]) -> int:
        """Remove articles and their passages; return how many articles were removed."""
        ...

    def count(self, version: str | None = None) -> int:
        """Number of articles in `version` (default: the live one)."""
        ...

    def content_hashes(self, version: str | None = None) -> dict[str, str]:
        """Article id -> content hash, for incremental reindexing and verification."""
        ...

    # --- reading (`version` None: the live version)
    def run(self, retrieval: Retrieval, version: str | None = None) -> RawResult:
        """Run one query (`indexer.search.clauses`): its hits by score, the requested fields
        of each, the number of matches and facet counts when asked. An empty result when no
        version is live; NotFound when `version` does not exist."""
        ...

    def generation(self, version: str | None = None) -> Hashable:
        """What identifies the contents of `version` now: it changes with every write that
        became visible, and with a switch of the live version (None: nothing is live)."""
        ...

    def vocabulary_source(self, version: str | None = None) -> VocabularySource | None:
        """The words, titles and entity values of `version` (None when nothing is live)."""
        ...

    def term_stats(
        self, field: str, terms: Sequence[str], version: str | None = None
    ) -> tuple[int, dict[str, int]]:
        """The number of documents of `version` and, per term of `field` that any document
        holds, how many documents hold it."""
        ...

    def get_page(self, article_id: str) -> EnrichedPage:
        """The stored enriched page; raises NotFound."""
        ...

    def passages_by_bands(
        self, bands: Sequence[str], exclude_article: str | None = None, limit: int = 200
    ) -> list[StoredPassage]:
        """Passages sharing at least one LSH band key (one terms query)."""
        ...

    def iter_passages(self) -> Iterator[StoredPassage]:
        """Every passage of the live version (for the site-wide overlap report)."""
        ...

    def health(self) -> Health:
        """Engine name, live version and document count; status 'unavailable' when down."""
        ...

    def close(self) -> None:
        """Release files/connections."""
        ...

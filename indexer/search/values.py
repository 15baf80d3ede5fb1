"""The values the search layer speaks in: what a visitor asks, what an engine answers.

Plain frozen pydantic models, shared by the search orchestration (`indexer.search`), the
engines that fill them, and the API that serialises them.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field


class _Value(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class SearchRequest(_Value):
    """What a visitor asked. `query` is plain text: never query-parser syntax.

    `entities` filters are entity values (e.g. "NMDA-receptor"), optionally typed as
    "TYPE:value" (e.g. "RECEPTOR:NMDA-receptor").
    """

    query: str
    page: int = Field(1, ge=1)
    size: int = Field(10, ge=1, le=50)
    labels: tuple[str, ...] = ()
    entities: tuple[str, ...] = ()
    # Weight of the semantic ranking against the lexical one, 0..1 (0: lexical only); None:
    # the settings' semantic_ratio (indexer.search.hybrid).
    semantic: float | None = Field(None, ge=0, le=1)


class SectionRef(_Value):
    heading: str
    anchor: str


class EntityRef(_Value):
    label: str
    value: str


class Hit(_Value):
    id: str
    url: str | None
    title: str
    snippet: str  # HTML: text escaped first, then only <mark>...</mark> added
    section: SectionRef | None
    labels: tuple[str, ...]
    entities: tuple[EntityRef, ...]
    score: float
    missing: tuple[str, ...] = ()  # the query's words (as typed) this article lacks


class FacetValue(_Value):
    value: str
    count: int


class Facets(_Value):
    labels: tuple[FacetValue, ...] = ()
    entities: dict[str, tuple[FacetValue, ...]] = Field(default_factory=dict)


class SearchResult(_Value):
    query: str
    total: int
    page: int
    size: int
    took_ms: float
    hits: tuple[Hit, ...]
    facets: Facets
    suggestion: str | None = None
    # The query's words (as typed) that none of the hits shown contains, in query order: a
    # page can say "niet gevonden: ..." when the best hits match only some of the words.
    missing: tuple[str, ...] = ()


class Completion(_Value):
    """A suggestion while typing: an article title, a frequent term or an entity."""

    text: str
    kind: str  # "title" | "term" | "entity"
    article_id: str | None = None


class StoredPassage(_Value):
    """A passage document as the engine holds it (for the overlap finder)."""

    id: str
    article_id: str
    article_title: str
    index: int
    section_heading: str | None
    anchor: str | None
    text: str
    bands: tuple[str, ...] = ()


class RelatedArticle(_Value):
    article_id: str
    title: str
    score: float


class WriteReport(_Value):
    """What a bulk write did: how many documents were indexed, which failed and why."""

    indexed: int
    failed: dict[str, str] = Field(default_factory=dict)




class Health(_Value):
    engine: str
    status: str  # "ok" | "unavailable"
    index_version: str | None
    documents: int

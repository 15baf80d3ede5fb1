"""The one search flow, above the engines: search, suggestions and related articles.

`Searcher` is what every caller (the API, the CLI, the reindex job's smoke queries, the
benchmarks) searches through. It holds the engine it was given (`indexer.search.port.Engine`)
and the search settings; the engines only run what it asks them.
"""

from __future__ import annotations

from indexer.search.port import Engine
from indexer.search.values import Completion, RelatedArticle, SearchRequest, SearchResult
from indexer.settings import Settings


class Searcher:
    """Search, suggestions and related articles over one engine."""

    def __init__(self, engine: Engine, settings: Settings) -> None:
        self.engine = engine
        self.settings = settings

    def search(self, request: SearchRequest, version: str | None = None) -> SearchResult:
        """Articles for a visitor's request, best first, with snippets, facets and a
        suggestion; `version` searches that version instead of the live one (smoke queries
        before a switch). Raises QueryError for a request that cannot be searched."""
        return self.engine.search(request, version=version)

    def suggest(self, prefix: str, limit: int = 10) -> list[Completion]:
        """Completions for what a visitor is typing."""
        return self.engine.suggest(prefix, limit)

    def more_like_this(
        self, text: str, exclude_article: str | None = None, limit: int = 10
    ) -> list[RelatedArticle]:
        """Articles about the same subject as `text` (topical, not verbatim)."""
        return self.engine.more_like_this(text, exclude_article=exclude_article, limit=limit)

"""The search service the views call: the engine's answers in the API's JSON shapes.

`SearchService` works outside Flask too (the CLI, a benchmark, a test can call it directly).
It opens its engine lazily, on first use, so that a gunicorn worker opens its own engine after
the fork rather than inheriting file handles or connections from the master process.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from typing import Any

from indexer.engine import Engine, Health, SearchRequest, make_engine
from indexer.errors import EngineUnavailable, NotFound
from indexer.models import EnrichedPage, Section
from indexer.settings import Settings
from search_api.params import SearchParams, SuggestParams

log = logging.getLogger("search_api")

MAX_ARTICLE_ID_CHARS = 300


class SearchService:
    """Search, suggestions, articles and health, as JSON-ready dicts.

    Pass `engine` to use an engine you own (tests, benchmarks); otherwise the engine is built
    from `settings` on first use and closed by `close()`.
    """

    def __init__(
        self,
        settings: Settings,
        engine: Engine | None = None,
        engine_factory: Callable[[Settings], Engine] = make_engine,
    ) -> None:
        self.settings = settings
        self._engine = engine
        self._owns_engine = engine is None
        self._factory = engine_factory
        self._lock = threading.Lock()

    @property
    def engine(self) -> Engine:
        """The engine, opened on first use; raises EngineUnavailable if it cannot be opened."""
        engine = self._engine
        if engine is not None:
            return engine
        with self._lock:
            if self._engine is None:
                try:
                    self._engine = self._factory(self.settings)
                except EngineUnavailable:
                    raise
                except Exception as exc:
                    # Opening failed (missing index, unreachable cluster): the next request
                    # tries again rather than the worker staying broken.
                    log.warning("cannot open the %s engine: %s", self.settings.backend, exc)
                    raise EngineUnavailable(
                        f"the {self.settings.backend} engine cannot be opened"
                    ) from exc
            return self._engine

    def search(self, params: SearchParams) -> dict[str, Any]:
        """The /api/search answer for validated parameters."""
        request = SearchRequest(
            query=params.q, page=params.page, size=params.size,
            labels=params.labels, entities=params.entities,
        )
        started = time.perf_counter()
        result = self.engine.search(request)
        answer = result.model_dump(mode="json")
        # took_ms as the caller experiences it: the engine call plus its conversion.
        answer["took_ms"] = round((time.perf_counter() - started) * 1000, 3)
        return answer

    def suggest(self, params: SuggestParams) -> dict[str, Any]:
        """The /api/suggest answer: at most `params.limit` completions."""
        completions = self.engine.suggest(params.q, limit=params.limit)[: params.limit]
        return {
            "query": params.q,
            "completions": [c.model_dump(mode="json") for c in completions],
        }

    def article(self, article_id: str) -> dict[str, Any]:
        """The /api/articles/<id> answer; raises NotFound for an unknown id."""
        if not article_id or len(article_id) > MAX_ARTICLE_ID_CHARS:
            raise NotFound(f"no article with id {article_id[:80]!r}")
        return article_json(self.engine.get_page(article_id))

    def health(self) -> Health:
        """The engine's health; raises EngineUnavailable when it is down or unreachable."""
        try:
            health = self.engine.health()
        except EngineUnavailable:
            raise
        except Exception as exc:
            log.warning("health check of the %s engine failed: %s", self.settings.backend, exc)
            raise EngineUnavailable(f"the {self.settings.backend} engine does not answer") from exc
        if health.status != "ok":
            raise EngineUnavailable(f"the {health.engine} engine reports {health.status!r}")
        return health

    def close(self) -> None:
        """Close the engine if this service opened it."""
        with self._lock:
            if self._engine is not None and self._owns_engine:
                self._engine.close()
                self._engine = None


def article_json(enriched: EnrichedPage) -> dict[str, Any]:
    """An enriched page as the API shows it: the parsed page plus its entities and keywords."""
    page = enriched.page
    return {
        "id": page.id,
        "url": page.url,
        "title": page.title,
        "intro": list(page.intro),
        "sections": [_section_json(s) for s in page.sections],
        "labels": list(page.labels),
        "related": [r.model_dump(mode="json") for r in page.related],
        "keywords": list(enriched.keywords),
        "entities": [
            {
                "text": e.text, "label": e.label, "value": e.value,
                "passage_id": e.passage_id, "section": e.section,
                "start": e.start, "end": e.end,
            }
            for e in enriched.entities
        ],
        "content_hash": page.content_hash,
    }


def _section_json(section: Section) -> dict[str, Any]:
    return {
        "number": section.number,
        "heading": section.heading,
        "anchor": section.anchor,
        "level": section.level,
        "paragraphs": list(section.paragraphs),
        "items": list(section.items),
        "subsections": [_section_json(s) for s in section.subsections],
    }


def current_service() -> SearchService:
    """The SearchService of the Flask app handling the current request."""
    from flask import current_app

    service = current_app.extensions["sitesearch"]
    assert isinstance(service, SearchService)
    return service

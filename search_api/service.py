"""The search service the views call: the engine's answers in the API's JSON shapes.

`SearchService` works outside Flask too (the CLI, a benchmark, a test can call it directly).
It opens its engine lazily, on first use, so that a gunicorn worker opens its own engine after
the fork rather than inheriting file handles or connections from the master process.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Callable, Hashable
from typing import Any

from indexer.engines import make_engine
from indexer.errors import EngineUnavailable, NotFound
from indexer.pages.models import EnrichedPage, Section
from indexer.search.port import Engine
from indexer.search.searcher import Searcher
from indexer.search.values import Health, SearchRequest
from indexer.settings import Settings
from search_api.answers import AnswerCache, SharedAnswers, answer_cache_for, answer_key
from search_api.params import SearchParams, SuggestParams

log = logging.getLogger("search_api")

MAX_ARTICLE_ID_CHARS = 300
# How long (s) an engine's generation (see `SearchService.generation`) is trusted, by engine:
# tantivy's is two file stats, read for every request; Elasticsearch's costs two requests to
# the cluster, so a write there is seen (and answers remembered before it are left) within this.
GENERATION_TTL_S = {"tantivy": 0.0, "elasticsearch": 1.0}


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
        generation_ttl: float | None = None,
    ) -> None:
        self.settings = settings
        self._engine = engine
        self._owns_engine = engine is None
        self._searcher: Searcher | None = None
        self._factory = engine_factory
        self._lock = threading.Lock()
        # Recent answers, for as long as browsers and shared caches may keep them anyway
        # (cache_max_age): the search box asks the same prefixes and queries again and again.
        # Shared by the workers (answer_cache_shared), so each answer is computed once.
        self.answers: AnswerCache | None = answer_cache_for(settings)
        self._generation_ttl = (
            GENERATION_TTL_S[settings.backend] if generation_ttl is None else generation_ttl
        )
        self._generation: tuple[float, Hashable] = (-float("inf"), None)

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

    @property
    def searcher(self) -> Searcher:
        """The search flow over the engine (opened on first use, as `engine`); one per
        service, so that it keeps the live version's vocabulary between requests."""
        searcher = self._searcher
        if searcher is None or searcher.engine is not self.engine:
            searcher = self._searcher = Searcher.from_settings(self.engine, self.settings)
        return searcher

    def search(self, params: SearchParams) -> dict[str, Any]:
        """The /api/search answer for validated parameters."""
        answer: dict[str, Any] = json.loads(self.search_json(params))
        return answer

    def search_json(self, params: SearchParams) -> bytes:
        """The /api/search answer as the JSON body of the response.

        Answers are remembered as JSON bytes: a hit costs no serialisation, and a remembered
        answer is one object rather than hundreds of dicts and lists, so that thousands of
        them do not lengthen the cycle collector's passes. `took_ms` is this caller's own
        time, put in front.
        """
        started = time.perf_counter()
        key = self._key(
            "search", params.q, params.page, params.size, params.labels, params.entities,
            params.semantic,
        )
        body = self._cached(key)
        if body is None:
            request = SearchRequest(
                query=params.q, page=params.page, size=params.size,
                labels=params.labels, entities=params.entities, semantic=params.semantic,
            )
            answer = self.searcher.search(request).model_dump(mode="json")
            answer.pop("took_ms", None)
            body = self._remember(key, _json_bytes(answer))
        took_ms = round((time.perf_counter() - started) * 1000, 3)
        rest = b"," + body[1:] if len(body) > 2 else b"}"
        return b'{"took_ms":' + repr(took_ms).encode() + rest

    def suggest(self, params: SuggestParams) -> dict[str, Any]:
        """The /api/suggest answer: at most `params.limit` completions."""
        answer: dict[str, Any] = json.loads(self.suggest_json(params))
        return answer

    def suggest_json(self, params: SuggestParams) -> bytes:
        """The /api/suggest answer as the JSON body of the response (remembered as bytes)."""
        key = self._key("suggest", params.q, params.limit)
        body = self._cached(key)
        if body is None:
            completions = self.searcher.suggest(params.q, limit=params.limit)[: params.limit]
            body = self._remember(key, _json_bytes({
                "query": params.q,
                "completions": [c.model_dump(mode="json") for c in completions],
            }))
        return body

    def _key(self, kind: str, *parts: object) -> str | None:
        """The answer's cache key, naming the generation the engine serves now (None when
        answers are not remembered or the engine cannot say).

        Read before the answer is computed, and the engine's searches then see at least that
        generation: an answer is never remembered under a generation newer than its own.
        So a write into the live version (ingest, incremental reindex) is a new set of keys
        once it returns, whoever asks, with no cache to clear.
        """
        try:
            generation = self.generation()
        except Exception:
            # The engine is down or cannot be opened: the search itself says so (503).
            return None
        if self.answers is None:
            return None
        return answer_key(kind, generation, self.settings.backend, *parts)

    def generation(self) -> Hashable:
        """The engine's generation (`Engine.generation`), read at most once per
        `generation_ttl` seconds (every time for tantivy)."""
        read_at, generation = self._generation
        now = time.monotonic()
        if now - read_at < self._generation_ttl:
            return generation
        generation = self.engine.generation()
        self._generation = (now, generation)  # one tuple: threads see both parts or neither
        return generation

    def _cached(self, key: str | None) -> bytes | None:
        if key is None or self.answers is None:
            return None
        return self.answers.get(key)

    def _remember(self, key: str | None, body: bytes) -> bytes:
        if key is not None and self.answers is not None:
            self.answers.put(key, body)
        return body

    def forget_answers(self) -> None:
        """Drop every remembered answer (for every worker when the cache is shared)."""
        if self.answers is not None:
            self.answers.clear()

    def warm_up(self) -> bool:
        """Open the engine and load what its first search needs, now rather than then.

        For a server's start-up (each gunicorn worker calls it before taking requests).
        Never raises: without an index yet, the first request opens the engine as usual.
        Returns whether the engine was warmed.
        """
        try:
            self.searcher.warm_up()
            self.generation()
        except Exception as exc:
            log.warning("could not warm up the %s engine: %s", self.settings.backend, exc)
            return False
        if isinstance(self.answers, SharedAnswers):
            self.answers.open()  # logs once if the folder is unusable
        return True

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
        """Close the engine if this service opened it, and the answer cache's connections."""
        with self._lock:
            if self._engine is not None and self._owns_engine:
                self._engine.close()
                self._engine = None
        if isinstance(self.answers, SharedAnswers):
            self.answers.close()


def _json_bytes(answer: dict[str, Any]) -> bytes:
    """Compact JSON with sorted keys, as Flask's jsonify writes it."""
    return json.dumps(answer, sort_keys=True, separators=(",", ":")).encode("utf-8")


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

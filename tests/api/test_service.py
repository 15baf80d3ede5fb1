"""SearchService outside Flask: answers in the API's shapes, and its answer cache."""

from __future__ import annotations

from typing import Any

import pytest

from indexer.engine import Engine
from indexer.errors import NotFound
from indexer.settings import Settings, load_settings
from search_api.params import SearchParams, SuggestParams
from search_api.service import SearchService


def test_service_answers_without_flask(seed_engine: Engine, settings: Settings) -> None:
    service = SearchService(settings, seed_engine)
    answer = service.search(SearchParams(q="magnesium"))
    assert answer["total"] == 2 and answer["took_ms"] >= 0
    completions = service.suggest(SuggestParams(q="magn", limit=3))["completions"]
    assert 1 <= len(completions) <= 3
    assert service.article(answer["hits"][0]["id"])["title"] == answer["hits"][0]["title"]
    with pytest.raises(NotFound):
        service.article("x" * 400)
    assert service.health().documents == 2


def test_answers_are_cached_until_they_expire_or_are_forgotten(
    tantivy_engine: Engine, settings: Settings, enriched_seeds: dict[str, Any]
) -> None:
    version = tantivy_engine.create_version()
    tantivy_engine.write(version, [enriched_seeds["depression"]])
    tantivy_engine.switch(version)
    cached = SearchService(settings, tantivy_engine)
    uncached = SearchService(
        load_settings(data_dir=settings.data_dir, answer_cache_entries=0), tantivy_engine
    )
    query = SearchParams(q="magnesium")
    assert cached.search(query)["total"] == uncached.search(query)["total"] == 1

    newer = tantivy_engine.create_version()  # a reindex: a new version goes live
    tantivy_engine.write(newer, list(enriched_seeds.values()))
    tantivy_engine.switch(newer)
    assert uncached.search(query)["total"] == 2
    assert cached.search(query)["total"] == 1  # the remembered answer
    cached.forget_answers()
    assert cached.search(query)["total"] == 2


def test_remembered_answers_are_json_bytes_with_the_callers_own_took_ms(
    seed_engine: Engine, settings: Settings
) -> None:
    import json

    service = SearchService(settings, seed_engine)
    first = service.search_json(SearchParams(q="magnesium"))
    again = service.search_json(SearchParams(q="magnesium"))
    one, two = json.loads(first), json.loads(again)
    assert one.keys() == two.keys() and "took_ms" in one
    assert {k: v for k, v in one.items() if k != "took_ms"} == {
        k: v for k, v in two.items() if k != "took_ms"
    }
    # what is remembered is one bytes object per answer, not a tree of dicts
    assert all(isinstance(v, bytes) for v in service._answers.values())  # type: ignore[union-attr]

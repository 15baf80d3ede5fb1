"""SearchService outside Flask: answers in the API's shapes, and its answer cache."""

from __future__ import annotations

import logging
import socket
from pathlib import Path
from typing import Any

import diskcache
import pytest

from indexer.engines import make_engine
from indexer.errors import NotFound
from indexer.search.port import Engine
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


@pytest.mark.parametrize("shared", [True, False], ids=["shared", "per-worker"])
def test_answers_are_new_after_a_switch_and_after_a_write_into_the_live_version(
    tantivy_engine: Engine, settings: Settings, enriched_seeds: dict[str, Any], shared: bool
) -> None:
    version = tantivy_engine.create_version()
    tantivy_engine.write(version, [enriched_seeds["depression"]])
    tantivy_engine.switch(version)
    cached = SearchService(
        load_settings(data_dir=settings.data_dir, answer_cache_shared=shared),
        tantivy_engine,
    )
    uncached = SearchService(
        load_settings(data_dir=settings.data_dir, answer_cache_entries=0), tantivy_engine
    )
    query = SearchParams(q="magnesium")
    assert cached.search(query)["total"] == uncached.search(query)["total"] == 1

    newer = tantivy_engine.create_version()  # a reindex: a new version goes live
    tantivy_engine.write(newer, [enriched_seeds["depression"]])
    tantivy_engine.switch(newer)
    assert cached.search(query)["total"] == 1
    # an incremental reindex writes into the live version: a new generation, a new answer
    tantivy_engine.write(newer, [enriched_seeds["adhd"]])
    assert uncached.search(query)["total"] == 2
    assert cached.search(query)["total"] == 2

    newest = tantivy_engine.create_version()  # another switch: seen at once
    tantivy_engine.write(newest, [enriched_seeds["adhd"]])
    tantivy_engine.switch(newest)
    assert cached.search(query)["total"] == uncached.search(query)["total"] == 1


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
    with diskcache.Cache(str(settings.answers_dir)) as folder:
        assert len(folder) == 1 and all(isinstance(folder[key], bytes) for key in folder)


def test_warm_up_opens_the_engine_before_the_first_search(
    seed_engine: Engine, seed_index_settings: Settings
) -> None:
    opened: list[Engine] = []

    def open_engine(settings: Settings) -> Engine:
        opened.append(make_engine(settings))
        return opened[-1]

    service = SearchService(seed_index_settings, engine_factory=open_engine)
    try:
        assert service.warm_up() and len(opened) == 1
        assert service.search(SearchParams(q="magnesium"))["total"] == 2
        assert len(opened) == 1
    finally:
        service.close()


def test_warm_up_without_an_index_or_an_engine_does_not_fail(
    settings: Settings, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    assert SearchService(settings).warm_up()  # nothing indexed yet: nothing to warm
    with socket.socket() as sock:  # a port nobody listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    unreachable = load_settings(
        data_dir=tmp_path / "es", backend="elasticsearch",
        es_url=f"http://127.0.0.1:{port}", es_timeout=0.5,
    )
    with caplog.at_level(logging.WARNING, logger="search_api"):
        assert not SearchService(unreachable).warm_up()
    assert any("could not warm up" in r.getMessage() for r in caplog.records)

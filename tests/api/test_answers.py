"""The answer cache shared by API workers (search_api/answers.py), through SearchService.

Two SearchService objects on one index and one answer folder behave as two gunicorn workers.
Their engines are real tantivy engines that count their searches (a subclass, nothing mocked),
so "served from the cache" is seen as "the engine was not asked".
"""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Hashable
from pathlib import Path
from typing import Any

import diskcache
import pytest

from indexer.engines.tantivy.engine import TantivyEngine
from indexer.search.clauses import Retrieval
from indexer.search.port import RawResult
from indexer.settings import Settings, load_settings
from search_api.answers import BYTES_PER_ENTRY, SharedAnswers, answer_key
from search_api.params import SearchParams, SuggestParams
from search_api.service import SearchService

MAGNESIUM = SearchParams(q="magnesium")


class CountingEngine(TantivyEngine):
    """A real TantivyEngine that counts the searches it was asked to make (the article
    queries: each search counts its matches once)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.searches = 0

    def run(self, retrieval: Retrieval, version: str | None = None) -> RawResult:
        self.searches += retrieval.count
        return super().run(retrieval, version)


def engine_on(settings: Settings) -> CountingEngine:
    engine = CountingEngine.from_settings(settings)
    assert isinstance(engine, CountingEngine)
    return engine


def worker(settings: Settings, **ttl: float) -> tuple[SearchService, CountingEngine]:
    """A service as one gunicorn worker has it: its own engine, the settings' answer cache."""
    engine = engine_on(settings)
    return SearchService(settings, engine, **ttl), engine


def without_took_ms(body: bytes) -> dict[str, Any]:
    answer: dict[str, Any] = json.loads(body)
    answer.pop("took_ms", None)
    return answer


@pytest.fixture
def seed_workers_settings(
    seed_index_settings: Settings, seed_engine: TantivyEngine, tmp_path: Path
) -> Settings:
    """Settings on the session's seed index (read only), with this test's own answer folder."""
    return load_settings(data_dir=seed_index_settings.data_dir, rate_limit_enabled=False,
                         answer_cache_dir=tmp_path / "answers")


@pytest.mark.parametrize("shared", [True, False], ids=["shared", "per-worker"])
def test_an_answer_computed_by_one_worker_is_served_by_the_other(
    seed_workers_settings: Settings, shared: bool
) -> None:
    settings = seed_workers_settings.model_copy(update={"answer_cache_shared": shared})
    (first, first_engine), (second, second_engine) = worker(settings), worker(settings)
    try:
        answer = first.search_json(MAGNESIUM)
        completions = first.suggest_json(SuggestParams(q="magn", limit=3))
        assert first_engine.searches == 1
        again = second.search_json(MAGNESIUM)
        assert without_took_ms(again) == without_took_ms(answer)
        assert json.loads(again)["total"] == 2
        assert second.suggest_json(SuggestParams(q="magn", limit=3)) == completions
        # shared: the second worker never searched; per worker: it had to
        assert second_engine.searches == (0 if shared else 1)
    finally:
        first_engine.close()
        second_engine.close()


def test_an_answer_is_stored_as_json_bytes_that_expire_after_cache_max_age(
    seed_workers_settings: Settings,
) -> None:
    service, engine = worker(seed_workers_settings)
    before = time.time()
    service.search_json(MAGNESIUM)
    engine.close()
    with diskcache.Cache(str(seed_workers_settings.answers_dir)) as folder:
        keys = list(folder)
        assert len(keys) == 1
        body, expires = folder.get(keys[0], expire_time=True)
    assert isinstance(body, bytes) and json.loads(body)["total"] == 2
    max_age = seed_workers_settings.cache_max_age
    assert before + max_age <= expires <= time.time() + max_age


def test_a_version_switch_is_a_new_answer_for_every_worker(
    settings: Settings, enriched_seeds: dict[str, Any]
) -> None:
    (first, first_engine), (second, second_engine) = (
        worker(settings), worker(settings)
    )
    try:
        version = first_engine.create_version()
        first_engine.write(version, [enriched_seeds["depression"]])
        first_engine.switch(version)
        assert first.search(MAGNESIUM)["total"] == 1
        assert second.search(MAGNESIUM)["total"] == 1 and second_engine.searches == 0

        newer = first_engine.create_version()  # a reindex: a new version goes live
        first_engine.write(newer, list(enriched_seeds.values()))
        first_engine.switch(newer)
        assert second.search(MAGNESIUM)["total"] == 2 and second_engine.searches == 1
        assert first.search(MAGNESIUM)["total"] == 2 and first_engine.searches == 1
    finally:
        first_engine.close()
        second_engine.close()


def test_the_generation_is_read_once_per_ttl(seed_workers_settings: Settings) -> None:
    reads = 0

    class GenerationCounting(CountingEngine):
        def generation(self, version: str | None = None) -> Hashable:
            nonlocal reads
            reads += 1
            return super().generation(version)

    engine = GenerationCounting.from_settings(seed_workers_settings)
    try:
        for ttl, more_reads in ((3600.0, 0), (0.0, 4)):
            service = SearchService(seed_workers_settings, engine, generation_ttl=ttl)
            service.search_json(MAGNESIUM)
            reads = 0
            for _ in range(4):  # answered from the cache: only the service reads it
                service.search_json(MAGNESIUM)
            assert reads == more_reads
    finally:
        engine.close()


def test_no_answer_older_than_a_write_is_served_once_the_write_returns(
    settings: Settings, enriched_seeds: dict[str, Any]
) -> None:
    """The race of issue 18: a writer (another process: an engine of its own, as `ingest` or
    an incremental reindex has) commits into the live version while two workers answer the
    same query in a loop. Before, a worker whose reader had not yet reloaded stored the old
    answer again under the unchanged key, and served it until it expired."""
    writer = TantivyEngine.from_settings(settings)
    version = writer.create_version()
    writer.write(version, [enriched_seeds["depression"]])
    writer.switch(version)
    (first, first_engine), (second, second_engine) = worker(settings), worker(settings)
    adhd = enriched_seeds["adhd"]
    stop = threading.Event()
    errors: list[BaseException] = []

    def hammer(service: SearchService) -> None:
        try:
            while not stop.is_set():
                service.search_json(MAGNESIUM)
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=hammer, args=(s,)) for s in (first, second)]
    for thread in threads:
        thread.start()
    try:
        for _round in range(5):
            assert {first.search(MAGNESIUM)["total"], second.search(MAGNESIUM)["total"]} == {1}
            writer.write(version, [adhd])  # returns once committed
            assert first.search(MAGNESIUM)["total"] == 2
            assert second.search(MAGNESIUM)["total"] == 2
            assert writer.delete(version, [adhd.page.id]) == 1
            assert first.search(MAGNESIUM)["total"] == 1
            assert second.search(MAGNESIUM)["total"] == 1
    finally:
        stop.set()
        for thread in threads:
            thread.join()
        first_engine.close()
        second_engine.close()
        writer.close()
    assert not errors


def test_forgetting_answers_in_one_worker_forgets_them_for_all(
    seed_workers_settings: Settings,
) -> None:
    (first, first_engine), (second, second_engine) = (
        worker(seed_workers_settings), worker(seed_workers_settings)
    )
    try:
        first.search_json(MAGNESIUM)
        first.forget_answers()
        second.search_json(MAGNESIUM)
        assert second_engine.searches == 1
    finally:
        first_engine.close()
        second_engine.close()


def unusable_folder(tmp_path: Path, kind: str) -> Path:
    """An answer folder that cannot be used, of the given kind."""
    a_file = tmp_path / "a-file"
    a_file.write_text("not a folder")
    if kind == "a file":
        return a_file
    if kind == "under a file":
        return a_file / "answers"
    damaged = tmp_path / "answers"
    damaged.mkdir()
    (damaged / "cache.db").write_bytes(b"not a database" * 500)
    return damaged


@pytest.mark.parametrize("kind", ["a file", "under a file", "a damaged database"])
def test_an_unusable_answer_folder_never_fails_a_search(
    seed_index_settings: Settings, seed_engine: TantivyEngine, tmp_path: Path, kind: str,
    caplog: pytest.LogCaptureFixture,
) -> None:
    settings = load_settings(data_dir=seed_index_settings.data_dir,
                             answer_cache_dir=unusable_folder(tmp_path, kind))
    service, engine = worker(settings)
    try:
        with caplog.at_level(logging.WARNING, logger="search_api"):
            for _ in range(3):
                assert service.search(MAGNESIUM)["total"] == 2
            assert service.suggest(SuggestParams(q="magn", limit=3))["completions"]
            service.forget_answers()
        warnings = [r for r in caplog.records if r.levelno == logging.WARNING]
        assert len(warnings) == 1 and str(settings.answers_dir) in warnings[0].getMessage()
        # the worker keeps its answers in memory instead
        assert engine.searches == 1
        assert isinstance(service.answers, SharedAnswers) and not service.answers.open()
    finally:
        engine.close()


def test_a_folder_damaged_while_in_use_never_fails_a_search(
    seed_workers_settings: Settings, caplog: pytest.LogCaptureFixture
) -> None:
    service, engine = worker(seed_workers_settings)
    try:
        assert service.search(MAGNESIUM)["total"] == 2
        database = seed_workers_settings.answers_dir / "cache.db"
        database.write_bytes(b"not a database" * 500)
        answers: list[int] = []

        def another_request_thread() -> None:  # a new thread opens its own connection
            answers.append(service.search(SearchParams(q="adhd"))["total"])
            answers.append(service.search(SearchParams(q="adhd"))["total"])

        with caplog.at_level(logging.WARNING, logger="search_api"):
            thread = threading.Thread(target=another_request_thread)
            thread.start()
            thread.join()
        assert answers == [1, 1]
        assert engine.searches == 3  # uncached: each asked the engine
        assert len([r for r in caplog.records if r.levelno == logging.WARNING]) == 1
    finally:
        engine.close()


def test_the_shared_folder_stays_within_its_bound(tmp_path: Path) -> None:
    entries = 16
    settings = load_settings(data_dir=tmp_path / "data", answer_cache_entries=entries)
    answers = SharedAnswers(settings)
    body = b"x" * 8000
    for number in range(400):  # 3.2 MB offered, 256 KiB allowed
        answers.put(answer_key("search", "v1", str(number)), body)
    answers.close()
    with diskcache.Cache(str(settings.answers_dir)) as folder:
        assert folder.volume() <= entries * BYTES_PER_ENTRY + 10 * len(body)
        assert 0 < len(folder) < 400
    # the most recently stored answer is kept
    assert SharedAnswers(settings).get(answer_key("search", "v1", "399")) == body


def test_answer_keys_keep_their_parts_apart() -> None:
    assert answer_key("search", "v1", "a b", 1) != answer_key("search", "v1", "a", "b", 1)
    assert answer_key("search", "v1", "q") != answer_key("search", "v2", "q")
    assert answer_key("search", None, 'x"]') == answer_key("search", None, 'x"]')

"""What only the embedded engine does: its on-disk layout, the pointer file, other processes."""

from __future__ import annotations

import time
from typing import Any

import pytest

from indexer.engines import make_engine
from indexer.engines.tantivy.engine import TantivyEngine
from indexer.errors import NotFound
from indexer.pages.models import EnrichedPage
from indexer.search.values import SearchRequest
from indexer.settings import Settings
from tests.searching import searcher_for

Pages = dict[str, EnrichedPage]


def titles(engine: TantivyEngine, query: str) -> list[str]:
    return [h.id for h in searcher_for(engine).search(SearchRequest(query=query)).hits]


def test_make_engine_gives_the_tantivy_engine_by_default(settings: Settings) -> None:
    engine = make_engine(settings)
    assert isinstance(engine, TantivyEngine) and engine.name == "tantivy"
    assert engine.root == settings.data_dir / "tantivy"


def test_layout_versions_and_an_atomic_pointer(
    tantivy_engine: TantivyEngine, settings: Settings
) -> None:
    version = tantivy_engine.create_version()
    assert version == f"{settings.index_name}-v1"
    # One index per grain, so that BM25 compares an article with articles only.
    for part in ("articles", "passages"):
        assert (tantivy_engine.root / version / part / "meta.json").is_file()
    (tantivy_engine.root / "not-a-version").mkdir()
    (tantivy_engine.root / f"{settings.index_name}-v9" / "articles").mkdir(parents=True)
    assert tantivy_engine.versions() == [version]
    tantivy_engine.switch(version)
    assert tantivy_engine.pointer.read_text(encoding="utf-8").strip() == version
    assert [p.name for p in tantivy_engine.root.glob(".*.tmp")] == []
    assert tantivy_engine.create_version() == f"{settings.index_name}-v2"
    for bad in ("../etc", "not-a-version", f"{settings.index_name}-v9"):
        with pytest.raises(NotFound):
            tantivy_engine.drop(bad)
    assert (tantivy_engine.root / "not-a-version").is_dir()


def test_a_reader_sees_another_process_switch_without_restart(
    settings: Settings, enriched_seeds: Pages
) -> None:
    writer = TantivyEngine.from_settings(settings)  # e.g. the reindex job
    reader = TantivyEngine.from_settings(settings)  # e.g. the long-lived API process
    searcher_for(reader).warm_up()  # nothing live yet: no error
    first = writer.create_version()
    writer.write(first, [enriched_seeds["depression"]])
    writer.switch(first)
    assert titles(reader, "magnesium") == [enriched_seeds["depression"].page.id]
    second = writer.create_version()
    writer.write(second, [enriched_seeds["adhd"]])
    writer.switch(second)
    assert titles(reader, "magnesium") == [enriched_seeds["adhd"].page.id]
    assert reader.health().index_version == second
    writer.drop(first)


def test_a_reader_sees_writes_into_the_live_version(
    settings: Settings, enriched_seeds: Pages
) -> None:
    writer = TantivyEngine.from_settings(settings)
    reader = TantivyEngine.from_settings(settings)
    version = writer.create_version()
    writer.write(version, [enriched_seeds["depression"]])
    writer.switch(version)
    assert reader.count() == 1
    assert searcher_for(reader).suggest("bisgl") == []
    writer.write(version, [enriched_seeds["adhd"]])
    # tantivy reloads a reader shortly after another writer's commit; poll, do not time.
    deadline = time.monotonic() + 30
    while reader.count() != 2 and time.monotonic() < deadline:
        time.sleep(0.05)
    assert reader.count() == 2
    assert any("bisglycinaat" in c.text.lower() for c in searcher_for(reader).suggest("bisgl"))


def test_the_writing_engine_sees_its_own_writes_to_the_live_version_at_once(
    settings: Settings, enriched_seeds: Pages
) -> None:
    engine = TantivyEngine.from_settings(settings)
    version = engine.create_version()
    engine.write(version, [enriched_seeds["depression"]])
    engine.switch(version)
    assert engine.count() == 1  # opens the live reader
    engine.write(version, [enriched_seeds["adhd"]])
    assert engine.count() == 2
    assert searcher_for(engine).search(SearchRequest(query="bisglycinaat")).total == 1
    engine.delete(version, [enriched_seeds["adhd"].page.id])
    assert engine.count() == 1


def test_health_without_an_index(tantivy_engine: TantivyEngine) -> None:
    health = tantivy_engine.health()
    assert (health.engine, health.status, health.index_version, health.documents) == (
        "tantivy", "ok", None, 0)
    assert searcher_for(tantivy_engine).suggest("magn") == []
    assert list(tantivy_engine.iter_passages()) == []
    assert searcher_for(tantivy_engine).more_like_this("magnesium") == []
    with pytest.raises(NotFound):
        tantivy_engine.get_page("x")


def test_a_locked_version_gives_a_typed_error(
    tantivy_engine: TantivyEngine, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    from indexer.engines.tantivy import writing as module
    from indexer.errors import IndexingError

    monkeypatch.setattr(module, "LOCK_WAIT", 0.2)
    version = tantivy_engine.create_version()
    other = TantivyEngine.from_settings(settings)  # another process holding the writer
    held = other._index(version).passages.writer(15_000_000, 1)
    with pytest.raises(IndexingError, match="locked"):
        tantivy_engine.write(version, [])
    held.rollback()
    del held
    import gc

    gc.collect()
    assert tantivy_engine.write(version, []).indexed == 0


def test_the_shared_seed_engine_fixture(
    seed_engine: TantivyEngine, seed_pages: dict[str, Any]
) -> None:
    assert seed_engine.count() == 2
    assert seed_engine.get_page(seed_pages["adhd"].id).page == seed_pages["adhd"]


def test_a_page_with_a_huge_word_is_indexed(
    tantivy_engine: TantivyEngine, nlp: Any
) -> None:
    from indexer.nlp.enrich import enrich_pages
    from indexer.pages.parsing import parse_text

    text = f"top of page\nLange woorden\n\nMagnesium en {'x' * 70_000} samen.\nbottom of page\n"
    page = enrich_pages(nlp, parse_text(text).pages)
    version = tantivy_engine.create_version()
    assert tantivy_engine.write(version, page).indexed == 1
    tantivy_engine.switch(version)
    assert searcher_for(tantivy_engine).search(SearchRequest(query="magnesium")).total == 1


def test_a_bulk_commits_once_at_the_end_and_a_refused_page_leaves_nothing(
    tantivy_engine: TantivyEngine, enriched_seeds: Pages
) -> None:
    from dataclasses import replace

    depression, adhd = enriched_seeds["depression"], enriched_seeds["adhd"]
    version = tantivy_engine.create_version()
    tantivy_engine.write(version, [adhd])
    prepare = tantivy_engine.preparer()
    ready = prepare(adhd)
    # The article document is fine; a passage document tantivy cannot read comes after it.
    broken = replace(ready, documents=[ready.documents[0],
                                       ("passages", '{"passage_index": "zeven"}')])
    with tantivy_engine.bulk(version) as bulk:
        report = bulk.write([depression, broken])
        assert tantivy_engine.count(version) == 1  # nothing of the block is visible yet
    assert report.indexed == 1
    assert list(report.failed) == [adhd.page.id]
    assert "passage_index" in report.failed[adhd.page.id]
    # Not even the refused page's article document stays (nor its older copy).
    assert tantivy_engine.content_hashes(version) == {
        depression.page.id: depression.page.content_hash
    }


def test_a_bulk_left_by_an_exception_discards_its_writes(
    tantivy_engine: TantivyEngine, enriched_seeds: Pages
) -> None:
    version = tantivy_engine.create_version()
    with pytest.raises(RuntimeError), tantivy_engine.bulk(version) as bulk:
        assert bulk.write(list(enriched_seeds.values())).indexed == 2
        raise RuntimeError("the job was stopped")
    assert tantivy_engine.count(version) == 0
    assert tantivy_engine.write(version, [enriched_seeds["adhd"]]).indexed == 1

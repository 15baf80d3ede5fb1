"""The reindex job in process: full, incremental, rollback, dry run, verification, lock."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from indexer.jobs.lock import JobLock, JobLocked
from indexer.jobs.reindex import ReindexOptions, ReindexReport, run_reindex
from indexer.pages.rawstore import PAGE_EXPORT, RawRecord, RawStore
from indexer.search.port import Engine
from indexer.search.values import SearchRequest
from indexer.settings import Settings
from tests.searching import searcher_for

from .conftest import STORE_PAGES
from .stores import put_variant, variant_text, variant_url


def reindex(settings: Settings, engine: Engine, nlp: Any, **options: Any) -> ReindexReport:
    return run_reindex(settings, engine, ReindexOptions(workers=1, **options), nlp=nlp)


def snapshot(settings: Settings) -> dict[str, int]:
    """Every file under the data dir but the raw store and locks, with its mtime."""
    data = settings.data_dir
    return {
        str(p.relative_to(data)): p.stat().st_mtime_ns
        for p in data.rglob("*")
        if p.is_file() and p.relative_to(data).parts[0] not in ("raw", "locks")
    }


def test_full_builds_verifies_and_switches(job_settings: Settings, engine: Engine,
                                           store: RawStore, nlp: Any) -> None:
    report = reindex(job_settings, engine, nlp)
    assert report.ok, report.problems
    assert (report.records_read, report.pages_read, report.indexed) == (STORE_PAGES,) * 3
    assert report.rejected == [] and report.version_before is None
    assert report.version_after == engine.live_version() == report.built_version
    assert engine.count() == STORE_PAGES
    assert searcher_for(engine).search(SearchRequest(query="magnesium")).total > 0
    assert set(report.durations) == {"read", "parse+enrich", "write", "verify", "switch",
                                     "cleanup"}
    assert report.durations["parse+enrich"] > 0 and report.durations["write"] > 0


def test_keep_drops_oldest_versions_never_the_live_one(
    job_settings: Settings, engine: Engine, store: RawStore, nlp: Any
) -> None:
    first = reindex(job_settings, engine, nlp).version_after
    second = reindex(job_settings, engine, nlp).version_after
    third = reindex(job_settings, engine, nlp)
    assert third.ok and third.dropped == [first]
    assert engine.versions() == [second, third.version_after]
    fourth = reindex(job_settings, engine, nlp, keep=1)
    assert fourth.dropped == [second, third.version_after]
    assert engine.versions() == [fourth.version_after] == [engine.live_version()]


def test_rejected_records_and_duplicates_are_reported_and_counted(
    job_settings: Settings, engine: Engine, store: RawStore, nlp: Any
) -> None:
    store.put(RawRecord(url="file:///pages/binary.txt", content_type=PAGE_EXPORT), b"\x00" * 64)
    # A second record giving page 0 again, fetched later: it wins, the older copy is reported.
    newer = variant_text(0, "Een extra alinea over magnesium en slaap.")
    store.put(RawRecord(url="file:///pages/copy-of-0.txt", content_type=PAGE_EXPORT),
              newer.encode())
    report = reindex(job_settings, engine, nlp)
    assert report.ok, report.problems
    assert report.records_read == STORE_PAGES + 2
    assert report.pages_read == STORE_PAGES + 1
    reasons = {(r.source, r.page_id): r.reason for r in report.rejected}
    assert "binary" in reasons[("file:///pages/binary.txt", None)]
    [(dup_source, dup_id)] = [key for key in reasons if key[1] is not None]
    assert dup_source == variant_url(0)
    assert "file:///pages/copy-of-0.txt" in reasons[(dup_source, dup_id)]
    assert engine.count() == report.pages_read - 1 == STORE_PAGES
    page = engine.get_page(dup_id)
    assert page.page.source == "file:///pages/copy-of-0.txt"


def test_failed_verification_leaves_live_version_untouched(
    job_settings: Settings, engine: Engine, store: RawStore, nlp: Any
) -> None:
    good = reindex(job_settings, engine, nlp)
    versions = engine.versions()
    strict = job_settings.model_copy(update={"smoke_queries": ["magnesium", "zzqxvbnonsens"]})
    failed = reindex(strict, engine, nlp)
    assert not failed.ok
    assert failed.problems == [f"smoke query 'zzqxvbnonsens' found nothing on "
                               f"{failed.built_version}"]
    assert engine.live_version() == good.version_after == failed.version_after
    assert engine.versions() == versions  # the failed version was dropped, nothing else
    assert engine.count() == STORE_PAGES


def test_empty_store_never_goes_live(job_settings: Settings, engine: Engine, nlp: Any) -> None:
    report = reindex(job_settings, engine, nlp)
    assert not report.ok
    assert "no page to index" in " ".join(report.problems)
    assert engine.live_version() is None and engine.versions() == []


def test_incremental_writes_changed_new_and_deletes_gone(
    job_settings: Settings, engine: Engine, store: RawStore, nlp: Any
) -> None:
    live = reindex(job_settings, engine, nlp).version_after
    assert live is not None
    # Read the version by name: the engine's live reader may pick in-place writes up later.
    before = engine.content_hashes(live)
    put_variant(store, 1, "Nieuw: magnesium en concentratie bij volwassenen.")  # changed
    put_variant(store, 50)  # new
    store.mark_gone(variant_url(2))  # gone
    report = reindex(job_settings, engine, nlp, mode="incremental")
    assert report.ok, report.problems
    assert (report.indexed, report.deleted, report.unchanged) == (2, 1, STORE_PAGES - 2)
    assert engine.live_version() == live == report.version_after
    after = engine.content_hashes(live)
    assert len(after) == STORE_PAGES == engine.count(live)
    assert set(before) - set(after) == {i for i in before if i.endswith("variant-2")}
    assert {i for i in after if before.get(i) != after[i]} == {
        next(i for i in before if i.endswith("variant-1")),
        next(i for i in after if i.endswith("variant-50")),
    }
    request = SearchRequest(query="concentratie volwassenen")
    found = searcher_for(engine).search(request, version=live)
    assert found.hits and found.hits[0].id.endswith("variant-1")


def test_incremental_with_nothing_changed_writes_nothing(
    job_settings: Settings, engine: Engine, store: RawStore, nlp: Any
) -> None:
    reindex(job_settings, engine, nlp)
    files = snapshot(job_settings)
    report = reindex(job_settings, engine, nlp, mode="incremental")
    assert report.ok and (report.indexed, report.deleted) == (0, 0)
    assert report.unchanged == report.pages_read == STORE_PAGES
    assert report.records_parsed == 0  # every record's parse came from the cache
    assert report.durations["write"] == 0
    assert snapshot(job_settings) == files


def test_incremental_keeps_pages_of_records_it_cannot_read(
    job_settings: Settings, engine: Engine, store: RawStore, nlp: Any
) -> None:
    reindex(job_settings, engine, nlp)
    # A recrawl stored a broken body: the page is not gone, its record cannot be read.
    store.put(RawRecord(url=variant_url(3), content_type=PAGE_EXPORT), b"\x00\x01" * 50)
    report = reindex(job_settings, engine, nlp, mode="incremental")
    assert report.deleted == 0 and engine.count() == STORE_PAGES
    assert "1 page(s) no record gives any more were kept" in report.notes[0]
    assert "binary" in report.rejected[0].reason
    assert report.rejected[0].source == variant_url(3)


def test_incremental_needs_a_live_version(job_settings: Settings, engine: Engine,
                                          store: RawStore, nlp: Any) -> None:
    report = reindex(job_settings, engine, nlp, mode="incremental")
    assert not report.ok
    assert "run `sitesearch reindex --full`" in report.problems[0]


def test_rollback_points_back_to_the_previous_version(
    job_settings: Settings, engine: Engine, store: RawStore, nlp: Any
) -> None:
    first = reindex(job_settings, engine, nlp).version_after
    put_variant(store, 60)
    second = reindex(job_settings, engine, nlp).version_after
    assert engine.count() == STORE_PAGES + 1
    report = reindex(job_settings, engine, nlp, mode="rollback")
    assert report.ok and (report.version_before, report.version_after) == (second, first)
    assert engine.live_version() == first and engine.count() == STORE_PAGES
    again = reindex(job_settings, engine, nlp, mode="rollback")
    assert not again.ok and "no version older" in again.problems[0]
    assert engine.live_version() == first


def test_dry_run_writes_nothing(job_settings: Settings, engine: Engine, store: RawStore,
                                nlp: Any) -> None:
    empty = reindex(job_settings, engine, nlp, dry_run=True)
    assert empty.ok and empty.planned == {"index": STORE_PAGES, "switch": 1}
    assert engine.versions() == [] and snapshot(job_settings) == {}
    reindex(job_settings, engine, nlp)
    second = reindex(job_settings, engine, nlp)
    versions, files = engine.versions(), snapshot(job_settings)
    put_variant(store, 70)
    store.mark_gone(variant_url(4))
    planned = {
        mode: reindex(job_settings, engine, nlp, mode=mode, dry_run=True).planned
        for mode in ("full", "incremental", "rollback")
    }
    assert planned == {
        "full": {"index": STORE_PAGES, "switch": 1},
        "incremental": {"write": 1, "new": 1, "delete": 1},
        "rollback": {f"switch to {versions[0]}": 1},
    }
    assert engine.versions() == versions and snapshot(job_settings) == files
    assert engine.live_version() == second.version_after


def test_second_job_is_refused_while_one_holds_the_lock(
    job_settings: Settings, engine: Engine, store: RawStore, nlp: Any
) -> None:
    with JobLock(job_settings.data_dir, job_settings.index_name), \
            pytest.raises(JobLocked, match="another reindex job is running"):
        reindex(job_settings, engine, nlp)
    assert engine.versions() == []
    assert reindex(job_settings, engine, nlp).ok  # free again


def test_half_built_version_of_a_killed_job_is_dropped_next_time(
    job_settings: Settings, engine: Engine, store: RawStore, nlp: Any,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from indexer.jobs import verify

    live = reindex(job_settings, engine, nlp).version_after

    class Killed(BaseException):
        """Stands for a SIGKILL: nothing after it runs (see test_crash for the real one)."""

    def die(*args: Any, **kwargs: Any) -> None:
        raise Killed

    job_dir = job_settings.data_dir / "reindex"
    with monkeypatch.context() as patched, pytest.raises(Killed):
        patched.setattr(verify, "verify_version", die)
        run_reindex(job_settings, engine, ReindexOptions(workers=1), nlp=nlp)
    # A BaseException still lets the job drop its version; a SIGKILL would not, so put a
    # half-built version back by hand, as a killed job leaves it, with its journal.
    journal = (job_dir / f"{job_settings.index_name}.journal.json")
    assert not journal.exists() and engine.versions()[-1] == live
    journal.write_text(f'{{"versions_before": ["{live}"], "building": null}}')
    half = engine.create_version()
    report = reindex(job_settings, engine, nlp)
    assert report.ok and report.recovered == [half]
    # The engine may give the new version the dropped one's free name: count the versions.
    assert engine.versions() == [live, report.version_after] and not journal.exists()
    assert engine.count() == STORE_PAGES


def test_report_summary_names_everything(job_settings: Settings, engine: Engine,
                                         store: RawStore, nlp: Any) -> None:
    store.put(RawRecord(url="file:///pages/empty.txt", content_type=PAGE_EXPORT), b"")
    text = reindex(job_settings, engine, nlp).summary()
    assert "reindex full of 'sitesearch'" in text and ": ok" in text
    assert f"records read {STORE_PAGES + 1} (parsed {STORE_PAGES + 1}), pages read " \
        f"{STORE_PAGES}," in text
    assert "rejected file:///pages/empty.txt: input is empty" in text


@pytest.mark.slow
def test_two_workers_build_the_same_index_as_one(
    job_settings: Settings, engine: Engine, store: RawStore, nlp: Any
) -> None:
    """Worker processes parse, enrich and build the engine documents (`prepared`); the
    version they build answers every query as the one built in one process."""
    one = reindex(job_settings, engine, nlp)
    two = run_reindex(job_settings, engine, ReindexOptions(workers=2, chunk_size=3))
    assert two.ok and two.workers == 2, two.problems
    assert engine.versions() == [one.version_after, two.version_after]
    assert engine.content_hashes(one.version_after) == engine.content_hashes(two.version_after)
    for query in ("magnesium", "concentratie kinderen", "NMDA-receptor", "psychotherapie"):
        request = SearchRequest(query=query, size=20)
        by_one = searcher_for(engine).search(request, version=one.version_after)
        by_two = searcher_for(engine).search(request, version=two.version_after)
        assert by_one.total > 0
        assert [(h.id, h.snippet, h.section, h.entities) for h in by_one.hits] == [
            (h.id, h.snippet, h.section, h.entities) for h in by_two.hits
        ]
        assert by_one.facets == by_two.facets


def test_same_id_twice_in_one_record_keeps_the_first(
    job_settings: Settings, engine: Engine, store: RawStore, nlp: Any
) -> None:
    twice = variant_text(90) + "\n" + variant_text(90, "Een andere alinea over magnesium.")
    store.put(RawRecord(url="file:///pages/twice.txt", content_type=PAGE_EXPORT), twice.encode())
    report = reindex(job_settings, engine, nlp)
    assert report.ok, report.problems
    assert report.pages_read == STORE_PAGES + 2
    [rejection] = report.rejected
    assert rejection.source == "file:///pages/twice.txt"
    assert rejection.reason == "duplicate id: an earlier page of the same record has this id"
    assert engine.count() == STORE_PAGES + 1
    assert "andere alinea" not in engine.get_page(str(rejection.page_id)).page.body_text()


def test_incremental_never_empties_the_index_from_an_empty_store(
    job_settings: Settings, engine: Engine, store: RawStore, nlp: Any
) -> None:
    reindex(job_settings, engine, nlp)
    for number in range(STORE_PAGES):
        store.mark_gone(variant_url(number))
    report = reindex(job_settings, engine, nlp, mode="incremental")
    assert not report.ok and "not deleting the 12 pages" in report.problems[0]
    assert engine.count() == STORE_PAGES


def test_cached_parses_are_checked_against_the_live_version(
    job_settings: Settings, engine: Engine, store: RawStore, nlp: Any
) -> None:
    first = reindex(job_settings, engine, nlp).version_after
    assert first is not None
    put_variant(store, 5, "Magnesium en vermoeidheid: een nieuwe alinea.")
    assert reindex(job_settings, engine, nlp).ok  # the cache now knows the new body
    assert reindex(job_settings, engine, nlp, mode="rollback").version_after == first
    # The live version (rolled back) holds the old page: the unchanged record is parsed again.
    report = reindex(job_settings, engine, nlp, mode="incremental")
    assert report.ok and (report.records_parsed, report.indexed) == (1, 1)
    again = reindex(job_settings, engine, nlp, mode="incremental")
    assert (again.records_parsed, again.indexed) == (0, 0)
    full = reindex(job_settings, engine, nlp, dry_run=True)
    assert full.records_parsed == STORE_PAGES


def test_parse_cache_dies_with_the_parser_code(tmp_path: Path) -> None:
    from indexer.pages.records import ParseCache, RecordPages

    path = tmp_path / "parsed.json"
    old = ParseCache(path, fingerprint="code of yesterday")
    old.put(RecordPages(url="file:///a.txt", content_type=PAGE_EXPORT, record_hash="h1",
                        fetched_at="t", page_hashes=[("a", "x")]))
    old.save()
    assert ParseCache.load(path).get("file:///a.txt", "h1") is None
    current = ParseCache(path)
    current.put(RecordPages(url="file:///a.txt", content_type=PAGE_EXPORT, record_hash="h1",
                            fetched_at="t", page_hashes=[("a", "x")]))
    current.put(RecordPages(url="file:///bad.txt", content_type=PAGE_EXPORT, record_hash="h2",
                            fetched_at="t", error="binary"))
    current.save()
    loaded = ParseCache.load(path)
    assert loaded.get("file:///a.txt", "h1") == [("a", "x")]
    assert loaded.get("file:///a.txt", "other body") is None
    assert loaded.get("file:///bad.txt", "h2") is None  # failures are parsed (and reported) again


@pytest.mark.slow
def test_incremental_with_many_changes_uses_the_workers(
    job_settings: Settings, engine: Engine, store: RawStore, nlp: Any
) -> None:
    if engine.name != "tantivy":
        pytest.skip("worker processes do not depend on the engine (see the 2-worker test)")
    live = reindex(job_settings, engine, nlp).version_after
    for number in range(100, 108):
        put_variant(store, number, "Magnesium en spierkrampen bij sporters.")
    options = ReindexOptions(mode="incremental", workers=2, chunk_size=2)
    report = run_reindex(job_settings, engine, options)
    assert report.ok and report.indexed == 8, report.problems
    assert engine.count(live) == STORE_PAGES + 8
    request = SearchRequest(query="spierkrampen sporters", size=20)
    found = searcher_for(engine).search(request, version=live)
    assert found.total == 8

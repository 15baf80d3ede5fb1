"""A damaged live index answers 503 on every endpoint, says "degraded" on /api/health, and
`reindex --full` repairs it; damaged versions are never kept or rolled back to.

The damage is done as it happens on disk: a pointer naming a version that is gone, a pointer
that is not text, a lost pointer, truncated segment files, a version half deleted by a killed
clean-up.
"""

from __future__ import annotations

import gc
import json
import os
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from indexer.cli import main
from indexer.engines.tantivy.engine import TantivyEngine
from indexer.jobs.reindex import ReindexOptions, ReindexReport, run_reindex
from indexer.pages.rawstore import RawStore
from indexer.settings import Settings
from tests.api.schemas import assert_documented

from .conftest import STORE_PAGES

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture
def tantivy(job_settings: Settings) -> Iterator[TantivyEngine]:
    engine = TantivyEngine.from_settings(job_settings)
    yield engine
    engine.close()


def reindex(settings: Settings, engine: TantivyEngine, nlp: Any, **options: Any) -> ReindexReport:
    return run_reindex(settings, engine, ReindexOptions(workers=1, **options), nlp=nlp)


def segment_files(engine: TantivyEngine, version: str, suffix: str = ".store") -> list[Path]:
    return sorted((engine.root / version).glob(f"*/*{suffix}"))


def let_go(engine: TantivyEngine) -> None:
    """Close every handle this process holds on the index before damaging it: tantivy maps
    the files, and a truncated file still mapped here would end the test run with SIGBUS."""
    engine.close()
    gc.collect()


def truncate(engine: TantivyEngine, version: str) -> None:
    let_go(engine)
    for path in segment_files(engine, version):
        os.truncate(path, path.stat().st_size // 2)


def pointer_to_a_missing_version(engine: TantivyEngine, live: str) -> None:
    engine.pointer.write_text("sitesearch-v99\n", encoding="utf-8")


def pointer_not_utf8(engine: TantivyEngine, live: str) -> None:
    engine.pointer.write_bytes(b"\xff\xfesitesearch-v\xe91\n")


def pointer_lost(engine: TantivyEngine, live: str) -> None:
    engine.pointer.unlink()


def segments_truncated(engine: TantivyEngine, live: str) -> None:
    truncate(engine, live)


DAMAGE: dict[str, Callable[[TantivyEngine, str], None]] = {
    "pointer to a missing version": pointer_to_a_missing_version,
    "pointer not UTF-8": pointer_not_utf8,
    "no pointer while versions exist": pointer_lost,
    "truncated segment files": segments_truncated,
}


def every_endpoint(client: Any, article_id: str) -> dict[str, Any]:
    """One request to each endpoint that reads the index."""
    return {
        "search": client.get("/api/search?q=magnesium"),
        "suggest": client.get("/api/suggest?q=magn"),
        "article": client.get(f"/api/articles/{article_id}"),
        "article overlap": client.get(f"/api/articles/{article_id}/overlap"),
        "draft overlap": client.post("/api/overlap", json={
            "text": "Magnesium speelt een rol bij depressie en bij de stemming van mensen "
                    "die lang moe zijn; een tekort komt vaak voor bij volwassenen."}),
    }


@pytest.mark.parametrize("damage", list(DAMAGE), ids=list(DAMAGE))
def test_a_damaged_live_index_is_503_everywhere_and_reindex_full_repairs_it(
    job_settings: Settings, tantivy: TantivyEngine, store: RawStore, nlp: Any, damage: str
) -> None:
    from search_api import create_app

    first = reindex(job_settings, tantivy, nlp).version_after
    live = reindex(job_settings, tantivy, nlp).version_after
    assert first and live and tantivy.versions() == [first, live]
    article_id = next(iter(tantivy.content_hashes(live)))
    let_go(tantivy)
    DAMAGE[damage](tantivy, live)

    client = create_app(job_settings).test_client()  # a worker started after the damage
    for name, answer in every_endpoint(client, article_id).items():
        assert answer.status_code == 503, (name, answer.status_code, answer.get_data(True))
        body = answer.get_json()
        assert body["error"]["code"] == "index_damaged", name
        assert "zoekindex is beschadigd" in body["error"]["message"]
        assert answer.headers["Retry-After"]
    health = client.get("/api/health")
    assert health.status_code == 503
    error = assert_documented(health, "/api/health")["error"]
    assert error["code"] == "degraded" and error["message"].startswith("degraded: ")
    assert health.headers["Retry-After"]

    result = CliRunner().invoke(main, ["reindex", "--full", "--workers", "1", "--json"],
                                env={"SITESEARCH_DATA_DIR": str(job_settings.data_dir),
                                     "SITESEARCH_SMOKE_QUERIES": '["magnesium"]'})
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert report["ok"] and report["version_after"] not in (first, live)
    assert client.get("/api/search?q=magnesium").get_json()["total"] > 0
    healthy = client.get("/api/health")
    assert healthy.status_code == 200 and healthy.get_json()["documents"] == STORE_PAGES
    assert all(answer.status_code == 200
               for answer in every_endpoint(client, article_id).values())
    if damage == "truncated segment files":
        # The corrupt version is not kept as the rollback target in place of the intact one.
        assert tantivy.versions() == [first, report["version_after"]]
        assert any(live in note and "damaged" in note for note in report["notes"])


def test_files_truncated_under_a_running_reader_give_503_not_sigbus(
    job_settings: Settings, tantivy: TantivyEngine, store: RawStore, nlp: Any
) -> None:
    """tantivy maps segment files into memory: reading a truncated one kills the process
    with SIGBUS. The reader rechecks the files' sizes before each use. (In a subprocess: a
    SIGBUS would take pytest down with it.)"""
    live = reindex(job_settings, tantivy, nlp).version_after
    assert live is not None
    let_go(tantivy)
    script = f"""
import os
from pathlib import Path
from search_api import create_app
from tests.api.conftest import api_settings_for
client = create_app(api_settings_for(Path({str(job_settings.data_dir)!r}))).test_client()
assert client.get("/api/search?q=magnesium").status_code == 200
for path in Path({str(tantivy.root / live)!r}).glob("*/*.store"):
    os.truncate(path, path.stat().st_size // 2)
answer = client.get("/api/search?q=depressie")  # (an answer of before may be remembered)
print(answer.status_code, answer.get_json()["error"]["code"])
print(client.get("/api/health").get_json()["error"]["message"])
"""
    done = subprocess.run([sys.executable, "-c", script], cwd=REPO, capture_output=True,
                          text=True, timeout=300, check=False)
    assert done.returncode == 0, (done.returncode, done.stderr[-2000:])
    status, health = done.stdout.splitlines()
    assert status == "503 index_damaged"
    assert "truncated or overwritten" in health


def test_rollback_skips_a_damaged_version_and_drops_it(
    job_settings: Settings, tantivy: TantivyEngine, store: RawStore, nlp: Any
) -> None:
    versions = [reindex(job_settings, tantivy, nlp, keep=3).version_after for _ in range(3)]
    first, second, live = versions
    truncate(tantivy, str(second))
    report = reindex(job_settings, tantivy, nlp, mode="rollback")
    assert report.ok, report.problems
    assert (report.version_before, report.version_after) == (live, first)
    assert report.dropped == [second] and tantivy.versions() == [first, live]
    assert any(str(second) in note for note in report.notes)
    assert tantivy.count() == STORE_PAGES


def test_a_version_half_deleted_by_a_killed_cleanup_is_skipped_by_rollback(
    job_settings: Settings, tantivy: TantivyEngine, store: RawStore, nlp: Any
) -> None:
    """What a SIGKILL during `shutil.rmtree` of an old version left (before drops became a
    rename first): meta.json still there, some segment files gone."""
    first, second, _live = (reindex(job_settings, tantivy, nlp, keep=3).version_after
                           for _ in range(3))
    let_go(tantivy)
    for path in segment_files(tantivy, str(second), suffix=".idx"):
        path.unlink()
    assert second in tantivy.versions()  # it still looks like a version
    report = reindex(job_settings, tantivy, nlp, mode="rollback")
    assert report.ok and report.version_after == first, report.problems
    assert tantivy.live_version() == first and tantivy.count() == STORE_PAGES


def test_no_intact_older_version_leaves_the_live_one(
    job_settings: Settings, tantivy: TantivyEngine, store: RawStore, nlp: Any
) -> None:
    first = reindex(job_settings, tantivy, nlp).version_after
    live = reindex(job_settings, tantivy, nlp).version_after
    truncate(tantivy, str(first))
    report = reindex(job_settings, tantivy, nlp, mode="rollback")
    assert not report.ok and "no intact version to roll back to" in report.problems[0]
    assert tantivy.live_version() == live and tantivy.count() == STORE_PAGES


def test_a_drop_renames_the_version_away_before_deleting_it(
    job_settings: Settings, tantivy: TantivyEngine, store: RawStore, nlp: Any,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Killed half-way through deleting the files (here: the deletion fails), a dropped
    version is gone all the same; what is left is trash, emptied by the next drop or build."""
    import shutil

    first = reindex(job_settings, tantivy, nlp).version_after
    reindex(job_settings, tantivy, nlp)
    with monkeypatch.context() as patched:
        patched.setattr(shutil, "rmtree", lambda *args, **kwargs: None)
        tantivy.drop(str(first))
    assert first not in tantivy.versions()
    assert [p.name.startswith(".trash-") for p in tantivy.root.iterdir() if p.is_dir()] \
        .count(True) == 1
    tantivy.create_version()
    assert not list(tantivy.root.glob(".trash-*"))


def test_ingest_into_a_damaged_index_builds_a_new_version(
    job_settings: Settings, tantivy: TantivyEngine, store: RawStore, nlp: Any, tmp_path: Path
) -> None:
    from indexer.jobs.ingest import ingest_paths

    from .stores import variant_text

    reindex(job_settings, tantivy, nlp)
    let_go(tantivy)
    pointer_not_utf8(tantivy, "")
    new = tmp_path / "nieuw.txt"
    new.write_text(variant_text(77), encoding="utf-8")
    report = ingest_paths(job_settings, tantivy, nlp, [str(new)])
    assert report.ok and report.job is not None and report.job.mode == "full", report.problems
    assert report.indexed == 1 and tantivy.live_version() == report.version
    assert tantivy.count() == STORE_PAGES + 1


def test_files_replaced_by_another_process_committing_are_no_damage(
    settings: Settings, enriched_seeds: dict[str, Any]
) -> None:
    """A reader checks the files of the live version while a writer (another engine, as
    `ingest` has) commits and deletes: each commit's merge removes segments the previous one
    named. A file gone because a newer commit replaced it is not damage (it once stopped a
    worker's searches with 'index version ...: ....term is missing')."""
    writer = TantivyEngine.from_settings(settings)
    version = writer.create_version()
    writer.write(version, [enriched_seeds["depression"]])
    writer.switch(version)
    reader = TantivyEngine.from_settings(settings)
    adhd = enriched_seeds["adhd"]
    errors: list[BaseException] = []
    done = threading.Event()

    def commit() -> None:
        try:
            for _round in range(15):
                writer.write(version, [adhd])
                writer.delete(version, [adhd.page.id])
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)
        finally:
            done.set()

    thread = threading.Thread(target=commit)
    thread.start()
    checks = 0
    try:
        files = reader.store.files(version)
        while not done.is_set():
            files = reader.store.recheck(files)
            reader.store.files(version)
            checks += 1
    finally:
        thread.join()
        reader.close()
        writer.close()
    assert not errors
    assert checks > 0
    assert reader.store.files(version).version == version

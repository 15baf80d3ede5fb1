"""A real `sitesearch reindex --full` killed with SIGKILL at each stage, and the CLI's lock.

The job runs through tests/reindex/paused_reindex.py, which pauses it at a stage (production
code has no hook for it). While a job is paused, a second one is refused. After each kill: the
live version and its page count are what they were (after the switch: the new version, with
the same count), the API answers from it, no worker process is left behind, and the next job
succeeds and drops the half-built version.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from indexer.engines.tantivy.engine import TantivyEngine
from indexer.jobs.lock import JobLock
from indexer.jobs.reindex import ReindexOptions, run_reindex
from indexer.pages.records import raw_store
from indexer.search.values import SearchRequest
from indexer.settings import Settings, load_settings
from tests.searching import searcher_for

from .stores import fill_store

SITESEARCH = Path(sys.executable).parent / "sitesearch"
REPO = Path(__file__).resolve().parents[2]
PAGES = 10
_WAIT = 120.0


@pytest.fixture(scope="module")
def crash_settings(tmp_path_factory: pytest.TempPathFactory, nlp: Any) -> Settings:
    """A store and a first live version, shared by the kills of this module (in order)."""
    settings = load_settings(data_dir=tmp_path_factory.mktemp("crash") / "data",
                             rate_limit_enabled=False, smoke_queries=["magnesium"])
    fill_store(raw_store(settings), PAGES)
    engine = TantivyEngine.from_settings(settings)
    assert run_reindex(settings, engine, ReindexOptions(workers=1), nlp=nlp).ok
    engine.close()
    return settings


def environment(settings: Settings, **extra: str) -> dict[str, str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("SITESEARCH_")}
    return {**clean, "SITESEARCH_DATA_DIR": str(settings.data_dir),
            "SITESEARCH_SMOKE_QUERIES": '["magnesium"]', **extra}


class Paused:
    """A job paused at `point`, and the index as it was before the job started."""

    def __init__(self, job: subprocess.Popen[str], point: str, marker: str,
                 before: tuple[str | None, int, int], versions: list[str]) -> None:
        self.job, self.point, self.marker = job, point, marker
        self.before, self.versions = before, versions


@pytest.fixture
def paused_job(crash_settings: Settings, tmp_path: Path,
               request: pytest.FixtureRequest) -> Iterator[Paused]:
    """Start a full job that pauses at the point `request.param` = (point, workers)."""
    point, workers = request.param
    marker = tmp_path / "paused"
    before = live_state(crash_settings)
    engine = TantivyEngine.from_settings(crash_settings)
    versions = engine.versions()
    engine.close()
    env = environment(crash_settings, SITESEARCH_TEST_PAUSE_AT=point,
                      SITESEARCH_TEST_PAUSE_FILE=str(marker))
    job = subprocess.Popen(
        [sys.executable, "-m", "tests.reindex.paused_reindex",
         "reindex", "--full", "--workers", str(workers), "--json"],
        env=env, cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    deadline = time.monotonic() + _WAIT
    while not marker.exists():
        if job.poll() is not None:
            pytest.fail(f"the job ended before {point}: {job.communicate()}")
        if time.monotonic() > deadline:
            job.kill()
            pytest.fail(f"the job never reached {point}")
        time.sleep(0.05)
    try:
        yield Paused(job, point, str(marker), before, versions)
    finally:
        if job.poll() is None:
            job.kill()
        job.communicate()


def processes_with(text: str) -> list[int]:
    """Pids of processes whose environment holds `text` (the job and its workers)."""
    found = []
    for proc in Path("/proc").iterdir():
        if proc.name.isdigit():
            try:
                if text.encode() in (proc / "environ").read_bytes():
                    found.append(int(proc.name))
            except OSError:
                continue
    return found


def live_state(settings: Settings) -> tuple[str | None, int, int]:
    """(live version, its page count, hits for "magnesium") as a fresh reader (the API) sees."""
    engine = TantivyEngine.from_settings(settings)
    try:
        hits = searcher_for(engine).search(SearchRequest(query="magnesium")).total
        return engine.live_version(), engine.count(), hits
    finally:
        engine.close()


KILL_POINTS = [
    ("read", 1), ("enrich", 2), ("write", 2), ("verify", 1), ("switch", 1), ("cleanup", 1),
]


@pytest.mark.slow
@pytest.mark.parametrize("paused_job", KILL_POINTS, indirect=True,
                         ids=[point for point, _ in KILL_POINTS])
def test_sigkill_at_any_stage_leaves_the_live_version_serving(
    crash_settings: Settings, paused_job: Paused, nlp: Any
) -> None:
    job, marker, point = paused_job.job, paused_job.marker, paused_job.point
    assert Path(marker).read_text(encoding="utf-8") == point
    engine = TantivyEngine.from_settings(crash_settings)
    before_versions = paused_job.versions
    live, count, hits = paused_job.before
    assert count == PAGES and hits > 0
    if point == "verify":
        second_job_is_refused(crash_settings, job.pid)
    job.send_signal(signal.SIGKILL)
    job.wait()
    # The workers notice that the job is gone and exit.
    deadline = time.monotonic() + 30
    while processes_with(marker) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert processes_with(marker) == []

    after_live, after_count, after_hits = live_state(crash_settings)
    if point == "cleanup":  # killed after the switch: the new version serves the same pages
        assert after_live != live and after_live in engine.versions()
    else:
        assert after_live == live
    assert (after_count, after_hits) == (count, hits)
    from search_api import create_app

    answer = create_app(crash_settings).test_client().get("/api/search?q=magnesium")
    assert answer.status_code == 200 and answer.get_json()["total"] == hits

    report = run_reindex(crash_settings, engine, ReindexOptions(workers=1), nlp=nlp)
    assert report.ok, report.problems
    # Nothing remains but versions from before the killed job, the version live after the
    # kill and the new one.
    assert set(engine.versions()) <= set(before_versions) | {after_live, report.version_after}
    assert len(engine.versions()) <= crash_settings.reindex_keep
    if point in ("enrich", "write", "verify", "switch"):  # it had created a version
        assert len(report.recovered) == 1, "the half-built version was not dropped"
    else:
        assert report.recovered == []
    assert engine.live_version() == report.version_after and engine.count() == PAGES
    engine.close()


def second_job_is_refused(settings: Settings, holder: int) -> None:
    """A second job, while the first one runs: a clear message, exit status 3."""
    second = subprocess.run(
        [str(SITESEARCH), "reindex", "--incremental"], env=environment(settings),
        capture_output=True, text=True, timeout=_WAIT,
    )
    assert second.returncode == 3
    assert f"another reindex job is running on index 'sitesearch' (pid {holder}" \
        in second.stderr
    assert "Traceback" not in second.stderr


def test_cli_refuses_while_the_lock_is_held_and_reports_json(crash_settings: Settings) -> None:
    with JobLock(crash_settings.data_dir, crash_settings.index_name):
        locked = subprocess.run([str(SITESEARCH), "reindex", "--rollback"],
                                env=environment(crash_settings), capture_output=True,
                                text=True, timeout=_WAIT)
    assert locked.returncode == 3 and "another reindex job is running" in locked.stderr
    dry = subprocess.run([str(SITESEARCH), "reindex", "--incremental", "--dry-run", "--json"],
                         env=environment(crash_settings), capture_output=True, text=True,
                         timeout=_WAIT)
    assert dry.returncode == 0, dry.stderr
    report = json.loads(dry.stdout)
    assert report["mode"] == "incremental" and report["dry_run"] is True
    assert report["planned"] == {"write": 0, "new": 0, "delete": 0}
    assert report["unchanged"] == PAGES
    assert "reindex: parse:" in dry.stderr  # plain progress lines when not a terminal


def test_production_code_carries_no_crash_test_seam() -> None:
    """The pause points live in tests/reindex/paused_reindex.py, not in the product."""
    seams = ("SITESEARCH_TEST_PAUSE", "HOOK_POINTS", "_pause_hook", "hook=")
    found = [
        f"{path.relative_to(REPO)}: {seam}"
        for package in ("indexer", "search_api", "scrapers")
        for path in sorted((REPO / package).rglob("*.py"))
        for seam in seams
        if seam in path.read_text(encoding="utf-8")
    ]
    assert found == []

"""A full disk ends reindex, ingest and remove with a report (Dutch reason, `ok: false`, exit
status 1), never a traceback, and the live index as it was.

On a real small filesystem: a tmpfs of a few MB mounted for the test (root only; skipped
elsewhere), filled up with a file of zeros.
"""

from __future__ import annotations

import json
import os
import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from indexer.cli import main
from indexer.engines.tantivy.engine import TantivyEngine
from indexer.jobs.reindex import ReindexOptions, run_reindex
from indexer.pages.records import raw_store
from indexer.settings import Settings, load_settings

from .stores import fill_store, variant_text

PAGES = 12


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Callable[[str], Path]]:
    """Mounts tmpfs filesystems of the given options (e.g. "size=6m") for the test."""
    if os.geteuid() != 0:
        pytest.skip("mounting a small tmpfs needs root")
    mounted: list[Path] = []

    def mount(options: str) -> Path:
        point = tmp_path / f"disk{len(mounted)}"
        point.mkdir()
        done = subprocess.run(["mount", "-t", "tmpfs", "-o", options, "tmpfs", str(point)],
                              capture_output=True, text=True, check=False)
        if done.returncode != 0:
            pytest.skip(f"cannot mount a tmpfs here: {done.stderr.strip()}")
        mounted.append(point)
        return point

    try:
        yield mount
    finally:
        for point in mounted:
            subprocess.run(["umount", "-l", str(point)], check=False)


def indexed(disk: Path, nlp: Any) -> tuple[Settings, tuple[str | None, dict[str, str]]]:
    """Settings on `disk` with a live index of PAGES pages, and its state."""
    settings = load_settings(data_dir=disk / "data", smoke_queries=["magnesium"])
    fill_store(raw_store(settings), PAGES)
    engine = TantivyEngine.from_settings(settings)
    assert run_reindex(settings, engine, ReindexOptions(workers=1), nlp=nlp).ok
    engine.close()
    before = live_state(settings)
    assert before[0] is not None and len(before[1]) == PAGES
    return settings, before


def fill_up(disk: Path, leave: int) -> None:
    """Fill the filesystem with a file of zeros until `leave` bytes are free."""
    filler = disk / "filler"
    filler.unlink(missing_ok=True)
    free = os.statvfs(disk).f_bavail * os.statvfs(disk).f_frsize
    with filler.open("wb", buffering=0) as out:
        try:
            out.write(b"\0" * max(0, free - leave))
            while leave == 0:
                out.write(b"\0" * 4096)
        except OSError:
            pass  # full


def live_state(settings: Settings) -> tuple[str | None, dict[str, str]]:
    engine = TantivyEngine.from_settings(settings)
    try:
        return engine.live_version(), engine.content_hashes()
    finally:
        engine.close()


def run(settings: Settings, *args: str) -> Result:
    env = {"SITESEARCH_DATA_DIR": str(settings.data_dir),
           "SITESEARCH_SMOKE_QUERIES": '["magnesium"]'}
    return CliRunner().invoke(main, [*args, "--json"], env=env)


def failed_for_a_full_disk(result: Result) -> dict[str, Any]:
    assert result.exit_code == 1, result.output
    assert "Traceback" not in result.output
    report: dict[str, Any] = json.loads(result.stdout)
    assert report["ok"] is False
    assert any(p.startswith("de schijf is vol bij ") for p in report["problems"]), report
    return report


@pytest.mark.slow
def test_a_full_disk_is_reported_and_the_live_index_stays(
    small_disk: Callable[[str], Path], tmp_path: Path, nlp: Any
) -> None:
    disk = small_disk("size=6m")
    settings, before = indexed(disk, nlp)

    fill_up(disk, leave=0)
    failed_for_a_full_disk(run(settings, "reindex", "--full"))
    assert live_state(settings) == before

    fill_up(disk, leave=96 * 1024)  # room to start, not to write a new version
    report = failed_for_a_full_disk(run(settings, "reindex", "--full", "--workers", "1"))
    assert report["version_after"] == before[0]
    assert live_state(settings) == before
    assert sorted(p.name for p in (disk / "data" / "tantivy").iterdir()
                  if not p.name.startswith(".")) == [before[0], "sitesearch.live"]

    new = tmp_path / "nieuw.txt"
    new.write_text(variant_text(40), encoding="utf-8")
    fill_up(disk, leave=0)
    report = failed_for_a_full_disk(run(settings, "ingest", str(new)))
    assert "het bewaren van" in report["problems"][0]
    assert live_state(settings) == before
    assert len(raw_store(settings)) == PAGES

    # Removing a page on a full disk: done (it frees space), or a clear report; once there
    # is room again, the same command finishes it.
    gone = sorted(before[1])[0]
    removed = run(settings, "remove", gone)
    if removed.exit_code != 0:
        assert removed.exit_code == 1 and "de schijf is vol" in removed.output, removed.output
        fill_up(disk, leave=256 * 1024)
        removed = run(settings, "remove", gone)
    assert removed.exit_code == 0, removed.output
    assert live_state(settings)[1] == {k: v for k, v in before[1].items() if k != gone}


@pytest.mark.slow
def test_a_lock_file_that_cannot_be_made_is_reported(
    small_disk: Callable[[str], Path], nlp: Any
) -> None:
    """No room for one more file (here: no inode left) when a job makes its lock file."""
    disk = small_disk("size=6m,nr_inodes=400")
    settings, before = indexed(disk, nlp)
    (settings.data_dir / "locks" / f"{settings.index_name}.lock").unlink()
    for number in range(1000):
        try:
            (disk / f"leeg-{number}").touch()
        except OSError:
            break
    for command in (["reindex", "--full"], ["remove", sorted(before[1])[0]]):
        report = failed_for_a_full_disk(run(settings, *command))
        assert report["problems"][0].startswith("de schijf is vol bij het vastleggen van de "
                                                "taak in "), report
        assert live_state(settings) == before

"""`sitesearch reindex`: rebuild (--full), refresh (--incremental) or roll back the index.

Exit status: 0 done, 1 the job failed (the report says why; the live version is untouched by a
failed full run), 3 another reindex job holds the index's lock.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar

import click

from indexer.cli.common import echo_json, settings_or_exit, warn

if TYPE_CHECKING:
    from indexer.search.port import Engine
    from indexer.settings import Settings

T = TypeVar("T")

EXIT_FAILED = 1
EXIT_LOCKED = 3


@click.command()
@click.option("--full/--incremental", "full", default=None,
              help="Rebuild into a new version and switch (the default), or refresh the live "
                   "version in place.")
@click.option("--rollback", is_flag=True,
              help="Point the index back to the previous version (newest older one).")
@click.option("--workers", type=click.IntRange(min=1), default=None,
              help="Worker processes for parsing and NLP  "
                   "[default: one per CPU; none for a small store]")
@click.option("--keep", type=click.IntRange(min=1), default=None,
              help="Index versions kept after a switch  [default: setting reindex_keep]")
@click.option("--dry-run", is_flag=True, help="Read and plan, but write nothing.")
@click.option("--json", "as_json", is_flag=True, help="Print the job report as JSON.")
def reindex(
    full: bool | None, rollback: bool, workers: int | None, keep: int | None, dry_run: bool,
    as_json: bool,
) -> None:
    """Rebuild or refresh the search index from the raw store (crawled and ingested pages).

    A full run parses and enriches every stored page in worker processes, writes a new index
    version, verifies it (page count, content hashes, smoke queries) and only then switches
    the live index to it; the API keeps answering from the old version until then. Versions
    beyond --keep are dropped afterwards. Only one job runs per index at a time.
    """
    from indexer.jobs.reindex import ReindexOptions, run_reindex

    if rollback and full is not None:
        raise click.UsageError("--rollback cannot be combined with --full or --incremental")
    settings = settings_or_exit()
    mode = "rollback" if rollback else ("incremental" if full is False else "full")
    options = ReindexOptions(mode=mode, workers=workers, keep=keep, dry_run=dry_run)
    report = with_engine(
        settings, lambda engine: run_reindex(settings, engine, options, progress=_progress())
    )
    if as_json:
        echo_json(report.model_dump(mode="json"))
    else:
        click.echo(report.summary())
    if not report.ok:
        sys.exit(EXIT_FAILED)


def with_engine(settings: Settings, job: Callable[[Engine], T]) -> T:
    """`job(engine)` on the engine of `settings`, closed afterwards. An engine that cannot
    be made ends the command with its message; a job lock held by another job with status
    EXIT_LOCKED (for reindex, ingest and remove alike)."""
    from indexer.engines import make_engine
    from indexer.errors import SiteSearchError
    from indexer.jobs.lock import JobLocked

    try:
        engine = make_engine(settings)
    except SiteSearchError as exc:
        raise click.ClickException(str(exc)) from None
    try:
        return job(engine)
    except JobLocked as exc:
        warn(f"Error: {exc}")
        sys.exit(EXIT_LOCKED)
    finally:
        engine.close()


class BarProgress:
    """tqdm bars on standard error (a terminal)."""

    def __init__(self) -> None:
        self._bar: Any = None

    def start(self, stage: str, total: int | None) -> None:
        from tqdm import tqdm  # type: ignore[import-untyped]

        self.finish()
        self._bar = tqdm(total=total, desc=stage, unit="rec", file=sys.stderr, leave=False)

    def advance(self, n: int) -> None:
        if self._bar is not None:
            self._bar.update(n)

    def finish(self) -> None:
        if self._bar is not None:
            self._bar.close()
            self._bar = None


class LogProgress:
    """Plain lines on standard error (not a terminal): at the start, every 10 s, at the end."""

    def __init__(self, every: float = 10.0) -> None:
        self.every = every
        self._stage = ""
        self._done = 0
        self._total: int | None = None
        self._started = self._last = 0.0

    def start(self, stage: str, total: int | None) -> None:
        self._stage, self._total, self._done = stage, total, 0
        self._started = self._last = time.monotonic()
        warn(f"reindex: {stage}: {total if total is not None else '?'} to do")

    def advance(self, n: int) -> None:
        self._done += n
        now = time.monotonic()
        if now - self._last >= self.every:
            self._last = now
            warn(f"reindex: {self._stage}: {self._done}/{self._total} "
                 f"({now - self._started:.0f} s)")

    def finish(self) -> None:
        if self._stage:
            warn(f"reindex: {self._stage}: {self._done} done in "
                 f"{time.monotonic() - self._started:.1f} s")
            self._stage = ""


def _progress() -> BarProgress | LogProgress:
    return BarProgress() if sys.stderr.isatty() else LogProgress()


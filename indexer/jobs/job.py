"""What every stage of a job works on: its config, engine, raw store, options and report.

A `Job` is the small shared object of the full build, the incremental refresh, ingest and
remove: the stages (indexer/jobs/reading.py, writing.py, verify.py, retention.py) are
functions of it. It times the stages into the report and counts what was read and refused.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

from indexer.errors import IndexDamaged
from indexer.jobs.config import JobConfig, ReindexOptions
from indexer.jobs.pool import ChunkResult, worker_count
from indexer.jobs.report import Progress, ReindexReport, Rejection, SilentProgress
from indexer.pages.rawstore import RawStore
from indexer.pages.records import RecordPages
from indexer.search.port import Engine

if TYPE_CHECKING:
    from spacy.language import Language


class Job:
    """One job's state; see the module docstring."""

    def __init__(
        self,
        config: JobConfig,
        engine: Engine,
        options: ReindexOptions,
        progress: Progress | None = None,
        nlp: Language | None = None,
    ) -> None:
        """`nlp`, a pipeline already built for these settings, saves building one when the
        job runs in this process."""
        self.config = config
        self.engine = engine
        self.options = options
        self.store = RawStore(config.raw_dir)
        self.progress: Progress = progress or SilentProgress()
        self.nlp = nlp
        self.workers = worker_count(options.workers)
        self.keep = options.keep or config.keep
        self.report = ReindexReport(
            mode=options.mode, dry_run=options.dry_run, index=config.index_name,
            engine=engine.name, workers=self.workers,
        )

    def fail(self, problem: str) -> None:
        """Record a problem that makes the job fail."""
        self.report.ok = False
        self.report.problems.append(problem)

    def note(self, note: str) -> None:
        """Record something worth knowing that is no failure (once)."""
        if note not in self.report.notes:
            self.report.notes.append(note)

    def live(self) -> str | None:
        """The live version, or None when there is none or its pointer is damaged (noted:
        a full run makes a new version live, which repairs it)."""
        try:
            return self.engine.live_version()
        except IndexDamaged as exc:
            self.note(f"the live index is damaged: {exc}")
            return None

    # --- what was read and refused
    def account(self, record: RecordPages) -> None:
        """Count a parsed record's pages; report the record (or parts of it) that failed."""
        self.report.records_parsed += 1
        self.report.pages_read += len(record.page_hashes)
        if record.error:
            self.report.rejected.append(Rejection(source=record.url, reason=record.error))
        for problem in record.problems:
            self.report.rejected.append(Rejection(source=record.url, reason=problem))

    def reject_failures(self, result: ChunkResult) -> None:
        for failure in result.failures:
            self.report.rejected.append(
                Rejection(source=failure.source, page_id=failure.page_id, reason=failure.reason)
            )

    # --- worker processes
    def workers_for(self, items: int) -> int:
        """The worker processes for `items` records or pages: those of the options, except
        that by default a few chunks' worth is done in this process (worker processes cost a
        pipeline build and a fork)."""
        if self.options.workers is None and items <= 2 * self.options.chunk_size:
            return 1
        return self.workers

    def in_flight(self, workers: int) -> int:
        """Chunks to queue ahead: enough that the workers go on while this process writes a
        batch."""
        return -(-self.options.write_batch // self.options.chunk_size) + 2 * workers

    # --- timing
    @contextmanager
    def timed(self, stage: str) -> Iterator[None]:
        started = time.perf_counter()
        try:
            yield
        finally:
            self.report.durations[stage] += time.perf_counter() - started

    def timed_iter(self, stage: str, items: Iterator[ChunkResult]) -> Iterator[ChunkResult]:
        """Charge the time spent waiting for each item to `stage`."""
        while True:
            with self.timed(stage):
                item = next(items, None)
            if item is None:
                return
            yield item

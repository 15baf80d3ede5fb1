"""Batch reindex jobs: full rebuilds into a new version, incremental refreshes, rollbacks.

Full: every live record of the raw store is parsed and enriched in worker processes, written
into a NEW index version, verified (document count, content hashes against the source, smoke
checks on the new version), and only then made live with one atomic switch; versions beyond
`keep` are dropped afterwards, never the live one, and a damaged one is never kept as the
rollback target. Any failure before the switch leaves the live version as it was and drops the
half-built one. A damaged live index (a lost or unreadable pointer, missing or truncated
files) is repaired by a full run: the new version becomes live.

Incremental (indexer/jobs/incremental.py): pages whose content hash differs from the live
version's are enriched and written in place; ids no longer produced by any live record are
deleted. Rollback (indexer/jobs/retention.py): the live pointer goes back to the newest
intact version older than the live one.

Run jobs through `run_reindex`, which holds the per-index `JobLock` for the whole job; the
stages are functions of the `Job` in indexer/jobs/{reading,writing,verify,retention}.py.
"""

from __future__ import annotations

from concurrent.futures.process import BrokenProcessPool
from typing import TYPE_CHECKING

from indexer.errors import IndexDamaged, SiteSearchError
from indexer.jobs import reading, retention, verify, writing
from indexer.jobs.config import JobConfig, ReindexOptions
from indexer.jobs.failures import describe, disk_full
from indexer.jobs.incremental import NothingToRefresh, refresh
from indexer.jobs.job import Job
from indexer.jobs.lock import JobLock, JobLocked
from indexer.jobs.report import Mode, Progress, ReindexReport
from indexer.jobs.retention import Journal, ReindexError
from indexer.pages.records import ParseCache
from indexer.search.port import Engine
from indexer.settings import Settings

if TYPE_CHECKING:
    from spacy.language import Language

__all__ = [
    "JobLocked", "NothingToRefresh", "ReindexError", "ReindexOptions", "ReindexReport",
    "run_job", "run_reindex", "update_mode",
]


def update_mode(engine: Engine) -> Mode:
    """How to bring the index up to date with the raw store: "incremental" when there is a
    live version, "full" when there is none or its pointer is damaged (a full run repairs
    it). For `ingest` and `crawl --index`."""
    try:
        return "incremental" if engine.live_version() is not None else "full"
    except IndexDamaged:
        return "full"


def run_reindex(
    settings: Settings,
    engine: Engine,
    options: ReindexOptions,
    progress: Progress | None = None,
    nlp: Language | None = None,
) -> ReindexReport:
    """Run one job under the index's lock (raises `JobLocked` when another job holds it).

    Returns the report; `report.ok` is False when the job failed (the live version is then
    the one it was before, except for an incremental run that failed half-way). `nlp`, a
    pipeline already built for `settings`, saves building one when the job runs in this
    process.
    """
    job = Job(JobConfig.from_settings(settings), engine, options, progress, nlp)
    lock = JobLock(settings.data_dir, settings.index_name)
    try:
        lock.acquire()
    except OSError as exc:  # the lock file cannot be made or written (a full disk)
        job.fail(describe(exc, f"het vastleggen van de taak in {lock.path}"))
        return job.report
    try:
        return run_job(job)
    finally:
        lock.release()


def run_job(job: Job) -> ReindexReport:
    """Run `job` (its caller holds the index's lock); errors of the engine, the data or the
    disk end it with `ok=False` and the reason in `problems`."""
    report = job.report
    try:
        report.recovered = retention.recover(job, Journal(job.config.journal_path))
        report.version_before = report.version_after = job.live()
        if job.options.mode == "rollback":
            retention.rollback(job)
        elif job.options.mode == "incremental":
            refresh(job)
        else:
            _full(job)
    except IndexDamaged as exc:
        job.fail(f"{exc}: run `sitesearch reindex --full` to repair it")
    except SiteSearchError as exc:
        job.fail(str(exc))
    except BrokenProcessPool as exc:
        job.fail(f"a worker process died: {exc}")
    except (OSError, ValueError, RuntimeError) as exc:
        if not isinstance(exc, OSError) and not disk_full(exc):
            raise  # a bug: let its traceback show
        job.fail(describe(exc))
    report.version_after = job.live()
    return report


def _full(job: Job) -> None:
    report, engine = job.report, job.engine
    records = reading.read_records(job)
    if job.options.dry_run:
        report.planned = {"index": len(reading.parse_all(job, records).hashes), "switch": 1}
        return
    journal = Journal(job.config.journal_path)
    journal.begin(engine.versions())
    new = report.built_version = engine.create_version()
    try:
        journal.building(new)
        chosen = reading.Chosen(report)
        cache = ParseCache(job.config.parse_cache_path)
        written = writing.write_records(job, new, [r.url for r in records], chosen, cache)
        cache.save()  # what each body parses into holds whatever becomes of this version
        page_rejections = sum(1 for r in report.rejected if r.page_id is not None)
        if not written:
            job.fail("no page to index: an empty version is never made live")
        verify.verify_version(job, new, written, report.pages_read - page_rejections,
                              exact=True, titles=chosen.titles)
    except BaseException:
        # KeyboardInterrupt included: the half-built version must not linger when we can
        # still drop it (after a SIGKILL, the journal has the next job drop it).
        retention.drop_quietly(job, new, journal)
        raise
    if not report.ok:
        retention.drop_quietly(job, new, journal)
        return
    with job.timed("switch"):
        previous = job.live()
        engine.switch(new)
        journal.clear()
    with job.timed("cleanup"):
        report.dropped = retention.drop_beyond_keep(job, new, previous)

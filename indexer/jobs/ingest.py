"""`sitesearch ingest`: page files into the raw store, then the index brought up to date.

Each input is read and parsed exactly as a reindex parses it once stored
(`indexer.pages.records.parse_input`): page exports ("top of page" text) and HTML pages (the
crawler's extraction). An input that gives no page, or is neither of these (a README that
merely mentions the markers), is refused with its reason and nothing of it is stored. The
accepted inputs go into the raw store, the source of truth of every reindex; then, under the
index's job lock, the reindex jobs' one write path runs: the incremental refresh of the live
version, or a full build when there is none yet (or the live index is damaged). Nothing is
lost silently: every input is indexed, or named in the report with its reason.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from indexer.errors import InputError
from indexer.jobs.config import JobConfig, ReindexOptions
from indexer.jobs.failures import describe, disk_full
from indexer.jobs.job import Job
from indexer.jobs.lock import JobLock
from indexer.jobs.reindex import run_job, update_mode
from indexer.jobs.report import ReindexReport
from indexer.pages.inputs import expand_inputs, read_input
from indexer.pages.models import Page
from indexer.pages.records import input_url, parse_input, raw_store, record_input
from indexer.search.port import Engine
from indexer.settings import Settings


@dataclass(frozen=True)
class Rejection:
    """An input, or a page of one, that was not indexed, and why."""

    source: str
    reason: str


@dataclass
class IngestReport:
    """What an ingest did: inputs read, pages found, pages now in the live version, every
    rejection; `ok` is False (with `problems`) when the index could not be brought up to
    date. `job` is the report of the reindex job that wrote the pages."""

    ok: bool = True
    read: int = 0
    pages: int = 0
    indexed: int = 0
    rejected: list[Rejection] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    version: str | None = None
    job: ReindexReport | None = None

    def fail(self, problem: str) -> None:
        self.ok = False
        self.problems.append(problem)

    def to_dict(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "read": self.read,
            "pages": self.pages,
            "indexed": self.indexed,
            "written": self.job.indexed if self.job else 0,
            "deleted": self.job.deleted if self.job else 0,
            "rejected": [{"source": r.source, "reason": r.reason} for r in self.rejected],
            "problems": list(self.problems),
            "version": self.version,
            "job": self.job.model_dump(mode="json") if self.job else None,
        }


def ingest_paths(
    settings: Settings,
    engine: Engine,
    nlp: Any,
    paths: Sequence[str],
) -> IngestReport:
    """Store the inputs of `paths` and bring the live index up to date (see module doc).

    `nlp`: a pipeline built for `settings`, or None to build one if anything is written.
    Raises `JobLocked` when a reindex job holds the index (the inputs are stored by then).
    """
    report = IngestReport()
    config = JobConfig.from_settings(settings)
    store = raw_store(settings)
    pages: dict[str, list[Page]] = {}  # record key -> its pages
    names: dict[str, str] = {}  # record key -> the input's name as given

    def reject(name: str, problem: str) -> None:
        report.rejected.append(Rejection(name, problem))

    for name in expand_inputs(paths, reject):
        try:
            data = read_input(name, config.max_input_bytes)
        except OSError as exc:
            reject(name, exc.strerror or str(exc))
            continue
        except InputError as exc:
            reject(name, str(exc))
            continue
        report.read += 1
        try:
            found, problems = parse_input(name, data, config.max_input_bytes)
        except InputError as exc:
            reject(name, str(exc))  # nothing of it is stored
            continue
        report.rejected.extend(Rejection(name, problem) for problem in problems)
        try:  # the raw store, not the engine, is what every reindex builds from
            record_input(store, name, data, found)
        except OSError as exc:
            if disk_full(exc):
                report.fail(describe(exc, f"het bewaren van {name}"))
                return report
            reject(name, f"not recorded in the raw store: {exc}")
            continue
        key = input_url(name, data)
        pages[key], names[key] = found, name
    report.pages = sum(len(found) for found in pages.values())
    if pages:
        _write(config, engine, nlp, report, pages, names)
    return report


def _write(config: JobConfig, engine: Engine, nlp: Any, report: IngestReport,
           pages: dict[str, list[Page]], names: dict[str, str]) -> None:
    """Run the job that writes the stored inputs into the index; account for their pages."""
    lock = JobLock(config.data_dir, config.index_name)
    try:
        lock.acquire()
    except OSError as exc:
        report.fail(describe(exc, f"het vastleggen van de taak in {lock.path}"))
        return
    try:
        # Under the lock, as for reindex jobs: a page written into the live version during a
        # full rebuild would be missing from the version that replaces it.
        job = Job(config, engine, ReindexOptions(mode=update_mode(engine)), nlp=nlp)
        report.job = run_job(job)
        report.version = report.job.version_after
        held = engine.content_hashes(report.version) if report.version else {}
    finally:
        lock.release()
    for rejection in report.job.rejected:  # its inputs' own problems are reported above
        if rejection.source in names and rejection.page_id is not None:
            report.rejected.append(Rejection(names[rejection.source],
                                             f"page {rejection.page_id}: {rejection.reason}"))
    for problem in report.job.problems:
        report.fail(problem)
    report.indexed = sum(1 for found in pages.values() for page in found
                         if held.get(page.id) == page.content_hash)

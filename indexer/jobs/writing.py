"""The one enrich-and-write loop of every job.

Work goes to the enrichment workers (indexer/jobs/pool.py); pages come back ready for the
engine and are written in batches through one bulk writer into one version, made visible
together when it closes (tantivy: one commit; a job killed before leaves the version as it
was). The full build hands the workers record keys (they read and parse the bodies
themselves) and chooses one page per id among what comes back (`write_records`); the
incremental refresh, which `sitesearch ingest` runs too, hands them the pages it parsed and
found new or changed (`write_pages`).
"""

from __future__ import annotations

import gc
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from indexer.jobs.gcpause import cycle_collection_paused
from indexer.jobs.job import Job
from indexer.jobs.pool import ChunkResult, EnrichPool, chunked
from indexer.jobs.reading import Chosen
from indexer.jobs.report import Rejection
from indexer.pages.models import Page
from indexer.pages.records import ParseCache
from indexer.search.port import BulkWriter, PreparedPage

Accept = Callable[[ChunkResult], Iterable[PreparedPage]]


def write_records(
    job: Job, version: str, urls: Sequence[str], chosen: Chosen, cache: ParseCache
) -> dict[str, str]:
    """Read, parse, enrich and write the records of `urls` into `version`; each record is
    counted (and its parse cached), one page per id is chosen. Returns the written pages'
    content hashes by id."""

    def accept(result: ChunkResult) -> list[PreparedPage]:
        fetched = {r.url: r.fetched_at for r in result.records}
        titles: dict[str, str] = {}
        for record in result.records:
            job.account(record)
            cache.put(record)
            titles.update(record.titles)
        return [
            page for page in result.prepared
            if chosen.offer(page.id, page.content_hash, page.source,
                            fetched.get(page.source, ""), title=titles.get(page.id))
        ]

    return _enrich_and_write(job, version, "records", urls, accept, "parse+enrich+write")


def write_pages(job: Job, version: str, pages: Sequence[Page]) -> dict[str, str]:
    """Enrich and write parsed pages into `version`; returns the written pages' content
    hashes by id."""
    return _enrich_and_write(job, version, "pages", pages, lambda r: r.prepared, "enrich+write")


def _enrich_and_write(
    job: Job, version: str, kind: str, items: Sequence[Any], accept: Accept, stage: str
) -> dict[str, str]:
    written: dict[str, str] = {}
    workers = job.workers = job.report.workers = job.workers_for(len(items))
    job.progress.start(stage, len(items))
    batch: dict[str, PreparedPage] = {}
    # Receiving results makes many objects and no cycles: the collector is paused, and run
    # once per written batch over the objects made since the loop began.
    with cycle_collection_paused(freeze=True), _bulk(job, version) as bulk:
        with EnrichPool(job.config, workers, job.engine.preparer(), job.nlp,
                        in_flight=job.in_flight(workers)) as pool:
            chunks = chunked(items, job.options.chunk_size)
            results = pool.map_records(chunks) if kind == "records" else pool.map_pages(chunks)
            for result in job.timed_iter("parse+enrich", results):
                batch.update((page.id, page) for page in accept(result))
                job.reject_failures(result)
                if len(batch) >= job.options.write_batch:
                    _write(job, bulk, batch, written)
                    gc.collect()
                job.progress.advance(_items_done(kind, result))
        _write(job, bulk, batch, written)
    job.progress.finish()
    return written


def _items_done(kind: str, result: ChunkResult) -> int:
    """The items of the work that `result` accounts for (records, or pages)."""
    if kind == "records":
        return len(result.records)
    return len(result.prepared) + len(result.failures)


@contextmanager
def _bulk(job: Job, version: str) -> Iterator[BulkWriter]:
    """The engine's bulk writer into `version`; making the writes visible at the end (a
    commit, a refresh) is charged to the "write" stage."""
    with job.engine.bulk(version) as bulk:
        yield bulk
        started = time.perf_counter()
    job.report.durations["write"] += time.perf_counter() - started


def _write(job: Job, bulk: BulkWriter, batch: dict[str, PreparedPage],
           written: dict[str, str]) -> None:
    """Write a batch (emptied afterwards), noting each written page's content hash in
    `written`; failures become rejections."""
    if not batch:
        return
    with job.timed("write"):
        outcome = bulk.write(list(batch.values()))
    for page_id, page in batch.items():
        reason = outcome.failed.get(page_id)
        if reason is None:
            written[page_id] = page.content_hash
        else:
            written.pop(page_id, None)
            job.report.rejected.append(Rejection(
                source=page.source, page_id=page_id,
                reason=f"the engine refused it: {reason}",
            ))
    job.report.indexed += len(batch) - len(outcome.failed)
    batch.clear()

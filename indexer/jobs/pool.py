"""Parse and enrich raw records in parallel worker processes, for the reindex job.

The job's process builds the NLP pipeline once and warms it up (lazy word lists, caches),
then forks the workers, which start with it ready: building it in each worker, after
importing spaCy there, cost about 3 s of a 10 s rebuild of 2,000 pages. Each worker takes
chunks of work: record keys (it reads and parses the bodies from the raw store itself, so
bodies never cross a pipe) or already parsed Pages (incremental runs). It enriches them with
`nlp.pipe` batches and makes them ready for the engine (`Engine.preparer()`: the engine's
documents, for tantivy as JSON strings), and sends back only those `PreparedPage`s: the job's
process, which writes, does no per-page Python work but handing the documents to the engine.
(Sending the EnrichedPages too, as before, cost 0.2 ms a page to pickle in the worker and as
much to unpickle in the job; the stored page is inside the documents anyway.)

With one worker everything runs in the calling process: no process start, no copying.

Forked workers share the job's open files. Each worker first closes its copy of the job's lock
(`close_inherited_locks`), so that the lock ends the moment the job does, then watches its parent
and exits within half a second when the job is gone (a SIGKILLed job must not leave workers
behind working for nobody). They touch nothing but the pipeline and the raw store.
"""

from __future__ import annotations

import gc
import multiprocessing
import os
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from indexer.jobs.gcpause import cycle_collection_paused
from indexer.jobs.lock import close_inherited_locks
from indexer.pages.models import EnrichedPage, Page
from indexer.pages.rawstore import RawStore
from indexer.pages.records import RecordPages, load_urls
from indexer.search.port import PreparedPage, prepared_or_failed

if TYPE_CHECKING:
    from spacy.language import Language

    from indexer.jobs.config import JobConfig


Preparer = Callable[[EnrichedPage], PreparedPage]


@dataclass
class PageFailure:
    """A page that parsed but could not be enriched, with the reason."""

    page_id: str
    source: str
    reason: str


@dataclass
class ChunkResult:
    """What one chunk of work gave: the records read (records tasks only), the pages ready
    for the engine, and the pages that failed enrichment or preparation."""

    records: list[RecordPages] = field(default_factory=list)
    prepared: list[PreparedPage] = field(default_factory=list)
    failures: list[PageFailure] = field(default_factory=list)


class _Worker:
    """The state of one worker (or of the calling process when there is one worker)."""

    def __init__(self, config: JobConfig, prepare: Preparer, nlp: Language | None = None) -> None:
        from indexer.nlp.pipeline import build_nlp  # spaCy is imported only where it is used

        self.config = config
        self.prepare = prepare
        self.store = RawStore(config.raw_dir)
        self.nlp = nlp if nlp is not None else build_nlp(config.settings)

    def records(self, urls: Sequence[str]) -> ChunkResult:
        loaded = list(load_urls(self.store, urls, self.config.max_input_bytes))
        pages = [page for record in loaded for page in record.pages]
        result = self.pages(pages)
        # The pages travel once, prepared; the record summaries need only ids and hashes.
        result.records = [_without_pages(record) for record in loaded]
        return result

    def warm_up(self) -> None:
        """Run the pipeline once on a small page, so that what it loads lazily is loaded."""
        text = "Magnesium helpt bij vermoeidheid; mevrouw Jansen (48 jaar) nam 300 mg per dag."
        self.pages([Page(id="opwarmen", title="Opwarmen", intro=(text,), content_hash="-")])

    def pages(self, pages: Sequence[Page]) -> ChunkResult:
        from indexer.nlp.enrich import enrich_pages

        result = ChunkResult()
        if not pages:
            return result
        batch = self.config.nlp_batch_size
        try:
            enriched = enrich_pages(self.nlp, list(pages), batch_size=batch)
        except Exception:  # find which page failed: one at a time, and report only that one
            enriched = []
            for page in pages:
                try:
                    enriched.extend(enrich_pages(self.nlp, [page], batch_size=batch))
                except Exception as exc:
                    reason = f"enrichment failed: {type(exc).__name__}: {exc}"
                    result.failures.append(PageFailure(page.id, page.source or "", reason))
        unprepared: dict[str, str] = {}
        for done in enriched:
            ready = prepared_or_failed(done, self.prepare, unprepared)
            if ready is not None:
                result.prepared.append(ready)
            else:
                reason = unprepared[done.page.id]
                result.failures.append(PageFailure(done.page.id, done.page.source or "", reason))
        return result


def _without_pages(record: RecordPages) -> RecordPages:
    return RecordPages(
        url=record.url,
        content_type=record.content_type,
        record_hash=record.record_hash,
        fetched_at=record.fetched_at,
        pages=[],
        problems=record.problems,
        error=record.error,
        page_hashes=record.page_hashes,
        titles=record.titles,
    )


class EnrichPool:
    """Parse+enrich chunks of work in `workers` processes; results stream back as they finish.

    Use as a context manager. At most `in_flight` chunks are submitted ahead, so memory stays
    bounded however large the store is. Results come back in completion order.
    """

    def __init__(
        self, config: JobConfig, workers: int, prepare: Preparer,
        nlp: Language | None = None, in_flight: int | None = None,
    ) -> None:
        """`prepare`: the engine's `preparer()`, called where each page is enriched. `nlp`: a
        pipeline already built for these settings (else one is built). `in_flight`:
        chunks submitted ahead of the results taken (default two per worker); the caller sets
        it to cover what it does between two results (e.g. a large write), so that the
        workers never wait for it."""
        if workers < 1:
            raise ValueError("workers must be at least 1")
        self.config = config
        self.workers = workers
        self.prepare = prepare
        self.nlp = nlp
        self.in_flight = max(in_flight or 0, 2 * workers)
        self._local: _Worker | None = None
        self._executor: ProcessPoolExecutor | None = None

    def __enter__(self) -> EnrichPool:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def close(self) -> None:
        """Stop the workers (waiting for none of the unfinished work)."""
        if self._executor is not None:
            self._executor.shutdown(wait=True, cancel_futures=True)
            self._executor = None
            _STATE.pop("worker", None)

    def map_records(self, chunks: Iterable[Sequence[str]]) -> Iterator[ChunkResult]:
        """Read, parse and enrich each chunk of record keys."""
        return self._map("records", chunks)

    def map_pages(self, chunks: Iterable[Sequence[Page]]) -> Iterator[ChunkResult]:
        """Enrich each chunk of parsed pages."""
        return self._map("pages", chunks)

    def _map(self, kind: str, chunks: Iterable[Sequence[Any]]) -> Iterator[ChunkResult]:
        if self.workers == 1:
            if self._local is None:
                self._local = _Worker(self.config, self.prepare, self.nlp)
            for chunk in chunks:
                yield getattr(self._local, kind)(chunk)
            return
        executor = self._start()
        window = self.in_flight
        pending: list[Future[ChunkResult]] = []
        for chunk in chunks:
            pending.append(executor.submit(_run_task, kind, list(chunk)))
            while len(pending) >= window:
                yield _pop_done(pending).result()
        while pending:
            yield _pop_done(pending).result()

    def _start(self) -> ProcessPoolExecutor:
        if self._executor is None:
            worker = _Worker(self.config, self.prepare, self.nlp)
            worker.warm_up()
            _STATE["worker"] = worker  # what the forked workers start with
            self._executor = ProcessPoolExecutor(
                max_workers=self.workers,
                mp_context=multiprocessing.get_context("fork"),
                initializer=_start_worker,
                initargs=(os.getpid(),),
            )
        return self._executor


def _pop_done(pending: list[Future[ChunkResult]]) -> Future[ChunkResult]:
    """The first finished future (waiting for the oldest when none has finished yet)."""
    for index, future in enumerate(pending):
        if future.done():
            return pending.pop(index)
    return pending.pop(0)


# --- inside a worker process -----------------------------------------------------------------

_STATE: dict[str, _Worker] = {}


def _start_worker(job_pid: int) -> None:
    """Drop the job's lock descriptors, and exit this worker as soon as the job process is
    gone (e.g. killed with SIGKILL): the orphan is adopted by another process at once, even
    before the job's zombie is reaped."""
    close_inherited_locks()

    def watch() -> None:
        while os.getppid() == job_pid:
            time.sleep(0.5)
        os._exit(1)

    threading.Thread(target=watch, name="watch-job", daemon=True).start()
    gc.freeze()  # the pipeline and caches inherited from the job, alive all the worker's life


def _run_task(kind: str, payload: list[Any]) -> ChunkResult:
    worker = _STATE["worker"]
    # Parsing, enriching and building documents make no cycles worth a collector pass per few
    # hundred objects (indexer/gcpause.py): one explicit pass per chunk, over the chunk's
    # objects only (what the worker inherited is frozen: it lives as long as the worker).
    with cycle_collection_paused():
        result = worker.pages(payload) if kind == "pages" else worker.records(payload)
    gc.collect()
    return result


def worker_count(requested: int | None) -> int:
    """The number of workers to use: as requested, else one per CPU this process may use."""
    if requested is not None:
        return max(1, requested)
    return max(1, len(os.sched_getaffinity(0)))


def chunked(items: Sequence[Any], size: int) -> Iterator[Sequence[Any]]:
    """`items` in consecutive slices of `size` (the last one shorter)."""
    for start in range(0, len(items), size):
        yield items[start : start + size]


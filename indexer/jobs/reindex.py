"""Batch reindex jobs: full rebuilds into a new version, incremental refreshes, rollbacks.

Full: every live record of the raw store is parsed and enriched in worker processes, written
into a NEW index version, verified (document count, content hashes against the source, smoke
queries on the new version), and only then made live with one atomic switch; versions beyond
`keep` are dropped afterwards, never the live one. Any failure before the switch leaves the
live version as it was and drops the half-built one.

Incremental: pages whose content hash differs from the live version's are enriched and
written in place; ids no longer produced by any live record are deleted.

Rollback: the live pointer goes back to the newest version older than the live one.

Crash safety: a journal (`data_dir/reindex/<index>.journal.json`) names the versions that
existed before a full build started. A job killed at any point leaves the live pointer where
it was (the switch is the engine's atomic operation); the next job drops every version the
journal does not know that is not live, i.e. the half-built one.

Run jobs through `run_reindex`, which holds the per-index `JobLock` for the whole job.
"""

from __future__ import annotations

import gc
import json
import os
import random
import time
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures.process import BrokenProcessPool
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

from pydantic import BaseModel, Field

from indexer.atomic import write_atomic
from indexer.errors import SiteSearchError
from indexer.jobs.gcpause import cycle_collection_paused
from indexer.jobs.lock import JobLock
from indexer.jobs.pool import ChunkResult, EnrichPool, chunked, worker_count
from indexer.jobs.report import Mode, Progress, ReindexReport, Rejection, SilentProgress
from indexer.pages.models import Page
from indexer.pages.rawstore import RawStore
from indexer.pages.records import ParseCache, RecordPages, load_urls, raw_store
from indexer.search.port import BulkWriter, Engine, PreparedPage
from indexer.search.searcher import Searcher
from indexer.search.values import SearchRequest
from indexer.settings import Settings

if TYPE_CHECKING:
    from spacy.language import Language

# Points where `hook` is called (tests pause a real job there and kill it).
HOOK_POINTS = ("read", "enrich", "write", "verify", "switch", "cleanup")
_SOURCE_SAMPLE = 20


class ReindexError(SiteSearchError):
    """The job cannot start or go on (no live version to refresh, nothing to roll back to)."""


class ReindexOptions(BaseModel):
    """How to run a job (the CLI's flags)."""

    mode: Mode = "full"
    workers: int | None = Field(
        None, ge=1,
        description="Worker processes; default: one per CPU (none for a small store).",
    )
    keep: int | None = Field(None, ge=1, description="Versions kept; default settings.")
    dry_run: bool = False
    chunk_size: int = Field(20, ge=1, description="Records per task sent to a worker.")
    write_batch: int = Field(250, ge=1, description="Pages per engine.write call.")


def run_reindex(
    settings: Settings,
    engine: Engine,
    options: ReindexOptions,
    progress: Progress | None = None,
    hook: Callable[[str], None] | None = None,
    nlp: Language | None = None,
) -> ReindexReport:
    """Run one job under the index's lock (raises `JobLocked` when another job holds it).

    Returns the report; `report.ok` is False when the job failed (the live version is then
    the one it was before, except for an incremental run that failed half-way). `hook` is
    called with each of HOOK_POINTS as the job reaches it; `nlp`, a pipeline already built
    for `settings`, saves building one when the job runs with one worker.
    """
    with JobLock(settings.data_dir, settings.index_name):
        job = ReindexJob(settings, engine, raw_store(settings), options, progress, hook, nlp)
        return job.run()


class ReindexJob:
    """One job; see the module docstring. Use `run_reindex` rather than this directly."""

    def __init__(
        self,
        settings: Settings,
        engine: Engine,
        store: RawStore,
        options: ReindexOptions,
        progress: Progress | None = None,
        hook: Callable[[str], None] | None = None,
        nlp: Language | None = None,
    ) -> None:
        self.settings = settings
        self.nlp = nlp
        self.engine = engine
        self.store = store
        self.options = options
        self.progress: Progress = progress or SilentProgress()
        self.hook = hook
        self._fired: set[str] = set()
        self.workers = worker_count(options.workers)
        self.keep = options.keep or settings.reindex_keep
        job_dir = settings.data_dir / "reindex"
        self.journal = Journal(job_dir / f"{settings.index_name}.journal.json")
        self.parse_cache_path = job_dir / f"{settings.index_name}.parsed.json"
        self.report = ReindexReport(
            mode=options.mode, dry_run=options.dry_run, index=settings.index_name,
            engine=engine.name, workers=self.workers,
        )

    # --- the three modes -------------------------------------------------------------------
    def run(self) -> ReindexReport:
        """Run the job; errors of the engine or the data end it with `ok=False`."""
        report = self.report
        try:
            report.recovered = self._recover()
            report.version_before = report.version_after = self.engine.live_version()
            if self.options.mode == "rollback":
                self._rollback()
            elif self.options.mode == "incremental":
                from indexer.jobs.incremental import refresh

                refresh(self)
            else:
                self._full()
        except SiteSearchError as exc:
            self.fail(str(exc))
        except BrokenProcessPool as exc:
            self.fail(f"a worker process died: {exc}")
        except OSError as exc:
            self.fail(f"{type(exc).__name__}: {exc}")
        try:
            report.version_after = self.engine.live_version()
        except SiteSearchError as exc:  # the engine went away: say so, keep the report
            self.fail(f"the live version cannot be read after the job: {exc}")
        return report

    def fire(self, point: str) -> None:
        """Call the hook the first time the job reaches `point` (one of HOOK_POINTS)."""
        if self.hook is not None and point not in self._fired:
            self._fired.add(point)
            self.hook(point)

    def fail(self, problem: str) -> None:
        """Record a problem that makes the job fail."""
        self.report.ok = False
        self.report.problems.append(problem)

    def _full(self) -> None:
        report = self.report
        records = self.read_records()
        if self.options.dry_run:
            report.planned = {"index": len(self.parse_all(records).hashes), "switch": 1}
            return
        self.journal.begin(self.engine.versions())
        new = report.built_version = self.engine.create_version()
        written: dict[str, str] = {}
        try:
            self._build(new, [r.url for r in records], written)
            page_rejections = sum(1 for r in report.rejected if r.page_id is not None)
            if not written:
                self.fail("no page to index: an empty version is never made live")
            self.verify(new, written, expected_count=report.pages_read - page_rejections,
                        exact=True)
        except BaseException:
            # KeyboardInterrupt included: the half-built version must not linger when we can
            # still drop it (after a SIGKILL, the journal has the next job drop it).
            self._drop_quietly(new)
            raise
        if not report.ok:
            self._drop_quietly(new)
            return
        self.fire("switch")
        with self.timed("switch"):
            previous = self.engine.live_version()
            self.engine.switch(new)
            self.journal.clear()
        self.fire("cleanup")
        with self.timed("cleanup"):
            report.dropped = self._drop_beyond_keep(new, previous)

    def _rollback(self) -> None:
        live = self.engine.live_version()
        versions = self.engine.versions()
        if live is None or live not in versions:
            raise ReindexError("there is no live version to roll back from")
        older = versions[: versions.index(live)]
        if not older:
            raise ReindexError(f"no version older than the live one ({live}) to roll back to")
        target = older[-1]
        if self.options.dry_run:
            self.report.planned = {f"switch to {target}": 1}
            return
        if self.engine.count(target) == 0:
            raise ReindexError(f"version {target} is empty: not rolling back to it")
        with self.timed("switch"):
            self.engine.switch(target)

    # --- stages ----------------------------------------------------------------------------
    def read_records(self) -> list[RecordSummary]:
        """Every live record's metadata (bodies are read by whoever parses them)."""
        self.fire("read")
        with self.timed("read"):
            records = [RecordSummary(r.url, r.fetched_at, r.content_hash)
                       for r in self.store.records()]
        self.report.records_read = len(records)
        return records

    def parse_all(
        self,
        records: Sequence[RecordSummary],
        cache: ParseCache | None = None,
        held: dict[str, str] | None = None,
    ) -> Chosen:
        """Parse every record in this process (no enrichment); duplicates resolved.

        With a `cache` and the hashes the index `held`: a record whose body is unchanged
        since it was cached, and whose pages the index holds with the same hashes, is not
        parsed again (its pages are chosen without a Page object: nothing to write).
        """
        chosen = Chosen(self.report)
        self.progress.start("parse", len(records))
        with self.timed("parse+enrich"):
            to_parse = []
            for record in records:
                known = cache.get(record.url, record.record_hash) if cache else None
                if known is None or held is None or any(held.get(i) != h for i, h in known):
                    to_parse.append(record.url)
                    continue
                self.report.pages_read += len(known)
                for page_id, page_hash in known:
                    chosen.offer(page_id, page_hash, record.url, record.fetched_at)
                self.progress.advance(1)
            for loaded in load_urls(self.store, to_parse, self.settings.max_input_bytes):
                self.account(loaded)
                if cache is not None:
                    cache.put(loaded)
                for page in loaded.pages:
                    chosen.offer(page.id, page.content_hash, loaded.url, loaded.fetched_at, page)
                self.progress.advance(1)
        self.progress.finish()
        return chosen

    def _build(self, version: str, urls: list[str], written: dict[str, str]) -> None:
        """Parse+enrich the records in the workers and write them into `version`."""
        self.journal.building(version)
        chosen = Chosen(self.report)
        cache = ParseCache(self.parse_cache_path)
        self.progress.start("parse+enrich+write", len(urls))
        batch: dict[str, PreparedPage] = {}
        self.workers = self.report.workers = self.workers_for(len(urls))
        # Receiving results makes many objects and no cycles: the collector is paused, and
        # run once per written batch over the objects made since the build began. One bulk
        # writer for the whole build: the new version is searched only once it is complete.
        with (
            cycle_collection_paused(freeze=True),
            self.bulk(version) as bulk,
        ):
            with EnrichPool(self.settings, self.workers, self.engine.preparer(), self.nlp,
                            in_flight=self.in_flight(self.workers)) as pool:
                results = pool.map_records(chunked(urls, self.options.chunk_size))
                for result in self.timed_iter("parse+enrich", results):
                    fetched = {r.url: r.fetched_at for r in result.records}
                    for record in result.records:
                        self.account(record)
                        cache.put(record)
                    self.reject_failures(result)
                    for page in result.prepared:
                        if chosen.offer(page.id, page.content_hash, page.source,
                                        fetched.get(page.source, "")):
                            batch[page.id] = page
                    self.fire("enrich")
                    if len(batch) >= self.options.write_batch:
                        self.write(bulk, batch, written)
                        self.fire("write")
                        gc.collect()
                    self.progress.advance(len(result.records))
            self.write(bulk, batch, written)
            self.fire("write")
        self.progress.finish()
        cache.save()  # what each body parses into holds whatever becomes of this version

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

    @contextmanager
    def bulk(self, version: str) -> Iterator[BulkWriter]:
        """The engine's bulk writer into `version`; making the writes visible at the end (a
        commit, a refresh) is charged to the "write" stage."""
        with self.engine.bulk(version) as bulk:
            yield bulk
            started = time.perf_counter()
        self.report.durations["write"] += time.perf_counter() - started

    def write(
        self, bulk: BulkWriter, batch: dict[str, PreparedPage], written: dict[str, str]
    ) -> None:
        """Write a batch (emptied afterwards), noting each written page's content hash in
        `written`; failures become rejections."""
        if not batch:
            return
        with self.timed("write"):
            outcome = bulk.write(list(batch.values()))
        for page_id, page in batch.items():
            reason = outcome.failed.get(page_id)
            if reason is None:
                written[page_id] = page.content_hash
            else:
                written.pop(page_id, None)
                self.report.rejected.append(Rejection(
                    source=page.source, page_id=page_id,
                    reason=f"the engine refused it: {reason}",
                ))
        self.report.indexed += len(batch) - len(outcome.failed)
        batch.clear()

    def verify(
        self, version: str, expected: dict[str, str], expected_count: int, exact: bool
    ) -> None:
        """Check `version` before anyone relies on it; each failed check becomes a problem.

        It must hold `expected_count` pages; the pages of `expected` (id -> content hash)
        with those hashes (with `exact`, no other page); a sample of raw records must give
        the hashes it holds; and every smoke query of the settings must find something.
        """
        self.fire("verify")
        with self.timed("verify"):
            self._verify(version, expected, expected_count, exact)

    def _verify(
        self, version: str, expected: dict[str, str], expected_count: int, exact: bool
    ) -> None:
        count = self.engine.count(version)
        if count != expected_count:
            self.fail(f"version {version} holds {count} pages, expected {expected_count} "
                      f"(pages read {self.report.pages_read}, minus rejected pages)")
        held = self.engine.content_hashes(version)
        wrong = [i for i, h in expected.items() if held.get(i) != h]
        extra = sorted(set(held) - set(expected)) if exact else []
        if wrong:
            self.fail(f"{len(wrong)} page(s) missing or with another content hash in "
                      f"{version}, e.g. {', '.join(sorted(wrong)[:5])}")
        if extra:
            self.fail(f"{len(extra)} page(s) in {version} that were not written, "
                      f"e.g. {', '.join(extra[:5])}")
        self._verify_sample_against_source(held)
        searcher = Searcher.from_settings(self.engine, self.settings)
        for query in self.settings.smoke_queries:
            try:
                found = searcher.search(SearchRequest(query=query, size=1), version=version)
            except SiteSearchError as exc:
                self.fail(f"smoke query {query!r} failed on {version}: {exc}")
                continue
            if found.total == 0:
                self.fail(f"smoke query {query!r} found nothing on {version}")

    def _verify_sample_against_source(self, held: dict[str, str]) -> None:
        """Re-read a random sample of records from the raw store: their pages' hashes must be
        those the index holds (catches a worker that parsed something else than the source)."""
        records = list(self.store.records())
        sample = random.Random(len(records)).sample(records, min(_SOURCE_SAMPLE, len(records)))
        rejected = {r.page_id for r in self.report.rejected}
        for loaded in load_urls(self.store, [r.url for r in sample],
                                self.settings.max_input_bytes):
            for page_id, page_hash in loaded.page_hashes:
                if page_id not in rejected and held.get(page_id) != page_hash:
                    self.fail(f"page {page_id} of {loaded.url}: the index holds another "
                              "content hash than the raw store gives")

    # --- versions --------------------------------------------------------------------------
    def _recover(self) -> list[str]:
        """Drop the versions a killed full build left behind (dry run: only name them)."""
        known = self.journal.versions_before()
        if known is None:
            return []
        live = self.engine.live_version()
        half_built = [v for v in self.engine.versions() if v not in known and v != live]
        if self.options.dry_run:
            return half_built
        for version in half_built:
            self.engine.drop(version)
        self.journal.clear()
        return half_built

    def _drop_beyond_keep(self, live: str, previous: str | None) -> list[str]:
        """Drop the oldest versions so that `keep` remain: the live one and the one it
        replaced (the rollback target) first, then the newest others."""
        versions = self.engine.versions()
        keep = [live]
        if previous is not None and previous in versions and previous != live and self.keep >= 2:
            keep.append(previous)
        others = [v for v in reversed(versions) if v not in keep]
        keep += others[: max(0, self.keep - len(keep))]
        dropped = [v for v in versions if v not in keep]
        for version in dropped:
            self.engine.drop(version)
        return dropped

    def _drop_quietly(self, version: str) -> None:
        try:
            if version != self.engine.live_version():
                self.engine.drop(version)
                self.journal.clear()
        except (SiteSearchError, OSError) as exc:  # the journal names it: the next job drops it
            self.report.notes.append(f"could not drop {version} yet: {exc}")

    # --- timing ----------------------------------------------------------------------------
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


class RecordSummary:
    """A record's key, fetch time and body hash: enough to hand it to a worker, order
    duplicates and find its parse in the cache."""

    __slots__ = ("fetched_at", "record_hash", "url")

    def __init__(self, url: str, fetched_at: str, record_hash: str) -> None:
        self.url = url
        self.fetched_at = fetched_at
        self.record_hash = record_hash


class Chosen:
    """The pages chosen so far, one per id. Two records giving the same id: the more recently
    fetched one wins (ties: the greater key, so that every run chooses alike); the other is
    reported as rejected."""

    def __init__(self, report: ReindexReport) -> None:
        self.report = report
        self.hashes: dict[str, str] = {}
        self.pages: dict[str, Page] = {}  # of the chosen ids offered with their Page
        self._rank: dict[str, tuple[str, str]] = {}

    def offer(self, page_id: str, content_hash: str, source: str, fetched_at: str,
              page: Page | None = None) -> bool:
        """Whether this page is (for now) the one to index under its id."""
        rank = (fetched_at, source)
        old = self._rank.get(page_id)
        if old is not None:
            if rank == old:  # twice in one record: the first one stays
                self.report.rejected.append(Rejection(
                    source=source, page_id=page_id,
                    reason="duplicate id: an earlier page of the same record has this id",
                ))
                return False
            loser, winner = (old, rank) if rank > old else (rank, old)
            self.report.rejected.append(Rejection(
                source=loser[1], page_id=page_id,
                reason=f"duplicate id: {winner[1]} gives the same page id and is newer",
            ))
            if rank < old:
                return False
        self.hashes[page_id] = content_hash
        self._rank[page_id] = rank
        if page is None:
            self.pages.pop(page_id, None)
        else:
            self.pages[page_id] = page
        return True


class Journal:
    """The versions that existed before a full build started, on disk until it is over."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def versions_before(self) -> list[str] | None:
        """The versions named by an unfinished job, or None when no job was interrupted."""
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return None
        except ValueError:
            return None  # half-written by a killed job: it had not created a version yet
        return [str(v) for v in data.get("versions_before", [])]

    def begin(self, versions: list[str]) -> None:
        self._write({"pid": os.getpid(), "versions_before": versions, "building": None})

    def building(self, version: str) -> None:
        data = json.loads(self.path.read_text(encoding="utf-8"))
        self._write({**data, "building": version})

    def clear(self) -> None:
        self.path.unlink(missing_ok=True)

    def _write(self, data: dict[str, object]) -> None:
        write_atomic(self.path, json.dumps(data).encode("utf-8"))

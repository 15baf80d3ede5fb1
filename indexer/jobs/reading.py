"""Reading the raw store for a job: the records, their parses, one page chosen per id."""

from __future__ import annotations

from collections.abc import Sequence

from indexer.jobs.job import Job
from indexer.jobs.report import ReindexReport, Rejection
from indexer.pages.models import Page
from indexer.pages.records import ParseCache, load_urls


class RecordSummary:
    """A record's key, fetch time and body hash: enough to hand it to a worker, order
    duplicates and find its parse in the cache."""

    __slots__ = ("fetched_at", "record_hash", "url")

    def __init__(self, url: str, fetched_at: str, record_hash: str) -> None:
        self.url = url
        self.fetched_at = fetched_at
        self.record_hash = record_hash


def read_records(job: Job) -> list[RecordSummary]:
    """Every live record's metadata (bodies are read by whoever parses them)."""
    with job.timed("read"):
        records = [RecordSummary(r.url, r.fetched_at, r.content_hash)
                   for r in job.store.records()]
    job.report.records_read = len(records)
    return records


def parse_all(
    job: Job,
    records: Sequence[RecordSummary],
    cache: ParseCache | None = None,
    held: dict[str, str] | None = None,
) -> Chosen:
    """Parse every record in this process (no enrichment); duplicates resolved.

    With a `cache` and the hashes the index `held`: a record whose body is unchanged since
    it was cached, and whose pages the index holds with the same hashes, is not parsed again
    (its pages are chosen without a Page object: nothing to write).
    """
    chosen = Chosen(job.report)
    job.progress.start("parse", len(records))
    with job.timed("parse+enrich"):
        to_parse = []
        for record in records:
            known = cache.get(record.url, record.record_hash) if cache else None
            if known is None or held is None or any(held.get(i) != h for i, h in known):
                to_parse.append(record.url)
                continue
            job.report.pages_read += len(known)
            titles = cache.titles(record.url) if cache else {}
            for page_id, page_hash in known:
                chosen.offer(page_id, page_hash, record.url, record.fetched_at,
                             title=titles.get(page_id))
            job.progress.advance(1)
        for loaded in load_urls(job.store, to_parse, job.config.max_input_bytes):
            job.account(loaded)
            if cache is not None:
                cache.put(loaded)
            for page in loaded.pages:
                chosen.offer(page.id, page.content_hash, loaded.url, loaded.fetched_at,
                             page=page, title=page.title)
            job.progress.advance(1)
    job.progress.finish()
    return chosen


class Chosen:
    """The pages chosen so far, one per id. Two records giving the same id: the more recently
    fetched one wins (ties: the greater key, so that every run chooses alike); the other is
    reported as rejected."""

    def __init__(self, report: ReindexReport) -> None:
        self.report = report
        self.hashes: dict[str, str] = {}
        self.pages: dict[str, Page] = {}  # of the chosen ids offered with their Page
        self.titles: dict[str, str] = {}  # of the chosen ids offered with their title
        self._rank: dict[str, tuple[str, str]] = {}

    def offer(self, page_id: str, content_hash: str, source: str, fetched_at: str,
              page: Page | None = None, title: str | None = None) -> bool:
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
        if title is None:
            self.titles.pop(page_id, None)
        else:
            self.titles[page_id] = title
        return True

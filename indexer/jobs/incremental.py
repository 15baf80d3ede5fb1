"""The incremental reindex: refresh the live version in place from the raw store.

Every live record is parsed, except those whose body is unchanged since their parse was cached
(`rawpages.ParseCache`) and whose pages the live version holds with the same content hashes;
each page's content hash is compared with the live version's, and only new or changed pages
are enriched and written. Pages the live version holds that no record gives any more (a
record marked gone, a page taken out of an export) are deleted, unless some record could not
be read: its pages might be among them, and a page is never deleted because of a read error.

With nothing changed nothing is written (and no NLP pipeline is built).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from indexer.errors import SiteSearchError
from indexer.jobs.pool import EnrichPool, chunked
from indexer.pages.models import Page
from indexer.pages.records import ParseCache
from indexer.search.port import PreparedPage

if TYPE_CHECKING:
    from indexer.jobs.reindex import ReindexJob


class NothingToRefresh(SiteSearchError):
    """No live version yet (a full run must come first), or a raw store that gives no page."""


def refresh(job: ReindexJob) -> None:
    """Run the incremental job `job` (its options, engine and report)."""
    engine, report, options = job.engine, job.report, job.options
    live = engine.live_version()
    if live is None:
        raise NothingToRefresh(
            "there is no live index version to refresh yet: run `sitesearch reindex --full`"
        )
    records = job.read_records()
    with job.timed("read"):
        held = engine.content_hashes(live)
    cache = ParseCache.load(job.parse_cache_path)
    chosen = job.parse_all(records, cache, held)
    if not options.dry_run:
        cache.keep_only({r.url for r in records})
        cache.save()
    pages = chosen.hashes
    if held and not pages:
        raise NothingToRefresh(
            f"the raw store gives no page at all: not deleting the {len(held)} pages of the "
            f"live version {live} (is data_dir {job.settings.data_dir} the right one?)"
        )
    # A page whose hash differs from the index's was parsed (see parse_all): it has its Page.
    changed = [chosen.pages[i] for i, page_hash in pages.items() if held.get(i) != page_hash]
    report.unchanged = len(pages) - len(changed)
    gone = sorted(set(held) - set(pages))
    unreadable = sum(1 for r in report.rejected if r.page_id is None)
    if gone and unreadable:
        report.notes.append(
            f"{len(gone)} page(s) no record gives any more were kept, because {unreadable} "
            "record(s) could not be read (see rejected); fix them and run again"
        )
        gone = []
    if options.dry_run:
        report.planned = {
            "write": len(changed),
            "new": sum(1 for p in changed if p.id not in held),
            "delete": len(gone),
        }
        return
    written: dict[str, str] = {}
    if changed:
        _write_changed(job, live, changed, written)
    if gone:
        job.fire("write")
        with job.timed("write"):
            report.deleted = engine.delete(live, gone)
    if not changed and not gone:
        return  # nothing written: nothing to verify
    expected_ids = (set(held) - set(gone)) | set(written)
    job.verify(live, written, expected_count=len(expected_ids), exact=False)


def _write_changed(job: ReindexJob, live: str, changed: list[Page],
                   written: dict[str, str]) -> None:
    """Enrich and write the changed pages: through one bulk writer, so that the live version
    shows them all at once when it closes (tantivy: one commit; a job killed before it
    leaves the live version as it was)."""
    workers = job.workers_for(len(changed))
    job.progress.start("enrich+write", len(changed))
    batch: dict[str, PreparedPage] = {}
    with job.bulk(live) as bulk:
        with EnrichPool(job.settings, workers, job.engine.preparer(), job.nlp,
                        in_flight=job.in_flight(workers)) as pool:
            results = pool.map_pages(chunked(changed, job.options.chunk_size))
            for result in job.timed_iter("parse+enrich", results):
                job.fire("enrich")
                job.reject_failures(result)
                batch.update((page.id, page) for page in result.prepared)
                if len(batch) >= job.options.write_batch:
                    job.write(bulk, batch, written)
                    job.fire("write")
                job.progress.advance(len(result.prepared) + len(result.failures))
        job.write(bulk, batch, written)
        job.fire("write")
    job.progress.finish()

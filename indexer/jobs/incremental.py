"""The incremental reindex: refresh the live version in place from the raw store.

Every live record is parsed, except those whose body is unchanged since their parse was cached
(`indexer.pages.records.ParseCache`) and whose pages the live version holds with the same
content hashes; each page's content hash is compared with the live version's, and only new or
changed pages are enriched and written (the one loop of indexer/jobs/writing.py). Pages the
live version holds that no record gives any more (a record marked gone or removed, a page
taken out of an export) are deleted, unless some record could not be read: its pages might be
among them, and a page is never deleted because of a read error.

With nothing changed nothing is written (and no NLP pipeline is built).
"""

from __future__ import annotations

from indexer.errors import IndexDamaged, SiteSearchError
from indexer.jobs import reading, verify, writing
from indexer.jobs.job import Job
from indexer.pages.records import ParseCache


class NothingToRefresh(SiteSearchError):
    """No live version yet (a full run must come first), or a raw store that gives no page."""


def refresh(job: Job) -> None:
    """Run the incremental job `job` (its options, engine and report)."""
    engine, report, options = job.engine, job.report, job.options
    try:
        live = engine.live_version()
    except IndexDamaged as exc:
        raise NothingToRefresh(f"the live index is damaged ({exc}): run `sitesearch reindex "
                               "--full` to repair it") from None
    if live is None:
        raise NothingToRefresh(
            "there is no live index version to refresh yet: run `sitesearch reindex --full`"
        )
    records = reading.read_records(job)
    with job.timed("read"):
        held = engine.content_hashes(live)
    cache = ParseCache.load(job.config.parse_cache_path)
    chosen = reading.parse_all(job, records, cache, held)
    if not options.dry_run:
        cache.keep_only({r.url for r in records})
        cache.save()
    pages = chosen.hashes
    if held and not pages:
        raise NothingToRefresh(
            f"the raw store gives no page at all: not deleting the {len(held)} pages of the "
            f"live version {live} (is data_dir {job.config.data_dir} the right one?)"
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
    written = writing.write_pages(job, live, changed) if changed else {}
    if gone:
        with job.timed("write"):
            report.deleted = engine.delete(live, gone)
    if not changed and not gone:
        return  # nothing written: nothing to verify
    expected_ids = (set(held) - set(gone)) | set(written)
    verify.verify_version(job, live, written, len(expected_ids), exact=False,
                          titles=chosen.titles)

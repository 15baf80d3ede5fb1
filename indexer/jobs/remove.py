"""`sitesearch remove URL|ID...`: take pages out of the raw store and the index, for good.

A target is a raw store record's key (a crawled URL, a `file://` URL), the path of a local
file that was ingested, or a page id. The records that give the pages are deleted from the
raw store, metadata and body (a page with personal data leaves no copy there), and their pages
are deleted from every version the engine holds (the live one and those kept for a rollback),
so that neither a full reindex nor a rollback brings them back. A page id that comes from a
record giving other pages too (a multi-page export) is refused: removing the record would
take its neighbours along; name the record by its URL to remove them all.

It runs under the index's job lock, so that no full rebuild reading the store at the same
time can put the pages back.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from pydantic import BaseModel, Field

from indexer.errors import SiteSearchError
from indexer.jobs.config import JobConfig
from indexer.jobs.failures import describe, disk_full
from indexer.jobs.lock import JobLock
from indexer.pages.rawstore import RawStore
from indexer.pages.records import ParseCache, load_record
from indexer.search.port import Engine
from indexer.settings import Settings


class Removed(BaseModel):
    """What one target took away: its records (raw store keys) and their page ids."""

    target: str
    records: list[str]
    pages: list[str]


class Refused(BaseModel):
    target: str
    reason: str


class RemoveReport(BaseModel):
    """What `remove` did. `ok` is False when a target was not found or refused, or a
    version could not be updated (`problems` says why)."""

    ok: bool = True
    removed: list[Removed] = Field(default_factory=list)
    not_found: list[str] = Field(default_factory=list)
    refused: list[Refused] = Field(default_factory=list)
    deleted: dict[str, int] = Field(
        default_factory=dict, description="Pages deleted per index version."
    )
    notes: list[str] = Field(default_factory=list)
    problems: list[str] = Field(default_factory=list)

    def fail(self, problem: str) -> None:
        self.ok = False
        self.problems.append(problem)


class _StorePages:
    """Which pages each record of the raw store gives (from the parse cache, else parsed)."""

    def __init__(self, store: RawStore, config: JobConfig) -> None:
        cache = ParseCache.load(config.parse_cache_path)
        self.pages: dict[str, list[str]] = {}
        self.records: dict[str, list[str]] = {}  # page id -> records giving it
        for record in store.records():
            known = cache.get(record.url, record.content_hash)
            if known is None:
                known = load_record(store, record, config.max_input_bytes).page_hashes
            self.pages[record.url] = [page_id for page_id, _ in known]
            for page_id, _ in known:
                self.records.setdefault(page_id, []).append(record.url)


def remove_pages(settings: Settings, engine: Engine, targets: Sequence[str]) -> RemoveReport:
    """Remove the pages of `targets` (see the module docstring); raises `JobLocked` when a
    reindex job holds the index."""
    config = JobConfig.from_settings(settings)
    report = RemoveReport()
    lock = JobLock(config.data_dir, config.index_name)
    try:
        lock.acquire()
    except OSError as exc:
        report.fail(describe(exc, f"het vastleggen van de taak in {lock.path}"))
        return report
    try:
        _remove(config, engine, targets, report)
    finally:
        lock.release()
    if report.not_found or report.refused:
        report.ok = False
    return report


def _remove(config: JobConfig, engine: Engine, targets: Sequence[str],
            report: RemoveReport) -> None:
    store = RawStore(config.raw_dir)
    known = _StorePages(store, config)
    doomed: set[str] = set()
    for target in dict.fromkeys(targets):
        records = _records_of(target, store, known, report)
        if records:
            pages = sorted({p for url in records for p in known.pages.get(url, [])})
            report.removed.append(Removed(target=target, records=records, pages=pages))
            doomed.update(records)
    # A page no record gives any more but an index version still holds (a removal that
    # could not finish, e.g. on a full disk) is removed from the versions.
    leftover = _in_versions(engine, [t for t in report.not_found if "://" not in t])
    for page_id in leftover:
        report.not_found.remove(page_id)
        report.removed.append(Removed(target=page_id, records=[], pages=[page_id]))
    if not doomed and not leftover:
        return
    page_ids = sorted({p for url in doomed for p in known.pages.get(url, [])} | set(leftover))
    # A page another record gives as well would come back at the next reindex: say so.
    kept = [p for p in page_ids if set(known.records.get(p, [])) - doomed]
    if kept:
        report.notes.append(
            f"{len(kept)} pagina('s) komen ook uit andere records, die blijven staan: "
            f"{', '.join(kept[:5])}; verwijder die ook om ze voorgoed weg te halen"
        )
    try:
        for url in sorted(doomed):
            store.delete(url)
    except OSError as exc:
        report.fail(describe(exc, "het verwijderen uit de opslag"))
        return
    _delete_from_versions(engine, page_ids, report)


def _records_of(target: str, store: RawStore, known: _StorePages,
                report: RemoveReport) -> list[str]:
    """The record keys `target` names (a key, a local file's path, or a page id); reports
    a target it cannot resolve or will not remove."""
    if target in store:
        return [target]
    if "://" not in target:
        as_file = Path(target).expanduser().resolve().as_uri()
        if as_file in store:
            return [as_file]
    records = known.records.get(target, [])
    if not records:
        report.not_found.append(target)
        return []
    shared = [url for url in records if known.pages.get(url, []) != [target]]
    if shared:
        others = sorted({p for url in shared for p in known.pages[url]} - {target})
        report.refused.append(Refused(
            target=target,
            reason=f"pagina {target} komt uit {shared[0]}, dat ook {len(others)} andere "
                   f"pagina('s) geeft ({', '.join(others[:3])}): verwijder dat record met "
                   "zijn URL om ze allemaal te verwijderen",
        ))
        return []
    return records


def _in_versions(engine: Engine, page_ids: list[str]) -> list[str]:
    """Those of `page_ids` that some index version holds."""
    if not page_ids:
        return []
    held: set[str] = set()
    for version in engine.versions():
        try:
            held.update(engine.content_hashes(version))
        except (SiteSearchError, OSError):
            continue  # a damaged version: the removal reports it when it gets there
    return [p for p in page_ids if p in held]


def _delete_from_versions(engine: Engine, page_ids: list[str], report: RemoveReport) -> None:
    """Delete the pages from every version: the live one and those kept for a rollback."""
    for version in engine.versions():
        try:
            report.deleted[version] = engine.delete(version, page_ids)
        except (SiteSearchError, OSError, ValueError) as exc:
            if disk_full(exc):
                report.fail(f"versie {version}: "
                            + describe(exc, "het verwijderen uit de index"))
            elif isinstance(exc, ValueError):
                raise  # a bug: let its traceback show
            else:
                report.fail(f"versie {version} kon niet worden bijgewerkt: {exc}; verwijder "
                            "die versie of draai `sitesearch reindex --full`")

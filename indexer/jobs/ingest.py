"""Ingest raw page files into the live index: read, parse, enrich, write, report.

`ingest_paths` is the core of `sitesearch ingest`. Every input that parses is also recorded in
the raw store (`indexer.pages.records.record_input`), so that a reindex rebuilds from everything
ever ingested or crawled. Nothing is lost silently: every input is
either indexed or named in `IngestReport.rejected` with its reason, and one bad input never
stops the others. When there is no live version yet, a first one is created and switched to
after the pages are written.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from indexer.errors import InputError
from indexer.jobs.lock import JobLock
from indexer.pages.inputs import expand_inputs, read_input
from indexer.pages.models import Page
from indexer.pages.parsing import parse_bytes
from indexer.pages.records import raw_store, record_input
from indexer.search.port import Engine
from indexer.settings import Settings

_WRITE_BATCH = 256  # pages enriched and written per engine write


@dataclass(frozen=True)
class Rejection:
    """An input, or a page of one, that was not indexed, and why."""

    source: str
    reason: str


@dataclass
class IngestReport:
    """What an ingest did: inputs read, pages found, pages indexed, and every rejection."""

    read: int = 0
    pages: int = 0
    indexed: int = 0
    rejected: list[Rejection] = field(default_factory=list)
    version: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "read": self.read,
            "pages": self.pages,
            "indexed": self.indexed,
            "rejected": [{"source": r.source, "reason": r.reason} for r in self.rejected],
            "version": self.version,
        }


def ingest_paths(
    settings: Settings,
    engine: Engine,
    nlp: Any,
    paths: Sequence[str],
) -> IngestReport:
    """Parse, enrich and index every page of `paths` into the live version (see module doc)."""
    report = IngestReport()
    store = raw_store(settings)
    pages: list[tuple[str, Page]] = []
    def reject(name: str, problem: str) -> None:
        report.rejected.append(Rejection(name, problem))

    for name in expand_inputs(paths, reject):
        try:
            data = read_input(name, settings.max_input_bytes)
        except OSError as exc:
            reject(name, exc.strerror or str(exc))
            continue
        except InputError as exc:
            reject(name, str(exc))
            continue
        report.read += 1
        try:
            parsed = parse_bytes(data, source=name, max_bytes=settings.max_input_bytes)
        except InputError as exc:
            report.rejected.append(Rejection(name, str(exc)))
            continue
        report.rejected.extend(Rejection(name, problem) for problem in parsed.problems)
        pages.extend((name, page) for page in parsed.pages)
        try:  # the raw store, not the engine, is what a reindex rebuilds from
            record_input(store, name, data, parsed.pages)
        except OSError as exc:
            report.rejected.append(Rejection(name, f"not recorded in the raw store: {exc}"))
    report.pages = len(pages)
    if not pages:
        return report
    # The same lock as reindex jobs: a page written into the live version during a full
    # rebuild would be missing from the version that replaces it.
    with JobLock(settings.data_dir, settings.index_name):
        live = engine.live_version()
        version = live or engine.create_version()
        for start in range(0, len(pages), _WRITE_BATCH):
            batch = pages[start : start + _WRITE_BATCH]
            _write_batch(settings, engine, nlp, version, batch, report)
        if live is None and report.indexed:
            engine.switch(version)
    report.version = version
    return report


def _write_batch(
    settings: Settings,
    engine: Engine,
    nlp: Any,
    version: str,
    batch: list[tuple[str, Page]],
    report: IngestReport,
) -> None:
    from indexer.nlp.enrich import enrich_pages

    sources = {page.id: name for name, page in batch}
    try:
        enriched = enrich_pages(nlp, [page for _, page in batch], settings.nlp_batch_size)
    except Exception:
        # One page broke the pipeline: enrich one by one so that only that page is rejected.
        enriched = []
        for name, page in batch:
            try:
                enriched.extend(enrich_pages(nlp, [page], 1))
            except Exception as exc:
                report.rejected.append(Rejection(name, f"page {page.id}: NLP failed: {exc}"))
    written = engine.write(version, enriched)
    report.indexed += written.indexed
    for page_id, reason in written.failed.items():
        source = sources.get(page_id, page_id)
        report.rejected.append(Rejection(source, f"page {page_id}: {reason}"))

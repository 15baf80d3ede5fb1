"""The reindex workers' unit of work: enrich a chunk of pages and prepare them for the engine."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import psutil

from indexer.engines.tantivy.engine import TantivyEngine
from indexer.jobs.config import JobConfig
from indexer.jobs.lock import JobLock
from indexer.jobs.pool import EnrichPool, _Worker
from indexer.pages.models import EnrichedPage
from indexer.pages.parsing import parse_text
from indexer.search.port import PreparedPage
from indexer.settings import Settings

from .stores import variant_text


def test_a_page_that_cannot_be_prepared_fails_alone_with_its_reason(
    job_settings: Settings, nlp: Any
) -> None:
    pages = [page for n in range(3) for page in parse_text(variant_text(n)).pages]
    prepare = TantivyEngine.from_settings(job_settings).preparer()
    refused = pages[1].id

    def prepare_all_but_one(page: EnrichedPage) -> PreparedPage:
        if page.page.id == refused:
            raise ValueError("no documents for this page")
        return prepare(page)

    result = _Worker(JobConfig.from_settings(job_settings), prepare_all_but_one, nlp).pages(pages)
    assert [p.id for p in result.prepared] == [pages[0].id, pages[2].id]
    assert all(p.documents for p in result.prepared)
    assert [(f.page_id, f.reason) for f in result.failures] == [
        (refused, "could not build its documents: ValueError: no documents for this page")
    ]


def test_the_workers_do_not_hold_the_jobs_lock(job_settings: Settings, nlp: Any) -> None:
    """Forked workers close their copy of the job's lock: the lock ends with the job itself,
    not with the last of its workers."""
    pages = [page for n in range(4) for page in parse_text(variant_text(n)).pages]
    prepare = TantivyEngine.from_settings(job_settings).preparer()
    before = set(psutil.Process().children())  # servers of other tests may run
    with JobLock(job_settings.data_dir, job_settings.index_name) as lock, \
            EnrichPool(JobConfig.from_settings(job_settings), 2, prepare, nlp) as pool:
        results = list(pool.map_pages([pages[:2], pages[2:]]))
        assert sum(len(result.prepared) for result in results) == len(pages)
        workers = set(psutil.Process().children()) - before
        assert len(workers) == 2
        assert lock.path in _open_paths(psutil.Process())
        for worker in workers:
            assert lock.path not in _open_paths(worker)


def _open_paths(process: psutil.Process) -> set[Path]:
    return {Path(opened.path) for opened in process.open_files()}

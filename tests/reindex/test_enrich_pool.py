"""The reindex workers' unit of work: enrich a chunk of pages and prepare them for the engine."""

from __future__ import annotations

from typing import Any

from indexer.engine import PreparedPage
from indexer.engines.tantivy_engine import TantivyEngine
from indexer.enrich_pool import _Worker
from indexer.models import EnrichedPage
from indexer.parsing import parse_text
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

    result = _Worker(job_settings, prepare_all_but_one, nlp).pages(pages)
    assert [p.id for p in result.prepared] == [pages[0].id, pages[2].id]
    assert all(p.documents for p in result.prepared)
    assert [(f.page_id, f.reason) for f in result.failures] == [
        (refused, "could not build its documents: ValueError: no documents for this page")
    ]

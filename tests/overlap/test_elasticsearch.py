"""The overlap finder on the Elasticsearch engine (osmem-server in CI, or the real cluster
named by SITESEARCH_TEST_ES_URL): band keys are plain keywords, so the same candidates and
the same matches as with tantivy."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from indexer.overlap.report import site_report
from indexer.overlap.service import OverlapService
from indexer.pages.models import Page
from indexer.search.port import Engine
from indexer.settings import Settings

pytestmark = pytest.mark.elasticsearch


@pytest.fixture(scope="module")
def es_engine(
    tmp_path_factory: pytest.TempPathFactory, enriched_seeds: dict[str, Any]
) -> Iterator[tuple[Engine, Settings]]:
    from indexer.settings import load_settings
    from tests.engines_es.es_cluster import shared_cluster

    settings = load_settings(data_dir=tmp_path_factory.mktemp("overlap-es"),
                             rate_limit_enabled=False)
    engine = shared_cluster().engine(settings, "overlap")
    version = engine.create_version()
    report = engine.write(version, list(enriched_seeds.values()))
    assert report.indexed == 2 and not report.failed, report
    engine.switch(version)
    yield engine, settings
    engine.close()


def test_same_matches_as_the_embedded_engine(
    es_engine: tuple[Engine, Settings], overlap_service: OverlapService, nlp: Any,
    seed_pages: dict[str, Page],
) -> None:
    engine, settings = es_engine
    on_es = OverlapService(engine, settings, nlp=nlp).article(seed_pages["depression"].id)
    on_tantivy = overlap_service.article(seed_pages["depression"].id)
    assert on_es.matches == on_tantivy.matches
    assert on_es.duplicated_fraction == on_tantivy.duplicated_fraction
    others = " ".join(m.other_passage.text for m in on_es.matches)
    for words in ("300 enzymen", "NMDA", "Overmatige inname"):
        assert words in others
    assert on_es.related and on_es.related[0].article.id == seed_pages["adhd"].id


def test_site_report_over_elasticsearch(
    es_engine: tuple[Engine, Settings], overlap_settings: Settings
) -> None:
    from indexer.overlap.limits import Thresholds

    engine, _ = es_engine
    report = site_report(engine, Thresholds.from_settings(overlap_settings))
    assert len(report.articles) == 2
    assert all(a.duplicated_fraction > 0 for a in report.articles)
    texts = [" ".join(p.text for p in c.passages) for c in report.clusters]
    assert any("Overmatige inname" in t for t in texts)

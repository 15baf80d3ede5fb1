"""Fixtures of the reindex tests: a job's settings, a small raw store, an engine per backend.

The in-process job tests run on tantivy always, and on Elasticsearch through the same test
cluster as the Elasticsearch engine tests (osmem-server, or the real cluster named by
SITESEARCH_TEST_ES_URL).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from indexer.pages.rawstore import RawStore
from indexer.pages.records import raw_store
from indexer.search.port import Engine
from indexer.settings import Settings, load_settings

from .stores import fill_store

STORE_PAGES = 12


@pytest.fixture
def job_settings(tmp_path: Path) -> Settings:
    return load_settings(data_dir=tmp_path / "data", rate_limit_enabled=False,
                         smoke_queries=["magnesium"])


@pytest.fixture
def store(job_settings: Settings) -> RawStore:
    """A raw store of STORE_PAGES page exports (seed pages with numbered titles)."""
    store = raw_store(job_settings)
    fill_store(store, STORE_PAGES)
    return store


@pytest.fixture(scope="session")
def reindex_es_cluster() -> Iterator[object]:
    from tests.engines_es.es_cluster import running_cluster

    with running_cluster() as cluster:
        yield cluster


@pytest.fixture(params=["tantivy", pytest.param("elasticsearch", marks=pytest.mark.elasticsearch)])
def engine(request: pytest.FixtureRequest, job_settings: Settings) -> Iterator[Engine]:
    """An engine with no version yet, on the job's data dir (tantivy) or the test cluster."""
    if request.param == "tantivy":
        from indexer.engines.tantivy.engine import TantivyEngine

        made: Engine = TantivyEngine.from_settings(job_settings)
    else:
        cluster = request.getfixturevalue("reindex_es_cluster")
        made = cluster.engine(job_settings)  # type: ignore[attr-defined]
    yield made
    made.close()

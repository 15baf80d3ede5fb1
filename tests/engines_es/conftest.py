"""Fixtures of the Elasticsearch engine tests: one cluster per session (osmem or a real one).

`SITESEARCH_TEST_ES_URL=http://host:9200` runs everything against that real cluster with the
full Dutch analysis; the indices made are deleted at the end of the session.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from indexer.settings import Settings, load_settings
from tests.engines_es.es_cluster import EsTestCluster, shared_cluster


@pytest.fixture(scope="session")
def es_cluster() -> EsTestCluster:
    """The session's cluster (shared with the engine contract suite in tests/engines/)."""
    return shared_cluster()


@pytest.fixture(scope="session")
def es_settings(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    """Settings for engines on the test cluster (short bulk backoff)."""
    data_dir: Path = tmp_path_factory.mktemp("es-data")
    return load_settings(data_dir=data_dir, rate_limit_enabled=False, es_bulk_backoff=0.01)

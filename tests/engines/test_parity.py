"""Both engines rank alike: the one search flow asks each the same queries, so the contract
pages come back in the same order from tantivy and from Elasticsearch (osmem in CI, a real
cluster with SITESEARCH_TEST_ES_URL)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from indexer.pages.models import EnrichedPage
from indexer.search.port import Engine
from tests.engines.conftest import make_test_engine
from tests.searching import search

pytestmark = [pytest.mark.elasticsearch, pytest.mark.timeout(300)]

QUERIES = [
    "depressies", "depressieve klachten", "magnesiumtekort", "patienten", "magnesuim depressie",
    "magnesium bisglycinaat", "aandachtstekortstoornis", "melatonine",
    "glutamaat", "kinderen", "slaap", "hersenen", "receptor", "supplementen",
    "nmda receptor", "vermoeidheid",
    "adhd kinderen", '"chronische vermoeidheid"', "zenuwcellen", "magnesium -adhd",
    "magnesium", "hoe werkt magnesium",
]
# Articles with some of the words, among them two long ones with "Magnesium" in their titles:
# BM25 over their long texts decides, which the osmem test server does not compute as Lucene
# does (its probe's "bm25" gap).
DECIDED_BY_BM25 = ["magnesium hoofdpijn"]


@pytest.fixture(scope="module")
def engines(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory,
    contract_pages: dict[str, EnrichedPage],
) -> Iterator[dict[str, Engine]]:
    made = {}
    for name in ("tantivy", "elasticsearch"):
        engine = make_test_engine(request, name, Path(tmp_path_factory.mktemp(name)) / "data")
        version = engine.create_version()
        engine.write(version, list(contract_pages.values()))
        engine.switch(version)
        made[name] = engine
    yield made
    for engine in made.values():
        engine.close()


@pytest.mark.parametrize("query", QUERIES + DECIDED_BY_BM25)
def test_both_engines_rank_the_contract_pages_alike(
    engines: dict[str, Any], query: str, request: pytest.FixtureRequest
) -> None:
    cluster = request.getfixturevalue("es_cluster")
    if query in DECIDED_BY_BM25:
        gap = cluster.missing("bm25")
        if gap:
            request.applymarker(pytest.mark.xfail(reason=gap, strict=True))
    # Meaning counts alike only where both engines hold passage vectors (osmem has no kNN).
    options = {"semantic": 0.0} if cluster.missing("knn") else {}
    tantivy, elastic = (search(engines[n], query, **options)
                        for n in ("tantivy", "elasticsearch"))
    assert tantivy.hits, query
    assert [h.id for h in tantivy.hits] == [h.id for h in elastic.hits]
    assert tantivy.total == elastic.total
    assert [(h.section, h.snippet, h.missing) for h in tantivy.hits] == [
        (h.section, h.snippet, h.missing) for h in elastic.hits]
    assert tantivy.facets == elastic.facets and tantivy.suggestion == elastic.suggestion

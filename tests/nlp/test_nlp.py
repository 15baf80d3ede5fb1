"""build_nlp: the blank default pipeline and the path that loads a trained pipeline."""

from __future__ import annotations

from pathlib import Path

import pytest
import spacy
from spacy.language import Language

from indexer.nlp.gazetteer import GazetteerError
from indexer.nlp.pipeline import build_nlp
from indexer.settings import Settings, load_settings


def test_default_is_the_blank_dutch_pipeline_with_our_components(nlp: Language) -> None:
    # nl_core_news_sm cannot be installed here, so the default setting falls back.
    assert not spacy.util.is_package("nl_core_news_sm")
    assert nlp.lang == "nl"
    assert nlp.pipe_names == [
        "sitesearch_lemmatizer",
        "sitesearch_sentencizer",
        "sitesearch_gazetteer",
        "sitesearch_patterns",
    ]


def test_a_pipeline_folder_is_loaded_and_gets_our_components(
    tmp_path: Path, settings: Settings
) -> None:
    # Stands in for an installed trained model: spacy.load() of a saved pipeline.
    saved = spacy.blank("nl")
    saved.add_pipe("lemmatizer", config={"mode": "lookup"})
    saved.initialize()
    saved.to_disk(tmp_path / "pipeline")
    nlp = build_nlp(load_settings(spacy_model=str(tmp_path / "pipeline")))
    assert nlp.pipe_names == [
        "lemmatizer",
        "sitesearch_sentencizer",
        "sitesearch_gazetteer",
        "sitesearch_patterns",
    ]
    doc = nlp("Mevrouw Jansen had een magnesiumtekort. Zij kreeg 300 mg.")
    assert {(e.label_, e.ent_id_) for e in doc.ents} == {
        ("PERSON", "Jansen"),
        ("NUTRIENT", "magnesium"),
        ("DOSE", "300 mg"),
    }
    assert len(list(doc.sents)) == 2
    assert doc[7].lemma_ == "krijgen"


def test_gazetteers_come_from_the_configured_folder(tmp_path: Path) -> None:
    (tmp_path / "gazetteers").mkdir()
    (tmp_path / "gazetteers" / "fruit.yaml").write_text(
        "label: NUTRIENT\nentries:\n  appel: [appels]\n", encoding="utf-8"
    )
    nlp = build_nlp(load_settings(config_dir=tmp_path))
    assert [(e.text, e.ent_id_) for e in nlp("Twee appels en magnesium.").ents] == [
        ("appels", "appel")
    ]


def test_a_broken_gazetteer_stops_the_build_with_its_name(tmp_path: Path) -> None:
    (tmp_path / "gazetteers").mkdir()
    (tmp_path / "gazetteers" / "bad.yaml").write_text("label: FRUIT\n", encoding="utf-8")
    with pytest.raises(GazetteerError, match=r"bad\.yaml"):
        build_nlp(load_settings(config_dir=tmp_path))

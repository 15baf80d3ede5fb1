"""Overlap fixtures: a real tantivy index of the two seed pages plus an unrelated article, the
app on it, and an OverlapService sharing the session's NLP pipeline. Nothing of ours mocked."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from indexer.engines import make_engine
from indexer.nlp.embed import installed
from indexer.overlap.service import OverlapService
from indexer.pages.parsing import parse_plain_text
from indexer.search.port import Engine
from indexer.settings import Settings, load_settings

UNRELATED_TEXT = (
    "Met het penseel schildert u zachte lijnen in de voorgrondkleur van de afbeelding. De "
    "dekking van de verf bepaalt hoeveel van de onderliggende laag zichtbaar blijft.\n\n"
    "Kies in het dialoogvenster de grootte van de penseelpunt en de hardheid van de rand. Een "
    "zachte rand geeft een vloeiende overgang tussen de geschilderde lijn en de achtergrond."
)


@pytest.fixture(scope="session")
def overlap_data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("overlap") / "data"


@pytest.fixture(scope="session")
def overlap_settings(overlap_data_dir: Path) -> Settings:
    # The draft check with paraphrases: the e5 model where its wheel installs.
    return load_settings(data_dir=overlap_data_dir, rate_limit_enabled=False,
                         embedding_model="e5" if installed("e5") else "off")


@pytest.fixture(scope="session")
def overlap_engine(
    overlap_settings: Settings, nlp: Any, enriched_seeds: dict[str, Any]
) -> Iterator[Engine]:
    """A live tantivy index: the two seed pages and one page about a drawing program."""
    from indexer.nlp.enrich import enrich_pages

    unrelated = enrich_pages(nlp, [parse_plain_text(UNRELATED_TEXT, title="Het penseel")])
    engine = make_engine(overlap_settings)
    version = engine.create_version()
    report = engine.write(version, [*enriched_seeds.values(), *unrelated])
    assert report.indexed == 3 and not report.failed, report
    engine.switch(version)
    yield engine
    engine.close()


@pytest.fixture(scope="session")
def overlap_service(overlap_engine: Engine, overlap_settings: Settings, nlp: Any) -> OverlapService:
    return OverlapService(overlap_engine, overlap_settings, nlp=nlp)


@pytest.fixture(scope="session")
def overlap_app(overlap_settings: Settings, overlap_engine: Engine, nlp: Any) -> Flask:
    from search_api import create_app
    from search_api.overlap import install

    app = create_app(overlap_settings, engine=overlap_engine)
    install(app, OverlapService(overlap_engine, overlap_settings, nlp=nlp))
    return app


@pytest.fixture
def client(overlap_app: Flask) -> FlaskClient:
    return overlap_app.test_client()

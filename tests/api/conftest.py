"""API fixtures: one temporary embedded (tantivy) index built from the seed pages per session,
and Flask apps/clients on it. Nothing of ours is mocked: the engine is the real one."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from indexer.engine import Engine, make_engine
from indexer.settings import Settings, load_settings
from search_api import create_app


def api_settings_for(data_dir: Path, **overrides: Any) -> Settings:
    """Settings for an API test: its own data dir, no rate limits unless asked for."""
    values: dict[str, Any] = {"data_dir": data_dir, "rate_limit_enabled": False}
    values.update(overrides)
    return load_settings(**values)


@pytest.fixture(scope="session")
def api_data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("api") / "data"


@pytest.fixture(scope="session")
def api_engine(api_data_dir: Path, enriched_seeds: dict[str, Any]) -> Iterator[Engine]:
    """A real tantivy index of the two seed pages, live, for the whole session."""
    engine = make_engine(api_settings_for(api_data_dir))
    version = engine.create_version()
    report = engine.write(version, list(enriched_seeds.values()))
    assert report.indexed == 2 and not report.failed, report
    engine.switch(version)
    yield engine
    engine.close()


@pytest.fixture(scope="session")
def app(api_data_dir: Path, api_engine: Engine) -> Flask:
    """The app on the seed index, as tests use it (CORS allowed for one origin)."""
    settings = api_settings_for(api_data_dir, cors_origins=["https://www.example.nl"])
    return create_app(settings, engine=api_engine)


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()

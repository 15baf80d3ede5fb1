"""API fixtures: Flask apps and clients on the session's real tantivy index of the seed pages
(`seed_engine` from tests/conftest.py). Nothing of ours is mocked."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from indexer.search.port import Engine
from indexer.settings import Settings, load_settings
from search_api import create_app


def api_settings_for(data_dir: Path, **overrides: Any) -> Settings:
    """Settings for an API test: its own data dir, no rate limits unless asked for."""
    values: dict[str, Any] = {"data_dir": data_dir, "rate_limit_enabled": False}
    values.update(overrides)
    return load_settings(**values)


@pytest.fixture(scope="session")
def app(seed_index_settings: Settings, seed_engine: Engine) -> Flask:
    """The app on the seed index, as tests use it (CORS allowed for one origin)."""
    settings = api_settings_for(
        seed_index_settings.data_dir, cors_origins=["https://www.example.nl"]
    )
    return create_app(settings, engine=seed_engine)


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()

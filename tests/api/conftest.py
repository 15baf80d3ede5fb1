"""API fixtures: Flask apps and clients on the session's real tantivy index of the seed pages
(`seed_engine` from tests/conftest.py). Nothing of ours is mocked."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest
from flask import Flask
from flask.testing import FlaskClient

from bench.api import free_port, stop_server
from indexer.search.port import Engine
from indexer.settings import Settings, load_settings
from search_api import create_app
from tests.conftest import SEEDS_DIR

SITESEARCH = Path(sys.executable).with_name("sitesearch")


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


def serve_env(data_dir: Path, **settings: str) -> dict[str, str]:
    """The environment of a served gunicorn: this one without our settings, then the data
    dir, two workers of two threads (as in production), no rate limits, and `settings`
    (SITESEARCH_<NAME> for each name given)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("SITESEARCH_")}
    env.update({
        "SITESEARCH_DATA_DIR": str(data_dir), "SITESEARCH_WORKERS": "2",
        "SITESEARCH_THREADS": "2", "SITESEARCH_RATE_LIMIT_ENABLED": "false",
    })
    env.update({f"SITESEARCH_{name.upper()}": value for name, value in settings.items()})
    return env


def ingest_seeds(env: dict[str, str]) -> None:
    subprocess.run([str(SITESEARCH), "ingest", str(SEEDS_DIR)], env=env, check=True,
                   capture_output=True, timeout=300)


def wait_for_health(url: str, process: subprocess.Popen[bytes], limit_s: float = 60) -> None:
    """Poll /api/health until it answers 200 (a bound on waiting, not an assertion on time)."""
    deadline = time.monotonic() + limit_s
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"serve exited with {process.returncode}")
        try:
            if httpx.get(url + "/api/health", timeout=2).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.2)
    raise AssertionError("serve did not become healthy")


@contextmanager
def serving(env: dict[str, str], log_path: Path) -> Iterator[tuple[str, subprocess.Popen[bytes]]]:
    """`sitesearch serve` (gunicorn) on a free loopback port, healthy: its URL and process;
    stopped as a supervisor would afterwards. Its log goes to `log_path`."""
    port = free_port()
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            [str(SITESEARCH), "serve", "--host", "127.0.0.1", "--port", str(port)],
            env=env, stdout=subprocess.DEVNULL, stderr=log,
        )
    url = f"http://127.0.0.1:{port}"
    try:
        wait_for_health(url, process)
        yield url, process
    finally:
        stop_server(process)

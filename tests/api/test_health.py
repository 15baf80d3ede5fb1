"""/api/health: engine, version and count; 503 (error shape) when the engine is unreachable."""

from __future__ import annotations

from pathlib import Path

from flask.testing import FlaskClient

from bench.api import free_port
from search_api import create_app
from tests.api.conftest import api_settings_for
from tests.api.schemas import assert_documented


def test_health_reports_engine_version_and_count(client: FlaskClient) -> None:
    response = client.get("/api/health")
    assert response.status_code == 200
    body = assert_documented(response, "/api/health")
    assert body["engine"] == "tantivy"
    assert body["status"] == "ok"
    assert body["index_version"]
    assert body["documents"] == 2
    assert response.headers["Cache-Control"] == "no-store"


def test_health_is_503_when_the_engine_is_unreachable(tmp_path: Path) -> None:
    app = create_app(api_settings_for(
        tmp_path / "data", backend="elasticsearch",
        es_url=f"http://127.0.0.1:{free_port()}", es_timeout=1.0))
    response = app.test_client().get("/api/health")
    assert response.status_code == 503
    body = assert_documented(response, "/api/health")
    assert body["error"]["code"] == "engine_unavailable"
    assert response.headers["Retry-After"]

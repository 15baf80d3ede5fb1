"""Every error is answered in the one JSON shape, with its status; never a 500 for the caller.

These tests need no index: validation and routing errors happen before the engine is used,
and the 503 case points the app at an Elasticsearch address where nothing listens.
"""

from __future__ import annotations

import io
import logging
from collections.abc import Callable
from pathlib import Path

import jsonschema
import pytest
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from bench.api import free_port
from search_api import create_app
from search_api.app import openapi_document
from tests.api.conftest import api_settings_for

LONG_QUERY = "magnesium " * 51  # 510 characters


@pytest.fixture
def bare_client(tmp_path: Path) -> FlaskClient:
    """An app whose engine is never opened by these requests."""
    return create_app(api_settings_for(tmp_path / "data")).test_client()


def _rate_limited(tmp_path: Path) -> TestResponse:
    app = create_app(api_settings_for(
        tmp_path / "data", rate_limit_enabled=True, rate_limit="2/minute"))
    client = app.test_client()
    for _ in range(2):
        assert client.get("/api/openapi.json").status_code == 200
    return client.get("/api/openapi.json")


def _engine_down(tmp_path: Path) -> TestResponse:
    app = create_app(api_settings_for(
        tmp_path / "data", backend="elasticsearch",
        es_url=f"http://127.0.0.1:{free_port()}", es_timeout=1.0))
    return app.test_client().get("/api/search?q=magnesium")


def _get(url: str, **kwargs: object) -> Callable[[Path], TestResponse]:
    def call(tmp_path: Path) -> TestResponse:
        client = create_app(api_settings_for(tmp_path / "data")).test_client()
        return client.get(url, **kwargs)  # type: ignore[arg-type]
    return call


def _post(url: str, body: bytes) -> Callable[[Path], TestResponse]:
    def call(tmp_path: Path) -> TestResponse:
        client = create_app(api_settings_for(tmp_path / "data", max_body_bytes=1000)).test_client()
        return client.post(url, data=body, content_type="application/json")
    return call


def _post_json(url: str, body: bytes, chunked: bool = False) -> Callable[[Path], TestResponse]:
    """A POST of a JSON body under the default body limit (1 MB); chunked: without a length."""
    def call(tmp_path: Path) -> TestResponse:
        client = create_app(api_settings_for(tmp_path / "data")).test_client()
        if not chunked:
            return client.post(url, data=body, content_type="application/json")
        return client.post(url, input_stream=io.BytesIO(body), headers={
            "Transfer-Encoding": "chunked", "Content-Type": "application/json"})
    return call


# Deeply nested arrays: Python's JSON parser recurses once per level (RecursionError, 500).
JSON_BOMB = b"[" * 200_000 + b"]" * 200_000
# A draft over the 1 MB body limit, sent without a length (chunked): was cut short, then 400.
CHUNKED_DRAFT = b'{"text": "' + b"woord " * 400_000 + b'"}'


ERROR_CASES: list[tuple[str, Callable[[Path], TestResponse], int, str]] = [
    ("page below 1", _get("/api/search?q=magnesium&page=0"), 400, "invalid_parameter"),
    ("size over 50", _get("/api/search?q=magnesium&size=51"), 400, "invalid_parameter"),
    ("non-numeric page", _get("/api/search?q=magnesium&page=twee"), 400, "invalid_parameter"),
    ("non-numeric size", _get("/api/search?q=magnesium&size=1e3"), 400, "invalid_parameter"),
    ("negative page", _get("/api/search?q=magnesium&page=-1"), 400, "invalid_parameter"),
    ("unknown parameter", _get("/api/search?q=magnesium&sort=date"), 400, "invalid_parameter"),
    ("repeated q", _get("/api/search?q=a&q=b"), 400, "invalid_parameter"),
    ("q missing", _get("/api/search"), 400, "invalid_parameter"),
    ("q blank", _get("/api/search?q=%20%20"), 400, "invalid_parameter"),
    ("q over 500 chars", _get("/api/search", query_string={"q": LONG_QUERY}), 400,
     "invalid_parameter"),
    ("beyond the result window", _get("/api/search?q=magnesium&page=200&size=10"), 400,
     "invalid_parameter"),
    ("suggest limit over 10", _get("/api/suggest?q=magn&limit=11"), 400, "invalid_parameter"),
    ("health with a parameter", _get("/api/health?verbose=1"), 400, "invalid_parameter"),
    ("unknown path", _get("/api/nothing-here"), 404, "not_found"),
    ("unknown page", _get("/nothing-here"), 404, "not_found"),
    ("POST to search", _post("/api/search?q=magnesium", b"{}"), 405, "method_not_allowed"),
    ("DELETE health", lambda p: create_app(api_settings_for(p / "data")).test_client()
     .delete("/api/health"), 405, "method_not_allowed"),
    ("body over the limit", _post("/api/search?q=magnesium", b"x" * 1001), 413,
     "payload_too_large"),
    ("JSON bomb", _post_json("/api/overlap", JSON_BOMB[:600_000]), 400, "bad_request"),
    ("JSON nested in a field", _post_json("/api/overlap", b'{"text": ' + JSON_BOMB[:400_000]
                                          + b"}"), 400, "bad_request"),
    ("chunked body over the limit", _post_json("/api/overlap", CHUNKED_DRAFT, chunked=True),
     413, "payload_too_large"),
    ("rate limit", _rate_limited, 429, "rate_limited"),
    ("engine unreachable", _engine_down, 503, "engine_unavailable"),
]


@pytest.mark.parametrize(
    ("case", "call", "status", "code"), ERROR_CASES, ids=[c[0] for c in ERROR_CASES]
)
def test_every_error_has_the_one_shape(
    tmp_path: Path, case: str, call: Callable[[Path], TestResponse], status: int, code: str
) -> None:
    response = call(tmp_path)
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.mimetype == "application/json"
    body = response.get_json()
    jsonschema.validate(body, openapi_document()["components"]["schemas"]["Error"])
    assert body["error"]["status"] == status
    assert body["error"]["code"] == code
    assert body["error"]["message"]
    assert response.headers["Cache-Control"] == "no-store"
    assert response.headers["X-Request-ID"]
    assert "Set-Cookie" not in response.headers


def test_bad_parameter_message_names_the_parameter(bare_client: FlaskClient) -> None:
    body = bare_client.get("/api/search?q=magnesium&size=500").get_json()
    assert "'size'" in body["error"]["message"] and "50" in body["error"]["message"]
    body = bare_client.get("/api/search?q=magnesium&colour=red").get_json()
    assert "'colour'" in body["error"]["message"]


def test_405_lists_the_allowed_methods(bare_client: FlaskClient) -> None:
    response = bare_client.put("/api/suggest?q=magn")
    assert response.status_code == 405
    assert "GET" in response.headers["Allow"]


def test_429_and_503_tell_when_to_retry(tmp_path: Path) -> None:
    assert int(_rate_limited(tmp_path).headers["Retry-After"]) > 0
    assert int(_engine_down(tmp_path).headers["Retry-After"]) > 0


def _boom_app(tmp_path: Path) -> Flask:
    app = create_app(api_settings_for(tmp_path / "data"))

    def boom() -> str:
        raise RuntimeError("a bug, not the caller's fault")

    # A route of this test only: the way to reach the handler of unexpected exceptions.
    app.add_url_rule("/api/boom", "boom", boom)
    return app


def test_unexpected_exception_is_500_with_request_id_in_body_and_log(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    client = _boom_app(tmp_path).test_client()
    with caplog.at_level(logging.ERROR, logger="search_api"):
        response = client.get("/api/boom", headers={"X-Request-ID": "trace-42"})
    assert response.status_code == 500
    body = response.get_json()
    jsonschema.validate(body, openapi_document()["components"]["schemas"]["Error"])
    assert body["error"]["code"] == "internal_error"
    assert body["error"]["request_id"] == "trace-42"
    assert "a bug" not in response.get_data(as_text=True)  # no internals leak
    assert response.headers["X-Request-ID"] == "trace-42"
    assert any("trace-42" in r.getMessage() and r.exc_info for r in caplog.records)


def test_request_id_is_made_up_when_absent_or_unsafe(bare_client: FlaskClient) -> None:
    plain = bare_client.get("/api/nothing").headers["X-Request-ID"]
    assert len(plain) == 32
    hostile = bare_client.get("/api/nothing", headers={"X-Request-ID": "a\tb<script>"})
    assert hostile.headers["X-Request-ID"] != "a\tb<script>"


def test_a_json_bomb_is_refused_before_it_is_parsed(tmp_path: Path) -> None:
    body = _post_json("/api/overlap", JSON_BOMB)(tmp_path).get_json()
    assert "deeper than 32 levels" in body["error"]["message"]


def test_a_chunked_body_within_the_limit_reaches_the_view_whole(tmp_path: Path) -> None:
    """The chunked body is read once for its size and then given to the view as it was: a
    draft that is not JSON is still answered as such, not as a cut-off body."""
    response = _post_json("/api/overlap", b'{"tekst": "x"}', chunked=True)(tmp_path)
    assert response.status_code == 400
    assert "'tekst'" in response.get_json()["error"]["message"]

"""The OpenAPI document is valid OpenAPI 3.1, served as JSON, and describes real answers."""

from __future__ import annotations

from flask.testing import FlaskClient
from openapi_spec_validator import validate

from search_api.app import openapi_document
from tests.api.schemas import assert_documented


def test_document_is_valid_openapi() -> None:
    document = openapi_document()
    validate(document)  # raises on any violation of the OpenAPI 3.1 schema
    assert document["openapi"].startswith("3.1")
    for path in ("/api/search", "/api/suggest", "/api/articles/{id}", "/api/health"):
        assert "get" in document["paths"][path]


def test_document_is_served_as_json(client: FlaskClient) -> None:
    response = client.get("/api/openapi.json")
    assert response.status_code == 200
    assert response.get_json() == openapi_document()


def test_errors_fit_the_documented_error_schema(client: FlaskClient) -> None:
    assert_documented(client.get("/api/search?q=x&size=0"), "/api/search")
    assert_documented(client.get("/api/suggest"), "/api/suggest")
    assert_documented(client.get("/api/articles/nope"), "/api/articles/{id}")
    assert_documented(client.get("/api/health?x=1"), "/api/health")


def test_every_documented_get_path_is_routed(client: FlaskClient) -> None:
    url_map = client.application.url_map
    rules = {rule.rule.replace("<article_id>", "{id}") for rule in url_map.iter_rules()}
    for path, operations in openapi_document()["paths"].items():
        if "get" in operations:
            assert path in rules, path

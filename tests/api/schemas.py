"""Validate real responses against the schemas of search_api/openapi.yaml."""

from __future__ import annotations

from typing import Any

import jsonschema
from werkzeug.test import TestResponse

from search_api.app import openapi_document


def response_schema(path: str, method: str, status: int) -> dict[str, Any]:
    """The JSON schema the OpenAPI document gives for this operation's `status` answer."""
    document = openapi_document()
    response = document["paths"][path][method.lower()]["responses"][str(status)]
    if "$ref" in response:
        response = document["components"]["responses"][response["$ref"].rsplit("/", 1)[1]]
    schema: dict[str, Any] = response["content"]["application/json"]["schema"]
    # The components travel along so that "#/components/..." references resolve.
    return {**schema, "components": document["components"]}


def assert_documented(response: TestResponse, path: str, method: str = "get") -> Any:
    """Assert the response's status is documented for the operation and its body fits."""
    body = response.get_json()
    schema = response_schema(path, method, response.status_code)
    jsonschema.Draft202012Validator(schema).validate(body)
    return body

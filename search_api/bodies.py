"""Request bodies: their size limit, also for chunked bodies, and how deep their JSON may nest.

- A body over `max_body_bytes` is a 413, whether its length was announced (Content-Length)
  or not (Transfer-Encoding: chunked, which Werkzeug would otherwise cut short silently,
  leaving a truncated body that then fails as "not valid JSON").
- JSON nested deeper than `max_json_depth` is a 400 before it is parsed: Python's parser
  recurses once per level, so a body of a million "[" would end in a RecursionError (500).
  The depth is found by one scan over the brackets outside strings, stopping at the limit.
"""

from __future__ import annotations

import io
import re
from typing import Any

from flask import Flask, request
from flask.json.provider import DefaultJSONProvider
from werkzeug.exceptions import BadRequest, RequestEntityTooLarge

# A JSON string (with its escapes) or a bracket: strings are skipped, brackets counted.
_STRING_OR_BRACKET = re.compile(r'"(?:[^"\\]|\\.)*"|[\[\]{}]', re.DOTALL)


def nesting_exceeds(text: str | bytes, limit: int) -> bool:
    """Whether arrays/objects in the JSON `text` nest deeper than `limit` (without parsing it:
    malformed JSON is left for the parser to refuse)."""
    if isinstance(text, bytes | bytearray):
        text = text.decode("utf-8", errors="replace")
    depth = 0
    for match in _STRING_OR_BRACKET.finditer(text):
        token = match.group()
        if token in "[{":
            depth += 1
            if depth > limit:
                return True
        elif token in "]}":
            depth -= 1
    return False


class DepthLimitedJSONProvider(DefaultJSONProvider):
    """Flask's JSON provider, refusing request bodies nested deeper than `max_depth` (400)."""

    max_depth = 32

    def loads(self, s: str | bytes, **kwargs: Any) -> Any:
        if nesting_exceeds(s, self.max_depth):
            raise BadRequest(f"the JSON body nests deeper than {self.max_depth} levels")
        return super().loads(s, **kwargs)


def init_app(app: Flask, max_body_bytes: int, max_json_depth: int) -> None:
    """Limit the bodies `app` accepts (size, JSON depth)."""
    app.config["MAX_CONTENT_LENGTH"] = max_body_bytes
    provider = DepthLimitedJSONProvider(app)
    provider.max_depth = max_json_depth
    provider.ensure_ascii = False
    provider.sort_keys = False
    app.json = provider
    app.before_request(_refuse_large_bodies)


def _refuse_large_bodies() -> None:
    # Werkzeug enforces MAX_CONTENT_LENGTH only when a view reads the body; refuse any
    # announced oversized body up front, whichever endpoint it was sent to.
    limit = request.max_content_length
    if limit is None:
        return
    if request.content_length is not None:
        if request.content_length > limit:
            raise RequestEntityTooLarge()
        return
    if "chunked" in request.headers.get("Transfer-Encoding", "").lower():
        # No length announced: read up to one byte past the limit, and keep what was read
        # as the body the view will see.
        environ = request.environ
        body = environ["wsgi.input"].read(limit + 1)
        if len(body) > limit:
            raise RequestEntityTooLarge()
        environ["wsgi.input"] = io.BytesIO(body)
        environ["wsgi.input_terminated"] = True  # the stream ends where the body does

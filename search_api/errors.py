"""The one JSON error shape of the API, and the handlers that answer every error with it.

Every error, whatever raised it, is answered as::

    {"error": {"status": 404, "code": "not_found", "message": "..."}}

with `Cache-Control: no-store`. An unexpected exception is logged with the request id and
answered 500 with the same shape plus `request_id`, so a visitor's report can be matched to
the log line. The caller never sees a traceback.
"""

from __future__ import annotations

import logging
import math
import re
import time
import uuid
from typing import Any

from flask import Flask, Response, current_app, g, jsonify, request
from werkzeug.exceptions import HTTPException

from indexer.errors import EngineUnavailable, IndexDamaged, NotFound, QueryError

log = logging.getLogger("search_api")

REQUEST_ID_HEADER = "X-Request-ID"
# Seconds a client should wait before retrying when the engine is down.
RETRY_AFTER_SECONDS = 5
# A caller's request id is echoed only when it is short and plain (it ends up in our log).
_SAFE_REQUEST_ID = re.compile(r"^[A-Za-z0-9._:-]{1,128}$")

# Stable machine-readable codes for the HTTP errors the API answers.
_CODES = {
    400: "bad_request",
    404: "not_found",
    405: "method_not_allowed",
    406: "not_acceptable",
    408: "request_timeout",
    411: "length_required",
    413: "payload_too_large",
    414: "uri_too_long",
    415: "unsupported_media_type",
    429: "rate_limited",
    431: "headers_too_large",
    500: "internal_error",
    501: "not_implemented",
    503: "engine_unavailable",
}


class ParameterError(QueryError):
    """A query parameter that is missing, unknown, repeated or out of range (answered 400)."""

    def __init__(self, parameter: str, message: str) -> None:
        super().__init__(f"parameter {parameter!r}: {message}")
        self.parameter = parameter


def error_body(status: int, code: str, message: str, **extra: Any) -> dict[str, Any]:
    """The one error shape, as a JSON-ready dict (also written by the gunicorn worker for the
    errors it answers before Flask sees the request)."""
    return {"error": {"status": status, "code": code, "message": message, **extra}}


def code_for(status: int) -> str:
    """The stable machine-readable code of an HTTP error status."""
    return _CODES.get(status, "bad_request" if status < 500 else "internal_error")


def error_response(
    status: int, code: str, message: str, headers: dict[str, str] | None = None,
    **extra: Any,
) -> Response:
    """A response in the one error shape; never cached."""
    response = jsonify(error_body(status, code, message, **extra))
    response.status_code = status
    response.headers["Cache-Control"] = "no-store"
    for name, value in (headers or {}).items():
        response.headers[name] = value
    return response


def request_id() -> str:
    """The id of the current request: the caller's X-Request-ID if plain, else a new one."""
    current: str | None = g.get("request_id")
    if current is None:
        offered = request.headers.get(REQUEST_ID_HEADER, "")
        current = offered if _SAFE_REQUEST_ID.match(offered) else uuid.uuid4().hex
        g.request_id = current
    return current


def _retry_after_limit(exc: HTTPException) -> int:
    """Seconds until the breached rate limit's window resets (at least 1)."""
    for limiter in current_app.extensions.get("limiter", ()):
        breached = limiter.current_limit
        if breached is not None:
            return max(1, math.ceil(float(breached.reset_at) - time.time()))
    limit = getattr(exc, "limit", None)
    if limit is None:
        return RETRY_AFTER_SECONDS
    return max(1, int(limit.limit.get_expiry()))


def _http_error(exc: HTTPException) -> Response:
    status = exc.code or 500
    headers = {
        name: value for name, value in exc.get_headers()
        if name.lower() in {"allow", "retry-after"}
    }
    if status == 429:
        # Only here: flask-limiter's own headers would put Retry-After on every answer.
        headers["Retry-After"] = str(_retry_after_limit(exc))
        message = f"too many requests: the limit is {exc.description}; retry later"
    elif status == 413:
        message = "request body too large"
    elif status == 404:
        message = f"no such resource: {request.path}"
    elif status == 405:
        message = f"method {request.method} not allowed on {request.path}"
    else:
        message = str(exc.description or exc.name)
    code = _CODES.get(status, re.sub(r"[^a-z0-9]+", "_", exc.name.lower()).strip("_"))
    if status >= 500:
        log.error("request %s: HTTP %s on %s", request_id(), status, request.path)
        return error_response(status, code, message, headers, request_id=request_id())
    return error_response(status, code, message, headers)


def _query_error(exc: QueryError) -> Response:
    code = "invalid_parameter" if isinstance(exc, ParameterError) else "invalid_query"
    return error_response(400, code, str(exc))


def _not_found(exc: NotFound) -> Response:
    return error_response(404, "not_found", str(exc))


def _engine_unavailable(exc: EngineUnavailable) -> Response:
    log.warning("request %s: engine unavailable: %s", request_id(), exc)
    return error_response(
        503, "engine_unavailable",
        f"the search engine is unavailable, retry in {RETRY_AFTER_SECONDS} s",
        {"Retry-After": str(RETRY_AFTER_SECONDS)},
    )


def _index_damaged(exc: IndexDamaged) -> Response:
    """503 for a damaged live index: the reason goes to the log (and /api/health), the
    visitor reads that search is out of order for now."""
    log.warning("request %s: the index is damaged: %s", request_id(), exc)
    return error_response(
        503, "index_damaged",
        f"de zoekindex is beschadigd en kan nu niet doorzocht worden; probeer het over "
        f"{RETRY_AFTER_SECONDS} s opnieuw",
        {"Retry-After": str(RETRY_AFTER_SECONDS)},
    )


def _unexpected(exc: Exception) -> Response:
    rid = request_id()
    log.exception("request %s: unexpected error on %s %s", rid, request.method, request.path)
    return error_response(
        500, "internal_error",
        f"an unexpected error occurred; quote request id {rid} when reporting it",
        request_id=rid,
    )


def _echo_request_id(response: Response) -> Response:
    response.headers[REQUEST_ID_HEADER] = request_id()
    return response


def init_app(app: Flask) -> None:
    """Answer every error of `app` in the one shape and echo X-Request-ID on every response."""
    app.register_error_handler(HTTPException, _http_error)
    app.register_error_handler(QueryError, _query_error)
    app.register_error_handler(NotFound, _not_found)
    app.register_error_handler(EngineUnavailable, _engine_unavailable)
    app.register_error_handler(IndexDamaged, _index_damaged)
    app.register_error_handler(Exception, _unexpected)
    app.after_request(_echo_request_id)

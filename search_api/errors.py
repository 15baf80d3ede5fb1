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
from search_api.error_pages import error_page, wants_page

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
# What the other HTTP errors mean, in Dutch (people read these on the pages).
_DUTCH = {
    400: "ongeldig verzoek",
    406: "dit antwoordformaat is niet beschikbaar",
    408: "het verzoek duurde te lang",
    411: "de lengte van de inhoud ontbreekt",
    414: "het adres is te lang",
    415: "dit type inhoud wordt niet ondersteund",
    431: "de headers van het verzoek zijn te groot",
    500: "er ging onverwacht iets mis",
    501: "deze methode wordt hier niet ondersteund",
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
    """A response in the one error shape; never cached (a browser outside /api gets the
    Dutch HTML page for the status instead)."""
    if wants_page():
        request_id_ = extra.get("request_id")
        return error_page(status, headers, request_id_ if isinstance(request_id_, str) else None)
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
        message = f"te veel verzoeken: de limiet is {exc.description}; probeer het later opnieuw"
    elif status == 413:
        message = "de inhoud van het verzoek is te groot"
    elif status == 404:
        message = f"dit adres bestaat niet: {request.path}"
    elif status == 405:
        message = f"methode {request.method} is niet toegestaan op {request.path}"
    elif exc.description == type(exc).description and status in _DUTCH:
        message = _DUTCH[status]  # werkzeug's own (English) description
    else:
        message = str(exc.description or exc.name)
    code = _CODES.get(status, re.sub(r"[^a-z0-9]+", "_", exc.name.lower()).strip("_"))
    if status >= 500:
        log.error("request %s: HTTP %s on %s", request_id(), status, request.path)
        return error_response(status, code, message, headers, request_id=request_id())
    return error_response(status, code, message, headers)


def _query_error(exc: QueryError) -> Response:
    if isinstance(exc, ParameterError):
        return error_response(400, "invalid_parameter", str(exc))
    # The search layer's own messages are English; what they all mean is this.
    return error_response(
        400, "invalid_query", "deze zoekvraag kan niet worden gezocht: typ een of meer woorden"
    )


def _not_found(exc: NotFound) -> Response:
    return error_response(404, "not_found", f"niet gevonden: {request.path}")


def _engine_unavailable(exc: EngineUnavailable) -> Response:
    log.warning("request %s: engine unavailable: %s", request_id(), exc)
    return error_response(
        503, "engine_unavailable",
        f"de zoekmachine is niet bereikbaar; probeer het over {RETRY_AFTER_SECONDS} s opnieuw",
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
        f"er ging onverwacht iets mis; noem verzoek-id {rid} als u dit meldt",
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

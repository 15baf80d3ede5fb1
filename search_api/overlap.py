"""The editors' overlap endpoints and page.

- `GET /api/articles/<id>/overlap`: the overlap report of a stored article (404 if unknown);
- `POST /api/overlap` with JSON `{"text": "...", "title": "..."}`: the same report for a draft,
  which is parsed and analysed but never indexed;
- `GET /editor`: the page where editors paste a draft or pick an article.

The views call an `OverlapService` (indexer.overlap.service, which also serves the CLI) in a
child process of lower CPU priority (search_api.overlap_process), so that a check never holds
the interpreter lock that the worker's searches need; tests install one in their process.

A check costs far more than a search, so the two checks are guarded apart: their own, lower
rate limit per client, shared by the two (`overlap_rate_limit`, instead of `rate_limit`), at most
`overlap_checks_per_worker` checks at once in a worker (one more is answered 503 with
Retry-After at once, so that it never holds a thread that searches need), and the budget of
each check (indexer.overlap.limits.Budget: a draft over `overlap_max_draft_chars` is a 413, a
check over its other limits answers a report that says it was cut short).
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, Protocol

from flask import Blueprint, Flask, Response, current_app, jsonify, render_template, request
from flask.blueprints import BlueprintSetupState
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from werkzeug.exceptions import BadRequest, UnsupportedMediaType

from indexer.errors import InputError, NotFound
from indexer.overlap.limits import Budget
from indexer.overlap.models import OverlapReport
from indexer.settings import Settings
from search_api.errors import error_response
from search_api.overlap_process import CheckProcess
from search_api.params import no_params
from search_api.search import cacheable
from search_api.service import MAX_ARTICLE_ID_CHARS, current_service

bp = Blueprint("overlap", __name__)

MAX_TITLE_CHARS = 300
_DRAFT_KEYS = {"text", "title"}


EXTENSION = "sitesearch_overlap"
GATE = "sitesearch_overlap_gate"
# Seconds a client is asked to wait when the worker is busy with other checks.
BUSY_RETRY_AFTER = 2
# The views that run a check (endpoint names), guarded by the rate limit and the gate.
CHECKS = ("overlap.article_overlap", "overlap.draft_overlap")


class Checks(Protocol):
    """What the views need: an OverlapService in this process, or a CheckProcess."""

    settings: Settings

    def article(self, article_id: str) -> OverlapReport: ...

    def draft(self, text: str, title: str = "Concept") -> OverlapReport: ...


def install(app: Flask, service: Checks) -> None:
    """Use `service` for the overlap checks of `app` (e.g. an OverlapService sharing an NLP
    pipeline, in this process)."""
    app.extensions[EXTENSION] = service


def overlap_service() -> Checks:
    """The app's checks: unless one was installed, a CheckProcess (a child process of lower
    CPU priority, made on the first check)."""
    service: Checks | None = current_app.extensions.get(EXTENSION)
    if service is None:
        service = CheckProcess(current_service().settings)
        current_app.extensions[EXTENSION] = service
    return service


def report_json(report: OverlapReport) -> dict[str, Any]:
    """A report as the API shows it."""
    return report.model_dump(mode="json")


@contextmanager
def _check_slot() -> Iterator[bool]:
    """True, holding a slot, when this worker may start a check now; False when it is busy."""
    gate: threading.BoundedSemaphore = current_app.extensions[GATE]
    if not gate.acquire(blocking=False):
        yield False
        return
    try:
        yield True
    finally:
        gate.release()


def _busy() -> Response:
    return error_response(
        503, "overlap_busy",
        f"de server controleert al andere teksten; probeer het over {BUSY_RETRY_AFTER} "
        "seconden opnieuw",
        {"Retry-After": str(BUSY_RETRY_AFTER)},
    )


@bp.get("/api/articles/<article_id>/overlap")
def article_overlap(article_id: str) -> Response:
    """Which passages of a stored article stand elsewhere on the site, and related articles."""
    no_params(request.args)
    if len(article_id) > MAX_ARTICLE_ID_CHARS:
        raise NotFound(f"geen artikel met id {article_id[:80]!r}")
    service = overlap_service()
    with _check_slot() as free:
        if not free:
            return _busy()
        report = service.article(article_id)
    return cacheable(jsonify(report_json(report)), service.settings.cache_max_age)


@bp.post("/api/overlap")
def draft_overlap() -> Response:
    """The overlap report of a draft sent as JSON `{"text": ..., "title"?: ...}`."""
    no_params(request.args)
    text, title = _draft_body()
    service = overlap_service()
    limit = Budget.from_settings(service.settings).max_draft_chars
    if len(text) > limit:
        return error_response(
            413, "payload_too_large",
            f"het concept is te lang: {len(text)} tekens, ten hoogste {limit}",
        )
    with _check_slot() as free:
        if not free:
            return _busy()
        try:
            report = service.draft(text, title=title)
        except InputError as exc:
            return error_response(400, "invalid_draft", str(exc))
    response = jsonify(report_json(report))
    response.headers["Cache-Control"] = "no-store"  # a draft is private to its editor
    return response


def _draft_body() -> tuple[str, str]:
    if not request.is_json:
        raise UnsupportedMediaType("stuur het concept als JSON: Content-Type: application/json")
    body = request.get_json(silent=True)
    if body is None:
        raise BadRequest('de inhoud is geen geldige JSON; verwacht {"text": "..."}')
    if not isinstance(body, dict):
        raise BadRequest('verwacht een JSON-object {"text": "..."}')
    unknown = sorted(set(body) - _DRAFT_KEYS)
    if unknown:
        raise BadRequest(f"onbekend veld {', '.join(map(repr, unknown))}; verwacht text, title")
    text = body.get("text")
    if not isinstance(text, str):
        raise BadRequest('het veld "text" is verplicht en moet tekst zijn')
    title = body.get("title", "Concept")
    if not isinstance(title, str) or not title.strip() or len(title) > MAX_TITLE_CHARS:
        raise BadRequest(f'het veld "title" moet tekst zijn van 1 tot '
                         f"{MAX_TITLE_CHARS} tekens")
    return text, " ".join(title.split())


@bp.get("/editor")
def editor() -> str:
    """The editors' overlap page (Dutch; vanilla JavaScript, no build step)."""
    settings = current_service().settings
    return render_template("editor.html", max_draft_chars=settings.overlap_max_draft_chars)


@bp.record_once
def _guard_checks(state: BlueprintSetupState) -> None:
    """Give the check views their own rate limit (the app's limiter, when it has one) and a
    gate of `overlap_checks_per_worker` checks at once. (Recorded after the views, so that
    they are registered when it runs.)"""
    app = state.app
    settings = app.extensions["sitesearch"].settings
    app.extensions[GATE] = threading.BoundedSemaphore(settings.overlap_checks_per_worker)
    limiters: set[Limiter] = app.extensions.get("limiter", set())
    for limiter in limiters:
        for endpoint in CHECKS:
            view: Callable[..., Any] = app.view_functions[endpoint]
            # One limit for both checks together: a client cannot double it by alternating.
            app.view_functions[endpoint] = limiter.shared_limit(
                settings.overlap_rate_limit, scope="overlap", key_func=get_remote_address
            )(view)

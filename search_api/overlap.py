"""The editors' overlap endpoints and page.

- `GET /api/articles/<id>/overlap`: the overlap report of a stored article (404 if unknown);
- `POST /api/overlap` with JSON `{"text": "...", "title": "..."}`: the same report for a draft,
  which is parsed and analysed but never indexed;
- `GET /editor`: the page where editors paste a draft or pick an article.

The views call an `OverlapService` (indexer.overlap.service) that also serves the CLI; it shares the
app's engine and builds the NLP pipeline on the first draft.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Flask, Response, current_app, jsonify, render_template, request
from werkzeug.exceptions import BadRequest, UnsupportedMediaType

from indexer.errors import InputError, NotFound
from indexer.overlap.models import OverlapReport
from indexer.overlap.service import OverlapService
from search_api.errors import error_response
from search_api.params import no_params
from search_api.search import cacheable
from search_api.service import MAX_ARTICLE_ID_CHARS, current_service

bp = Blueprint("overlap", __name__)

MAX_TITLE_CHARS = 300
_DRAFT_KEYS = {"text", "title"}


EXTENSION = "sitesearch_overlap"


def install(app: Flask, service: OverlapService) -> None:
    """Use `service` for the overlap views of `app` (e.g. one sharing an NLP pipeline)."""
    app.extensions[EXTENSION] = service


def overlap_service() -> OverlapService:
    """The app's OverlapService, made on first use from the search service's engine."""
    service = current_app.extensions.get(EXTENSION)
    if service is None:
        search = current_service()
        service = OverlapService(search.engine, search.settings)
        current_app.extensions[EXTENSION] = service
    assert isinstance(service, OverlapService)
    return service


def report_json(report: OverlapReport) -> dict[str, Any]:
    """A report as the API shows it."""
    return report.model_dump(mode="json")


@bp.get("/api/articles/<article_id>/overlap")
def article_overlap(article_id: str) -> Response:
    """Which passages of a stored article stand elsewhere on the site, and related articles."""
    no_params(request.args)
    if len(article_id) > MAX_ARTICLE_ID_CHARS:
        raise NotFound(f"no article with id {article_id[:80]!r}")
    service = overlap_service()
    report = service.article(article_id)
    return cacheable(jsonify(report_json(report)), service.settings.cache_max_age)


@bp.post("/api/overlap")
def draft_overlap() -> Response:
    """The overlap report of a draft sent as JSON `{"text": ..., "title"?: ...}`."""
    no_params(request.args)
    text, title = _draft_body()
    service = overlap_service()
    if len(text) > service.settings.overlap_max_draft_chars:
        return error_response(
            413, "payload_too_large",
            f"draft is too long: {len(text)} characters, at most "
            f"{service.settings.overlap_max_draft_chars}",
        )
    try:
        report = service.draft(text, title=title)
    except InputError as exc:
        return error_response(400, "invalid_draft", str(exc))
    response = jsonify(report_json(report))
    response.headers["Cache-Control"] = "no-store"  # a draft is private to its editor
    return response


def _draft_body() -> tuple[str, str]:
    if not request.is_json:
        raise UnsupportedMediaType("send the draft as JSON: Content-Type: application/json")
    body = request.get_json(silent=True)
    if body is None:
        raise BadRequest('the body is not valid JSON; expected {"text": "..."}')
    if not isinstance(body, dict):
        raise BadRequest('expected a JSON object {"text": "..."}')
    unknown = sorted(set(body) - _DRAFT_KEYS)
    if unknown:
        raise BadRequest(f"unknown field(s) {', '.join(map(repr, unknown))}; expected text, title")
    text = body.get("text")
    if not isinstance(text, str):
        raise BadRequest('field "text" is required and must be a string')
    title = body.get("title", "Concept")
    if not isinstance(title, str) or not title.strip() or len(title) > MAX_TITLE_CHARS:
        raise BadRequest(f'field "title" must be a non-empty string of at most '
                         f"{MAX_TITLE_CHARS} characters")
    return text, " ".join(title.split())


@bp.get("/editor")
def editor() -> str:
    """The editors' overlap page (Dutch; vanilla JavaScript, no build step)."""
    settings = current_service().settings
    return render_template("editor.html", max_draft_chars=settings.overlap_max_draft_chars)

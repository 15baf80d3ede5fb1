"""The Flask application factory: `create_app(settings, engine=None)`.

The engine is passed in (tests pass a temporary embedded index) or built from settings on
first use, inside the process that serves requests (so each gunicorn worker opens its own,
after the fork). Nothing is created at import time.
"""

from __future__ import annotations

import importlib
import importlib.util
from functools import cache
from pathlib import Path
from typing import Any

import yaml  # type: ignore[import-untyped]
from flask import Flask, Response, jsonify, request
from flask_cors import CORS
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from werkzeug.exceptions import RequestEntityTooLarge

from indexer.search.port import Engine
from indexer.settings import Settings, load_settings
from search_api import articles, errors, health, pages, search
from search_api.service import SearchService

OPENAPI_FILE = Path(__file__).with_name("openapi.yaml")
# The pages load only their own scripts and styles: no inline code, no third parties.
PAGE_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; "
    "frame-ancestors 'none'"
)
# Optional blueprints of other features, registered when their module is present.
OPTIONAL_BLUEPRINTS = ("search_api.overlap",)


@cache
def openapi_document() -> dict[str, Any]:
    """The OpenAPI 3.1 document of the API (search_api/openapi.yaml), parsed once."""
    document: dict[str, Any] = yaml.safe_load(OPENAPI_FILE.read_text(encoding="utf-8"))
    return document


def create_app(settings: Settings | None = None, engine: Engine | None = None) -> Flask:
    """The search API and pages, configured from `settings` (default: `load_settings()`)."""
    settings = settings or load_settings()
    app = Flask(__name__)
    app.config["MAX_CONTENT_LENGTH"] = settings.max_body_bytes
    app.json.ensure_ascii = False  # type: ignore[attr-defined]
    app.json.sort_keys = False  # type: ignore[attr-defined]
    app.extensions["sitesearch"] = SearchService(settings, engine)

    errors.init_app(app)
    app.before_request(_refuse_large_bodies)
    app.after_request(_protective_headers)
    CORS(
        app,
        resources={r"/api/*": {"origins": list(settings.cors_origins)}},
        methods=["GET", "POST", "OPTIONS"],
        supports_credentials=False,
        max_age=600,
    )
    Limiter(
        get_remote_address,
        app=app,
        default_limits=[settings.rate_limit],
        # Only the API is limited; the page and its static files are cheap and cacheable.
        default_limits_exempt_when=lambda: not request.path.startswith("/api/"),
        storage_uri="memory://",
        headers_enabled=False,
        enabled=settings.rate_limit_enabled,
    )

    for blueprint in (search.bp, articles.bp, health.bp, pages.bp):
        app.register_blueprint(blueprint)
    for module_name in OPTIONAL_BLUEPRINTS:
        if importlib.util.find_spec(module_name) is not None:
            app.register_blueprint(importlib.import_module(module_name).bp)
    app.add_url_rule("/api/openapi.json", "openapi", _openapi)
    return app


def _refuse_large_bodies() -> None:
    # Werkzeug enforces MAX_CONTENT_LENGTH only when a view reads the body; refuse any
    # announced oversized body up front, whichever endpoint it was sent to.
    limit = request.max_content_length
    if limit is not None and request.content_length is not None \
            and request.content_length > limit:
        raise RequestEntityTooLarge()


def _protective_headers(response: Response) -> Response:
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("Referrer-Policy", "same-origin")
    if response.mimetype == "text/html":
        response.headers.setdefault("Content-Security-Policy", PAGE_POLICY)
    return response


def _openapi() -> Response:
    response = jsonify(openapi_document())
    response.headers["Cache-Control"] = "public, max-age=3600"
    return response

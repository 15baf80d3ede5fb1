"""The Flask application factory: `create_app(settings, engine=None)`.

The engine is passed in (tests pass a temporary embedded index) or built from settings on
first use, inside the process that serves requests (so each gunicorn worker opens its own,
after the fork). Nothing is created at import time.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

import yaml  # type: ignore[import-untyped]
from flask import Flask, Response, jsonify
from flask_cors import CORS
from werkzeug.middleware.proxy_fix import ProxyFix

from indexer.search.port import Engine
from indexer.settings import Settings, load_settings
from search_api import articles, bodies, errors, health, overlap, pages, search
from search_api.config import API_CONFIG, ApiConfig
from search_api.ratelimits import init_limiter
from search_api.service import SearchService

OPENAPI_FILE = Path(__file__).with_name("openapi.yaml")
# The pages load only their own scripts and styles: no inline code, no third parties.
PAGE_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; "
    "frame-ancestors 'none'"
)


@cache
def openapi_document() -> dict[str, Any]:
    """The OpenAPI 3.1 document of the API (search_api/openapi.yaml), parsed once."""
    document: dict[str, Any] = yaml.safe_load(OPENAPI_FILE.read_text(encoding="utf-8"))
    return document


def create_app(settings: Settings | None = None, engine: Engine | None = None) -> Flask:
    """The search API and pages, configured from `settings` (default: `load_settings()`).

    Raises SettingsError for a setting the API cannot use (see `ApiConfig.from_settings`).
    """
    settings = settings or load_settings()
    config = ApiConfig.from_settings(settings)
    app = Flask(__name__)
    if config.trusted_proxies:
        # The client address (rate limits, logs) and scheme as the trusted proxies saw them.
        app.wsgi_app = ProxyFix(  # type: ignore[method-assign]
            app.wsgi_app, x_for=config.trusted_proxies, x_proto=config.trusted_proxies
        )
    app.extensions["sitesearch"] = SearchService(settings, engine)
    app.extensions[API_CONFIG] = config

    errors.init_app(app)
    bodies.init_app(app, config.max_body_bytes, config.max_json_depth)
    app.after_request(_protective_headers)
    CORS(
        app,
        resources={r"/api/*": {"origins": list(config.cors_origins)}},
        methods=["GET", "POST", "OPTIONS"],
        supports_credentials=False,
        max_age=600,
    )
    init_limiter(app, config)
    for blueprint in (search.bp, articles.bp, health.bp, pages.bp, overlap.bp):
        app.register_blueprint(blueprint)
    app.add_url_rule("/api/openapi.json", "openapi", _openapi)
    return app


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

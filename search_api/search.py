"""The search box's endpoints: /api/search and /api/suggest."""

from __future__ import annotations

from flask import Blueprint, Response, request

from search_api.config import current_config
from search_api.params import search_params, suggest_params
from search_api.service import current_service

bp = Blueprint("search", __name__, url_prefix="/api")


def cacheable(response: Response, max_age: int) -> Response:
    """Mark a successful answer as cacheable by browsers and shared caches for `max_age` s."""
    response.headers["Cache-Control"] = f"public, max-age={max_age}"
    return response


@bp.get("/search")
def search() -> Response:
    """Hits, facets and a "bedoelde u" suggestion for `q`, filtered by label/entity."""
    config = current_config()
    params = search_params(request.args, config.params)
    body = current_service().search_json(params)
    return cacheable(Response(body, mimetype="application/json"), config.cache_max_age)


@bp.get("/suggest")
def suggest() -> Response:
    """At most 10 completions for what is being typed."""
    config = current_config()
    params = suggest_params(request.args, config.params)
    body = current_service().suggest_json(params)
    return cacheable(Response(body, mimetype="application/json"), config.cache_max_age)

"""/api/articles/<id>: one enriched article (the overlap blueprint adds .../overlap)."""

from __future__ import annotations

from flask import Blueprint, Response, jsonify, request

from search_api.params import no_params
from search_api.search import cacheable
from search_api.service import current_service

bp = Blueprint("articles", __name__, url_prefix="/api")


@bp.get("/articles/<article_id>")
def article(article_id: str) -> Response:
    """The parsed, enriched page with its sections and entities; 404 when unknown."""
    no_params(request.args)
    service = current_service()
    return cacheable(jsonify(service.article(article_id)), service.settings.cache_max_age)

"""/api/health: which engine, which index version, how many documents; 503 when it is down."""

from __future__ import annotations

from flask import Blueprint, Response, jsonify, request

from search_api.params import no_params
from search_api.service import current_service

bp = Blueprint("health", __name__, url_prefix="/api")


@bp.get("/health")
def health() -> Response:
    """200 with the engine's health, or 503 (error shape, Retry-After) when it is down."""
    no_params(request.args)
    response = jsonify(current_service().health().model_dump(mode="json"))
    response.headers["Cache-Control"] = "no-store"
    return response

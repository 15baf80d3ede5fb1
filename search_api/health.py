"""/api/health: which engine, which index version, how many documents; 503 when it is down
or its index is damaged ("degraded", with the reason, for monitoring)."""

from __future__ import annotations

from flask import Blueprint, Response, jsonify, request

from indexer.errors import IndexDamaged
from search_api.errors import RETRY_AFTER_SECONDS, error_response
from search_api.params import no_params
from search_api.service import current_service

bp = Blueprint("health", __name__, url_prefix="/api")


@bp.get("/health")
def health() -> Response:
    """200 with the engine's health, or 503 (error shape, Retry-After) when it is down; a
    damaged index is code "degraded", the message saying what is damaged."""
    no_params(request.args)
    try:
        health = current_service().health()
    except IndexDamaged as exc:
        return error_response(503, "degraded", f"degraded: {exc}; run `sitesearch reindex "
                              "--full` to repair it", {"Retry-After": str(RETRY_AFTER_SECONDS)})
    response = jsonify(health.model_dump(mode="json"))
    response.headers["Cache-Control"] = "no-store"
    return response

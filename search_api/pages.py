"""The site's search page at `/` (plain HTML, vanilla JavaScript; no build step)."""

from __future__ import annotations

from flask import Blueprint, render_template

from search_api.service import current_service

bp = Blueprint("pages", __name__)


@bp.get("/")
def index() -> str:
    """The search box page; all state lives in the URL query string (`?q=&page=&label=...`)."""
    settings = current_service().settings
    return render_template(
        "search.html", max_query_chars=settings.max_query_chars
    )

"""The visitors' pages: the search page at `/` and the article page at `/artikel/<id>`.

Both are rendered on the server from the app's `SearchService` (the same answers as the API),
so that they work without JavaScript; `static/search.js` enhances them (suggestions while
typing, results swapped in without a reload). The pages are Dutch throughout.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, redirect, render_template, request
from werkzeug.wrappers import Response

from indexer.errors import EngineUnavailable, NotFound, QueryError
from indexer.search.values import Completion, Facets, SearchResult
from search_api.config import current_config
from search_api.error_pages import error_page
from search_api.errors import ParameterError
from search_api.params import SuggestParams, search_params
from search_api.results_page import (
    PAGE_SIZE,
    PageQuery,
    Topic,
    article_href,
    closest_topics,
    last_page,
    page_title,
    popular_topics,
    results_view,
)
from search_api.service import SearchService, current_service

bp = Blueprint("pages", __name__)

RELATED_ARTICLES = 5
# Headings and intro words given to more_like_this to find an article's related articles.
RELATED_TEXT_CHARS = 2000


@bp.app_context_processor
def _page_context() -> dict[str, Any]:
    return {"max_query_chars": current_config().params.max_query_chars}


@bp.get("/")
def index() -> Response | str | tuple[str, int]:
    """The search page; its whole state is in the query string (`?q=&label=&entity=&page=`).

    A page past the last is redirected to the last; a query that cannot be searched is
    shown with a Dutch explanation (400).
    """
    service = current_service()
    limits = current_config().params
    max_page = max(1, limits.max_result_window // PAGE_SIZE)
    query = PageQuery.from_args(request.args, max_page)
    if not query.q:
        return render_template(
            "search.html", query=query, view=None, title=page_title(query, 1),
            popular=popular_topics(_popular_facets(service)),
        )
    try:
        params = search_params(query.args(), limits)
        result = SearchResult.model_validate_json(service.search_json(params))
    except ParameterError as exc:
        return _search_error(query, f"Dit kunnen we niet zoeken: {exc}.")
    except QueryError:
        return _search_error(
            query, "Hier valt niets in te zoeken: typ een of meer woorden (niet alleen tekens "
            "of woorden met een minteken ervoor)."
        )
    last = last_page(result.total, result.size)
    if query.page > last:
        return redirect(PageQuery(query.q, last, query.labels, query.entities).href(), 302)
    view = results_view(query, result)
    topics: tuple[Topic, ...] = ()
    popular: tuple[Topic, ...] = ()
    if result.total == 0:
        topics = closest_topics(lambda prefix: _completions(service, prefix), query.q)
        popular = popular_topics(_popular_facets(service))
    return render_template(
        "search.html", query=query, view=view, title=view.title, topics=topics,
        popular=popular,
    )


def _search_error(query: PageQuery, message: str) -> tuple[str, int]:
    return render_template(
        "search.html", query=query, view=None, error=message, title="Zoeken – fout",
        popular=(),
    ), 400


def _completions(service: SearchService, prefix: str) -> list[Completion]:
    try:
        answer = service.suggest(SuggestParams(q=prefix, limit=5))
    except QueryError:
        return []
    return [Completion.model_validate(c) for c in answer["completions"]]


def _popular_facets(service: SearchService) -> Facets | None:
    """Labels and entities over all live articles; None before there is a live index."""
    try:
        return service.searcher.popular_facets()
    except (NotFound, EngineUnavailable):
        return None


@bp.get("/artikel/<article_id>")
def article(article_id: str) -> Response | str:
    """An article that has no URL of its own (an ingested export), readable: its title,
    intro, sections with their anchors, labels and related articles. An article that has
    its own URL is redirected there; an unknown id is the 404 page."""
    service = current_service()
    try:
        page = service.article(article_id)
    except NotFound:
        return error_page(404)
    if str(page["url"] or "").startswith(("https://", "http://")):
        return redirect(page["url"], 302)
    return render_template(
        "article.html", article=page, related=_related(service, page),
        search_href=lambda label: PageQuery(q=label, labels=(label,)).href(),
    )


def _related(service: SearchService, page: dict[str, Any]) -> list[dict[str, str]]:
    """The article's own related links, then articles about the same subject."""
    related: list[dict[str, str]] = [
        {"title": r["title"], "href": r["url"] or PageQuery(q=r["title"]).href()}
        for r in page["related"]
    ]
    text = " ".join([page["title"], *page["intro"], *_headings(page["sections"])])
    seen = {r["title"] for r in related} | {page["title"]}
    for other in service.searcher.more_like_this(
        text[:RELATED_TEXT_CHARS], exclude_article=page["id"], limit=RELATED_ARTICLES
    ):
        if other.title not in seen:
            seen.add(other.title)
            related.append({"title": other.title, "href": article_href(other.article_id, None)})
    return related


def _headings(sections: list[dict[str, Any]]) -> list[str]:
    found: list[str] = []
    for section in sections:
        found.append(section["heading"])
        found.extend(_headings(section["subsections"]))
    return found

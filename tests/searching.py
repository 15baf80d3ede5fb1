"""The search flow over a test's engine: one `Searcher` per engine, as the API keeps one."""

from __future__ import annotations

import weakref
from typing import Any

from indexer.search.port import Engine
from indexer.search.searcher import Searcher
from indexer.search.values import SearchRequest, SearchResult
from indexer.settings import load_settings

_SEARCHERS: weakref.WeakKeyDictionary[Any, Searcher] = weakref.WeakKeyDictionary()


def searcher_for(engine: Engine) -> Searcher:
    """The searcher of `engine` (made on first use, with the default settings)."""
    searcher = _SEARCHERS.get(engine)
    if searcher is None:
        searcher = _SEARCHERS[engine] = Searcher.from_settings(engine, load_settings())
    return searcher


def search(engine: Engine, query: str, **options: Any) -> SearchResult:
    """`engine` searched for `query` through the search flow."""
    return searcher_for(engine).search(SearchRequest(query=query, **options))

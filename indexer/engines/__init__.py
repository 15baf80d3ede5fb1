"""The engines: embedded tantivy (the default) and Elasticsearch, behind `indexer.search.port`."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from indexer.search.port import Engine
    from indexer.settings import Settings


def make_engine(settings: Settings) -> Engine:
    """The engine named by `settings.backend`, configured from settings."""
    if settings.backend == "elasticsearch":
        from indexer.engines.elastic.engine import ElasticEngine

        return ElasticEngine.from_settings(settings)
    from indexer.engines.tantivy.engine import TantivyEngine

    return TantivyEngine.from_settings(settings)

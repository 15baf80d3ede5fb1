"""The typed errors of the core. Each carries a message fit to show a user as it is."""

from __future__ import annotations


class SiteSearchError(Exception):
    """Base of every error this project raises on purpose."""


class InputError(SiteSearchError):
    """Raw input that cannot be parsed into pages: the message names the problem."""


class QueryError(SiteSearchError):
    """A visitor's query or parameters that cannot be searched (the API answers 400)."""


class NotFound(SiteSearchError):
    """An article, index version or record that does not exist (the API answers 404)."""


class EngineUnavailable(SiteSearchError):
    """The search engine cannot be reached or did not answer in time (the API answers 503)."""


class IndexDamaged(EngineUnavailable):
    """The index on disk is damaged (a pointer naming no version, missing or truncated files):
    the API answers 503 and says why on /api/health; `sitesearch reindex --full` repairs it."""


class IndexingError(SiteSearchError):
    """Documents that the engine refused; `failed` maps each document id to its reason."""

    def __init__(self, message: str, failed: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.failed = dict(failed or {})

"""Rate limiting of the API, counted once for all its workers (flask-limiter).

Counters live where `ApiConfig.rate_limit_storage` says: by default in a folder shared by the
gunicorn workers of this machine (`FolderStorage`, SQLite through diskcache, so that
"120/minute" means 120 whichever worker answers, with no server to start); a deployment on
several machines names a shared server instead (`redis://...`, `memcached://...`, which need
the `redis` or `pymemcache` client installed). The client is the connecting address, or the
address a trusted proxy (`trusted_proxies`) put in X-Forwarded-For (werkzeug's ProxyFix).
If the counters cannot be reached, requests are limited per worker in memory meanwhile.
"""

from __future__ import annotations

import sqlite3
import time
from typing import Any

import diskcache
from flask import Flask, request
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from limits.storage import Storage

from search_api.config import SHARED_FOLDER_SCHEME, ApiConfig

# A counter update waits at most this long (s) for another worker's (each takes well under
# a millisecond); past it, the storage error lets the request through, limited in memory.
LOCK_TIMEOUT_S = 0.25


class FolderStorage(Storage):
    """`limits` counters in a diskcache folder that several processes open at once.

    URI: `sitesearch-folder:///absolute/folder`. Each increment is one SQLite transaction
    (BEGIN IMMEDIATE), so two workers counting the same client never lose a hit. Supports the
    fixed-window strategy (flask-limiter's default). The folder holds nothing else: deleting
    it (the service stopped) only forgets the current windows.
    """

    STORAGE_SCHEME = [SHARED_FOLDER_SCHEME]  # noqa: RUF012 (as `limits` declares it)

    def __init__(self, uri: str, wrap_exceptions: bool = False, **options: Any) -> None:
        self.folder = uri.split("://", 1)[1]
        self._opened: diskcache.Cache | None = None
        super().__init__(uri, wrap_exceptions=wrap_exceptions, **options)

    @property
    def _cache(self) -> diskcache.Cache:
        # Opened on first use, in the worker (an unusable folder is then a storage error,
        # which flask-limiter answers by counting in memory, not a worker that cannot start).
        if self._opened is None:
            self._opened = diskcache.Cache(
                self.folder, timeout=LOCK_TIMEOUT_S, sqlite_synchronous=0,
                eviction_policy="none",
            )
        return self._opened

    @property
    def base_exceptions(self) -> tuple[type[Exception], ...]:
        return (OSError, sqlite3.Error, diskcache.Timeout)

    def incr(self, key: str, expiry: float, amount: int = 1) -> int:
        with self._cache.transact():
            value, expires = self._cache.get(key, default=None, expire_time=True)
            now = time.time()
            if value is None or expires is None or expires <= now:
                self._cache.set(key, amount, expire=expiry)
                return amount
            total = int(value) + amount
            self._cache.set(key, total, expire=expires - now)
            return total

    def get(self, key: str) -> int:
        value = self._cache.get(key, default=0)
        return int(value)

    def get_expiry(self, key: str) -> float:
        _value, expires = self._cache.get(key, default=None, expire_time=True)
        return float(expires) if expires is not None else time.time()

    def check(self) -> bool:
        try:
            self._cache.get("__check__")
        except self.base_exceptions:
            return False
        return True

    def reset(self) -> int | None:
        return int(self._cache.clear())

    def clear(self, key: str) -> None:
        self._cache.delete(key)


def init_limiter(app: Flask, config: ApiConfig) -> Limiter:
    """Rate-limit the app's /api/ endpoints per client, as `config` says (off when its
    rate_limit is None)."""
    return Limiter(
        get_remote_address,
        app=app,
        default_limits=[config.rate_limit] if config.rate_limit else [],
        # Only the API is limited; the page and its static files are cheap and cacheable.
        default_limits_exempt_when=lambda: not request.path.startswith("/api/"),
        storage_uri=config.rate_limit_storage,
        in_memory_fallback_enabled=True,
        swallow_errors=True,
        headers_enabled=False,
        enabled=config.rate_limit is not None,
    )

"""Recent search and suggest answers, remembered as their JSON bytes.

Two stores behind one small interface:

- `SharedAnswers`: one diskcache folder (SQLite + files) that every gunicorn worker of the
  service opens, so that an answer computed by one worker is served by all of them. Opened on
  first use, inside the worker, never inherited through a fork.
- `MemoryAnswers`: a TTLCache in this process (sharing turned off, or the folder unusable).

Entries expire after `cache_max_age` seconds. The key names the engine's generation (the live
version and its last write, see SearchService), so a switch or a write into the live version
is a new set of keys: nothing needs clearing.

A cache must never fail a search: a shared folder that cannot be opened leaves the worker
with its answers in memory; a read or write that fails is a miss or is skipped. The first such
problem is logged, the rest are not. The folder holds nothing else: deleting it (the service
stopped) is always safe, and is the repair for one damaged by a crash of the machine.
"""

from __future__ import annotations

import json
import logging
import sqlite3
import threading
from pathlib import Path
from typing import Protocol

import diskcache
from cachetools import TTLCache

from indexer.settings import Settings

log = logging.getLogger("search_api")

# diskcache bounds its folder in bytes: this many per entry allowed, so that the folder holds
# at least `answer_cache_entries` answers of a page of hits with snippets and facets.
BYTES_PER_ENTRY = 16 * 1024
# SQLite's busy timeout (s): a write waits at most this long for another worker's write
# (each takes well under a millisecond); an answer that cannot be stored in time is not stored.
LOCK_TIMEOUT_S = 0.25
# SQLite's `synchronous` for the folder: OFF, no fsync at all (diskcache's default fsyncs at
# every WAL checkpoint, inside whichever request stores an answer then). The price: an
# operating-system crash or power loss may damage the database. Its answers are disposable;
# a damaged folder is reported once and searches go on without it (see below), and deleting
# the folder repairs it.
SQLITE_SYNCHRONOUS = 0
# What a damaged, unwritable or busy cache folder raises.
CACHE_ERRORS = (OSError, sqlite3.Error, diskcache.Timeout)


class AnswerCache(Protocol):
    """Where answers are remembered: JSON bytes by key, for `cache_max_age` seconds."""

    def get(self, key: str) -> bytes | None:
        """The remembered answer, or None (unknown, expired, or the store is unusable)."""
        ...

    def put(self, key: str, body: bytes) -> None:
        """Remember `body` under `key` (silently not, if the store is unusable)."""
        ...

    def clear(self) -> None:
        """Forget every answer (for every worker, when the store is shared)."""
        ...


def answer_key(kind: str, version: object, *parts: object) -> str:
    """The key of an answer: what was asked, and of which live index version.

    JSON keeps the parts apart unambiguously (a query may hold any character) and spells the
    same request the same way in every process.
    """
    return json.dumps([kind, version, *parts], ensure_ascii=False, separators=(",", ":"))


def answer_cache_for(settings: Settings) -> AnswerCache | None:
    """The answer cache the settings ask for; None when answers are not remembered."""
    if not settings.answer_cache_entries or not settings.cache_max_age:
        return None
    if settings.answer_cache_shared:
        return SharedAnswers(settings)
    return MemoryAnswers(settings.answer_cache_entries, settings.cache_max_age)


class MemoryAnswers:
    """Answers kept in this process only (a TTLCache, bounded by entries)."""

    def __init__(self, entries: int, max_age: float) -> None:
        self._answers: TTLCache[str, bytes] = TTLCache(entries, max_age)
        self._lock = threading.Lock()

    def get(self, key: str) -> bytes | None:
        with self._lock:
            return self._answers.get(key)

    def put(self, key: str, body: bytes) -> None:
        with self._lock:
            self._answers[key] = body

    def clear(self) -> None:
        with self._lock:
            self._answers.clear()


class SharedAnswers:
    """Answers in a diskcache folder shared by the service's worker processes.

    Bounded to `answer_cache_entries` × BYTES_PER_ENTRY bytes (oldest stored evicted first).
    If the folder cannot be opened (not writable, not a folder, a damaged database), this
    process keeps its answers in memory instead, as with sharing off, after one warning.
    diskcache gives each thread its own SQLite connection: safe to share between threads.
    """

    def __init__(self, settings: Settings) -> None:
        self.directory: Path = settings.answers_dir
        self._entries = settings.answer_cache_entries
        self._max_age = settings.cache_max_age
        self._store: diskcache.Cache | None = None
        self._fallback: MemoryAnswers | None = None
        self._open_lock = threading.Lock()
        self._warned = False

    def get(self, key: str) -> bytes | None:
        store = self._opened()
        if isinstance(store, MemoryAnswers):
            return store.get(key)
        try:
            body = store.get(key)
        except CACHE_ERRORS as exc:
            self._warn_once("read", exc)
            return None
        return body if isinstance(body, bytes) else None

    def put(self, key: str, body: bytes) -> None:
        store = self._opened()
        if isinstance(store, MemoryAnswers):
            store.put(key, body)
            return
        try:
            store.set(key, body, expire=self._max_age)
        except CACHE_ERRORS as exc:
            self._warn_once("write", exc)

    def clear(self) -> None:
        store = self._opened()
        try:
            store.clear()
        except CACHE_ERRORS as exc:
            self._warn_once("clear", exc)

    def close(self) -> None:
        """Close this process's connections (the folder and its answers stay)."""
        with self._open_lock:
            if self._store is not None:
                self._store.close()
                self._store = None

    def open(self) -> bool:
        """Open the folder now rather than on first use; whether answers are shared (False
        when it proved unusable and this process keeps its answers in memory)."""
        return not isinstance(self._opened(), MemoryAnswers)

    def _opened(self) -> diskcache.Cache | MemoryAnswers:
        # (`is not None`: an empty diskcache.Cache is falsy)
        if self._store is not None:
            return self._store
        if self._fallback is not None:
            return self._fallback
        with self._open_lock:
            if self._store is not None:
                return self._store
            if self._fallback is not None:
                return self._fallback
            try:
                self._store = diskcache.Cache(
                    str(self.directory),
                    timeout=LOCK_TIMEOUT_S,
                    size_limit=self._entries * BYTES_PER_ENTRY,
                    eviction_policy="least-recently-stored",  # a read writes nothing
                    sqlite_synchronous=SQLITE_SYNCHRONOUS,
                )
                return self._store
            except CACHE_ERRORS as exc:
                self._warn_once("open", exc)
                self._fallback = MemoryAnswers(self._entries, self._max_age)
                return self._fallback

    def _warn_once(self, action: str, exc: BaseException) -> None:
        if self._warned:
            return
        self._warned = True
        instead = (
            "this worker keeps its answers in memory instead" if action == "open"
            else "the answer is computed without it"
        )
        log.warning(
            "shared answer cache %s: cannot %s (%s: %s); %s (further errors not logged)",
            self.directory, action, type(exc).__name__, exc, instead,
        )

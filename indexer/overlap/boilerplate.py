"""The site's boilerplate: word runs that stand on so many articles that they are template
text (notes, instructions, navigation sentences), not an editor's copy.

A run of `run_words` consecutive comparison terms (or a whole short passage) standing on at
least `Thresholds.boilerplate_pages(articles)` articles is boilerplate. Boilerplate words are
masked before two texts are aligned (they match nothing), are left out of every duplicated
fraction and never join a cluster. The site report lists them once, in a section of their own.

`find_boilerplate` computes it from the stored passages (one pass, numpy for the counting);
`BoilerplateStore` keeps it for the checks of the live version: in memory, and in a file beside
the index that the other workers and the CLI read, recomputed when the live version or its
article count changes.
"""

from __future__ import annotations

import json
import logging
import threading
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
from numpy.typing import NDArray

from indexer.atomic import write_atomic
from indexer.nlp.fingerprints import Words, text_words
from indexer.overlap.limits import Thresholds

if TYPE_CHECKING:
    from indexer.search.port import Engine
    from indexer.search.values import StoredPassage

log = logging.getLogger("indexer.overlap")

# The shortest run that can be boilerplate, whatever `min_span_words` is: shorter runs of
# words ("in het menu", "klik op") are the language, not a template.
MIN_RUN_WORDS = 5
# A passage shorter than a run is boilerplate as a whole when it has this many words.
MIN_SHORT_WORDS = 3
_FORMAT = 2


def run_words(limits: Thresholds) -> int:
    """Words per boilerplate run: at most a span's least length, so that a span made of
    template text alone always holds a run that is masked."""
    return max(MIN_RUN_WORDS, limits.min_span_words)


@dataclass(frozen=True)
class Boilerplate:
    """What is boilerplate on one site: the word runs standing on at least `pages` of its
    `articles` articles; and, to ask the engine for the rarest band keys first, on how many
    articles each common band key stands (those on at least `boilerplate_min_pages`)."""

    pages: int
    articles: int
    size: int  # words per run
    runs: frozenset[tuple[str, ...]] = field(default=frozenset())
    band_articles: Mapping[str, int] = field(default_factory=dict)

    def positions(self, words: Words) -> frozenset[int]:
        """The indexes of the words of `words` that are boilerplate."""
        if not self.runs:
            return frozenset()
        terms = words.terms
        if len(terms) < self.size:
            whole = len(terms) >= MIN_SHORT_WORDS and terms in self.runs
            return frozenset(range(len(terms))) if whole else frozenset()
        found: set[int] = set()
        for start in range(len(terms) - self.size + 1):
            if terms[start : start + self.size] in self.runs:
                found.update(range(start, start + self.size))
        return frozenset(found)

    def as_json(self) -> dict[str, Any]:
        return {
            "pages": self.pages, "articles": self.articles, "size": self.size,
            "runs": sorted(list(run) for run in self.runs),
            "band_articles": dict(sorted(self.band_articles.items())),
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Boilerplate:
        return cls(
            pages=int(data["pages"]), articles=int(data["articles"]), size=int(data["size"]),
            runs=frozenset(tuple(str(t) for t in run) for run in data["runs"]),
            band_articles={str(k): int(v) for k, v in data["band_articles"].items()},
        )


@dataclass(frozen=True)
class SiteBoilerplate:
    """The boilerplate of a list of passages, with each passage's boilerplate word indexes."""

    boilerplate: Boilerplate
    positions: list[frozenset[int]]


def _run_hashes(words: Words, size: int) -> list[int]:
    terms = words.terms
    if len(terms) < size:
        return [hash(terms)] if len(terms) >= MIN_SHORT_WORDS else []
    return [hash(terms[i : i + size]) for i in range(len(terms) - size + 1)]


def find_boilerplate(
    passages: Sequence[StoredPassage], words: Sequence[Words], limits: Thresholds
) -> SiteBoilerplate:
    """The boilerplate of a site, from all its passages (and their words, in the same order)."""
    size = run_words(limits)
    articles = sorted({p.article_id for p in passages})
    pages = limits.boilerplate_pages(len(articles))
    hashes = [_run_hashes(w, size) for w in words]
    article_of: dict[str, int] = {}
    band_articles: dict[str, set[str]] = defaultdict(set)
    owners = []
    for passage, its_hashes in zip(passages, hashes, strict=True):
        owners.append(np.full(len(its_hashes), article_of.setdefault(passage.article_id,
                                                                    len(article_of))))
        for band in passage.bands:
            band_articles[band].add(passage.article_id)
    frequent = _frequent(hashes, owners, pages)
    runs: set[tuple[str, ...]] = set()
    positions: list[frozenset[int]] = []
    for its_words, its_hashes in zip(words, hashes, strict=True):
        starts = [s for s, h in enumerate(its_hashes) if h in frequent]
        if not starts:
            positions.append(frozenset())
        elif len(its_words) < size:
            runs.add(its_words.terms)
            positions.append(frozenset(range(len(its_words))))
        else:
            runs.update(its_words.terms[s : s + size] for s in starts)
            positions.append(frozenset(k for s in starts for k in range(s, s + size)))
    common = {
        band: len(held) for band, held in band_articles.items()
        if len(held) >= limits.boilerplate_min_pages
    }
    boilerplate = Boilerplate(pages, len(articles), size, frozenset(runs), common)
    return SiteBoilerplate(boilerplate, positions)


def _frequent(hashes: Sequence[list[int]], owners: Sequence[NDArray[np.int64]],
              pages: int) -> set[int]:
    """The run hashes standing on at least `pages` articles (each article counted once)."""
    if not any(hashes):
        return set()
    values = np.concatenate([np.array(h, dtype=np.int64) for h in hashes])
    articles = np.concatenate(owners)
    order = np.lexsort((articles, values))
    values, articles = values[order], articles[order]
    first = np.ones(len(values), dtype=bool)  # the first of each (run, article) pair
    first[1:] = (values[1:] != values[:-1]) | (articles[1:] != articles[:-1])
    unique, counts = np.unique(values[first], return_counts=True)
    return set(unique[counts >= pages].tolist())


class BoilerplateStore:
    """The boilerplate of the live version, for the checks of one process.

    Remembered in memory and in `folder` (one JSON file per index version, written
    atomically, read by the other workers and the CLI); recomputed from the engine's passages
    when the live version, its article count or the thresholds differ from what was stored.
    An incremental refresh that changes pages without changing their count keeps the stored
    boilerplate until the next version or `sitesearch overlap --report` (which stores anew).
    """

    def __init__(self, engine: Engine, limits: Thresholds, folder: Path | None) -> None:
        self.engine = engine
        self.limits = limits
        self.folder = folder
        self._lock = threading.Lock()
        self._key: dict[str, Any] | None = None
        self._value: Boilerplate | None = None

    def current(self) -> Boilerplate:
        """The boilerplate of the live version as it is now (empty when nothing is live)."""
        key = self._live_key()
        with self._lock:  # one computation per process, however many checks wait for it
            if self._value is not None and self._key == key:
                return self._value
            found = self._read(key)
            if found is None:
                passages = list(self.engine.iter_passages())
                words = [text_words(p.text) for p in passages]
                found = find_boilerplate(passages, words, self.limits).boilerplate
                self._write(key, found)
            self._key, self._value = key, found
            return found

    def store(self, boilerplate: Boilerplate) -> None:
        """Keep `boilerplate`, computed from the live version as it is now (the site report)."""
        key = self._live_key()
        with self._lock:
            self._write(key, boilerplate)
            self._key, self._value = key, boilerplate

    def _live_key(self) -> dict[str, Any]:
        return {
            "format": _FORMAT, "version": self.engine.live_version(),
            "count": self.engine.count() if self.engine.live_version() else 0,
            "share": self.limits.boilerplate_share,
            "min_pages": self.limits.boilerplate_min_pages, "size": run_words(self.limits),
        }

    def _path(self, key: dict[str, Any]) -> Path | None:
        if self.folder is None or key["version"] is None:
            return None
        return self.folder / f"boilerplate-{key['version']}.json"

    def _read(self, key: dict[str, Any]) -> Boilerplate | None:
        path = self._path(key)
        if path is None or not path.is_file():
            return None
        try:
            data = json.loads(path.read_bytes())
            if data.get("key") != key:
                return None
            return Boilerplate.from_json(data["boilerplate"])
        except (OSError, ValueError, KeyError, TypeError) as exc:
            log.warning("boilerplate file %s unreadable (%s): computing it again", path, exc)
            return None

    def _write(self, key: dict[str, Any], boilerplate: Boilerplate) -> None:
        path = self._path(key)
        if path is None:
            return
        data = {"key": key, "boilerplate": boilerplate.as_json()}
        try:
            write_atomic(path, json.dumps(data, ensure_ascii=False).encode("utf-8"))
            versions = set(self.engine.versions())
            for old in path.parent.glob("boilerplate-*.json"):  # of versions dropped since
                if old.stem.removeprefix("boilerplate-") not in versions:
                    old.unlink(missing_ok=True)
        except OSError as exc:  # a read-only data dir: the checks still work, from memory
            log.warning("boilerplate file %s not written (%s)", path, exc)

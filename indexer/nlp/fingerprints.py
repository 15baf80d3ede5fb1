"""Overlap fingerprints: normalised Dutch terms, word shingles, windowed MinHash, LSH band keys.

Editors copy *sentences* between articles, not whole paragraphs, so a MinHash of a whole
passage would barely move when two sentences of a long paragraph are shared. Instead we slide a
short window over the passage's content-word shingles and take the MinHash of every window;
the band keys of all windows (deduplicated) are the passage's keyword terms. Two passages that
share a run of at least ``W + K - 1`` content words (stop words skipped) then share every band
key of that run's windows, whatever else the paragraphs say. With one row per band this is
winnowing (Schleimer et al. 2003); more rows or bands trade index terms for fewer false
candidates. The default, a window of one shingle, gives a shared key to any two content words
copied together in order: the short copied sentence is what editors need found.

The signature of each window is exactly datasketch's ``MinHash(num_perm, seed, scheme="legacy")``
of that window's shingles (a test checks it). A page is hashed in one numpy pass over the
shingles of all its passages (`page_bands`): a Python call per passage or per window would cost
more than the hashing. A site repeats its words and word pairs on page after page, so the
content terms of a lemma and the hash of a shingle are computed once and remembered.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
from datasketch import MinHash
from datasketch.hashfunc import sha1_hash32
from numpy.typing import NDArray

from indexer.pages.normalise import fold

SHINGLE = 2  # K: content words per shingle
WINDOW = 1  # W: shingles per MinHash window
BANDS = 1  # LSH bands per window
ROWS = 1  # MinHash values per band
SEED = 1
_MERSENNE = np.uint64((1 << 61) - 1)
_MAX_HASH = np.uint64((1 << 32) - 1)
_FOLD = np.uint64(0x100000001B3)
# Distinct lemmas and shingles remembered (a site's vocabulary and word pairs).
_CACHED = 1 << 18

# Words: letters/digits, joined by inner hyphens or apostrophes ("NMDA-receptor", "RCT's").
WORD = re.compile(r"[^\W_]+(?:[-'’][^\W_]+)*")
# Inflection endings dropped so that "enzymen"/"enzym", "belangrijke"/"belangrijk" meet.
_ENDINGS = ("en", "s", "e")


@lru_cache(maxsize=1)
def stop_words() -> frozenset[str]:
    """Dutch function words (spaCy's list, folded): never part of a shingle."""
    from spacy.lang.nl.stop_words import STOP_WORDS

    return frozenset(fold(word) for word in STOP_WORDS)


@lru_cache(maxsize=200_000)
def term(word: str) -> str:
    """The comparison form of a word or lemma: folded, lower-case, common endings cut."""
    folded = fold(word).replace("’", "'")
    if folded.endswith("ee"):  # a long vowel, not an ending: "diarree", "idee"
        return folded
    for ending in _ENDINGS:
        if folded.endswith(ending) and len(folded) - len(ending) >= 4:
            return folded[: -len(ending)]
    return folded


@lru_cache(maxsize=200_000)
def is_content(word: str) -> bool:
    """True for words that carry meaning (not stop words, not one character)."""
    folded = fold(word)
    return len(folded) > 1 and folded not in stop_words()


@lru_cache(maxsize=_CACHED)
def _lemma_terms(lemma: str) -> tuple[str, ...]:
    return tuple(term(word) for word in WORD.findall(lemma) if is_content(word))


def content_terms(lemmas: Sequence[str]) -> list[str]:
    """The comparison terms of the content words among `lemmas`, in order."""
    return [t for lemma in lemmas for t in _lemma_terms(lemma)]


@dataclass(frozen=True, slots=True)
class Words:
    """The words of a text, column by column: comparison terms, character offsets, and
    whether each is a content word; plus the set of distinct content terms.

    (Columns rather than one object per word: a site has millions of words, and the
    alignment only needs the term list.)
    """

    terms: tuple[str, ...]
    starts: tuple[int, ...]
    ends: tuple[int, ...]
    content: tuple[bool, ...]
    content_terms: frozenset[str]
    content_sequence: tuple[str, ...] = ()  # the content terms in order

    def __len__(self) -> int:
        return len(self.terms)


@lru_cache(maxsize=200_000)
def _word_form(word: str) -> tuple[str, bool]:
    return term(word), is_content(word)


@lru_cache(maxsize=8192)
def text_words(text: str) -> Words:
    """The words of `text` with their character offsets (no NLP needed: a regex and `term`).

    Cached: the same stored passages come back as candidates of many checks.
    """
    matches = list(WORD.finditer(text))
    forms = [_word_form(m.group()) for m in matches]
    terms = tuple(form for form, _ in forms)
    content = tuple(flag for _, flag in forms)
    sequence = tuple(t for t, flag in zip(terms, content, strict=True) if flag)
    return Words(
        terms=terms,
        starts=tuple(m.start() for m in matches),
        ends=tuple(m.end() for m in matches),
        content=content,
        content_terms=frozenset(sequence),
        content_sequence=sequence,
    )


def shingles(terms: Sequence[str], size: int = SHINGLE) -> list[str]:
    """Word n-grams over terms, in order (one shingle of all terms when there are fewer)."""
    if len(terms) < size:
        return [" ".join(terms)] if terms else []
    return [" ".join(terms[i : i + size]) for i in range(len(terms) - size + 1)]


@lru_cache(maxsize=4)
def _permutations(num_perm: int) -> tuple[NDArray[np.uint64], NDArray[np.uint64]]:
    a, b = MinHash(num_perm=num_perm, seed=SEED, scheme="legacy").permutations
    return np.asarray(a, dtype=np.uint64), np.asarray(b, dtype=np.uint64)


@lru_cache(maxsize=_CACHED)
def _shingle_hash(gram: str) -> int:
    return int(sha1_hash32(gram.encode("utf-8")))


def _permuted(grams: Sequence[str], num_perm: int) -> NDArray[np.uint64]:
    """Each shingle's hash under each of the `num_perm` permutations (one row per shingle),
    computed as datasketch does, in 64-bit unsigned integers that wrap around."""
    hashes = np.fromiter((_shingle_hash(g) for g in grams), dtype=np.uint64, count=len(grams))
    a, b = _permutations(num_perm)
    return ((hashes[:, None] * a + b) % _MERSENNE) & _MAX_HASH


def _windows(permuted: NDArray[np.uint64], window: int) -> NDArray[np.uint64]:
    if window == 1 or not len(permuted):
        return permuted
    if len(permuted) <= window:
        signatures: NDArray[np.uint64] = permuted.min(axis=0, keepdims=True)
    else:
        views = np.lib.stride_tricks.sliding_window_view(permuted, window, axis=0)
        signatures = views.min(axis=-1)
    return signatures


def window_signatures(
    grams: Sequence[str], window: int = WINDOW, num_perm: int = BANDS * ROWS
) -> NDArray[np.uint64]:
    """MinHash signatures (one row per window of `window` consecutive shingles)."""
    return _windows(_permuted(grams, num_perm), window)


def band_keys(
    signatures: NDArray[np.uint64], bands: int = BANDS, rows: int = ROWS
) -> tuple[str, ...]:
    """Distinct LSH band keys "<band>.<hex>" of a set of window signatures, sorted."""
    keys: set[str] = set()
    for band in range(bands):
        block = signatures[:, band * rows : (band + 1) * rows]
        mixed = block[:, 0]
        for row in range(1, rows):
            # Fold the band's rows into one 64-bit value (stable across processes).
            mixed = mixed * _FOLD ^ block[:, row]
        keys.update(f"{band}.{value:x}" for value in np.unique(mixed).tolist())
    return tuple(sorted(keys))


def passage_bands(lemmas: Sequence[str]) -> tuple[str, ...]:
    """LSH band keys of a passage's lemmas, stored as keyword terms on the passage document.

    Two passages sharing a run of at least SHINGLE + WINDOW - 1 content words (the same
    words, in the same order, stop words ignored) share at least one key.
    """
    return page_bands([lemmas])[0]


def page_bands(passages: Sequence[Sequence[str]]) -> list[tuple[str, ...]]:
    """`passage_bands` of each passage (its lemmas) of a page, hashed in one array."""
    grams = [shingles(content_terms(lemmas)) for lemmas in passages]
    permuted = _permuted([gram for some in grams for gram in some], BANDS * ROWS)
    found = []
    start = 0
    for some in grams:
        found.append(band_keys(_windows(permuted[start : start + len(some)], WINDOW)))
        start += len(some)
    return found

"""Overlap fingerprints: normalised Dutch terms, word shingles, windowed MinHash, LSH band keys.

Editors copy *sentences* between articles, not whole paragraphs, so a MinHash of a whole
passage would barely move when two sentences of a long paragraph are shared. Instead we slide a
short window over the passage's content-word shingles and take the MinHash of every window;
the band keys of all windows (deduplicated) are the passage's keyword terms. Two passages that
share a run of at least ``W + K - 1`` content words (stop words skipped) then share every band
key of that run's windows, whatever else the paragraphs say. With one row per band this is
winnowing (Schleimer et al. 2003); more rows or bands trade index terms for fewer false
candidates. The defaults were chosen by measurement (bench/overlap.py, README): a window of
one shingle, so that any two content words copied together in order give a shared key.

The signature of each window is exactly datasketch's ``MinHash(num_perm, seed, scheme="legacy")``
of that window's shingles (a test checks it); we compute all windows of a passage in one numpy
pass because one ``update_batch`` per window costs a Python call per window.
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

# Measured with bench/overlap.py (2,000 pages, brute force on 300, threshold 0.6): windows of
# one shingle (each key is the min-hash of one content-word pair) reach recall 0.985 with 12
# keys per passage; wider windows lose the short copied sentences (window 2: 0.926 with 16
# keys, window 4: 0.838; 4 bands x 2 rows over windows of 2: 0.943 with 41 keys).
SHINGLE = 2  # K: content words per shingle
WINDOW = 1  # W: shingles per MinHash window
BANDS = 1  # LSH bands per window
ROWS = 1  # MinHash values per band
SEED = 1
_MERSENNE = np.uint64((1 << 61) - 1)
_MAX_HASH = np.uint64((1 << 32) - 1)

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


def content_terms(lemmas: Sequence[str]) -> list[str]:
    """The comparison terms of the content words among `lemmas`, in order."""
    terms = []
    for lemma in lemmas:
        for word in WORD.findall(lemma):
            if is_content(word):
                terms.append(term(word))
    return terms


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
    return Words(
        terms=terms,
        starts=tuple(m.start() for m in matches),
        ends=tuple(m.end() for m in matches),
        content=content,
        content_terms=frozenset(t for t, flag in zip(terms, content, strict=True) if flag),
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


def window_signatures(
    grams: Sequence[str], window: int = WINDOW, num_perm: int = BANDS * ROWS
) -> NDArray[np.uint64]:
    """MinHash signatures (one row per window of `window` consecutive shingles)."""
    if not grams:
        return np.zeros((0, num_perm), dtype=np.uint64)
    hashes = np.array([sha1_hash32(g.encode("utf-8")) for g in grams], dtype=np.uint64)
    a, b = _permutations(num_perm)
    permuted = ((hashes[:, None] * a + b) % _MERSENNE) & _MAX_HASH
    if len(grams) <= window:
        signatures: NDArray[np.uint64] = permuted.min(axis=0, keepdims=True)
    else:
        views = np.lib.stride_tricks.sliding_window_view(permuted, window, axis=0)
        signatures = views.min(axis=-1)
    return signatures


def band_keys(
    signatures: NDArray[np.uint64], bands: int = BANDS, rows: int = ROWS
) -> tuple[str, ...]:
    """Distinct LSH band keys "<band>.<hex>" of a set of window signatures, sorted."""
    keys: set[str] = set()
    for band in range(bands):
        block = signatures[:, band * rows : (band + 1) * rows]
        if rows == 1:
            values = {int(v) for v in block[:, 0]}
        else:
            # Fold the band's rows into one 64-bit value (stable across processes).
            mixed = np.zeros(len(block), dtype=np.uint64)
            for row in range(rows):
                mixed = mixed * np.uint64(0x100000001B3) ^ block[:, row]
            values = {int(v) for v in mixed}
        keys.update(f"{band}.{value:x}" for value in values)
    return tuple(sorted(keys))


def passage_bands(lemmas: Sequence[str]) -> tuple[str, ...]:
    """LSH band keys of a passage's lemmas, stored as keyword terms on the passage document.

    Two passages sharing a run of at least SHINGLE + WINDOW - 1 content words (the same
    words, in the same order, stop words ignored) share at least one key.
    """
    return band_keys(window_signatures(shingles(content_terms(lemmas))))

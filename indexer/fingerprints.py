"""Overlap fingerprints of a passage: word shingles, MinHash signature, LSH band keys.

(First version; the overlap finder refines shingling and the band parameters.)
"""

from __future__ import annotations

from collections.abc import Sequence

from datasketch import MinHash

SHINGLE = 4
NUM_PERM = 128
BANDS = 32
ROWS = NUM_PERM // BANDS


def shingles(lemmas: Sequence[str], size: int = SHINGLE) -> set[str]:
    """Word n-grams over normalised tokens."""
    if len(lemmas) < size:
        return {" ".join(lemmas)} if lemmas else set()
    return {" ".join(lemmas[i : i + size]) for i in range(len(lemmas) - size + 1)}


def passage_bands(lemmas: Sequence[str]) -> tuple[str, ...]:
    """LSH band keys ("<band>:<hex>") of a passage's MinHash signature, stored as keywords."""
    grams = shingles(lemmas)
    if not grams:
        return ()
    minhash = MinHash(num_perm=NUM_PERM, seed=1)
    minhash.update_batch([g.encode("utf-8") for g in grams])
    values = minhash.hashvalues
    return tuple(
        f"{band}:{hash(tuple(values[band * ROWS:(band + 1) * ROWS])) & 0xFFFFFFFFFFFF:x}"
        for band in range(BANDS)
    )

"""Fingerprints: comparison terms, windowed MinHash signatures, LSH band keys."""

from __future__ import annotations

import os
import subprocess
import sys

import numpy as np
import pytest
from datasketch import MinHash

from indexer.nlp.fingerprints import (
    BANDS,
    ROWS,
    SHINGLE,
    WINDOW,
    band_keys,
    content_terms,
    page_bands,
    passage_bands,
    shingles,
    term,
    text_words,
    window_signatures,
)

SIDE_EFFECTS = (
    "Overmatige inname van magnesium kan leiden tot bijwerkingen zoals diarree en misselijkheid."
)


@pytest.mark.parametrize(
    ("word", "expected"),
    [("enzymen", "enzym"), ("Enzym", "enzym"), ("Patiënten", "patient"), ("diarree", "diarree"),
     ("belangrijke", "belangrijk"), ("NMDA-receptoren", "nmda-receptor"), ("300", "300")],
)
def test_term_folds_case_accents_and_endings(word: str, expected: str) -> None:
    assert term(word) == expected


def test_content_terms_leave_out_stop_words() -> None:
    assert content_terms(SIDE_EFFECTS.split()) == [
        "overmatig", "innam", "magnesium", "leid", "bijwerking", "diarree", "misselijkheid",
    ]


def test_text_words_carry_offsets_into_the_text() -> None:
    words = text_words("De NMDA-receptor, 300 enzymen.")
    assert [
        "De NMDA-receptor, 300 enzymen."[start:end]
        for start, end in zip(words.starts, words.ends, strict=True)
    ] == ["De", "NMDA-receptor", "300", "enzymen"]
    assert words.content == (False, True, True, True)
    assert words.terms == ("de", "nmda-receptor", "300", "enzym")
    assert words.content_terms == {"nmda-receptor", "300", "enzym"}


def test_each_window_signature_is_datasketchs_minhash_of_its_shingles() -> None:
    grams = shingles(content_terms(SIDE_EFFECTS.split()))
    signatures = window_signatures(grams, window=3, num_perm=8)
    assert signatures.shape == (len(grams) - 2, 8)
    for index, row in enumerate(signatures):
        expected = MinHash(num_perm=8, seed=1, scheme="legacy")
        expected.update_batch([g.encode("utf-8") for g in grams[index : index + 3]])
        assert np.array_equal(row, expected.hashvalues)


def test_short_passages_get_one_window() -> None:
    assert window_signatures(["a b"], window=WINDOW).shape == (1, BANDS * ROWS)
    assert window_signatures([]).shape == (0, BANDS * ROWS)
    assert passage_bands([]) == ()
    assert passage_bands(["de", "het", "een"]) == ()


def words(text: str) -> list[str]:
    return text.split()


def test_a_shared_run_of_content_words_shares_a_key_whatever_surrounds_it() -> None:
    run = words("regulatie van de NMDA-receptor belangrijke rol")
    assert len(content_terms(run)) >= SHINGLE + WINDOW - 1
    left = [*words("Bovendien is magnesium betrokken bij de"), *run, *words("in de hersenen")]
    right = [*words("Zink is ook essentieel voor"), *run, *words("bij synaptische plasticiteit")]
    assert set(passage_bands(left)) & set(passage_bands(right))


def test_unrelated_texts_share_no_key() -> None:
    one = words("Gerandomiseerde gecontroleerde studies zijn schaars en beperkt in omvang")
    other = words("Het gereedschap vult de selectie met de voorgrondkleur van de afbeelding")
    assert not set(passage_bands(one)) & set(passage_bands(other))


def test_stop_words_do_not_change_the_keys() -> None:
    assert passage_bands(words("magnesium speelt cruciale rol processen")) == passage_bands(
        words("magnesium speelt een cruciale rol in de processen")
    )


def test_band_keys_name_their_band_and_fold_rows() -> None:
    signatures = np.array([[1, 2, 3, 4], [1, 2, 3, 5]], dtype=np.uint64)
    one_row = band_keys(signatures, bands=4, rows=1)
    assert "0.1" in one_row and "3.4" in one_row and "3.5" in one_row
    two_rows = band_keys(signatures, bands=2, rows=2)
    assert len([k for k in two_rows if k.startswith("0.")]) == 1
    assert len([k for k in two_rows if k.startswith("1.")]) == 2


def test_keys_are_the_same_in_another_process() -> None:
    # Keys are stored in the index: they must not depend on Python's per-process hash seed.
    code = "from indexer.nlp.fingerprints import passage_bands; print(passage_bands(%r.split()))"
    outputs = {
        subprocess.run(
            [sys.executable, "-c", code % SIDE_EFFECTS], capture_output=True, text=True,
            check=True, env={**os.environ, "PYTHONHASHSEED": seed},
        ).stdout
        for seed in ("1", "2")
    }
    assert outputs == {f"{passage_bands(SIDE_EFFECTS.split())}\n"}


def test_the_keys_stored_in_existing_indexes_do_not_change() -> None:
    # Band keys live in every index built so far: a draft's keys must meet them. These are
    # the keys that the first implementation (one numpy pass per passage) gave this text.
    assert passage_bands(SIDE_EFFECTS.split()) == (
        "0.2170c175", "0.374c8d2b", "0.4f099f69", "0.72964d87", "0.95c32115", "0.adc23f1c",
    )


def test_a_page_hashed_at_once_gets_each_passages_own_keys() -> None:
    passages = [
        SIDE_EFFECTS.split(),
        [],
        words("de het een"),
        words("magnesium"),
        words("regulatie van de NMDA-receptor speelt een belangrijke rol in de hersenen"),
    ]
    assert page_bands(passages) == [passage_bands(p) for p in passages]
    assert page_bands([]) == []

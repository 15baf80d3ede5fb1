"""Verification: aligning two passages into spans, on the real seed paragraphs."""

from __future__ import annotations

from typing import Any

import pytest

from indexer.nlp.fingerprints import text_words
from indexer.overlap.align import align, covered_words
from indexer.overlap.limits import Thresholds
from indexer.pages.models import Page

LIMITS = Thresholds()


def passage_text(page: Any, starts: str) -> str:
    assert isinstance(page, Page)
    found = [p.text for p in page.passages() if p.text.startswith(starts)]
    assert len(found) == 1, starts
    return found[0]


@pytest.fixture(scope="module")
def pairs(seed_pages: dict[str, Page]) -> dict[str, tuple[str, str]]:
    d, a = seed_pages["depression"], seed_pages["adhd"]
    return {
        "enzymes": (passage_text(d, "Magnesium speelt"), passage_text(a, "Magnesium speelt")),
        "nmda": (passage_text(d, "Bovendien is magnesium"), passage_text(a, "Magnesium is ook")),
        "side_effects": (passage_text(d, "Bij het overwegen"), passage_text(a, "De optimale")),
        "cases": (passage_text(d, "Laten we beginnen"), passage_text(a, "Laten we beginnen")),
    }


@pytest.mark.parametrize(
    ("pair", "key_words"),
    [
        ("enzymes", ["cofactor", "300 enzymen"]),
        ("nmda", ["regulatie", "NMDA-receptor"]),
        ("side_effects", ["Overmatige inname van magnesium", "bijwerkingen", "diarree"]),
    ],
)
def test_shared_sentences_are_found_with_offsets_in_both_passages(
    pairs: dict[str, tuple[str, str]], pair: str, key_words: list[str]
) -> None:
    one, other = pairs[pair]
    spans = align(text_words(one), text_words(other), LIMITS)
    assert spans
    for side, text, bounds in (
        ("this", one, [(s.start, s.end) for s in spans]),
        ("other", other, [(s.other_start, s.other_end) for s in spans]),
    ):
        marked = " | ".join(text[start:end] for start, end in bounds)
        for word in key_words:
            assert word.split()[0] in marked, (side, word, marked)
    assert all(LIMITS.similarity <= s.similarity <= 1 for s in spans)


def test_side_effects_span_is_the_copied_sentence(pairs: dict[str, tuple[str, str]]) -> None:
    one, other = pairs["side_effects"]
    (span,) = align(text_words(one), text_words(other), LIMITS)
    assert one[span.start : span.end].startswith("Overmatige inname van magnesium kan leiden tot")
    assert other[span.other_start : span.other_end] == one[span.start : span.end]
    assert span.similarity == 1.0


def test_case_histories_are_not_duplicates(pairs: dict[str, tuple[str, str]]) -> None:
    # They share only the six-word opener "Laten we beginnen met concrete voorbeelden."
    one, other = pairs["cases"]
    assert align(text_words(one), text_words(other), LIMITS) == []


def test_a_stricter_threshold_keeps_only_verbatim_copies(
    pairs: dict[str, tuple[str, str]],
) -> None:
    strict = Thresholds(similarity=1.0)
    one, other = pairs["nmda"]
    assert align(text_words(one), text_words(other), strict) == []
    one, other = pairs["side_effects"]
    assert len(align(text_words(one), text_words(other), strict)) == 1


def test_min_span_words_is_respected(pairs: dict[str, tuple[str, str]]) -> None:
    one, other = pairs["cases"]
    shorter = Thresholds(min_span_words=6)
    (span,) = align(text_words(one), text_words(other), shorter)
    assert one[span.start : span.end] == "Laten we beginnen met concrete voorbeelden"


def test_a_lightly_edited_copy_is_one_span_covering_the_passage(
    pairs: dict[str, tuple[str, str]],
) -> None:
    one, _ = pairs["enzymes"]
    edited = (
        one.replace("cruciale", "grote").replace("300", "driehonderd")
        .replace("stemming", "gemoedstoestand")
    )
    words = text_words(one)
    spans = align(words, text_words(edited), LIMITS)
    assert len(spans) == 1
    assert covered_words(words, spans) / len(words) > 0.95
    assert 0.9 < spans[0].similarity < 1.0


def test_unrelated_text_gives_no_span(pairs: dict[str, tuple[str, str]]) -> None:
    one, _ = pairs["enzymes"]
    other = (
        "Met het penseel schildert u zachte lijnen in de voorgrondkleur. Kies in het "
        "dialoogvenster de grootte van de penseelpunt en de dekking van de verf voor de laag."
    )
    assert align(text_words(one), text_words(other), LIMITS) == []
    assert align(text_words(""), text_words(other), LIMITS) == []

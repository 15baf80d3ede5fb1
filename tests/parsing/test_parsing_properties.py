"""Properties: parsing never raises anything but InputError, and never loses text."""

from __future__ import annotations

import contextlib
import re
import unicodedata

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from indexer.errors import InputError
from indexer.pages.normalise import normalise_text
from indexer.pages.parsing import parse_bytes, parse_text

WORD = st.text(
    alphabet=st.sampled_from("abcdeëfghijklmnoprstuvwzABCDEMNOPZ0123456789"), min_size=1, max_size=9
)
LINE = st.lists(WORD, min_size=1, max_size=8).map(" ".join)
DECORATION = st.sampled_from(["", "• ", "Deel 3: ", "- ", "Labels: #", "Gerelateerde artikelen: "])
DECORATED = st.tuples(DECORATION, LINE, st.sampled_from(["", ":", ".", "\u2024"])).map("".join)


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow])
@given(st.binary(max_size=2000))
def test_arbitrary_bytes_raise_only_input_error(data: bytes) -> None:
    try:
        result = parse_bytes(data)
    except InputError:
        return
    assert result.pages


@settings(max_examples=300)
@given(st.text(max_size=2000))
def test_arbitrary_text_raises_only_input_error(text: str) -> None:
    with contextlib.suppress(InputError):
        parse_text("top of page\n" + text)


def _words(text: str) -> list[str]:
    return re.findall(r"[0-9a-zA-Zë]+", text)


@settings(max_examples=300)
@given(st.text(max_size=12).filter(str.strip).map(str.strip), st.lists(DECORATED, max_size=30))
def test_no_text_between_markers_is_lost(title: str, lines: list[str]) -> None:
    body = "\n".join(lines)
    raw = f"top of page\n{title}\n{body}\nbottom of page"
    try:
        result = parse_text(raw)
    except InputError:
        return
    (page,) = result.pages
    kept = " ".join(
        [page.title, *page.headings(), page.body_text(), *page.labels]
        + [link.title for link in page.related]
        + [str(section.number) for section in page.sections if section.number is not None]
    )
    chrome = {"Labels", "Gerelateerde", "artikelen"}
    expected = [w for w in _words(normalise_text(body)) if w not in chrome]
    kept_words = set(_words(kept))
    missing = [w for w in expected if w not in kept_words and w not in {"Deel"}]
    assert not missing


@given(st.lists(st.sampled_from(
    [*"ab .\n\t\r", "\u2024", "\u00a0", "\u200b", "\u00ad", "\u201e", "\u2013", "\u2029", "é",
     "e\u0301", "\x07"]
)).map("".join))
def test_every_look_alike_becomes_its_plain_form(text: str) -> None:
    from indexer.pages.normalise import _LOOKALIKES

    out = normalise_text(text)
    assert not set(_LOOKALIKES) & set(out)
    assert not {"\u200b", "\u00ad", "\x07", "\r"} & set(out)
    assert "e\u0301" not in out  # NFC
    # Only look-alikes, controls and spacing change: the letters survive in order.
    assert [c for c in out if c in "abé"] == [c for c in unicodedata.normalize("NFC", text)
                                               if c in "abé"]

"""bench/corpus.py, the benchmark corpus other benchmarks build on (no timing here)."""

from __future__ import annotations

import pytest

from bench import corpus
from indexer.pages.parsing import parse_text


def test_seed_fallback_makes_distinct_parsable_pages() -> None:
    raw = corpus._pages_from_seeds(12)
    assert len({name for name, _ in raw}) == 12
    assert len({text for _, text in raw}) == 12
    pages = [page for name, text in raw for page in parse_text(text, source=name).pages]
    assert len(pages) == 12
    assert len({page.id for page in pages}) == 12
    assert all(len(page.sections) >= 2 for page in pages)


@pytest.mark.skipif(not corpus.gimp_html_files(), reason="gimp-help-nl is not installed")
def test_html_corpus_pages_have_about_the_asked_size() -> None:
    pages = corpus.corpus_pages(30, words_per_page=200)
    assert len(pages) == 30 and len({p.id for p in pages}) == 30
    for page in pages:
        words = len(page.body_text().split())
        assert words >= 200 * 0.8
    assert corpus.corpus_source().startswith("gimp-help-nl")


def test_raw_pages_rejects_nonsense_sizes() -> None:
    with pytest.raises(ValueError, match="at least 1"):
        corpus.raw_pages(0)
    with pytest.raises(ValueError, match="unknown corpus source"):
        corpus.raw_pages(1, source="wiki")

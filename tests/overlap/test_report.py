"""The site-wide report over stored passages: per-article fractions and clusters."""

from __future__ import annotations

from html.parser import HTMLParser

import pytest

from indexer.nlp.fingerprints import passage_bands
from indexer.overlap.limits import Thresholds
from indexer.overlap.report import SiteReport, report_of
from indexer.overlap.report_html import render_html
from indexer.pages.models import Page
from indexer.pages.parsing import parse_plain_text
from indexer.search.values import StoredPassage

UNRELATED = parse_plain_text(
    "Met het penseel schildert u zachte lijnen in de voorgrondkleur van de afbeelding.\n\n"
    "Kies in het dialoogvenster de grootte van de penseelpunt en de dekking van de verf.",
    title="Penseel",
)


def stored(page: Page) -> list[StoredPassage]:
    return [
        StoredPassage(
            id=p.id, article_id=p.article_id, article_title=page.title, index=p.index,
            section_heading=p.section_heading, anchor=p.anchor, text=p.text,
            bands=passage_bands(p.text.split()),
        )
        for p in page.passages()
    ]


@pytest.fixture(scope="module")
def report(seed_pages: dict[str, Page]) -> SiteReport:
    passages = [*stored(seed_pages["depression"]), *stored(seed_pages["adhd"]), *stored(UNRELATED)]
    return report_of(passages, Thresholds())


def test_candidates_pair_only_passages_of_different_articles(
    seed_pages: dict[str, Page],
) -> None:
    passages = stored(seed_pages["depression"]) + stored(seed_pages["depression"])
    # The same article twice under one id: nothing to compare.
    report = report_of(passages, Thresholds())
    assert report.candidate_pairs == 0 and report.clusters == ()


def test_each_article_gets_its_duplicated_fraction(
    report: SiteReport, seed_pages: dict[str, Page]
) -> None:
    by_id = {a.article.id: a for a in report.articles}
    assert set(by_id) == {seed_pages["depression"].id, seed_pages["adhd"].id, UNRELATED.id}
    for name in ("depression", "adhd"):
        overlap = by_id[seed_pages[name].id]
        assert 0.03 < overlap.duplicated_fraction < 0.3
        assert overlap.matches >= 4
        assert overlap.duplicated_words == round(overlap.duplicated_fraction * overlap.words)
    assert by_id[UNRELATED.id].duplicated_fraction == 0
    assert report.articles[-1].article.id == UNRELATED.id  # most duplicated first


def test_clusters_join_the_repeated_passages(report: SiteReport) -> None:
    texts = [" ".join(p.text for p in c.passages) for c in report.clusters]
    assert all(c.articles == 2 for c in report.clusters)
    for words in ("300 enzymen", "NMDA", "Overmatige inname"):
        assert sum(words in t for t in texts) == 1, words
    assert not any("Mevrouw Jansen" in t for t in texts)
    assert report.verified_pairs >= 4
    assert report.candidate_pairs >= report.verified_pairs


def test_html_report_escapes_text_and_is_dutch(report: SiteReport) -> None:
    page = render_html(report)
    assert '<html lang="nl">' in page and "Overlaprapport" in page
    assert "<script" not in page
    HTMLParser().feed(page)  # well-formed enough to parse
    evil = report.model_copy(
        update={"articles": (report.articles[0].model_copy(
            update={"article": report.articles[0].article.model_copy(
                update={"title": "<script>alert(1)</script>"})}),)}
    )
    assert "&lt;script&gt;" in render_html(evil) and "<script>" not in render_html(evil)

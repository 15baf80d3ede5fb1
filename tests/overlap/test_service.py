"""The overlap finder on a real index: the acceptance cases of the seed pages, drafts."""

from __future__ import annotations

import pytest

from indexer.errors import InputError, NotFound
from indexer.overlap.models import Match, OverlapReport
from indexer.overlap.service import OverlapService, parse_draft
from indexer.pages.models import Page
from indexer.search.port import Engine

UNRELATED_DRAFT = (
    "Het weer wordt morgen wisselvallig. In het noorden van het land valt af en toe regen en "
    "waait een stevige westenwind, in het zuiden schijnt de zon en wordt het twintig graden.\n\n"
    "Het KNMI verwacht dat het weekend droger wordt, met vooral in de middag opklaringen en "
    "een temperatuur die rond het langjarig gemiddelde ligt voor de tijd van het jaar."
)


@pytest.fixture(scope="module")
def depression_report(
    overlap_service: OverlapService, seed_pages: dict[str, Page]
) -> OverlapReport:
    return overlap_service.article(seed_pages["depression"].id)


def matches_with(report: OverlapReport, words: str) -> list[Match]:
    return [m for m in report.matches if words in m.other_passage.text]


@pytest.mark.parametrize(
    ("other_passage_words", "key_words"),
    [
        ("cofactor voor meer dan 300 enzymen", ["cofactor", "300 enzymen"]),
        ("regulatie van NMDA-receptoren", ["regulatie", "NMDA-receptor"]),
        ("Overmatige inname van magnesium kan leiden tot bijwerkingen zoals diarree",
         ["Overmatige inname", "bijwerkingen", "diarree"]),
    ],
)
def test_the_copied_passages_of_the_adhd_article_are_matches_with_spans(
    depression_report: OverlapReport, seed_pages: dict[str, Page],
    other_passage_words: str, key_words: list[str],
) -> None:
    (match,) = matches_with(depression_report, other_passage_words)
    assert match.other_article.id == seed_pages["adhd"].id
    assert match.passage.article_id == seed_pages["depression"].id
    assert 0 < match.similarity <= 1
    mine = " | ".join(match.passage.text[s.start : s.end] for s in match.spans)
    theirs = " | ".join(match.other_passage.text[s.other_start : s.other_end] for s in match.spans)
    for words in key_words:
        assert words in mine or words.rstrip("n") in mine, (words, mine)
        assert words in theirs or words.rstrip("n") in theirs, (words, theirs)


def test_case_histories_are_not_listed_as_duplicates(depression_report: OverlapReport) -> None:
    for match in depression_report.matches:
        for text in (match.passage.text, match.other_passage.text):
            assert "Mevrouw Jansen" not in text
            assert "10-jarig kind" not in text


def test_no_match_with_the_unrelated_article_and_the_fraction_adds_up(
    depression_report: OverlapReport, seed_pages: dict[str, Page],
) -> None:
    assert {m.other_article.id for m in depression_report.matches} == {seed_pages["adhd"].id}
    spanned = sum(len(m.passage.text[s.start : s.end].split())
                  for m in depression_report.matches for s in m.spans)
    assert 0 < depression_report.duplicated_fraction <= spanned / depression_report.words + 0.01
    assert depression_report.duplicated_fraction < 0.3  # two different articles, after all


def test_related_articles_are_ranked_apart_with_shared_entities(
    depression_report: OverlapReport, seed_pages: dict[str, Page],
) -> None:
    assert depression_report.related
    top = depression_report.related[0]
    assert top.article.id == seed_pages["adhd"].id
    assert {"magnesium", "NMDA-receptor"} <= set(top.shared_entities)
    assert seed_pages["depression"].id not in {r.article.id for r in depression_report.related}


def test_a_lightly_edited_seed_paragraph_is_found_with_its_similarity(
    overlap_service: OverlapService, seed_pages: dict[str, Page],
) -> None:
    original = next(p for p in seed_pages["adhd"].passages() if p.text.startswith("Magnesium bis"))
    draft = (
        original.text.replace("chelaatvorm", "chelaat-vorm").replace("verbetert", "bevordert")
        .replace("potentieel aantrekkelijke", "mogelijk interessante")
    )
    assert draft != original.text
    report = overlap_service.draft(draft)
    assert report.article.id is None
    (match,) = report.matches
    assert match.other_passage.id == original.id
    assert 0.8 <= match.similarity < 1.0
    # Every word of the draft stands inside the span; a few of them were changed.
    assert report.duplicated_fraction == 1.0


def test_unrelated_dutch_text_has_no_matches(
    overlap_service: OverlapService, overlap_engine: Engine
) -> None:
    before = overlap_engine.count()
    report = overlap_service.draft(UNRELATED_DRAFT, title="Weerbericht")
    assert report.matches == ()
    assert report.duplicated_fraction == 0
    assert report.article.title == "Weerbericht"
    assert overlap_engine.count() == before  # the draft was not indexed


def test_a_raw_page_draft_is_parsed_as_a_page(
    overlap_service: OverlapService, seed_bytes: dict[str, bytes]
) -> None:
    raw = next(iter(seed_bytes.values())).decode("utf-8")
    report = overlap_service.draft(raw)
    assert report.article.title.startswith("Magnesium bij Depressie")
    # The published page itself is on the site: nearly all of it stands there.
    assert report.duplicated_fraction > 0.9


def test_unknown_article_is_not_found(overlap_service: OverlapService) -> None:
    with pytest.raises(NotFound):
        overlap_service.article("no-such-article")


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "leeg"),
        ("   \n\n\t  ", "leeg"),
        ("x" * 101, "te lang: 101 tekens, ten hoogste 100"),
        ("tekst\x00\x01\x02 met binaire rommel", "binaire"),
    ],
)
def test_bad_drafts_are_refused_with_a_reason(text: str, message: str) -> None:
    with pytest.raises(InputError, match=message):
        parse_draft(text, max_chars=100)

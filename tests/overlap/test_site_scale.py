"""Overlap at site scale, on a real index of a site with boilerplate (tests/overlap/site.py):
template text is reported apart and never counted as duplication, in the site report and in
the checks of an article or a draft; clusters never chain."""

from __future__ import annotations

import json
from collections.abc import Iterator
from itertools import combinations
from pathlib import Path
from typing import Any

import pytest

from indexer.engines import make_engine
from indexer.nlp.fingerprints import text_words
from indexer.overlap.align import align
from indexer.overlap.limits import Thresholds
from indexer.overlap.report import SiteReport, site_report
from indexer.overlap.service import OverlapService
from indexer.search.port import Engine
from indexer.settings import Settings, load_settings
from tests.overlap.site import COPIED, INSTRUCTION, NOTE, SENTENCE_3_4, SENTENCE_4_5, site_pages


@pytest.fixture(scope="module")
def site_settings(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    return load_settings(
        data_dir=tmp_path_factory.mktemp("site") / "data", rate_limit_enabled=False
    )


@pytest.fixture(scope="module")
def site_engine(site_settings: Settings, nlp: Any) -> Iterator[Engine]:
    from indexer.nlp.enrich import enrich_pages

    engine = make_engine(site_settings)
    version = engine.create_version()
    assert engine.write(version, enrich_pages(nlp, site_pages())).indexed == 8
    engine.switch(version)
    yield engine
    engine.close()


@pytest.fixture(scope="module")
def report(site_engine: Engine, site_settings: Settings) -> SiteReport:
    return site_report(site_engine, Thresholds.from_settings(site_settings))


@pytest.fixture(scope="module")
def service(site_engine: Engine, site_settings: Settings, nlp: Any) -> OverlapService:
    return OverlapService(site_engine, site_settings, nlp=nlp)


def test_articles_with_only_boilerplate_in_common_are_not_duplicated(report: SiteReport) -> None:
    fractions = {a.article.id: a.duplicated_fraction for a in report.articles}
    assert fractions["artikel-6"] == fractions["artikel-7"] == fractions["artikel-8"] == 0
    assert fractions["artikel-1"] > 0 and fractions["artikel-2"] > 0
    # The copied paragraph is what article 1 shares, out of its own (not boilerplate) words.
    first = next(a for a in report.articles if a.article.id == "artikel-1")
    assert first.boilerplate_words >= len(NOTE.split()) + len(INSTRUCTION.split())
    assert first.duplicated_words == len(COPIED.split())
    assert first.duplicated_fraction == round(
        first.duplicated_words / (first.words - first.boilerplate_words), 4
    )


def test_boilerplate_is_reported_once_with_the_pages_that_carry_it(report: SiteReport) -> None:
    texts = {b.text: b for b in report.boilerplate}
    note = texts[NOTE.rstrip(".")]
    assert note.pages == 8
    assert [a.id for a in note.articles] == [f"artikel-{n}" for n in range(1, 9)]
    assert any(INSTRUCTION.rstrip(".") in text for text in texts)
    assert report.boilerplate_pages == 5
    assert not any(COPIED[:40] in text for text in texts)


def test_no_cluster_holds_boilerplate_or_chains(report: SiteReport) -> None:
    members = [{p.article_id for p in c.passages} for c in report.clusters]
    assert sorted(map(sorted, members)) == [
        ["artikel-1", "artikel-2"], ["artikel-3", "artikel-4"], ["artikel-4", "artikel-5"],
    ]
    limits = Thresholds()
    for cluster in report.clusters:
        for one, other in combinations(cluster.passages, 2):
            assert align(text_words(one.text), text_words(other.text), limits), cluster
    assert report.clusters[0].words * report.clusters[0].articles >= max(
        c.words * c.articles for c in report.clusters
    )


def test_the_article_check_leaves_boilerplate_out(service: OverlapService) -> None:
    report = service.article("artikel-6")
    assert report.matches == ()
    assert report.duplicated_fraction == 0
    note = next(p for p in report.passages if p.passage.text == NOTE)
    assert note.boilerplate and not note.compared and note.coverage == 0
    assert report.boilerplate_words >= len(NOTE.split()) + len(INSTRUCTION.split())

    copier = service.article("artikel-1")
    assert {m.other_article.id for m in copier.matches} == {"artikel-2"}
    assert copier.duplicated_fraction > 0


def test_a_draft_of_boilerplate_and_new_text_has_no_matches(service: OverlapService) -> None:
    draft = (
        "Magnesium ontspant de spieren en helpt bij krampen in de kuiten die vooral 's nachts "
        f"opkomen na een lange wandeling. {INSTRUCTION}\n\n{NOTE}"
    )
    report = service.draft(draft)
    assert report.matches == ()
    assert report.duplicated_fraction == 0
    assert [p.boilerplate for p in report.passages] == [False, True]


def test_a_draft_gets_every_paragraph_in_order_with_its_coverage(
    service: OverlapService,
) -> None:
    new = ("Magnesium ontspant de spieren en helpt bij krampen in de kuiten die vooral 's "
           "nachts opkomen na een lange wandeling.")
    report = service.draft("\n\n".join([new, COPIED, "Kort.", SENTENCE_3_4 + " " + SENTENCE_4_5]))
    assert [p.passage.index for p in report.passages] == [0, 1, 2, 3]
    assert [p.passage.text for p in report.passages][:2] == [new, COPIED]
    fresh, copied, short, chained = report.passages
    assert fresh.coverage == 0 and fresh.compared and fresh.matches == ()
    assert copied.coverage == 1.0 and copied.duplicated_words == copied.words
    assert {report.matches[i].other_article.id for i in copied.matches} == {
        "artikel-1", "artikel-2"
    }
    assert not short.compared and short.coverage == 0
    assert 0 < chained.coverage <= 1
    for passage in report.passages:
        assert all(report.matches[i].passage.index == passage.passage.index
                   for i in passage.matches)


def test_the_boilerplate_is_stored_beside_the_index_and_reused(
    site_engine: Engine, site_settings: Settings, nlp: Any
) -> None:
    first = OverlapService(site_engine, site_settings, nlp=nlp)
    found = first.boilerplate.current()
    assert found.pages == 5 and found.runs and found.band_articles
    stored = list(Path(site_settings.data_dir, "overlap").glob("boilerplate-*.json"))
    assert [p.name for p in stored] == [f"boilerplate-{site_engine.live_version()}.json"]
    # Another process (a second worker) reads the file instead of reading every passage:
    # a run only the file holds shows that it was read.
    (path,) = stored
    data = json.loads(path.read_text(encoding="utf-8"))
    marker = ("alleen", "in", "het", "bestand", "te", "vinden", "x")
    data["boilerplate"]["runs"].append(list(marker))
    path.write_text(json.dumps(data), encoding="utf-8")
    second = OverlapService(site_engine, site_settings, nlp=nlp)
    assert marker in second.boilerplate.current().runs
    # Other thresholds are another boilerplate: computed anew, not read.
    other = load_settings(data_dir=site_settings.data_dir, overlap_boilerplate_min_pages=9)
    assert OverlapService(site_engine, other, nlp=nlp).boilerplate.current().runs == frozenset()


def test_the_report_command_lists_the_boilerplate_apart(
    site_engine: Engine, site_settings: Settings
) -> None:
    from click.testing import CliRunner

    from indexer.cli import main

    env = {"SITESEARCH_DATA_DIR": str(site_settings.data_dir)}
    result = CliRunner().invoke(main, ["overlap", "--report"], env=env, catch_exceptions=False)
    assert result.exit_code == 0, result.output
    text = result.stdout
    assert "standaardtekst (op 5 of meer artikelen" in text
    assert f"op 8 pagina's: {NOTE[:60]}" in text
    assert "   0.0%  artikel-6" in text
    name = f"boilerplate-{site_engine.live_version()}.json"
    stored = Path(site_settings.data_dir, "overlap", name)
    assert json.loads(stored.read_text(encoding="utf-8"))["key"]["min_pages"] == 5

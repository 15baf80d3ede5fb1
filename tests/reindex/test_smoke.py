"""Smoke checks before a version goes live: automatic ones that fit any site, or the operator's.

With no `smoke_queries` set (the default), a few pages of the new version are searched for by
their titles and each must be found; a site that is not about magnesium gets a live index.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from indexer.engines.tantivy.engine import TantivyEngine
from indexer.jobs.config import JobConfig
from indexer.jobs.job import Job
from indexer.jobs.reindex import ReindexOptions, run_reindex
from indexer.jobs.verify import smoke_checks, verify_version
from indexer.pages.rawstore import PAGE_EXPORT, RawRecord
from indexer.pages.records import raw_store
from indexer.settings import Settings, load_settings

GARDEN = {
    "Tomaten kweken op het balkon": "Tomaten groeien goed in grote potten op een zonnig "
    "balkon. Geef ze elke ochtend water en bind de stengels op aan een stok.",
    "Rozen snoeien in het voorjaar": "Snoei rozen als de forsythia bloeit. Knip dode takken "
    "weg en laat drie tot vijf sterke scheuten staan.",
    "Een vijver aanleggen": "Graaf de vijver op een plek met half schaduw. Leg eerst zand en "
    "dan vijverfolie, en zet er zuurstofplanten in.",
    "Composteren in een kleine tuin": "Groente- en fruitafval, gras en blad worden in een "
    "jaar goede compost. Keer de hoop af en toe om.",
    "Vogels voeren in de winter": "Hang vetbollen zonder netje op en zet een schaal water "
    "neer. Mezen en roodborstjes komen graag naar de tuin.",
}


def garden_site(settings: Settings) -> None:
    """A small site of Dutch gardening pages: not a word about magnesium."""
    store = raw_store(settings)
    for number, (title, text) in enumerate(GARDEN.items()):
        body = (f"top of page\n\n{title}\n\n{text}\n\nDeel 1: Aan de slag\n\n{text} "
                f"Zo lukt het ook in een kleine tuin.\n\nbottom of page\n")
        store.put(RawRecord(url=f"file:///tuin/{number}.txt", content_type=PAGE_EXPORT),
                  body.encode("utf-8"))


def test_a_site_not_about_magnesium_goes_live_with_default_settings(
    tmp_path: Path, nlp: Any
) -> None:
    settings = load_settings(data_dir=tmp_path / "data")
    assert settings.smoke_queries == []
    garden_site(settings)
    engine = TantivyEngine.from_settings(settings)
    try:
        report = run_reindex(settings, engine, ReindexOptions(workers=1), nlp=nlp)
        assert report.ok, report.problems
        assert engine.live_version() == report.version_after
        assert len(report.smoke_queries) == 3
        assert set(report.smoke_queries) <= {" ".join(title.split()) for title in GARDEN}
    finally:
        engine.close()


def test_an_automatic_check_fails_when_the_page_is_not_found(
    tmp_path: Path, nlp: Any
) -> None:
    """The check is real: a page that its own title does not find fails the version."""
    settings = load_settings(data_dir=tmp_path / "data")
    garden_site(settings)
    engine = TantivyEngine.from_settings(settings)
    try:
        live = run_reindex(settings, engine, ReindexOptions(workers=1), nlp=nlp).version_after
        assert live is not None
        held = engine.content_hashes(live)
        job = Job(JobConfig.from_settings(settings), engine, ReindexOptions())
        pond = next(i for i in held if "vijver" in i)
        # The pond page filed under the title of the roses page: searching finds the roses.
        verify_version(job, live, held, len(held), exact=True,
                       titles={pond: "Rozen snoeien in het voorjaar"})
        assert not job.report.ok
        assert job.report.problems == [
            f"smoke query 'Rozen snoeien in het voorjaar' (the title of page {pond}) did not "
            f"find that page on {live}"
        ]
    finally:
        engine.close()


def test_the_operators_queries_override_the_automatic_ones(tmp_path: Path, nlp: Any) -> None:
    settings = load_settings(data_dir=tmp_path / "data", smoke_queries=["magnesium"])
    garden_site(settings)
    engine = TantivyEngine.from_settings(settings)
    try:
        report = run_reindex(settings, engine, ReindexOptions(workers=1), nlp=nlp)
        assert not report.ok and report.smoke_queries == ["magnesium"]
        assert report.problems == ["smoke query 'magnesium' found nothing on sitesearch-v1"]
        assert engine.live_version() is None
    finally:
        engine.close()


@pytest.mark.parametrize(("titles", "expected"), [
    ({}, []),
    # Shared titles find many pages, words of under four letters say little: never chosen.
    ({"a": "Inleiding", "b": "Inleiding", "c": "FAQ 12", "d": "Vogels voeren"},
     [("Vogels voeren", "d")]),
    # Spread over the ids: the first, the middle and the last.
    ({f"p{n}": f"Pagina nummer {n}" for n in range(5)},
     [("Pagina nummer 0", "p0"), ("Pagina nummer 2", "p2"), ("Pagina nummer 4", "p4")]),
    # Punctuation is no query syntax: words only.
    ({"x": "Wat is \"ADHD\" -- en wat niet?"}, [("Wat is ADHD en wat niet", "x")]),
])
def test_automatic_checks_are_distinct_titles_spread_over_the_pages(
    settings: Settings, titles: dict[str, str], expected: list[tuple[str, str]]
) -> None:
    checks = smoke_checks(JobConfig.from_settings(settings), titles)
    assert [(c.query, c.page_id) for c in checks] == expected

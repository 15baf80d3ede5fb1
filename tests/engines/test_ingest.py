"""`ingest_paths` and the `sitesearch ingest` / `sitesearch search` commands, on real files."""

from __future__ import annotations

import io
import json
import shutil
import sys
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from indexer.cli import main
from indexer.engines.tantivy.engine import TantivyEngine
from indexer.jobs.ingest import ingest_paths
from indexer.search.values import SearchRequest
from indexer.settings import Settings
from tests.conftest import SEEDS_DIR
from tests.searching import searcher_for

ONLY_A_TITLE = "top of page\nAlleen een titel\nbottom of page\n"


@pytest.fixture
def inputs(tmp_path: Path) -> Path:
    """A folder with both seeds, a page without text and a file that is no page export."""
    folder = tmp_path / "in"
    shutil.copytree(SEEDS_DIR, folder)
    (folder / "empty.txt").write_text(ONLY_A_TITLE, encoding="utf-8")
    (folder / "binary.txt").write_bytes(b"\x00\x01\x02" * 100)
    return folder


def test_ingest_indexes_good_pages_and_reports_each_bad_one(
    settings: Settings, tantivy_engine: TantivyEngine, nlp: Any, inputs: Path
) -> None:
    missing = str(inputs / "missing.txt")
    report = ingest_paths(settings, tantivy_engine, nlp, [str(inputs), missing])
    assert (report.read, report.pages, report.indexed) == (4, 2, 2)
    reasons = {Path(r.source).name: r.reason for r in report.rejected}
    assert set(reasons) == {"empty.txt", "binary.txt", "missing.txt"}
    assert "only a title" in reasons["empty.txt"]
    assert "binary" in reasons["binary.txt"]
    assert tantivy_engine.live_version() == report.version
    assert tantivy_engine.count() == 2


def test_ingesting_twice_keeps_the_count_and_the_version(
    settings: Settings, tantivy_engine: TantivyEngine, nlp: Any
) -> None:
    first = ingest_paths(settings, tantivy_engine, nlp, [str(SEEDS_DIR)])
    second = ingest_paths(settings, tantivy_engine, nlp, [str(SEEDS_DIR)])
    assert first.indexed == second.indexed == 2
    assert first.version == second.version == tantivy_engine.live_version()
    assert tantivy_engine.versions() == [first.version]
    assert tantivy_engine.count() == 2


def test_ingest_reads_standard_input(
    settings: Settings, tantivy_engine: TantivyEngine, nlp: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    seed = next(iter(sorted(SEEDS_DIR.glob("*.txt")))).read_bytes()
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(seed)))
    report = ingest_paths(settings, tantivy_engine, nlp, ["-"])
    assert report.indexed == 1 and not report.rejected


def test_an_empty_folder_is_reported(
    settings: Settings, tantivy_engine: TantivyEngine, nlp: Any, tmp_path: Path
) -> None:
    report = ingest_paths(settings, tantivy_engine, nlp, [str(tmp_path)])
    assert report.indexed == 0 and [r.source for r in report.rejected] == [str(tmp_path)]
    assert tantivy_engine.versions() == []  # nothing to index: no empty version made


@pytest.mark.slow
def test_cli_ingest_then_search(
    inputs: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SITESEARCH_DATA_DIR", str(tmp_path / "data"))
    runner = CliRunner()
    ingested = runner.invoke(main, ["ingest", str(inputs), "--json"])
    assert ingested.exit_code == 1, ingested.output  # two rejected files
    summary = json.loads(ingested.stdout)
    assert summary["indexed"] == 2 and len(summary["rejected"]) == 2
    found = runner.invoke(main, ["search", "magnesium bisglycinaat", "--json", "--size", "1"])
    assert found.exit_code == 0, found.output
    result = json.loads(found.stdout)
    assert result["total"] >= 1 and "<mark>" in result["hits"][0]["snippet"]
    text = runner.invoke(main, ["search", "magnesuim"])
    assert text.exit_code == 0 and "Bedoelde u: magnesium?" in text.stdout
    rejected = runner.invoke(main, ["search", "*"])
    assert rejected.exit_code == 1 and "nothing to search for" in rejected.output


def test_ingest_waits_for_no_reindex_job_but_keeps_the_pages_in_the_raw_store(
    settings: Settings, tantivy_engine: TantivyEngine, nlp: Any
) -> None:
    from indexer.jobs.lock import JobLock, JobLocked
    from indexer.pages.records import raw_store

    with JobLock(settings.data_dir, settings.index_name), pytest.raises(
        JobLocked, match="another reindex job"
    ):
        ingest_paths(settings, tantivy_engine, nlp, [str(SEEDS_DIR)])
    assert tantivy_engine.versions() == []
    assert len(raw_store(settings)) == 2  # a later reindex still finds them


REPO = Path(__file__).resolve().parents[2]
HTML_PAGE = """<!doctype html><html><head><title>{title} | Tuinsite</title></head><body>
<nav><a href="/">Home</a></nav><main><h1>{title}</h1><p>{text}</p>
<h2>Aan de slag</h2><p>{text} Zo lukt het ook in een kleine tuin.</p></main></body></html>"""


def test_a_file_that_is_no_page_export_is_refused_and_nothing_is_stored(
    settings: Settings, tantivy_engine: TantivyEngine, nlp: Any, tmp_path: Path
) -> None:
    """The README is no page export. Nor is a file that mentions the markers on lines of
    their own further down (it would parse into a junk page): it does not begin with one."""
    from indexer.pages.records import raw_store

    readme = str(REPO / "README.md")
    notes = tmp_path / "notes.md"
    notes.write_text("# Notes\n\nAn export looks like this:\n\ntop of page\nTitel\n\n"
                     "Tekst.\nbottom of page\n", encoding="utf-8")
    report = ingest_paths(settings, tantivy_engine, nlp, [readme, str(notes)])
    assert (report.read, report.pages, report.indexed) == (2, 0, 0)
    reasons = {r.source: r.reason for r in report.rejected}
    assert "not a page export" in reasons[readme]
    assert reasons[str(notes)].startswith(
        "not a page export: it does not begin with a 'top of page' line")
    assert len(raw_store(settings)) == 0 and tantivy_engine.versions() == []


def test_local_html_files_and_folders_are_ingested_as_the_crawler_extracts_them(
    settings: Settings, tantivy_engine: TantivyEngine, nlp: Any, tmp_path: Path
) -> None:
    from indexer.pages.rawstore import HTML
    from indexer.pages.records import raw_store

    site = tmp_path / "site"
    (site / "sub").mkdir(parents=True)
    (site / "vijver.html").write_text(HTML_PAGE.format(
        title="Een vijver aanleggen", text="Graaf de vijver op een plek met half schaduw."))
    (site / "sub" / "rozen.HTM").write_text(HTML_PAGE.format(
        title="Rozen snoeien", text="Snoei rozen als de forsythia bloeit."))
    single = tmp_path / "vogels.html"
    single.write_text(HTML_PAGE.format(
        title="Vogels voeren", text="Hang vetbollen zonder netje op in de winter."))
    report = ingest_paths(settings, tantivy_engine, nlp, [str(site), str(single)])
    assert (report.read, report.pages, report.indexed, report.rejected) == (3, 3, 3, [])
    assert {r.content_type for r in raw_store(settings).records()} == {HTML}
    found = searcher_for(tantivy_engine).search(SearchRequest(query="vijver schaduw"))
    assert [hit.title for hit in found.hits] == ["Een vijver aanleggen"]
    assert found.hits[0].url is None  # a local file is no address for a visitor
    assert "Home" not in tantivy_engine.get_page(found.hits[0].id).page.body_text()


def test_ingest_writes_through_the_reindex_jobs_refresh(
    settings: Settings, tantivy_engine: TantivyEngine, nlp: Any, tmp_path: Path
) -> None:
    """One write path: a first ingest builds and switches to a version as a full reindex
    does; later ones are incremental refreshes, which also take out a page an export lost."""
    from tests.reindex.stores import variant_text

    export = tmp_path / "export.txt"
    export.write_text(variant_text(1) + variant_text(2), encoding="utf-8")
    first = ingest_paths(settings, tantivy_engine, nlp, [str(export)])
    assert first.job is not None and first.job.mode == "full" and first.job.ok
    assert first.indexed == 2 and tantivy_engine.count() == 2
    export.write_text(variant_text(1), encoding="utf-8")
    second = ingest_paths(settings, tantivy_engine, nlp, [str(export)])
    assert second.job is not None and second.job.mode == "incremental", second.problems
    assert (second.indexed, second.job.deleted) == (1, 1)
    assert tantivy_engine.count() == 1 and tantivy_engine.versions() == [first.version]
    assert second.to_dict()["ok"] is True and second.to_dict()["job"]["mode"] == "incremental"

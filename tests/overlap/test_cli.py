"""`sitesearch overlap ID` and `sitesearch overlap --report` on the seed index."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from indexer.cli import main
from indexer.pages.models import Page
from indexer.search.port import Engine

Run = Callable[..., Result]


@pytest.fixture
def run(overlap_data_dir: Path, overlap_engine: Engine) -> Run:
    """`sitesearch overlap ARGS...` on the session's seed index."""

    def invoke(*args: str) -> Result:
        env = {"SITESEARCH_DATA_DIR": str(overlap_data_dir)}
        return CliRunner().invoke(main, ["overlap", *args], env=env, catch_exceptions=False)

    return invoke


def test_one_article_as_json(run: Run, seed_pages: dict[str, Page]) -> None:
    result = run(seed_pages["depression"].id, "--json")
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert report["article"]["id"] == seed_pages["depression"].id
    others = " ".join(m["other_passage"]["text"] for m in report["matches"])
    assert "300 enzymen" in others and "NMDA" in others and "Overmatige inname" in others


def test_one_article_as_text(run: Run, seed_pages: dict[str, Page]) -> None:
    result = run(seed_pages["adhd"].id)
    assert result.exit_code == 0, result.output
    assert "elders op de site:" in result.stdout
    assert "Overmatige inname van magnesium" in result.stdout
    assert seed_pages["depression"].id in result.stdout


def test_site_report_as_json_and_html(
    run: Run, tmp_path: Path, seed_pages: dict[str, Page]
) -> None:
    result = run("--report", "--json")
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    fractions = {a["article"]["id"]: a["duplicated_fraction"] for a in report["articles"]}
    assert fractions[seed_pages["depression"].id] > 0
    assert len(fractions) == 3 and min(fractions.values()) == 0
    assert report["clusters"]

    target = tmp_path / "rapport.html"
    result = run("--report", "--html", str(target))
    assert result.exit_code == 0, result.output
    assert "Overlaprapport" in target.read_text(encoding="utf-8")

    result = run("--report")
    assert result.exit_code == 0 and "groepen herhaalde passages" in result.stdout


@pytest.mark.parametrize(
    "args",
    [(), ("some-id", "--report"), ("some-id", "--html", "x.html"),
     ("--report", "--json", "--html", "x")],
)
def test_wrong_combinations_are_usage_errors(run: Run, args: tuple[str, ...]) -> None:
    result = run(*args)
    assert result.exit_code == 2
    assert "Error" in result.output


def test_unknown_article_exits_1_with_a_message(run: Run) -> None:
    result = run("bestaat-niet")
    assert result.exit_code == 1
    assert "bestaat-niet" in result.output and "Traceback" not in result.output

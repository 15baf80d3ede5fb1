"""`sitesearch crawl`: summary output, JSON, errors, and --index into the live index."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from crawl_testsite import ADHD_PATH, Site

from indexer.cli import main


def _env(data_dir: Path) -> dict[str, str]:
    return {"SITESEARCH_DATA_DIR": str(data_dir), "SITESEARCH_CRAWL_TIMEOUT": "2"}


def test_json_summary(quiet_site: Site, tmp_path: Path) -> None:
    result = CliRunner().invoke(
        main, ["crawl", quiet_site.url("/"), "--delay", "0", "--json"], env=_env(tmp_path)
    )
    assert result.exit_code == 0, result.output
    summary = json.loads(result.stdout)
    assert summary["counts"]["fetched"] == 4
    assert summary["skipped"][quiet_site.url("/private/concept-artikel")] == (
        "disallowed by robots.txt"
    )
    assert (tmp_path / "raw").is_dir()


def test_text_summary_and_max_pages(quiet_site: Site, tmp_path: Path) -> None:
    result = CliRunner().invoke(
        main, ["crawl", quiet_site.url("/"), "--delay", "0", "--max-pages", "2"],
        env=_env(tmp_path),
    )
    assert result.exit_code == 0, result.output
    assert "2 fetched" in result.stdout
    assert "max pages (2) reached" in result.stdout


@pytest.mark.parametrize("url", ["ftp://example.org/", "niet-een-url", "mailto:a@b.nl"])
def test_bad_start_url_is_a_clear_error(url: str, tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["crawl", url], env=_env(tmp_path))
    assert result.exit_code != 0
    assert "cannot crawl" in result.output and "Traceback" not in result.output


@pytest.mark.slow
def test_index_option_makes_the_crawled_pages_searchable(quiet_site: Site, tmp_path: Path) -> None:
    env = _env(tmp_path)
    result = CliRunner().invoke(
        main, ["crawl", quiet_site.url("/"), "--delay", "0", "--index", "--json"], env=env
    )
    assert result.exit_code == 0, result.output
    index = json.loads(result.stdout)["index"]
    assert index["ok"] and index["indexed"] == 4
    with quiet_site.lock:
        del quiet_site.pages[ADHD_PATH]
    again = CliRunner().invoke(
        main, ["crawl", quiet_site.url("/"), "--delay", "0", "--index", "--json"], env=env
    )
    assert again.exit_code == 0, again.output
    report = json.loads(again.stdout)
    assert report["gone"] == [quiet_site.url(ADHD_PATH)]
    assert report["index"]["mode"] == "incremental" and report["index"]["deleted"] == 1

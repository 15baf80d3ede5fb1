"""`sitesearch crawl`: summary output, JSON, errors, and --index into the live index."""

from __future__ import annotations

import json
import socket
from pathlib import Path

import pytest
from click.testing import CliRunner
from crawl_testsite import ADHD_PATH, Site, crawl_settings

from indexer.cli import main
from scrapers.addresses import AddressPolicy
from scrapers.config import CrawlConfig
from scrapers.fetch import Fetcher, FetchError
from scrapers.pacing import Pacer


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


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_unreachable_start_url_is_a_clear_error(tmp_path: Path) -> None:
    url = f"http://127.0.0.1:{_closed_port()}/"
    result = CliRunner().invoke(main, ["crawl", url, "--json"], env=_env(tmp_path))
    assert result.exit_code == 1
    assert url in result.output and "niet bereikbaar" in result.output
    assert "Traceback" not in result.output


def test_a_refused_connection_at_a_new_site_is_not_retried(tmp_path: Path) -> None:
    waits: list[float] = []
    settings = crawl_settings(tmp_path / "data", crawl_retries=3, crawl_backoff_base=5.0)
    fetcher = Fetcher(CrawlConfig.from_settings(settings), AddressPolicy(["127.0.0.1"]),
                      Pacer(0.0), sleep=waits.append)
    with pytest.raises(FetchError) as caught:
        fetcher.fetch(f"http://127.0.0.1:{_closed_port()}/robots.txt")
    assert caught.value.unreachable and waits == []


def test_start_url_without_a_page_exits_non_zero(quiet_site: Site, tmp_path: Path) -> None:
    # No sitemap read either: the crawl has nothing at all.
    result = CliRunner().invoke(
        main, ["crawl", quiet_site.url("/bestaat-niet"), "--delay", "0", "--json"],
        env={**_env(tmp_path), "SITESEARCH_CRAWL_MAX_SITEMAPS": "0"},
    )
    assert result.exit_code == 1
    assert json.loads(result.stdout)["failed"] == {quiet_site.url("/bestaat-niet"): "HTTP 404"}
    assert "gaf geen pagina" in result.stderr


@pytest.mark.slow
def test_index_option_exits_non_zero_when_verification_refuses(
    quiet_site: Site, tmp_path: Path
) -> None:
    env = {**_env(tmp_path), "SITESEARCH_SMOKE_QUERIES": '["zzyzxonvindbaar"]'}
    result = CliRunner().invoke(
        main, ["crawl", quiet_site.url("/"), "--delay", "0", "--index", "--json"], env=env
    )
    assert result.exit_code == 1, result.output
    assert json.loads(result.stdout)["index"]["ok"] is False
    assert "live index is niet vervangen" in result.stderr

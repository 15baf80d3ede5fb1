"""An interrupted crawl resumes and ends with the same store as an uninterrupted one."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from crawl_testsite import CRAWL_SETTINGS, Site, crawl_settings, simple_page

from indexer.pages.rawstore import RawStore
from scrapers.config import CrawlConfig
from scrapers.crawler import STATE_FILE, Crawler, crawl_site

NEWS = [f"/nieuws/{n}" for n in range(1, 11)]
TOPICS = ["slaap", "voeding", "beweging", "stress", "vitaminen", "mineralen", "darmen",
          "hersenen", "hormonen", "ontspanning"]


def _grow(site: Site) -> None:
    """Ten more pages linked from the index, so that there is a middle to stop in."""
    with site.lock:
        for path, topic in zip(NEWS, TOPICS, strict=True):
            # Pages that differ by more than their number (the trap guard takes pages that
            # are the same but for a number for a calendar-like trap).
            site.pages[path] = simple_page(f"Nieuws {path[-2:]}", [f"Bericht over {topic}."])
        site.pages["/"] = simple_page("Artikelen", ["Alles."], ["/artikelen/adhd-en-magnesium",
                                                               *NEWS])


def _content(store: RawStore) -> dict[str, tuple[str, str, str | None, bool]]:
    return {
        r.url: (r.content_hash, r.text, r.page_id, r.gone)
        for r in store.records(include_gone=True)
    }


def _paths(site: Site, since: int) -> list[str]:
    return [r.path for r in site.page_requests()[since:]]


def test_stopped_crawl_resumes_without_refetching(quiet_site: Site, tmp_path: Path) -> None:
    _grow(quiet_site)
    settings = crawl_settings(tmp_path / "a")
    store = RawStore(settings.data_dir / "raw")
    outcomes: list[object] = []
    stopped = Crawler(
        CrawlConfig.from_settings(settings), store, quiet_site.url("/"),
        on_outcome=outcomes.append, should_stop=lambda: len(outcomes) >= 4,
    ).run()
    assert stopped.stopped
    assert (settings.data_dir / STATE_FILE).is_file()
    stored_first = {r.url for r in store.records()}
    assert 4 <= len(stored_first) < 5 + len(NEWS)
    mark = len(quiet_site.page_requests())

    resumed = Crawler(CrawlConfig.from_settings(settings), store, quiet_site.url("/")).run()
    assert not resumed.stopped
    assert not (settings.data_dir / STATE_FILE).exists()
    assert any("resumed" in note for note in resumed.notes)
    again = {quiet_site.url(p) for p in _paths(quiet_site, mark)}
    assert not again & stored_first

    reference = crawl_settings(tmp_path / "b")
    crawl_site(reference, quiet_site.url("/"))
    assert _content(store) == _content(RawStore(reference.data_dir / "raw"))


@pytest.mark.slow
def test_killed_crawl_command_resumes_to_the_same_store(quiet_site: Site, tmp_path: Path) -> None:
    _grow(quiet_site)
    data_dir = tmp_path / "killed"
    env = {k: v for k, v in os.environ.items() if not k.startswith("SITESEARCH_")}
    env.update({f"SITESEARCH_{k.upper()}": json.dumps(v) if isinstance(v, list) else str(v)
                for k, v in CRAWL_SETTINGS.items()})
    env["SITESEARCH_DATA_DIR"] = str(data_dir)
    command = [sys.executable, "-c", "from indexer.cli import main; main()", "crawl",
               quiet_site.url("/"), "--delay", "0.15", "--json"]
    store = RawStore(data_dir / "raw")

    process = subprocess.Popen(command, env=env, stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 60
        while len(list(store.root.glob("*/*.json"))) < 5 and time.monotonic() < deadline:
            assert process.poll() is None, process.communicate()
            time.sleep(0.02)
        process.send_signal(signal.SIGKILL)
    finally:
        process.communicate()
    stored_first = {r.url for r in store.records()}
    assert 5 <= len(stored_first) < 5 + len(NEWS)
    assert (data_dir / STATE_FILE).is_file()
    mark = len(quiet_site.page_requests())

    finished = subprocess.run(command, env=env, capture_output=True, text=True, timeout=120)
    assert finished.returncode == 0, finished.stderr
    summary = json.loads(finished.stdout)
    assert summary["failed"] == {} and not summary["stopped"]
    again = {quiet_site.url(p) for p in _paths(quiet_site, mark)}
    assert not again & stored_first

    reference = crawl_settings(tmp_path / "reference")
    crawl_site(reference, quiet_site.url("/"))
    assert _content(store) == _content(RawStore(reference.data_dir / "raw"))


def test_crawl_deadline_stops_a_crawl_that_resumes_later(quiet_site: Site, tmp_path: Path) -> None:
    _grow(quiet_site)
    settings = crawl_settings(tmp_path / "a", crawl_deadline=5.0)
    store = RawStore(settings.data_dir / "raw")
    ticks = iter(float(n) for n in range(1000))  # a second per look at the clock
    stopped = Crawler(CrawlConfig.from_settings(settings), store, quiet_site.url("/"),
                      clock=lambda: next(ticks)).run()
    assert stopped.stopped
    assert any("crawl_deadline" in note for note in stopped.notes)
    assert (settings.data_dir / STATE_FILE).is_file()
    assert len(stopped.fetched) < 5 + len(NEWS)
    resumed = Crawler(CrawlConfig.from_settings(settings), store, quiet_site.url("/")).run()
    assert not resumed.stopped and not (settings.data_dir / STATE_FILE).exists()

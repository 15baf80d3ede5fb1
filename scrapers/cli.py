"""`sitesearch crawl URL`: crawl one site politely into the raw store (and optionally index it)."""

from __future__ import annotations

import sys
from typing import Any

import click

from indexer.cli.common import echo_json, settings_or_exit, warn
from indexer.errors import InputError, SiteSearchError
from indexer.settings import Settings


@click.command()
@click.argument("url")
@click.option("--max-pages", type=click.IntRange(min=1), default=None,
              help="Pages fetched at most (default: setting crawl_max_pages).")
@click.option("--delay", type=click.FloatRange(min=0), default=None,
              help="Seconds between requests to the site (default: setting crawl_delay; "
                   "a larger robots.txt Crawl-delay wins).")
@click.option("--index", "index", is_flag=True,
              help="Then index the stored pages into the live index.")
@click.option("--json", "as_json", is_flag=True, help="Print the summary as JSON.")
def crawl(url: str, max_pages: int | None, delay: float | None, index: bool,
          as_json: bool) -> None:
    """Crawl the site of URL into the raw store (data_dir/raw) and print a summary.

    Obeys robots.txt, reads the sitemaps, sends conditional requests for pages already stored,
    marks pages that now answer 404/410 as gone, and resumes an interrupted crawl of the same
    URL. Exit status 0 when the crawl ran (even if some pages failed; see the summary); 1 when
    nothing answers at URL, when URL itself gave no page and nothing was crawled, or (with
    --index) when indexing or the verification of the new index version failed.
    """
    from indexer.pages.rawstore import RawStore
    from scrapers.config import CrawlConfig
    from scrapers.crawler import Crawler, Outcome

    settings = settings_or_exit()
    store = RawStore(settings.data_dir / "raw")
    progress = _Progress(enabled=sys.stderr.isatty() and not as_json)

    def report(outcome: Outcome) -> None:
        progress.update(outcome)

    try:
        config = CrawlConfig.from_settings(settings, delay=delay, max_pages=max_pages)
        crawler = Crawler(config, store, url, on_outcome=report)
        summary = crawler.run()
    except InputError as exc:
        raise click.ClickException(str(exc)) from None
    finally:
        progress.close()
    data = summary.as_dict()
    failures: list[str] = []
    if start_failure := summary.start_failure():
        failures.append(
            f"De start-URL {summary.start_url} gaf geen pagina ({start_failure}); er is niets "
            "gecrawld."
        )
    if index and not failures:
        try:
            data["index"] = _index(settings)
        except SiteSearchError as exc:  # another job holds the lock, no engine, ...
            data["index"] = {"ok": False, "problems": [str(exc)]}
        if not data["index"]["ok"]:
            failures.append(
                "Indexeren is mislukt of de nieuwe versie is geweigerd; de live index is niet "
                "vervangen: " + "; ".join(data["index"]["problems"] or ["zie het rapport"])
            )
    if as_json:
        echo_json(data)
    else:
        _print_summary(data)
    if failures:
        for failure in failures:
            warn(failure)
        sys.exit(1)


class _Progress:
    """A tqdm bar on a terminal, one plain line per URL otherwise (on standard error)."""

    def __init__(self, enabled: bool) -> None:
        self.bar: Any = None
        if enabled:
            from tqdm import tqdm  # type: ignore[import-untyped]

            self.bar = tqdm(unit="page", desc="crawl", file=sys.stderr)

    def update(self, outcome: Any) -> None:
        if self.bar is not None:
            self.bar.update(1)
            self.bar.set_postfix_str(outcome.kind, refresh=False)
        else:
            reason = f" ({outcome.reason})" if outcome.reason else ""
            warn(f"{outcome.kind}: {outcome.final_url or outcome.url}{reason}")

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()


def _index(settings: Settings) -> dict[str, Any]:
    """Bring the live index up to date with the raw store (a reindex job).

    Incremental when a live version exists (only new/changed pages are enriched, gone ones
    deleted), else a full build.
    """
    from indexer.engines import make_engine
    from indexer.jobs.reindex import ReindexOptions, run_reindex

    engine = make_engine(settings)
    mode = "incremental" if engine.live_version() is not None else "full"
    report = run_reindex(settings, engine, ReindexOptions(mode=mode))
    return report.model_dump(mode="json")


def _print_summary(data: dict[str, Any]) -> None:
    counts = data["counts"]
    click.echo(
        f"crawled {data['start_url']}: {counts['fetched']} fetched, {counts['unchanged']} "
        f"unchanged, {counts['gone']} gone, {counts['failed']} failed, "
        f"{counts['skipped']} skipped"
        + (f", {counts['resumed']} resumed" if counts["resumed"] else "")
    )
    for note in data["notes"]:
        click.echo(f"  note: {note}")
    for url, reason in data["failed"].items():
        click.echo(f"  failed: {url}: {reason}")
    for url, reason in data["skipped"].items():
        click.echo(f"  skipped: {url}: {reason}")
    if data["skipped_not_listed"]:
        click.echo(f"  ... and {data['skipped_not_listed']} more skipped")
    for url, reason in data["problems"].items():
        click.echo(f"  stored with a problem: {url}: {reason}")
    if data.get("stopped"):
        click.echo("  stopped before the end: run the same command again to resume")
    if "index" in data and "mode" in data["index"]:
        index = data["index"]
        click.echo(
            f"  index ({index['mode']}): {'ok' if index['ok'] else 'FAILED'}, "
            f"{index['indexed']} indexed, {index['deleted']} deleted, "
            f"{len(index['rejected'])} rejected"
        )

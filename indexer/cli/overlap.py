"""`sitesearch overlap`: duplicated passages of one article, or the site-wide report.

    sitesearch overlap ARTICLE_ID [--json]
    sitesearch overlap --report [--json | --html FILE]

Exit status: 0 done, 1 an unknown article or an engine error (the message says which).
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING

import click

from indexer.cli.common import echo_json, settings_or_exit, warn

if TYPE_CHECKING:
    from indexer.overlap.models import OverlapReport
    from indexer.overlap.report import SiteReport


@click.command()
@click.argument("article_id", required=False)
@click.option("--report", "site_wide", is_flag=True,
              help="Report every article's duplicated fraction and the repeated passages.")
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON.")
@click.option("--html", "html_file", type=click.Path(dir_okay=False, path_type=Path),
              help="With --report: write the report as an HTML page to FILE.")
@click.option("--limit", type=click.IntRange(min=1), default=20, show_default=True,
              help="Articles and clusters listed in the text output of --report.")
def overlap(
    article_id: str | None, site_wide: bool, as_json: bool, html_file: Path | None, limit: int
) -> None:
    """Find text of ARTICLE_ID that stands elsewhere on the site, or (--report) all overlap.

    For one article: its duplicated fraction, each passage that shares text with a passage of
    another article (with the shared spans), and articles on the same subject. With --report:
    per article the share of its words that stand elsewhere, groups of passages that repeat
    one text across articles, and the site's boilerplate (text on many articles, never
    counted as duplication); progress is shown on a terminal. The report also keeps the
    boilerplate it found for the checks of single articles and drafts.
    """
    from indexer.engines import make_engine
    from indexer.errors import SiteSearchError
    from indexer.overlap.report import site_report
    from indexer.overlap.report_html import render_html
    from indexer.overlap.service import OverlapService

    if site_wide == (article_id is not None):
        raise click.UsageError("give either an ARTICLE_ID or --report")
    if html_file is not None and (not site_wide or as_json):
        raise click.UsageError("--html goes with --report, instead of --json")
    settings = settings_or_exit()
    try:
        engine = make_engine(settings)
    except SiteSearchError as exc:
        raise click.ClickException(str(exc)) from None
    try:
        if site_wide:
            service = OverlapService(engine, settings)
            # The boilerplate found is kept for the checks of single articles and drafts.
            report = site_report(
                engine, service.limits, progress=sys.stderr.isatty(), store=service.boilerplate
            )
            if html_file is not None:
                html_file.write_text(render_html(report), encoding="utf-8")
                warn(f"geschreven: {html_file}")
            if as_json:
                echo_json(report.model_dump(mode="json"))
            elif html_file is None:
                _print_site(report, limit)
        else:
            assert article_id is not None
            found = OverlapService(engine, settings).article(article_id)
            if as_json:
                echo_json(found.model_dump(mode="json"))
            else:
                _print_article(found)
    except SiteSearchError as exc:
        raise click.ClickException(str(exc)) from None
    finally:
        engine.close()


def _print_article(report: OverlapReport) -> None:
    click.echo(f"{report.article.title} ({report.article.id})")
    own = report.words - report.boilerplate_words
    click.echo(f"elders op de site: {report.duplicated_fraction:.1%} van {own} eigen woorden "
               f"({report.boilerplate_words} woorden standaardtekst niet meegeteld)")
    if report.truncated:
        limits = ", ".join(f"{t.limit} ({t.value})" for t in report.truncated_by)
        click.echo(f"ingekort: limiet bereikt van {limits}")
    for match in report.matches:
        click.echo(
            f"\n{match.passage.id} ~ {match.other_passage.id} "
            f"({match.other_article.title}): {match.similarity:.0%} van de passage"
        )
        for span in match.spans:
            click.echo(f"  [{span.similarity:.0%}] {match.passage.text[span.start:span.end]}")
    if report.related:
        click.echo("\nverwant (zelfde onderwerp):")
    for related in report.related:
        shared = ", ".join(related.shared_entities) or "-"
        click.echo(f"  {related.article.id}  score {related.score:.2f}  gedeeld: {shared}")


def _print_site(report: SiteReport, limit: int) -> None:
    click.echo(
        f"{len(report.articles)} artikelen, {report.passages} passages, "
        f"{report.candidate_pairs} kandidaatparen, {report.verified_pairs} met gedeelde tekst"
    )
    for item in report.articles[:limit]:
        click.echo(
            f"{item.duplicated_fraction:7.1%}  {item.article.id}  "
            f"({item.duplicated_words} woorden, gedeeld met {item.shared_with} artikelen)"
        )
    if report.clusters:
        click.echo(f"\n{len(report.clusters)} groepen herhaalde passages:")
    for cluster in report.clusters[:limit]:
        ids = ", ".join(p.id for p in cluster.passages)
        click.echo(f"  {cluster.words} woorden in {cluster.articles} artikelen: {ids}")
    if report.boilerplate:
        click.echo(f"\nstandaardtekst (op {report.boilerplate_pages} of meer artikelen, "
                   f"niet meegeteld):")
    for text in report.boilerplate[:limit]:
        click.echo(f"  op {text.pages} pagina's: {text.text[:120]}")

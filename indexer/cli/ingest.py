"""`sitesearch ingest PATH...`: index page files into the configured engine.

Exit status: 0 every page indexed, 1 some input or page rejected (the others are indexed; each
rejection is named with its reason), 2 bad usage or settings.
"""

from __future__ import annotations

import click

from indexer.cli.common import echo_json, settings_or_exit, warn


@click.command()
@click.argument("paths", nargs=-1, required=True)
@click.option("--json", "as_json", is_flag=True, help="Print the summary as JSON.")
def ingest(paths: tuple[str, ...], as_json: bool) -> None:
    """Parse, enrich and index the pages in PATHS (files, folders of .txt files, or - for
    standard input) into the live index; create and switch to a first version if none exists.

    Prints how many inputs were read, how many pages were indexed and which were rejected, why.
    """
    from indexer.engines import make_engine
    from indexer.errors import SiteSearchError
    from indexer.jobs.ingest import ingest_paths
    from indexer.nlp.pipeline import build_nlp

    settings = settings_or_exit()
    try:
        engine = make_engine(settings)
        report = ingest_paths(settings, engine, build_nlp(settings), list(paths))
        engine.close()
    except SiteSearchError as exc:
        raise click.ClickException(str(exc)) from None
    if as_json:
        echo_json(report.to_dict())
    else:
        click.echo(
            f"read {report.read} input(s), {report.pages} page(s): "
            f"{report.indexed} indexed, {len(report.rejected)} rejected"
            + (f" (index version {report.version})" if report.version else "")
        )
        for rejection in report.rejected:
            warn(f"rejected {rejection.source}: {rejection.reason}")
    if report.rejected or not report.indexed:
        raise SystemExit(1)

"""`sitesearch ingest PATH...`: store page files in the raw store and bring the index up to date.

Exit status: 0 every page indexed, 1 some input or page rejected (the others are indexed; each
rejection is named with its reason) or the index could not be brought up to date (the report
says why), 2 bad usage or settings, 3 a reindex job holds the index (the inputs are stored: the
next reindex indexes them).
"""

from __future__ import annotations

import sys

import click

from indexer.cli.common import echo_json, settings_or_exit, warn
from indexer.cli.reindex import EXIT_FAILED, with_engine


@click.command()
@click.argument("paths", nargs=-1, required=True)
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
def ingest(paths: tuple[str, ...], as_json: bool) -> None:
    """Store the pages in PATHS (page exports and HTML files, folders of them, or - for
    standard input) and bring the live index up to date: the incremental refresh of the live
    version, or a first version built and switched to when there is none.

    A file that is neither a page export (beginning with a 'top of page' line) nor an HTML
    page is refused, and nothing of it is stored. Prints how many inputs were read, how many
    pages were indexed and which were rejected, why.
    """
    from indexer.jobs.ingest import ingest_paths

    settings = settings_or_exit()
    report = with_engine(settings, lambda engine: ingest_paths(settings, engine, None, list(paths)))
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
        for problem in report.problems:
            warn(f"problem: {problem}")
    if not report.ok or report.rejected or not report.indexed:
        sys.exit(EXIT_FAILED)

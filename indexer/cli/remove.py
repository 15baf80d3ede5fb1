"""`sitesearch remove URL|ID...`: delete pages from the raw store and the index, for good.

Exit status: 0 every target removed, 1 a target was not found or refused, or an index version
could not be updated (the report says why), 3 a reindex job holds the index.
"""

from __future__ import annotations

import sys

import click

from indexer.cli.common import echo_json, settings_or_exit, warn
from indexer.cli.reindex import EXIT_FAILED, with_engine


@click.command()
@click.argument("targets", nargs=-1, required=True)
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
def remove(targets: tuple[str, ...], as_json: bool) -> None:
    """Delete pages from the raw store and from every index version, so that no reindex or
    rollback brings them back. TARGETS are URLs of stored pages, paths of ingested files or
    page ids (a page of a file that holds other pages too: remove the file)."""
    from indexer.jobs.remove import remove_pages

    settings = settings_or_exit()
    report = with_engine(settings, lambda engine: remove_pages(settings, engine, list(targets)))
    if as_json:
        echo_json(report.model_dump(mode="json"))
    else:
        for removed in report.removed:
            click.echo(f"verwijderd: {removed.target} ({len(removed.records)} record(s), "
                       f"{len(removed.pages)} pagina('s): {', '.join(removed.pages) or '-'})")
        for version, count in report.deleted.items():
            click.echo(f"  uit indexversie {version}: {count} pagina('s)")
        for target in report.not_found:
            warn(f"niet gevonden: {target}")
        for refused in report.refused:
            warn(f"geweigerd: {refused.target}: {refused.reason}")
        for note in report.notes:
            warn(f"let op: {note}")
        for problem in report.problems:
            warn(f"probleem: {problem}")
    if not report.ok:
        sys.exit(EXIT_FAILED)

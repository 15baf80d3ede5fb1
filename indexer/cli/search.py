"""`sitesearch search "query"`: search the live index from the command line.

Exit status: 0 answered (even with no hits), 1 the query cannot be searched (the message says
why) or the engine is unavailable, 2 bad usage or settings.
"""

from __future__ import annotations

import re

import click

from indexer.cli.common import echo_json, settings_or_exit

_MARK = re.compile(r"</?mark>")


@click.command()
@click.argument("query")
@click.option("--label", "labels", multiple=True, help="Only articles with this label (repeat).")
@click.option("--entity", "entities", multiple=True,
              help='Only articles with this entity: "NMDA-receptor" or "RECEPTOR:NMDA-receptor".')
@click.option("--page", type=click.IntRange(min=1), default=1, show_default=True)
@click.option("--size", type=click.IntRange(min=1, max=50), default=10, show_default=True)
@click.option("--json", "as_json", is_flag=True, help="Print the whole result as JSON.")
def search(
    query: str,
    labels: tuple[str, ...],
    entities: tuple[str, ...],
    page: int,
    size: int,
    as_json: bool,
) -> None:
    """Search the live index for QUERY (plain words, "quoted phrases", -excluded words)."""
    import html

    from indexer.engines import make_engine
    from indexer.errors import SiteSearchError
    from indexer.search.searcher import Searcher
    from indexer.search.values import SearchRequest

    settings = settings_or_exit()
    try:
        engine = make_engine(settings)
        result = Searcher.from_settings(engine, settings).search(
            SearchRequest(query=query, page=page, size=size, labels=labels, entities=entities)
        )
        engine.close()
    except SiteSearchError as exc:
        raise click.ClickException(str(exc)) from None
    if as_json:
        echo_json(result.model_dump(mode="json"))
        return
    click.echo(f"{result.total} result(s) for {query!r} ({result.took_ms:.1f} ms)")
    if result.suggestion:
        click.echo(f"Bedoelde u: {result.suggestion}?")
    for number, hit in enumerate(result.hits, start=(page - 1) * size + 1):
        where = f" > {hit.section.heading}" if hit.section else ""
        click.echo(f"\n{number}. {hit.title}{where}")
        anchor = f"#{hit.section.anchor}" if hit.section else ""
        click.echo(f"   {hit.url or hit.id}{anchor}")
        if hit.snippet:
            text = html.unescape(_MARK.sub("*", hit.snippet))
            click.echo(f"   {text}")

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
@click.option("--label", "labels", multiple=True,
              help="Alleen artikelen met dit label (herhaalbaar).")
@click.option("--entity", "entities", multiple=True,
              help='Alleen artikelen met dit onderwerp: "NMDA-receptor" of '
                   '"RECEPTOR:NMDA-receptor".')
@click.option("--page", type=click.IntRange(min=1), default=1, show_default=True,
              help="Welke pagina met resultaten.")
@click.option("--size", type=click.IntRange(min=1, max=50), default=10, show_default=True,
              help="Resultaten per pagina.")
@click.option("--json", "as_json", is_flag=True, help="Het hele antwoord als JSON.")
def search(
    query: str,
    labels: tuple[str, ...],
    entities: tuple[str, ...],
    page: int,
    size: int,
    as_json: bool,
) -> None:
    """Zoek QUERY in de live index (gewone woorden, "zinnen tussen aanhalingstekens",
    -uitgesloten woorden)."""
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
        raise click.ClickException(f"zoeken mislukt: {exc}") from None
    if as_json:
        echo_json(result.model_dump(mode="json"))
        return
    word = "resultaat" if result.total == 1 else "resultaten"
    click.echo(f"{result.total} {word} voor “{query}” ({result.took_ms:.1f} ms)")
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

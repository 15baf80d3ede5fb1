"""The `sitesearch` console command: one click group, one module per subcommand.

Subcommands are imported only when used, so `sitesearch parse` does not pay for Flask or the
Elasticsearch client, and a subcommand's import error cannot break the others.
"""

from __future__ import annotations

import importlib
import importlib.util
from typing import Any

import click

# name -> "module:attribute" of its click command
SUBCOMMANDS = {
    "parse": "indexer.cli.parse:parse",
    "ingest": "indexer.cli.ingest:ingest",
    "search": "indexer.cli.search:search",
    "serve": "search_api.serve:serve",
    "crawl": "scrapers.cli:crawl",
    "reindex": "indexer.cli.reindex:reindex",
    "overlap": "indexer.cli.overlap:overlap",
    "remove": "indexer.cli.remove:remove",
}


class LazyGroup(click.Group):
    """A group whose subcommands are imported on first use."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        # Only subcommands whose module is present (a checkout in the middle of a change).
        return sorted(
            name
            for name, target in SUBCOMMANDS.items()
            if importlib.util.find_spec(target.split(":")[0]) is not None
        )

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        target = SUBCOMMANDS.get(cmd_name)
        if target is None:
            return None
        module_name, attribute = target.split(":")
        command: Any = getattr(importlib.import_module(module_name), attribute)
        assert isinstance(command, click.Command)
        return command


@click.group(cls=LazyGroup)
@click.version_option(package_name="sitesearch")
def main() -> None:
    """Dutch site search: parse, ingest, search, serve, crawl, reindex, remove and find
    overlap."""

"""What every subcommand shares: settings loading, JSON output, error exits."""

from __future__ import annotations

import json
from typing import Any

import click

from indexer.settings import Settings, SettingsError, load_settings


def settings_or_exit() -> Settings:
    """The validated settings; on a bad setting, print what is wrong and exit 2."""
    try:
        return load_settings()
    except SettingsError as exc:
        raise click.ClickException(f"ongeldige instelling: {exc}") from None


def echo_json(value: Any) -> None:
    """Print a value as JSON (UTF-8, not ASCII-escaped) on standard output."""
    click.echo(json.dumps(value, ensure_ascii=False, indent=2, default=str))


def warn(message: str) -> None:
    """A line on standard error, so that --json output on standard output stays clean."""
    click.echo(message, err=True)

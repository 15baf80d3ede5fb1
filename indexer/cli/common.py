"""What every subcommand shares: settings loading, JSON output, error exits."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import click

from indexer.settings import Settings, SettingsError, load_settings


def settings_or_exit() -> Settings:
    """The validated settings; on a bad setting, print what is wrong and exit 2."""
    try:
        return load_settings()
    except SettingsError as exc:
        raise click.ClickException(f"bad settings: {exc}") from None


def echo_json(value: Any) -> None:
    """Print a value as JSON (UTF-8, not ASCII-escaped) on standard output."""
    click.echo(json.dumps(value, ensure_ascii=False, indent=2, default=str))


def warn(message: str) -> None:
    """A line on standard error, so that --json output on standard output stays clean."""
    click.echo(message, err=True)


def expand_inputs(paths: tuple[str, ...], suffixes: tuple[str, ...] = (".txt",)) -> Iterator[str]:
    """Each named file, every file with a known suffix below a named folder, or '-' (stdin).

    A path that does not exist is still yielded, so that reading it reports the problem.
    """
    for name in paths:
        path = Path(name)
        if name != "-" and path.is_dir():
            found = sorted(p for p in path.rglob("*") if p.is_file() and p.suffix in suffixes)
            if not found:
                warn(f"{name}: no {'/'.join(suffixes)} files in this folder")
            yield from (str(p) for p in found)
        else:
            yield name


def read_input(name: str) -> bytes:
    """The bytes of a file, or of standard input for '-'. Raises OSError."""
    if name == "-":
        return sys.stdin.buffer.read()
    return Path(name).read_bytes()

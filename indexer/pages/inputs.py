"""Naming and reading raw input files: the one place `parse` and `ingest` get their bytes."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path

from indexer.errors import InputError

PAGE_SUFFIXES = (".txt", ".html", ".htm")
STDIN = "-"


def expand_inputs(
    paths: Iterable[str], on_empty_folder: Callable[[str, str], None]
) -> Iterator[str]:
    """Each named file, the page files (*.txt, *.html, *.htm) below each named folder, or '-'
    (stdin).

    A folder without page files is passed to `on_empty_folder(name, problem)`; a path that
    does not exist is still yielded, so that reading it reports the problem.
    """
    for name in paths:
        path = Path(name)
        if name != STDIN and path.is_dir():
            found = sorted(
                p for p in path.rglob("*") if p.is_file() and p.suffix.lower() in PAGE_SUFFIXES
            )
            if not found:
                on_empty_folder(name, f"no {'/'.join(PAGE_SUFFIXES)} files in this folder")
            yield from (str(p) for p in found)
        else:
            yield name


def read_input(name: str, max_bytes: int) -> bytes:
    """The bytes of a file, or of standard input for '-'.

    A file over `max_bytes` is refused before it is read (InputError): it may be far larger
    than memory allows. Raises OSError when the file cannot be read.
    """
    if name == STDIN:
        return sys.stdin.buffer.read(max_bytes + 1)
    path = Path(name)
    size = path.stat().st_size if path.is_file() else 0
    if size > max_bytes:
        raise InputError(f"input is too large: {size:,} bytes, the limit is {max_bytes:,} bytes")
    return path.read_bytes()

"""What a job says when the machine fails it: a full disk above all, in words for people.

A full disk reaches a job as an `OSError` (ENOSPC, EDQUOT) from our own files (the lock, the
journal, the raw store) or as tantivy's `ValueError` carrying the operating system's message
("No space left on device (os error 28)"). Either way the job reports it, in Dutch, as its
reason for failing and exits non-zero; the live index is left as it was.
"""

from __future__ import annotations

import errno

_FULL_ERRNOS = (errno.ENOSPC, errno.EDQUOT)
_FULL_TEXTS = ("no space left on device", "os error 28", "disk quota exceeded", "os error 122")


def disk_full(exc: BaseException) -> bool:
    """Whether `exc` says that the disk (or the user's quota) is full."""
    if isinstance(exc, OSError) and exc.errno in _FULL_ERRNOS:
        return True
    text = str(exc).lower()
    return any(part in text for part in _FULL_TEXTS)


def describe(exc: BaseException, doing: str | None = None) -> str:
    """The problem to report for `exc`, raised while `doing` (Dutch, e.g. "het bewaren van
    x.txt"; default: what the error names): a full disk in plain words, anything else by
    its type and message."""
    if disk_full(exc):
        filename = getattr(exc, "filename", None)
        if doing is None:
            doing = (f"het schrijven van {filename}" if filename
                     else "het schrijven" if isinstance(exc, OSError)
                     else "het schrijven van de index")  # the engine's own error
        return (f"de schijf is vol bij {doing}: maak ruimte vrij en probeer het opnieuw "
                f"({type(exc).__name__}: {exc})")
    return f"{type(exc).__name__}: {exc}"

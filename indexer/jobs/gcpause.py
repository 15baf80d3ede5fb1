"""Python's cycle collector paused around allocation-heavy batch work.

Parsing, enrichment, building engine documents and unpickling worker results make millions of
small objects and (nearly) no reference cycles: reference counting frees what they drop. The
cycle collector still runs every few hundred allocations and, ever more often as the live set
grows, walks every live object: measured by bench/reindex.py, a fifth of a full rebuild's CPU
with two workers, finding nothing. Batch code pauses it and collects explicitly between
batches, where memory would otherwise build up; a test checks that enrichment makes no cycles.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def cycle_collection_paused(freeze: bool = False) -> Iterator[None]:
    """No automatic cycle collection inside; the collector is restored as it was on exit.

    With `freeze`, the objects alive on entry (a loaded pipeline, caches, the caller's data)
    are set aside until exit (`gc.freeze`), so that explicit `gc.collect()` calls between
    batches walk only the objects made since: cheap enough to call once per batch.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    if freeze:
        gc.freeze()
    try:
        yield
    finally:
        if freeze:
            gc.unfreeze()
        if was_enabled:
            gc.enable()

"""Bulk writes to Elasticsearch that account for every item.

`elasticsearch.helpers.streaming_bulk` sends the actions in chunks and retries items refused
with 429 (the cluster is busy) after `initial_backoff` seconds, doubling each time up to
`max_backoff`, at most `max_retries` times. Every item's result is checked here; what did not
succeed comes back as id -> reason, so that nothing is lost silently.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from elasticsearch import Elasticsearch, helpers

MAX_BACKOFF = 60.0


def bulk_write(
    client: Elasticsearch,
    actions: Iterable[dict[str, Any]],
    *,
    chunk_size: int,
    max_retries: int,
    initial_backoff: float,
    max_backoff: float = MAX_BACKOFF,
) -> dict[str, str]:
    """Send the actions; the id -> reason of every item that did not succeed.

    Transport failures (cluster unreachable, timeouts) are raised for the caller to translate.
    """
    problems: dict[str, str] = {}
    for ok, item in helpers.streaming_bulk(
        client,
        actions,
        chunk_size=chunk_size,
        max_retries=max_retries,
        initial_backoff=initial_backoff,
        max_backoff=max_backoff,
        raise_on_error=False,
        yield_ok=True,
    ):
        result = next(iter(item.values()))
        if ok and int(result.get("status", 200)) < 300:
            continue
        problems[str(result.get("_id"))] = bulk_reason(result)
    return problems


def bulk_reason(result: dict[str, Any]) -> str:
    """Why a bulk item failed, in one line: "type: reason (cause) [status N]"."""
    error = result.get("error")
    status = result.get("status")
    if isinstance(error, dict):
        reason = f"{error.get('type', 'error')}: {error.get('reason', '')}"
        cause = error.get("caused_by")
        if isinstance(cause, dict) and cause.get("reason"):
            reason += f" ({cause['reason']})"
    else:
        reason = str(error or "not indexed")
    if status == 429:
        reason = f"still refused (429) after retries: {reason}"
    return f"{reason} [status {status}]"

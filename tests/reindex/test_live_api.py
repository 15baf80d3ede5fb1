"""Rebuilds, refreshes and a rollback while the API answers queries in a loop.

The API runs in a thread with its own engine object for tantivy (as a separate process would:
it follows the pointer file), and through the same client for Elasticsearch (the alias).
"""

from __future__ import annotations

import threading
from typing import Any

from indexer.jobs.reindex import ReindexOptions, run_reindex
from indexer.pages.rawstore import RawStore
from indexer.search.port import Engine
from indexer.settings import Settings

from .stores import put_variant

QUERIES = ("magnesium", "depressie", "concentratie")


def test_no_failed_or_empty_answer_during_rebuilds(
    job_settings: Settings, engine: Engine, store: RawStore, nlp: Any
) -> None:
    from search_api import create_app

    def job(**options: Any) -> None:
        report = run_reindex(job_settings, engine, ReindexOptions(workers=1, **options), nlp=nlp)
        assert report.ok, report.problems

    job()
    app = create_app(job_settings, engine=None if engine.name == "tantivy" else engine)
    client = app.test_client()
    expected = {q: client.get("/api/search", query_string={"q": q}).get_json()["total"]
                for q in QUERIES}
    assert all(expected.values()), expected
    stop = threading.Event()
    answers: list[tuple[str, int, int]] = []
    errors: list[BaseException] = []

    def ask() -> None:
        try:
            # A short pause per round: a thread that only waits on sockets would take the GIL
            # back from the job at every call (the convoy effect) and slow it to a crawl.
            while not stop.wait(0.005):
                for query in QUERIES:
                    answer = client.get("/api/search", query_string={"q": query})
                    body = answer.get_json()
                    answers.append((query, answer.status_code, body.get("total", -1)))
        except BaseException as exc:  # reported below: a thread's error must fail the test
            errors.append(exc)

    asker = threading.Thread(target=ask, daemon=True)
    asker.start()
    try:
        job()
        job()
        put_variant(store, 80)
        job(mode="incremental")
        job()
        job(mode="rollback")
    finally:
        stop.set()
        asker.join(timeout=60)
    assert not errors, errors
    assert len(answers) > len(QUERIES)
    failed = [a for a in answers if a[1] != 200 or a[2] <= 0]
    assert failed == []

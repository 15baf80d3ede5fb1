"""The cost of the overlap checks through the API: a budget per check, a gate per worker and
a rate limit of their own, so that one client's drafts cannot stop the searches of others."""

from __future__ import annotations

import threading
from typing import Any

from flask import Flask

from indexer.pages.models import Page
from indexer.search.port import Engine
from indexer.settings import Settings, load_settings
from search_api.overlap import GATE, install
from tests.api.schemas import assert_documented
from tests.overlap.test_api import assert_error


def app_with(engine: Engine, nlp: Any, base: Settings, **overrides: Any) -> Flask:
    from indexer.overlap.service import OverlapService
    from search_api import create_app

    settings = load_settings(data_dir=base.data_dir, **overrides)
    app = create_app(settings, engine=engine)
    install(app, OverlapService(engine, settings, nlp=nlp))
    return app


def worst_draft(seed_bytes: dict[str, bytes], chars: int) -> str:
    """The site's own text, pasted again and again: every paragraph matches."""
    raw = "\n\n".join(
        line for text in seed_bytes.values() for line in text.decode("utf-8").splitlines()
        if len(line.split()) >= 12
    )
    return ("\n\n".join([raw] * (chars // len(raw) + 1)))[:chars]


def test_a_draft_over_the_budget_is_a_report_that_says_it_was_cut_short(
    overlap_engine: Engine, nlp: Any, overlap_settings: Settings, seed_bytes: dict[str, bytes]
) -> None:
    app = app_with(overlap_engine, nlp, overlap_settings, rate_limit_enabled=False,
                   overlap_max_comparisons=3, overlap_max_matches=2,
                   overlap_max_matches_per_passage=1)
    response = app.test_client().post(
        "/api/overlap", json={"text": worst_draft(seed_bytes, 20_000)}
    )
    body = assert_documented(response, "/api/overlap", "post")
    assert body["truncated"] is True
    limits = {t["limit"]: t["value"] for t in body["truncated_by"]}
    assert limits["comparisons"] == 3 and limits["matches"] == 2
    # No more alignments than the budget allows: each match found came from one.
    assert 0 < body["matches_found"] <= 3
    assert len(body["matches"]) <= 2
    # Every paragraph is still listed, with the coverage of what was compared.
    assert len(body["passages"]) > 10


def test_the_worst_draft_with_the_default_budget_gets_a_bounded_answer(
    overlap_engine: Engine, nlp: Any, overlap_settings: Settings, seed_bytes: dict[str, bytes]
) -> None:
    app = app_with(overlap_engine, nlp, overlap_settings, rate_limit_enabled=False)
    settings = app.extensions["sitesearch"].settings
    draft = worst_draft(seed_bytes, settings.overlap_max_draft_chars)
    response = app.test_client().post("/api/overlap", json={"text": draft})
    body = assert_documented(response, "/api/overlap", "post")
    assert len(body["matches"]) <= settings.overlap_max_matches
    assert {t["limit"] for t in body["truncated_by"]} >= {"matches"}
    # The draft itself (in `passages`) and the listed matches, nothing unbounded.
    assert len(response.get_data()) < 3 * len(draft.encode("utf-8")) + 1_000_000


def test_a_check_while_the_worker_is_busy_is_503_at_once(
    overlap_engine: Engine, nlp: Any, overlap_settings: Settings, seed_pages: dict[str, Page]
) -> None:
    app = app_with(overlap_engine, nlp, overlap_settings, rate_limit_enabled=False)
    client = app.test_client()
    gate: threading.BoundedSemaphore = app.extensions[GATE]
    assert gate.acquire(blocking=False)  # another check is running in this worker
    try:
        for response, path, method in (
            (client.post("/api/overlap", json={"text": "Een concept van een paar woorden."}),
             "/api/overlap", "post"),
            (client.get(f"/api/articles/{seed_pages['adhd'].id}/overlap"),
             "/api/articles/{id}/overlap", "get"),
        ):
            assert_documented(response, path, method)
            error = assert_error(response, 503)
            assert error["code"] == "overlap_busy"
            assert response.headers["Retry-After"] == "2"
        # Searches do not wait for the checks.
        assert client.get("/api/search?q=magnesium").status_code == 200
    finally:
        gate.release()
    assert client.get(f"/api/articles/{seed_pages['adhd'].id}/overlap").status_code == 200


def test_the_checks_have_their_own_lower_rate_limit(
    overlap_engine: Engine, nlp: Any, overlap_settings: Settings, seed_pages: dict[str, Page]
) -> None:
    app = app_with(overlap_engine, nlp, overlap_settings, rate_limit_enabled=True,
                   overlap_rate_limit="2/minute", rate_limit="100/minute")
    client = app.test_client()
    check = f"/api/articles/{seed_pages['adhd'].id}/overlap"
    assert [client.get(check).status_code for _ in range(2)] == [200, 200]
    limited = client.get(check)
    assert_documented(limited, "/api/articles/{id}/overlap")
    error = assert_error(limited, 429)
    assert error["code"] == "rate_limited"
    assert int(client.get(check).headers["Retry-After"]) >= 1
    assert_error(client.post("/api/overlap", json={"text": "Nog een concept."}), 429)
    # Searches keep the general limit.
    assert [client.get("/api/search?q=magnesium").status_code for _ in range(5)] == [200] * 5


def test_a_malformed_overlap_rate_limit_stops_start_up(overlap_settings: Settings) -> None:
    import pytest

    from indexer.settings import SettingsError

    with pytest.raises(SettingsError, match="overlap_rate_limit"):
        load_settings(data_dir=overlap_settings.data_dir, overlap_rate_limit="veel")


def test_the_checks_run_in_a_child_process_of_lower_priority(
    overlap_engine: Engine, overlap_settings: Settings, seed_pages: dict[str, Page]
) -> None:
    import os

    from search_api import create_app
    from search_api.overlap import EXTENSION
    from search_api.overlap_process import CheckProcess

    settings = load_settings(data_dir=overlap_settings.data_dir, rate_limit_enabled=False)
    app = create_app(settings, engine=overlap_engine)  # nothing installed: the production path
    client = app.test_client()
    try:
        original = next(p for p in seed_pages["adhd"].passages() if "NMDA" in p.text)
        response = client.post("/api/overlap", json={"text": original.text})
        body = assert_documented(response, "/api/overlap", "post")
        assert body["matches"][0]["other_passage"]["id"] == original.id
        checks = app.extensions[EXTENSION]
        assert isinstance(checks, CheckProcess)
        (child,) = checks._executor._processes.values()  # type: ignore[union-attr]
        assert child.pid != os.getpid()
        assert os.getpriority(os.PRIO_PROCESS, child.pid) >= settings.overlap_check_nice
        # The check's own errors come back as they were raised.
        assert_error(client.get("/api/articles/geen-artikel/overlap"), 404)
        binary = client.post("/api/overlap", json={"text": "tekst\x00\x01\x02 rommel"})
        assert assert_error(binary, 400)["code"] == "invalid_draft"
        assert client.get(f"/api/articles/{seed_pages['adhd'].id}/overlap").status_code == 200
    finally:
        app.extensions[EXTENSION].close()

"""Against a scripted stand-in for the remote cluster: bulk writes check every item (429s
retried with backoff, failures reported by id) and the alias moves in one atomic call."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from indexer.engines.elastic.engine import ElasticEngine
from indexer.pages.models import EnrichedPage
from indexer.search.values import WriteReport
from indexer.settings import Settings, load_settings
from tests.engines_es.fake_cluster import Request, bulk_items, default_route, fake_cluster

pytestmark = pytest.mark.timeout(60)
INDEX = "bulktest"


def _settings(tmp_path: Path, url: str, retries: int = 3) -> Settings:
    return load_settings(
        data_dir=tmp_path / "data", backend="elasticsearch", es_url=url, index_name=INDEX,
        es_bulk_retries=retries, es_bulk_backoff=0.01, es_timeout=5,
    )


def _item(action: str, meta: dict[str, Any], status: int, error: str | None = None) -> Any:
    result: dict[str, Any] = {"_index": meta["_index"], "_id": meta["_id"], "status": status}
    if error:
        result["error"] = {"type": error, "reason": f"{error} for {meta['_id']}"}
    return {action: result}


def _bulk_answer(request: Request, status_of: Any) -> tuple[int, Any]:
    items = [_item(a, m, *status_of(m["_id"])) for a, m in bulk_items(request)]
    errors = any("error" in next(iter(i.values())) for i in items)
    return 200, {"took": 1, "errors": errors, "items": items}


@pytest.fixture(scope="module")
def pages(enriched_seeds: dict[str, EnrichedPage]) -> list[EnrichedPage]:
    return [enriched_seeds["depression"], enriched_seeds["adhd"]]


ItemStatus = Callable[[int, str], tuple[int, str | None]]  # (bulk number, id) -> status


def _write_against(
    tmp_path: Path, pages: list[EnrichedPage], status: ItemStatus, retries: int = 3
) -> tuple[WriteReport, list[Request]]:
    """Write `pages` to a scripted cluster whose n-th bulk answers each item with `status`."""
    bulks: list[Request] = []
    fallback = default_route(INDEX)

    def route(request: Request) -> tuple[int, Any] | None:
        if request.path.split("?")[0].endswith("/_bulk"):
            bulks.append(request)
            return _bulk_answer(request, lambda _id: status(len(bulks), _id))
        return fallback(request)

    with fake_cluster(route) as cluster:
        engine = ElasticEngine.from_settings(_settings(tmp_path, cluster.url, retries))
        return engine.write(f"{INDEX}-v1", pages), bulks


def test_items_refused_with_429_are_retried_until_they_succeed(
    tmp_path: Path, pages: list[EnrichedPage]
) -> None:
    # The cluster is busy: every item is refused once.
    report, bulks = _write_against(
        tmp_path, pages,
        lambda n, _id: (429, "es_rejected_execution_exception") if n == 1 else (201, None),
    )
    assert report.failed == {}
    assert report.indexed == 2
    assert len(bulks) == 2
    first = {m["_id"] for _, m in bulk_items(bulks[0])}
    second = {m["_id"] for _, m in bulk_items(bulks[1])}
    assert first == second  # exactly the refused items were sent again
    assert {p.page.id for p in pages} <= first


def test_429_that_never_ends_is_reported_after_bounded_retries(
    tmp_path: Path, pages: list[EnrichedPage]
) -> None:
    report, bulks = _write_against(
        tmp_path, pages, lambda n, _id: (429, "es_rejected_execution_exception"), retries=2
    )
    assert len(bulks) == 3  # the first try and two retries
    assert report.indexed == 0
    assert set(report.failed) == {p.page.id for p in pages}
    assert all("429" in reason for reason in report.failed.values())


def test_one_failing_item_is_reported_by_id_and_the_others_are_indexed(
    tmp_path: Path, pages: list[EnrichedPage]
) -> None:
    bad_passage = pages[1].passages[2].passage.id
    report, _ = _write_against(
        tmp_path, pages,
        lambda n, _id: (400, "mapper_parsing_exception") if _id == bad_passage else (201, None),
    )
    assert report.indexed == 1
    assert list(report.failed) == [pages[1].page.id]
    reason = report.failed[pages[1].page.id]
    assert bad_passage in reason and "mapper_parsing_exception" in reason and "400" in reason


def test_writing_to_a_version_that_does_not_exist_is_refused(
    tmp_path: Path, pages: list[EnrichedPage]
) -> None:
    from indexer.errors import NotFound

    with fake_cluster(default_route(INDEX)) as cluster:
        engine = ElasticEngine.from_settings(_settings(tmp_path, cluster.url))
        with pytest.raises(NotFound, match="v9"):
            engine.write(f"{INDEX}-v9", pages)
        # Nothing was sent: Elasticsearch would have created the index on the fly.
        assert not any("_bulk" in r.path for r in cluster.requests)


def test_switch_is_one_atomic_aliases_call(tmp_path: Path) -> None:
    def route(request: Request) -> tuple[int, Any] | None:
        path = request.path.split("?", 1)[0]
        if path == f"/{INDEX}-v*":
            return 200, {f"{INDEX}-v1": {}, f"{INDEX}-v2": {}}
        if path == f"/_alias/{INDEX}":
            return 200, {f"{INDEX}-v1": {"aliases": {INDEX: {}}}}
        if path == "/_aliases":
            return 200, {"acknowledged": True}
        return default_route(INDEX)(request)

    with fake_cluster(route) as cluster:
        engine = ElasticEngine.from_settings(_settings(tmp_path, cluster.url))
        engine.switch(f"{INDEX}-v2")
    calls = [r for r in cluster.requests if r.path.startswith("/_aliases")]
    assert len(calls) == 1
    assert json.loads(calls[0].body) == {
        "actions": [
            {"remove": {"index": f"{INDEX}-v1", "alias": INDEX}},
            {"add": {"index": f"{INDEX}-v2", "alias": INDEX}},
        ]
    }

"""Rate limits: one count for all the API's workers, per client, behind trusted proxies only.

Two apps made by `create_app` on one data dir are two gunicorn workers of one machine.
"""

from __future__ import annotations

import multiprocessing
from pathlib import Path

from flask.testing import FlaskClient

from search_api import create_app
from search_api.config import shared_folder_uri
from search_api.ratelimits import FolderStorage
from tests.api.conftest import api_settings_for

URL = "/api/openapi.json"  # needs no index


def worker(data_dir: Path, **overrides: object) -> FlaskClient:
    settings = api_settings_for(data_dir, rate_limit_enabled=True, **overrides)
    return create_app(settings).test_client()


def statuses(client: FlaskClient, count: int, **headers: str) -> list[int]:
    return [client.get(URL, headers=headers).status_code for _ in range(count)]


def test_the_limit_counts_the_requests_to_every_worker(tmp_path: Path) -> None:
    first, second = (worker(tmp_path / "data", rate_limit="4/minute") for _ in range(2))
    assert statuses(first, 2) == [200, 200]
    assert statuses(second, 2) == [200, 200]
    # the limit is 4 for the client, not 4 per worker
    assert statuses(first, 1) == [429]
    assert statuses(second, 1) == [429]


def test_memory_storage_counts_per_worker_when_asked(tmp_path: Path) -> None:
    first, second = (worker(tmp_path / "data", rate_limit="2/minute",
                            rate_limit_storage="memory://") for _ in range(2))
    assert statuses(first, 3) == [200, 200, 429]
    assert statuses(second, 2) == [200, 200]


def test_forwarded_addresses_are_ignored_without_trusted_proxies(tmp_path: Path) -> None:
    client = worker(tmp_path / "data", rate_limit="2/minute")
    # a client cannot escape its limit by making up X-Forwarded-For
    assert statuses(client, 2, **{"X-Forwarded-For": "203.0.113.1"}) == [200, 200]
    assert statuses(client, 1, **{"X-Forwarded-For": "203.0.113.2"}) == [429]


def test_behind_a_trusted_proxy_each_visitor_has_a_limit_of_its_own(tmp_path: Path) -> None:
    client = worker(tmp_path / "data", rate_limit="2/minute", trusted_proxies=1)
    first = {"X-Forwarded-For": "203.0.113.1"}
    second = {"X-Forwarded-For": "203.0.113.2"}
    assert statuses(client, 2, **first) == [200, 200]
    assert statuses(client, 1, **first) == [429]
    assert statuses(client, 2, **second) == [200, 200]
    # only the hop the proxy added counts: a visitor's own X-Forwarded-For entry does not
    spoofed = {"X-Forwarded-For": "198.51.100.7, 203.0.113.1"}
    assert statuses(client, 1, **spoofed) == [429]


def _hit(folder: str, count: int) -> int:
    storage = FolderStorage(shared_folder_uri(Path(folder)))
    return max(storage.incr("client", 60) for _ in range(count))


def test_processes_counting_at_once_lose_no_hit(tmp_path: Path) -> None:
    folder = str(tmp_path / "ratelimits")
    with multiprocessing.get_context("fork").Pool(4) as pool:
        pool.starmap(_hit, [(folder, 50)] * 4)
    assert FolderStorage(shared_folder_uri(Path(folder))).get("client") == 200


def test_an_unusable_counter_folder_never_fails_a_request(tmp_path: Path) -> None:
    a_file = tmp_path / "a-file"
    a_file.write_text("not a folder")
    client = worker(tmp_path / "data", rate_limit="2/minute",
                    rate_limit_storage=shared_folder_uri(a_file / "ratelimits"))
    # counted in memory meanwhile: still limited
    assert statuses(client, 3) == [200, 200, 429]

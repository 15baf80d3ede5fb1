"""`sitesearch serve` end to end: gunicorn in a subprocess on a free port, queried over HTTP."""

from __future__ import annotations

import http.client
import os
import socket
import subprocess
from collections.abc import Iterator
from pathlib import Path

import httpx
import psutil
import pytest
from click.testing import CliRunner

from bench.api import connections_per_worker, free_port
from indexer.cli import main
from indexer.settings import load_settings
from search_api.serve import migration_note
from tests.api.conftest import SITESEARCH, ingest_seeds, serve_env, serving, wait_for_health


@pytest.fixture(scope="module")
def served_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The served gunicorn's folder: its data dir `data` and its log `gunicorn.log`."""
    return tmp_path_factory.mktemp("serve")


@pytest.fixture(scope="module")
def server(served_dir: Path) -> Iterator[tuple[str, int]]:
    """The served gunicorn (two workers, as in production): its URL and its master's pid."""
    env = serve_env(served_dir / "data")
    ingest_seeds(env)
    with serving(env, served_dir / "gunicorn.log") as (url, process):
        yield url, process.pid


@pytest.fixture(scope="module")
def served(server: tuple[str, int]) -> str:
    return server[0]


@pytest.mark.slow
def test_served_by_gunicorn_over_http(served: str) -> None:
    health = httpx.get(served + "/api/health").json()
    assert health["engine"] == "tantivy" and health["documents"] == 2
    body = httpx.get(served + "/api/search", params={"q": "magnesuim"}).json()
    assert len({hit["id"] for hit in body["hits"]}) == 2
    typo = httpx.get(served + "/api/search", params={"q": "magnesuim tekrot"}).json()
    assert typo["suggestion"]
    bad = httpx.get(served + "/api/search", params={"q": "x", "page": "0"})
    assert bad.status_code == 400 and bad.json()["error"]["code"] == "invalid_parameter"
    page = httpx.get(served + "/")
    assert page.status_code == 200 and "Zoeken" in page.text


@pytest.mark.slow
def test_each_worker_warms_its_engine_before_taking_requests(
    served: str, served_dir: Path
) -> None:
    log = (served_dir / "gunicorn.log").read_text(encoding="utf-8", errors="replace")
    assert "search engine warmed up in" in log
    # and opened the answer cache the workers share, under the data dir
    assert (served_dir / "data" / "answers" / "cache.db").is_file()


@pytest.mark.slow
def test_each_worker_listens_on_its_own_socket_and_holds_connections(
    server: tuple[str, int],
) -> None:
    """reuse_port (the default): the kernel spreads connections over the workers' sockets.
    From one shared socket a burst of 16 clients often went all or nearly all to one worker;
    spread by the kernel, all 16 on one of two workers has a chance of 1 in 32,768."""
    url, master = server
    workers = psutil.Process(master).children()
    assert len(workers) == 2
    port = int(url.rsplit(":", 1)[1])
    clients = [http.client.HTTPConnection("127.0.0.1", port, timeout=30) for _ in range(16)]
    try:
        for client in clients:  # each keeps its connection open (keep-alive) once answered
            client.request("GET", "/api/health")
            response = client.getresponse()
            response.read()
            assert response.status == 200
        held = connections_per_worker(master, port)
        listening = [
            {os.stat(f"/proc/{worker.pid}/fd/{c.fd}").st_ino
             for c in worker.net_connections(kind="tcp")
             if c.laddr.port == port and c.status == psutil.CONN_LISTEN}
            for worker in workers
        ]
    finally:
        for client in clients:
            client.close()
    first, second = listening
    assert first and second and not first & second  # a socket of its own each
    # Both hold some (not "all 16": a stalled machine may let a kept-alive one time out).
    assert len(held) == 2 and min(held) >= 1


def test_serve_refuses_a_port_in_use() -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = CliRunner().invoke(main, ["serve", "--host", "127.0.0.1", "--port", str(port)])
    assert result.exit_code == 1
    assert f"cannot serve on 127.0.0.1:{port}" in result.output
    assert "another server" in result.output


def test_serve_names_an_address_it_cannot_bind() -> None:
    result = CliRunner().invoke(main, ["serve", "--host", "no-such-host.invalid", "--port", "8000"])
    assert result.exit_code == 1
    assert "cannot serve on no-such-host.invalid:8000" in result.output
    assert "another server" not in result.output


@pytest.mark.parametrize(
    ("switch", "reuse_port", "workers", "noted"),
    [("0\n", True, 2, True), ("1\n", True, 2, False), (None, True, 2, False),
     ("0\n", False, 2, False), ("0\n", True, 1, False)],
)
def test_serve_notes_when_a_reload_would_reset_waiting_connections(
    tmp_path: Path, switch: str | None, reuse_port: bool, workers: int, noted: bool
) -> None:
    path = tmp_path / "tcp_migrate_req"
    if switch is not None:
        path.write_text(switch, encoding="ascii")
    settings = load_settings(data_dir=tmp_path, reuse_port=reuse_port, workers=workers)
    note = migration_note(settings, path)
    assert (note is not None) == noted
    if noted:
        assert note is not None and "net.ipv4.tcp_migrate_req=1" in note


def test_serve_help_names_its_options() -> None:
    result = CliRunner().invoke(main, ["serve", "--help"])
    assert result.exit_code == 0
    for option in ("--host", "--port", "--dev"):
        assert option in result.output


def test_serve_refuses_a_bad_port() -> None:
    result = CliRunner().invoke(main, ["serve", "--port", "70000"])
    assert result.exit_code == 2
    assert "70000" in result.output


@pytest.mark.slow
def test_dev_server_serves_the_api(tmp_path: Path) -> None:
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("SITESEARCH_")},
        "SITESEARCH_DATA_DIR": str(tmp_path / "data"),
    }
    port = free_port()
    process = subprocess.Popen(
        [str(SITESEARCH), "serve", "--dev", "--host", "127.0.0.1", "--port", str(port)],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    try:
        wait_for_health(f"http://127.0.0.1:{port}", process)
        health = httpx.get(f"http://127.0.0.1:{port}/api/health").json()
        assert health["engine"] == "tantivy" and health["documents"] == 0
    finally:
        process.terminate()
        process.wait(timeout=30)


def test_compose_puts_a_buffering_proxy_in_front_of_the_api() -> None:
    """docker-compose.yml: nginx (nginx.conf) is the only way in; the API trusts one hop."""
    import yaml  # type: ignore[import-untyped]

    root = Path(__file__).resolve().parents[2]
    services = yaml.safe_load((root / "docker-compose.yml").read_text())["services"]
    api, nginx = services["api"], services["nginx"]
    assert "ports" not in api and "8000" in [str(p) for p in api["expose"]]
    assert "SITESEARCH_TRUSTED_PROXIES=1" in api["environment"]
    assert nginx["ports"] == ["127.0.0.1:8000:8080"]
    assert nginx["depends_on"]["api"]["condition"] == "service_healthy"
    conf = (root / "nginx.conf").read_text()
    for directive in ("client_header_timeout 10s", "client_body_timeout 10s",
                      "client_max_body_size 1m", "proxy_request_buffering on",
                      "proxy_buffering on", "X-Forwarded-For $remote_addr"):
        assert directive in conf
    for status, code in ((408, "request_timeout"), (413, "payload_too_large"),
                         (414, "uri_too_long"), (400, "bad_request")):
        assert f'return {status} \'{{"error": {{"status": {status}, "code": "{code}"' in conf

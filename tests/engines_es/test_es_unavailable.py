"""With Elasticsearch unreachable, silent or failing, calls fail with EngineUnavailable."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from pathlib import Path

import pytest

from indexer.engines import make_engine
from indexer.engines.elastic.client import public_url
from indexer.engines.elastic.engine import ElasticEngine
from indexer.errors import EngineUnavailable
from indexer.search.values import SearchRequest
from indexer.settings import Settings, load_settings
from tests.engines_es.fake_cluster import INFO, Request, fake_cluster
from tests.searching import searcher_for

pytestmark = pytest.mark.timeout(60)  # a hang fails the test instead of the whole run


def _settings(tmp_path: Path, url: str, timeout: float = 1.0) -> Settings:
    return load_settings(
        data_dir=tmp_path / "data", backend="elasticsearch", es_url=url, es_timeout=timeout
    )


@pytest.fixture
def closed_port() -> int:
    """A port on 127.0.0.1 that nothing listens on (bound, then closed)."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    port = int(sock.getsockname()[1])
    sock.close()
    return port


@pytest.fixture
def silent_port() -> Iterator[int]:
    """A port that accepts connections (the kernel's backlog) but never answers."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    sock.listen(16)
    try:
        yield int(sock.getsockname()[1])
    finally:
        sock.close()


def test_make_engine_picks_elasticsearch(tmp_path: Path, closed_port: int) -> None:
    engine = make_engine(_settings(tmp_path, f"http://127.0.0.1:{closed_port}"))
    assert isinstance(engine, ElasticEngine) and engine.name == "elasticsearch"


def test_refused_connection_names_the_url(tmp_path: Path, closed_port: int) -> None:
    url = f"http://127.0.0.1:{closed_port}"
    engine = ElasticEngine.from_settings(_settings(tmp_path, url))
    with pytest.raises(EngineUnavailable, match=f"127.0.0.1:{closed_port}"):
        engine.versions()
    with pytest.raises(EngineUnavailable):
        searcher_for(engine).search(SearchRequest(query="magnesium"))
    with pytest.raises(EngineUnavailable):
        engine.create_version()
    with pytest.raises(EngineUnavailable):
        list(engine.iter_passages())


def test_health_reports_unavailable_instead_of_raising(tmp_path: Path, closed_port: int) -> None:
    engine = ElasticEngine.from_settings(_settings(tmp_path, f"http://127.0.0.1:{closed_port}"))
    health = engine.health()
    assert health.status == "unavailable"
    assert health.engine == "elasticsearch" and health.documents == 0


def test_a_server_that_never_answers_times_out(tmp_path: Path, silent_port: int) -> None:
    engine = ElasticEngine.from_settings(
        _settings(tmp_path, f"http://127.0.0.1:{silent_port}", timeout=0.5)
    )
    with pytest.raises(EngineUnavailable, match=r"did not answer within 0\.5 s"):
        engine.count()
    assert engine.health().status == "unavailable"


def test_credentials_never_appear_in_the_message(tmp_path: Path, closed_port: int) -> None:
    url = f"http://elastic:s3cret@127.0.0.1:{closed_port}"
    assert public_url(url) == f"http://127.0.0.1:{closed_port}"
    engine = ElasticEngine.from_settings(_settings(tmp_path, url))
    with pytest.raises(EngineUnavailable) as caught:
        engine.versions()
    assert "s3cret" not in str(caught.value)


def test_server_errors_become_engine_unavailable(tmp_path: Path) -> None:
    def route(request: Request) -> tuple[int, object]:
        if request.path == "/":
            return 200, INFO
        return 503, {"error": {"type": "cluster_block_exception", "reason": "blocked"},
                     "status": 503}

    with fake_cluster(route) as cluster:
        engine = ElasticEngine.from_settings(_settings(tmp_path, cluster.url))
        with pytest.raises(EngineUnavailable, match="503"):
            engine.live_version()


def test_a_server_that_is_not_elasticsearch(tmp_path: Path) -> None:
    import threading
    from http.server import BaseHTTPRequestHandler, HTTPServer

    class NotElastic(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.end_headers()
            self.wfile.write(b"{}")

        def log_message(self, format: str, *args: object) -> None:
            pass

    server = HTTPServer(("127.0.0.1", 0), NotElastic)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        url = f"http://127.0.0.1:{server.server_address[1]}"
        engine = ElasticEngine.from_settings(_settings(tmp_path, url))
        with pytest.raises(EngineUnavailable, match="not Elasticsearch"):
            engine.live_version()
    finally:
        server.shutdown()
        server.server_close()

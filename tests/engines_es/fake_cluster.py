"""A tiny scripted HTTP server on 127.0.0.1 standing in for a remote Elasticsearch cluster.

Only the outside world is faked: each test scripts the answers (bulk items refused with 429,
one item rejected, 503s, ...) and the real ElasticEngine and official client talk to it.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

Answer = tuple[int, Any]
Route = Callable[["Request"], Answer | None]

INFO = {
    "name": "fake",
    "cluster_name": "fake",
    "version": {"number": "8.15.5", "build_flavor": "default"},
    "tagline": "You Know, for Search",
}


@dataclass
class Request:
    method: str
    path: str
    body: bytes

    def ndjson(self) -> list[dict[str, Any]]:
        return [json.loads(line) for line in self.body.splitlines() if line.strip()]


@dataclass
class FakeCluster:
    url: str
    requests: list[Request] = field(default_factory=list)


def bulk_items(request: Request) -> list[tuple[str, dict[str, Any]]]:
    """(action, metadata) of each bulk action line."""
    lines = request.ndjson()
    items = []
    index = 0
    while index < len(lines):
        action, meta = next(iter(lines[index].items()))
        items.append((action, meta))
        index += 1 if action == "delete" else 2
    return items


def default_route(index_name: str) -> Route:
    """Answers for the calls a write makes to version `<index_name>-v1` (an empty index)."""

    def route(request: Request) -> Answer | None:
        path = request.path.split("?", 1)[0]
        if path == "/":
            return 200, INFO
        if request.method == "GET" and path == f"/{index_name}-v*":
            return 200, {f"{index_name}-v1": {"aliases": {}, "mappings": {}, "settings": {}}}
        if path.endswith("/_count"):
            return 200, {"count": 0}
        if path.endswith("/_refresh"):
            return 200, {"_shards": {"total": 1, "successful": 1, "failed": 0}}
        return None

    return route


@contextmanager
def fake_cluster(route: Route) -> Iterator[FakeCluster]:
    """Serve `route` (None means 404) on 127.0.0.1 until the block ends."""
    cluster = FakeCluster(url="")

    class Handler(BaseHTTPRequestHandler):
        def _answer(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            request = Request(self.command, self.path, self.rfile.read(length))
            cluster.requests.append(request)
            status, body = route(request) or (404, {"error": "no route", "status": 404})
            payload = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("X-Elastic-Product", "Elasticsearch")
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        do_GET = do_POST = do_PUT = do_DELETE = do_HEAD = _answer

        def log_message(self, format: str, *args: Any) -> None:  # quiet
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    cluster.url = f"http://127.0.0.1:{server.server_address[1]}"
    try:
        yield cluster
    finally:
        server.shutdown()
        server.server_close()

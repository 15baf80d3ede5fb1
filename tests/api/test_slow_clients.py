"""`sitesearch serve` against hostile clients: slow senders, oversized and malformed requests.

A real gunicorn (two workers of two threads) on the seed index; the attacks are raw sockets
on 127.0.0.1. Waiting is bounded (client timeouts) but no test asserts a duration: the
victims' latency under attack is what `bench/api.py --slow-clients` measures.
"""

from __future__ import annotations

import contextlib
import http.client
import json
import socket
import threading
import time
from collections.abc import Iterator

import jsonschema
import pytest

from search_api.app import openapi_document
from tests.api.conftest import ingest_seeds, serve_env, serving

SLOW_CONNECTIONS = 16
# Each slow client sends this request head a byte at a time.
SLOW_HEAD = b"GET /api/search?q=magnesium HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: " + b"y" * 40


@pytest.fixture(scope="module")
def port(tmp_path_factory: pytest.TempPathFactory) -> Iterator[int]:
    folder = tmp_path_factory.mktemp("slow-clients")
    env = serve_env(folder / "data", request_read_timeout="4")
    ingest_seeds(env)
    with serving(env, folder / "gunicorn.log") as (url, _process):
        yield int(url.rsplit(":", 1)[1])


def raw_exchange(port: int, request: bytes, timeout: float = 30) -> tuple[int, bytes, bytes]:
    """Send `request` as it is; the response's status, head and body (read to the close)."""
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as sock:
        with contextlib.suppress(OSError):  # it may answer and close before all is sent
            sock.sendall(request)
        received = b""
        while True:
            try:
                chunk = sock.recv(65536)
            except ConnectionResetError:
                break
            if not chunk:
                break
            received += chunk
    head, _, body = received.partition(b"\r\n\r\n")
    status = int(head.split(b" ", 2)[1]) if head.startswith(b"HTTP/") else 0
    return status, head, body


def assert_error_shape(status: int, head: bytes, body: bytes, expected: int) -> dict[str, str]:
    assert status == expected, (head, body[:300])
    assert b"content-type: application/json" in head.lower()
    document = json.loads(body)
    jsonschema.validate(document, openapi_document()["components"]["schemas"]["Error"])
    assert document["error"]["status"] == expected
    error: dict[str, str] = document["error"]
    return error


def slow_client(port: int, stop: threading.Event, outcome: list[int]) -> None:
    """Send SLOW_HEAD a byte a second until the server answers or `stop` is set."""
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=30) as sock:
            for byte in SLOW_HEAD:
                if stop.wait(1.0):
                    return
                try:
                    sock.sendall(bytes([byte]))
                except OSError:
                    break  # answered and closed
            sock.settimeout(10)
            answer = sock.recv(4096)
            outcome.append(int(answer.split(b" ", 2)[1]) if answer else 0)
    except OSError:
        outcome.append(-1)


@pytest.mark.slow
def test_slow_clients_hold_no_thread_other_clients_are_answered(port: int) -> None:
    """16 connections sending their headers a byte a second held every thread of gthread (4)
    before: the other clients' requests then waited for them (here: their timeout)."""
    stop = threading.Event()
    outcomes: list[int] = []
    slow = [threading.Thread(target=slow_client, args=(port, stop, outcomes))
            for _ in range(SLOW_CONNECTIONS)]
    for thread in slow:
        thread.start()
    time.sleep(1.5)  # every slow client has connected and sent its first bytes
    answered, failed = 0, []
    try:
        victim = http.client.HTTPConnection("127.0.0.1", port, timeout=3)
        for query in ["magnesium", "adhd", "depressie", "magnesuim"] * 5:
            try:
                victim.request("GET", f"/api/search?q={query}")
                response = victim.getresponse()
                response.read()
                answered += response.status == 200
            except (OSError, http.client.HTTPException) as exc:
                failed.append(type(exc).__name__)
                victim.close()
        victim.close()
        slow_still_open = sum(thread.is_alive() for thread in slow)
    finally:
        for thread in slow:
            thread.join(timeout=30)
        stop.set()
    assert failed == [] and answered == 20
    assert slow_still_open == SLOW_CONNECTIONS  # answered while every attacker was connected
    # each slow client was answered 408 once its read timeout (4 s here) ran out
    assert outcomes == [408] * SLOW_CONNECTIONS


@pytest.mark.slow
def test_a_request_not_received_in_time_is_a_408_in_the_error_shape(port: int) -> None:
    with socket.create_connection(("127.0.0.1", port), timeout=30) as sock:
        sock.sendall(b"POST /api/overlap HTTP/1.1\r\nHost: x\r\nContent-Type: application/json"
                     b"\r\nContent-Length: 100\r\n\r\n{\"text\": ")  # and nothing more
        received = b""
        while chunk := sock.recv(65536):
            received += chunk
    head, _, body = received.partition(b"\r\n\r\n")
    error = assert_error_shape(int(head.split(b" ")[1]), head, body, 408)
    assert error["code"] == "request_timeout"


GUNICORN_ERRORS = [
    ("request line too long",
     b"GET /api/search?q=" + b"a" * 9000 + b" HTTP/1.1\r\nHost: x\r\n\r\n", 414, "uri_too_long"),
    ("too many header fields",
     b"GET /api/health HTTP/1.1\r\nHost: x\r\n"
     + b"".join(b"X-F%d: 1\r\n" % i for i in range(120)) + b"\r\n", 431, "headers_too_large"),
    ("a header field too large",
     b"GET /api/health HTTP/1.1\r\nHost: x\r\nX-Big: " + b"b" * 9000 + b"\r\n\r\n", 431,
     "headers_too_large"),
    ("headers too large in all", b"GET /api/health HTTP/1.1\r\nHost: x\r\n"
     + b"".join(b"X-F%d: %s\r\n" % (i, b"c" * 8000) for i in range(40)) + b"\r\n", 431,
     "headers_too_large"),
    ("a malformed request line", b"GARBAGE\r\n\r\n", 400, "bad_request"),
    ("a malformed header", b"GET /api/health HTTP/1.1\r\nHost: x\r\nNo colon here\r\n\r\n",
     400, "bad_request"),
    ("an announced body over the limit", b"POST /api/overlap HTTP/1.1\r\nHost: x\r\n"
     b"Content-Type: application/json\r\nContent-Length: 50000000\r\n\r\n{", 413,
     "payload_too_large"),
]


@pytest.mark.slow
@pytest.mark.parametrize(("case", "request_bytes", "status", "code"), GUNICORN_ERRORS,
                         ids=[case[0] for case in GUNICORN_ERRORS])
def test_errors_answered_before_the_app_have_the_one_shape(
    port: int, case: str, request_bytes: bytes, status: int, code: str
) -> None:
    error = assert_error_shape(*raw_exchange(port, request_bytes), expected=status)
    assert error["code"] == code and error["message"]


def chunked(body: bytes, size: int = 65536) -> bytes:
    parts = [b"%x\r\n%s\r\n" % (len(body[i:i + size]), body[i:i + size])
             for i in range(0, len(body), size)]
    return b"".join(parts) + b"0\r\n\r\n"


@pytest.mark.slow
def test_a_chunked_body_of_50_mb_is_a_413(port: int) -> None:
    head = (b"POST /api/overlap HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
            b"Transfer-Encoding: chunked\r\n\r\n")
    body = b'{"text": "' + b"woord " * (50_000_000 // 6) + b'"}'
    error = assert_error_shape(*raw_exchange(port, head + chunked(body)), expected=413)
    assert error["code"] == "payload_too_large"


@pytest.mark.slow
def test_a_chunked_draft_within_the_limit_is_answered(port: int) -> None:
    head = (b"POST /api/overlap HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
            b"Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n")
    draft = json.dumps({"text": "Magnesium helpt bij depressie en onrust. " * 20}).encode()
    status, _head, body = raw_exchange(port, head + chunked(draft, size=100))
    assert status == 200, body[:300]
    assert isinstance(json.loads(body), dict)


@pytest.mark.slow
def test_a_connection_that_sends_nothing_is_closed_without_an_answer(port: int) -> None:
    """(A browser's preconnect: an answer it never asked for would only be noise.)"""
    with socket.create_connection(("127.0.0.1", port), timeout=30) as sock:
        assert sock.recv(4096) == b""

"""The gunicorn worker of `sitesearch serve`: gthread, fed only whole requests.

gunicorn's gthread worker gives a connection to one of its few threads as soon as its first
byte arrives; the thread then reads the rest of the request itself, with no deadline. A client
sending its headers a byte a second holds that thread for as long as it likes, and a handful
of such clients hold every thread. gunicorn's documentation answers this with a buffering
proxy in front (docker-compose.yml puts nginx there); `BufferingWorker` buffers by itself, so
that `sitesearch serve` also holds up on its own:

- each request (head and body) is read in the worker's event loop, without a thread, and given
  to a thread only once it is complete (search_api/framing.py); a client that has not sent it
  all within `request_read_timeout` seconds is answered 408 and closed, one whose request is
  too large 413/414/431, before any thread is involved;
- errors gunicorn answers itself (a malformed request line, too many headers) are written in
  the API's one JSON error shape instead of gunicorn's HTML page;
- a stopping worker (a reload, a shutdown) takes what already waits on its listening socket
  and closes that socket at once, so that new connections go to the other workers' sockets
  rather than waiting on one that will be reset (see search_api/reload.py).
"""

from __future__ import annotations

import contextlib
import json
import selectors
import socket
import time
import uuid
from dataclasses import dataclass, field
from functools import partial
from typing import Any

from gunicorn.http.errors import (  # type: ignore[import-untyped]
    ExpectationFailed,
    ForbiddenProxyRequest,
    InvalidResponseHeader,
    InvalidResponseHeaderName,
    LimitRequestHeaders,
    LimitRequestLine,
    ParseException,
    UnsupportedTransferCoding,
)
from gunicorn.workers.gthread import TConn, ThreadWorker  # type: ignore[import-untyped]

from search_api.config import ApiConfig
from search_api.errors import REQUEST_ID_HEADER, code_for, error_body
from search_api.framing import COMPLETE, INCOMPLETE, FrameLimits, Refusal, request_state

READ_SIZE = 65536
# Extra head room over gunicorn's own limits (request line + fields) before 431.
_HEAD_SLACK = 4096
_REASONS = {
    400: "Bad Request", 403: "Forbidden", 408: "Request Timeout", 413: "Content Too Large",
    414: "URI Too Long", 417: "Expectation Failed", 431: "Request Header Fields Too Large",
    500: "Internal Server Error", 501: "Not Implemented",
}


def error_bytes(status: int, message: str) -> bytes:
    """A whole HTTP/1.1 response in the API's error shape, closing the connection."""
    body = json.dumps(error_body(status, code_for(status), message)).encode("utf-8")
    head = (
        f"HTTP/1.1 {status} {_REASONS.get(status, 'Error')}\r\n"
        "Content-Type: application/json\r\n"
        f"Content-Length: {len(body)}\r\n"
        "Cache-Control: no-store\r\n"
        f"{REQUEST_ID_HEADER}: {uuid.uuid4().hex}\r\n"
        "Connection: close\r\n\r\n"
    )
    return head.encode("latin-1") + body


def parse_error_status(exc: BaseException) -> tuple[int, str] | None:
    """The status and message for an error gunicorn's parser raised; None for our own fault."""
    if isinstance(exc, InvalidResponseHeader | InvalidResponseHeaderName):
        return None
    if isinstance(exc, LimitRequestLine):
        return 414, f"request line too long: {exc}"
    if isinstance(exc, LimitRequestHeaders):
        return 431, f"request headers too large: {exc}"
    if isinstance(exc, UnsupportedTransferCoding):
        return 501, f"unsupported transfer coding: {exc}"
    if isinstance(exc, ExpectationFailed):
        return 417, str(exc)
    if isinstance(exc, ForbiddenProxyRequest):
        return 403, "request forbidden"
    if isinstance(exc, ParseException):
        return 400, f"malformed request: {exc}"
    return None


@dataclass
class _Reading:
    """A request being received in the event loop."""

    deadline: float
    data: bytearray = field(default_factory=bytearray)


class BufferingWorker(ThreadWorker):  # type: ignore[misc]
    """gthread whose threads only ever get complete requests (see the module's docstring)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        config: ApiConfig = self.app.api_config  # the SearchApplication's (serve.py)
        self.read_timeout = config.request_read_timeout
        self.frame_limits = FrameLimits(
            max_head_bytes=self.cfg.limit_request_line
            + self.cfg.limit_request_fields * self.cfg.limit_request_field_size // 8
            + _HEAD_SLACK,
            max_line_bytes=self.cfg.limit_request_line,
            max_body_bytes=config.max_body_bytes,
        )
        self.reading: dict[TConn, _Reading] = {}

    # --- whole requests only ----------------------------------------------------------------

    def enqueue_req(self, conn: TConn) -> None:
        """Read the connection's next request in the event loop; a thread gets it whole.

        (gthread calls this, on its main thread, for a new connection, a kept-alive one that
        became readable, and one with the start of a next request already read.)
        """
        if not conn.initialized:
            conn.init()  # the HTTP/1.1 parser; no I/O (no TLS, no HTTP/2 here)
        buffered = conn.parser.unreader.take_buffered()
        conn.sock.setblocking(False)
        reading = _Reading(time.monotonic() + self.read_timeout, bytearray(buffered))
        self.reading[conn] = reading
        if not self._advance(conn, reading):
            self.poller.register(conn.sock, selectors.EVENT_READ,
                                 partial(self._on_readable, conn))

    def _on_readable(self, conn: TConn, _client: socket.socket) -> None:
        reading = self.reading.get(conn)
        if reading is None:
            return
        try:
            received = conn.sock.recv(READ_SIZE)
        except (BlockingIOError, InterruptedError):
            return
        except OSError:
            received = b""
        if not received:  # the client went away
            self._unregister(conn)
            self._close(conn)
            return
        reading.data += received
        if self._advance(conn, reading):
            self._unregister(conn)

    def _advance(self, conn: TConn, reading: _Reading) -> bool:
        """Hand the request to a thread, or refuse it, once that can be decided; whether it
        was (False: more bytes are needed)."""
        state = request_state(bytes(reading.data), self.frame_limits)
        if state == INCOMPLETE:
            return False
        del self.reading[conn]
        if isinstance(state, Refusal):
            self._refuse(conn, state.status, state.message)
            return True
        assert state == COMPLETE
        conn.parser.unreader.unread(bytes(reading.data))
        conn.data_ready = True
        conn.sock.setblocking(True)
        super().enqueue_req(conn)
        return True

    def murder_pending(self) -> None:
        """gthread's sweep of idle connections, plus requests not received in time (408)."""
        super().murder_pending()
        now = time.monotonic()
        for conn, reading in list(self.reading.items()):
            if reading.deadline <= now:
                del self.reading[conn]
                self._unregister(conn)
                if not reading.data:  # an idle connection (a browser's preconnect): just close
                    self._close(conn)
                    continue
                self._refuse(conn, 408, f"request not received within {self.read_timeout:g} s")

    def _refuse(self, conn: TConn, status: int, message: str) -> None:
        with contextlib.suppress(OSError):
            conn.sock.send(error_bytes(status, message))  # small: fits the socket's buffer
        self._close(conn)

    def _unregister(self, conn: TConn) -> None:
        self._forget(conn.sock)

    def _forget(self, sock: socket.socket) -> None:
        with contextlib.suppress(KeyError, ValueError, OSError):
            self.poller.unregister(sock)

    def _close(self, conn: TConn) -> None:
        self.reading.pop(conn, None)
        self.nr_conns -= 1
        conn.close()

    # --- gunicorn's own errors, in the API's shape ------------------------------------------

    def handle_error(self, req: Any, client: socket.socket, addr: Any, exc: BaseException
                     ) -> None:
        found = parse_error_status(exc)
        if found is None:
            self.log.exception("Error handling request")
            status, message = 500, "an unexpected error occurred"
        else:
            status, message = found
            self.log.warning("Invalid request from %s: %s", (addr or ("?",))[0], exc)
        with contextlib.suppress(OSError):
            client.sendall(error_bytes(status, message))

    # --- stopping: the listening sockets go at once -----------------------------------------

    def set_accept_enabled(self, enabled: bool) -> None:
        if enabled or self.alive:
            super().set_accept_enabled(enabled)
            return
        # Stopping (a reload or a shutdown): take what waits on the listening sockets, then
        # close them, so that the kernel sends new connections to the other workers' sockets
        # instead of queueing them here to be reset when this process exits.
        accepting = bool(getattr(self, "_accepting", False))
        for listener in self.sockets:
            if accepting:
                self._forget(listener)
            self._take_waiting(listener)
            listener.close()
        self._accepting = False

    def _take_waiting(self, listener: socket.socket) -> None:
        listener.setblocking(False)
        while True:
            try:
                client, address = listener.accept()
            except OSError:  # nothing more waiting (or the socket is gone)
                return
            self.nr_conns += 1
            client.setblocking(True)
            self.enqueue_req(TConn(self.cfg, client, address, listener.getsockname()))

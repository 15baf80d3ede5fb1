"""A total deadline per response: connect, request, headers and body within one budget.

A socket timeout bounds each single read, so a server that sends one byte a second keeps a
response alive for ever. httpcore lets a client bring its own network backend (a documented
extension point); this one hands every connect, read and write the time that is left of the
current response's deadline (or the operation's own timeout, when that is shorter) and
raises httpcore's timeout once nothing is left. The deadline belongs to the calling thread
(a crawler thread handles one response at a time), so pooled connections shared by threads
are bounded by whichever response is using them.
"""

from __future__ import annotations

import threading
import time
import typing
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager

import httpcore

_SocketOption = tuple[int, int, int] | tuple[int, int, bytes | bytearray] | tuple[
    int, int, None, int
]


class DeadlineBackend(httpcore.NetworkBackend):
    """httpcore's synchronous backend, bounded by the calling thread's response deadline."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._inner = httpcore.SyncBackend()
        self._clock = clock
        self._local = threading.local()

    @contextmanager
    def deadline(self, seconds: float) -> Iterator[None]:
        """Bound everything this thread sends and receives to `seconds` from now."""
        self._local.at = self._clock() + seconds
        try:
            yield
        finally:
            self._local.at = None

    def expired(self) -> bool:
        """Whether this thread's current deadline has passed."""
        at: float | None = getattr(self._local, "at", None)
        return at is not None and self._clock() >= at

    def budget(self, timeout: float | None, timed_out: type[Exception]) -> float | None:
        """The time an operation may take: its own timeout or what is left, the smaller."""
        at: float | None = getattr(self._local, "at", None)
        if at is None:
            return timeout
        left = at - self._clock()
        if left <= 0:
            raise timed_out("the response deadline has passed")
        return left if timeout is None else min(timeout, left)

    def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[_SocketOption] | None = None,
    ) -> httpcore.NetworkStream:
        stream = self._inner.connect_tcp(
            host, port, self.budget(timeout, httpcore.ConnectTimeout), local_address,
            socket_options,
        )
        return _DeadlineStream(stream, self)

    def connect_unix_socket(
        self,
        path: str,
        timeout: float | None = None,
        socket_options: Iterable[_SocketOption] | None = None,
    ) -> httpcore.NetworkStream:
        stream = self._inner.connect_unix_socket(
            path, self.budget(timeout, httpcore.ConnectTimeout), socket_options
        )
        return _DeadlineStream(stream, self)

    def sleep(self, seconds: float) -> None:
        self._inner.sleep(seconds)


class _DeadlineStream(httpcore.NetworkStream):
    def __init__(self, inner: httpcore.NetworkStream, backend: DeadlineBackend) -> None:
        self._inner = inner
        self._backend = backend

    def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        return self._inner.read(max_bytes, self._backend.budget(timeout, httpcore.ReadTimeout))

    def write(self, buffer: bytes, timeout: float | None = None) -> None:
        self._inner.write(buffer, self._backend.budget(timeout, httpcore.WriteTimeout))

    def close(self) -> None:
        self._inner.close()

    def start_tls(
        self,
        ssl_context: typing.Any,
        server_hostname: str | None = None,
        timeout: float | None = None,
    ) -> httpcore.NetworkStream:
        stream = self._inner.start_tls(
            ssl_context, server_hostname, self._backend.budget(timeout, httpcore.ConnectTimeout)
        )
        return _DeadlineStream(stream, self._backend)

    def get_extra_info(self, info: str) -> typing.Any:
        return self._inner.get_extra_info(info)

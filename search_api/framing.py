"""Whether the bytes received on a connection hold one whole HTTP/1.1 request yet.

The gunicorn worker (search_api/worker.py) reads a request in its event loop and gives it to
a thread only once this says `COMPLETE`; gunicorn's own parser then parses the same bytes, so
this decides only when to hand over (and refuses what is too large), never what a request
means. Anything it cannot make sense of (a malformed length or chunk size) counts as complete,
for the parser to refuse with its own 400.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

COMPLETE = "complete"
INCOMPLETE = "incomplete"

_HEAD_END = b"\r\n\r\n"
_CONTENT_LENGTH = re.compile(rb"^content-length[ \t]*:[ \t]*([^\r\n]*)", re.I | re.M)
_TRANSFER_ENCODING = re.compile(rb"^transfer-encoding[ \t]*:[ \t]*([^\r\n]*)", re.I | re.M)
_CHUNK_SIZE = re.compile(rb"([0-9a-fA-F]{1,16})[ \t]*(?:;[^\r\n]*)?\r\n")


@dataclass(frozen=True)
class Refusal:
    """A request refused before a thread sees it: its status and why (the error shape's)."""

    status: int
    message: str


@dataclass(frozen=True)
class FrameLimits:
    """How large a request's head (request line and headers) and body may be."""

    max_head_bytes: int
    max_line_bytes: int
    max_body_bytes: int


def request_state(data: bytes, limits: FrameLimits) -> str | Refusal:
    """COMPLETE, INCOMPLETE, or a Refusal (414/431/413) for the first request in `data`."""
    head_end = data.find(_HEAD_END)
    if head_end < 0:
        line_end = data.find(b"\r\n")
        if (line_end < 0 and len(data) > limits.max_line_bytes) \
                or line_end > limits.max_line_bytes:
            return Refusal(414, f"request line longer than {limits.max_line_bytes} bytes")
        if len(data) > limits.max_head_bytes:
            return Refusal(431, f"request headers larger than {limits.max_head_bytes} bytes")
        return INCOMPLETE
    if head_end > limits.max_head_bytes:
        return Refusal(431, f"request headers larger than {limits.max_head_bytes} bytes")
    head = data[:head_end + 2]
    body = memoryview(data)[head_end + len(_HEAD_END):]
    encoding = _TRANSFER_ENCODING.search(head)
    if encoding is not None and b"chunked" in encoding.group(1).lower():
        return _chunked_state(body, limits.max_body_bytes)
    length = _CONTENT_LENGTH.search(head)
    if length is None:
        return COMPLETE
    try:
        declared = int(length.group(1).strip())
    except ValueError:
        return COMPLETE  # the parser answers 400
    if declared > limits.max_body_bytes:
        return Refusal(413, "request body too large")
    return COMPLETE if len(body) >= declared else INCOMPLETE


def _chunked_state(body: memoryview, max_body_bytes: int) -> str | Refusal:
    """Walk the chunks received so far: complete after the last chunk and the trailers."""
    data = body.tobytes()
    position = total = 0
    while True:
        size_line = _CHUNK_SIZE.match(data, position)
        if size_line is None:
            # Not a size line (yet): incomplete while it may still become one.
            pending = data[position:]
            return INCOMPLETE if b"\r\n" not in pending and len(pending) <= 1024 else COMPLETE
        size = int(size_line.group(1), 16)
        position = size_line.end()
        if size == 0:
            # Trailers (usually none) end with an empty line.
            if data.startswith(b"\r\n", position) or data.find(_HEAD_END, position - 2) >= 0:
                return COMPLETE
            return INCOMPLETE
        total += size
        if total > max_body_bytes:
            return Refusal(413, "request body too large")
        position += size + 2  # the chunk and its CRLF
        if position > len(data):
            return INCOMPLETE

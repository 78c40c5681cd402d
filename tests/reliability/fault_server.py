"""A loopback server that answers every request with one injected fault: an HTTP status, a malformed
body, a broken connection or a broken stream. Faults are raw bytes written on the socket (or a reset),
so they reach each SDK's transport exactly as a misbehaving server's would."""

from __future__ import annotations

import json
import socket
import struct
import threading
from collections.abc import Callable
from dataclasses import dataclass

Act = Callable[[socket.socket], None]


def response(status: int, body: bytes, content_type: str = "application/json", extra: str = "") -> bytes:
    reason = {200: "OK"}.get(status, "Fault")
    head = f"HTTP/1.1 {status} {reason}\r\ncontent-type: {content_type}\r\ncontent-length: {len(body)}\r\n"
    return (head + extra + "connection: close\r\n\r\n").encode() + body


def chunked(status: int, frames: list[bytes], content_type: str, end: bool = True) -> bytes:
    head = (
        f"HTTP/1.1 {status} OK\r\ncontent-type: {content_type}\r\ntransfer-encoding: chunked\r\n"
        "connection: close\r\n\r\n"  # clients are reused: none may keep a connection the server closes
    )
    body = b"".join(f"{len(frame):x}\r\n".encode() + frame + b"\r\n" for frame in frames)
    return head.encode() + body + (b"0\r\n\r\n" if end else b"")


def send(data: bytes) -> Act:
    return lambda connection: connection.sendall(data)


def reset(data: bytes = b"") -> Act:
    """Write ``data``, then reset the connection (RST rather than FIN)."""

    def act(connection: socket.socket) -> None:
        if data:
            connection.sendall(data)
        connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))

    return act


def error_body(status: int, message: str) -> bytes:
    return json.dumps(
        {
            "error": {"message": message, "type": "fault", "code": status},
            "message": message,
            "detail": message,
        }
    ).encode()


@dataclass(frozen=True)
class Fault:
    name: str
    act: Act
    streaming_only: bool = False


_STATUSES = (400, 401, 403, 404, 405, 408, 409, 410, 413, 418, 422, 429, 451, 500, 501, 502, 503, 504, 529)
_SSE = "text/event-stream"

FAULTS: tuple[Fault, ...] = (
    *(
        Fault(f"status {s}", send(response(s, error_body(s, f"injected {s}"), extra="retry-after: 0\r\n")))
        for s in _STATUSES
    ),
    Fault("500 html", send(response(500, b"<html><body>Internal error</body></html>", "text/html"))),
    Fault("429 empty", send(response(429, b""))),
    Fault("401 text", send(response(401, b"unauthorized", "text/plain"))),
    Fault("503 json array", send(response(503, b"[1, 2]"))),
    Fault("200 empty", send(response(200, b""))),
    Fault("200 not json", send(response(200, b"this is not json"))),
    Fault("200 truncated json", send(response(200, b'{"id": "x", "choices": [{"ind'))),
    Fault("200 json array", send(response(200, b"[]"))),
    Fault("200 json null", send(response(200, b"null"))),
    Fault("200 json string", send(response(200, b'"hello"'))),
    Fault("200 empty object", send(response(200, b"{}"))),
    Fault("200 wrong types", send(response(200, b'{"id": 5, "choices": "x", "usage": "y", "model": {}}'))),
    Fault("200 html", send(response(200, b"<!doctype html><p>maintenance</p>", "text/html"))),
    Fault("200 invalid utf-8", send(response(200, b'{"id": "\xff\xfe"}'))),
    Fault("200 bom json", send(response(200, b'\xef\xbb\xbf{"id": "x"}'))),
    Fault("200 trailing garbage", send(response(200, b'{"id": "x"} trailing'))),
    Fault("200 deep nesting", send(response(200, b'{"a":' * 200 + b"1" + b"}" * 200))),
    Fault("close before response", send(b"")),
    Fault("reset before response", reset()),
    Fault(
        "headers then close",
        send(b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 50\r\n\r\n"),
    ),
    Fault("partial headers", send(b"HTTP/1.1 200 OK\r\ncontent-ty")),
    Fault(
        "short body then close",
        send(b'HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 90\r\n\r\n{"id": '),
    ),
    Fault(
        "short body then reset",
        reset(b'HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 90\r\n\r\n{"id": '),
    ),
    Fault("garbage status line", send(b"NOT-HTTP garbage\r\n\r\n")),
    Fault(
        "broken chunked encoding",
        send(
            b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ntransfer-encoding: chunked\r\n\r\n"
            b"zz\r\n{}\r\n"
        ),
    ),
    Fault("stream: invalid json event", send(chunked(200, [b"data: {not json\n\n"], _SSE)), True),
    Fault("stream: empty", send(chunked(200, [], _SSE)), True),
    Fault("stream: done at once", send(chunked(200, [b"data: [DONE]\n\n"], _SSE)), True),
    Fault(
        "stream: comment lines only",
        send(chunked(200, [b": keep-alive\n\n", b": keep-alive\n\n"], _SSE)),
        True,
    ),
    Fault(
        "stream: error event",
        send(chunked(200, [b'event: error\ndata: {"error": {"message": "overloaded"}}\n\n'], _SSE)),
        True,
    ),
    Fault(
        "stream: cut after an event", send(chunked(200, [b'data: {"id": "x"}\n\n'], _SSE, end=False)), True
    ),
    Fault(
        "stream: reset after an event", reset(chunked(200, [b'data: {"id": "x"}\n\n'], _SSE, end=False)), True
    ),
    Fault(
        "stream: ndjson partial line",
        send(chunked(200, [b'{"model": "m", "done": fal'], "application/x-ndjson")),
        True,
    ),
    Fault("stream: json instead of events", send(response(200, b'{"id": "x"}')), True),
    Fault(
        "stream: wrong types",
        send(chunked(200, [b'data: {"id": 1, "choices": "x", "type": 7}\n\n'], _SSE)),
        True,
    ),
)


class FaultServer:
    """Serves ``fault`` (settable between calls) on 127.0.0.1 in a background thread."""

    def __init__(self) -> None:
        self.fault: Fault = FAULTS[0]
        self._socket = socket.create_server(("127.0.0.1", 0))
        self._thread = threading.Thread(target=self._serve, daemon=True)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self._socket.getsockname()[1]}"

    def __enter__(self) -> FaultServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._socket.close()

    def _serve(self) -> None:
        while True:
            try:
                connection, _ = self._socket.accept()
            except OSError:
                return
            threading.Thread(target=self._answer, args=(connection,), daemon=True).start()

    def _answer(self, connection: socket.socket) -> None:
        with connection:
            try:
                _read_request(connection)
                self.fault.act(connection)
            except OSError:
                pass


def _read_request(connection: socket.socket) -> None:
    """Read one request's head and body (by content-length) so that the client is done sending."""
    connection.settimeout(5)
    data = b""
    while b"\r\n\r\n" not in data:
        piece = connection.recv(65536)
        if not piece:
            return
        data += piece
    head, _, body = data.partition(b"\r\n\r\n")
    length = next(
        (
            int(line.split(b":", 1)[1])
            for line in head.split(b"\r\n")
            if line.lower().startswith(b"content-length:")
        ),
        0,
    )
    while len(body) < length:
        piece = connection.recv(65536)
        if not piece:
            return
        body += piece

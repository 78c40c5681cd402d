"""A loopback HTTP server whose answers a provider's test module writes in that provider's wire format.

``WireServer(route)`` calls ``route(method, path, body)`` for every request (``body`` is the parsed
JSON or ``None``) and sends back the :class:`Reply`: a JSON document, or a chunked stream of frames
(SSE ``data:`` lines or NDJSON lines, as the provider documents). Every request is kept in
``server.requests`` so tests can check what the SDK sent.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass
class Reply:
    status: int = 200
    json_body: Any = None
    frames: Sequence[bytes] = ()
    content_type: str = "application/json"
    headers: dict[str, str] = field(default_factory=dict)


def sse(events: Sequence[Any], done: bool = False) -> Reply:
    """Server-sent events with one ``data:`` JSON line each (and OpenAI's ``[DONE]`` if asked)."""
    frames = [f"data: {json.dumps(event)}\n\n".encode() for event in events]
    if done:
        frames.append(b"data: [DONE]\n\n")
    return Reply(frames=frames, content_type="text/event-stream")


def ndjson(objects: Sequence[Any]) -> Reply:
    return Reply(
        frames=[(json.dumps(o) + "\n").encode() for o in objects], content_type="application/x-ndjson"
    )


Route = Callable[[str, str, Any], Reply]


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # headers and body are separate writes: no wait for a delayed ACK
    server: _Server

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def _handle(self) -> None:
        length = int(self.headers.get("content-length") or 0)
        raw = self.rfile.read(length) if length else b""
        body = json.loads(raw) if raw else None
        self.server.requests.append({"method": self.command, "path": self.path, "body": body})
        reply = self.server.route(self.command, self.path, body)
        self.send_response(reply.status)
        self.send_header("content-type", reply.content_type)
        for name, value in reply.headers.items():
            self.send_header(name, value)
        if reply.frames:
            self.send_header("transfer-encoding", "chunked")
            self.end_headers()
            try:
                for frame in reply.frames:
                    self.wfile.write(f"{len(frame):x}\r\n".encode() + frame + b"\r\n")
                    self.wfile.flush()
                self.wfile.write(b"0\r\n\r\n")
            except (BrokenPipeError, ConnectionResetError):
                pass  # the client stopped reading: a normal end of a stream
            return
        data = json.dumps(reply.json_body).encode()
        self.send_header("content-length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    do_GET = do_POST = _handle


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    route: Route
    requests: list[dict[str, Any]]

    def handle_error(self, request: Any, client_address: Any) -> None:
        import sys

        if not isinstance(sys.exc_info()[1], (ConnectionResetError, BrokenPipeError)):
            super().handle_error(request, client_address)


class WireServer:
    """Serve ``route`` on ``127.0.0.1`` in a background thread; use as a context manager."""

    def __init__(self, route: Route) -> None:
        self._server = _Server(("127.0.0.1", 0), _Handler)
        self._server.route = route
        self._server.requests = []
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    @property
    def requests(self) -> list[dict[str, Any]]:
        return self._server.requests

    def __enter__(self) -> WireServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()

"""A loopback server that fails every request and echoes what it was sent: headers, URL and body.

Servers do echo credentials (a 401 body that quotes the key, an error that repeats the request URL), and
SDKs put the body into their exception's message: what the app's telemetry then records must not hold them.
"""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


class _Echo(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # headers and body are separate writes: no wait for a delayed ACK
    server: EchoServer

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def _handle(self) -> None:
        length = int(self.headers.get("content-length") or 0)
        body = self.rfile.read(length).decode(errors="replace") if length else ""
        echoed = f"request {self.command} {self.path} headers {dict(self.headers)} body {body}"
        # the shapes providers use for errors: OpenAI/Anthropic/Groq {"error": {...}}, Google {"error":
        # {"message", "status"}}, AWS {"message"}, Cohere and Mistral {"message"} / {"detail"}
        document = {
            "error": {
                "message": echoed,
                "type": "invalid_request_error",
                "code": 401,
                "status": "UNAUTHENTICATED",
            },
            "message": echoed,
            "detail": echoed,
        }
        data = json.dumps(document).encode()
        self.send_response(self.server.status)
        self.send_header("content-type", "application/json")
        self.send_header("x-amzn-errortype", "UnrecognizedClientException")
        self.send_header("content-length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    do_GET = do_POST = _handle


class EchoServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, status: int = 401) -> None:
        super().__init__(("127.0.0.1", 0), _Echo)
        self.status = status

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"

    def __enter__(self) -> EchoServer:
        threading.Thread(target=self.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc: Any) -> None:
        self.shutdown()
        self.server_close()

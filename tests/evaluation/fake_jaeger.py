"""A stand-in for Jaeger's query service: serves ``/api/traces`` in Jaeger's JSON model on loopback.

The traces it serves are real SDK spans converted the way Jaeger stores OTLP spans: ids as hex,
times in microseconds, attributes as typed ``tags``, span events as ``logs`` with an ``event`` field.
"""

from __future__ import annotations

import json
import threading
import urllib.parse
from collections.abc import Sequence
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from opentelemetry.sdk.trace import ReadableSpan


def _tag(key: str, value: Any) -> dict[str, Any]:
    if isinstance(value, bool):
        kind = "bool"
    elif isinstance(value, int):
        kind = "int64"
    elif isinstance(value, float):
        kind = "float64"
    else:
        kind, value = "string", value if isinstance(value, str) else json.dumps(list(value))
    return {"key": key, "type": kind, "value": value}


def jaeger_span(span: ReadableSpan) -> dict[str, Any]:
    trace_id = f"{span.context.trace_id:032x}"
    references = (
        [{"refType": "CHILD_OF", "traceID": trace_id, "spanID": f"{span.parent.span_id:016x}"}]
        if span.parent
        else []
    )
    return {
        "traceID": trace_id,
        "spanID": f"{span.context.span_id:016x}",
        "operationName": span.name,
        "references": references,
        "flags": 1,
        "startTime": span.start_time // 1000,
        "duration": (span.end_time - span.start_time) // 1000,
        "tags": [_tag(k, v) for k, v in span.attributes.items()]
        + [_tag("span.kind", span.kind.name.lower())],
        "logs": [
            {
                "timestamp": event.timestamp // 1000,
                "fields": [_tag("event", event.name)] + [_tag(k, v) for k, v in event.attributes.items()],
            }
            for event in span.events
        ],
        "processID": "p1",
        "warnings": None,
    }


def jaeger_payload(spans: Sequence[ReadableSpan], service: str) -> dict[str, Any]:
    traces: dict[int, list[ReadableSpan]] = {}
    for span in spans:
        traces.setdefault(span.context.trace_id, []).append(span)
    return {
        "data": [
            {
                "traceID": f"{trace_id:032x}",
                "spans": [jaeger_span(span) for span in members],
                "processes": {"p1": {"serviceName": service, "tags": []}},
                "warnings": None,
            }
            for trace_id, members in traces.items()
        ],
        "total": 0,
        "limit": 0,
        "offset": 0,
        "errors": None,
    }


class FakeJaeger:
    """``with FakeJaeger(payload) as jaeger:`` serves ``payload``; ``jaeger.queries`` holds the queries."""

    def __init__(self, payload: dict[str, Any]) -> None:
        self.queries: list[dict[str, list[str]]] = []
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                url = urllib.parse.urlsplit(self.path)
                if url.path != "/api/traces":
                    self.send_error(404)
                    return
                fake.queries.append(urllib.parse.parse_qs(url.query))
                body = json.dumps(payload).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: Any) -> None:
                return None

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def __enter__(self) -> FakeJaeger:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()

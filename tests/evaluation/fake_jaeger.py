"""A stand-in for Jaeger's query service: ``/api/traces`` in Jaeger's JSON model, on a loopback WireServer.

The traces it serves are real SDK spans converted the way Jaeger stores OTLP spans: ids as hex,
times in microseconds, attributes as typed ``tags``, span events as ``logs`` with an ``event`` field.
"""

from __future__ import annotations

import json
import urllib.parse
from collections.abc import Sequence
from typing import Any

from opentelemetry.sdk.trace import ReadableSpan

from tests.wire_server import Reply, Route, WireServer


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


def jaeger_query(payload: dict[str, Any]) -> Route:
    """A :class:`~tests.wire_server.WireServer` route answering ``GET /api/traces`` with ``payload``."""

    def route(method: str, path: str, body: Any) -> Reply:
        if method != "GET" or urllib.parse.urlsplit(path).path != "/api/traces":
            return Reply(status=404, json_body={"errors": [{"code": 404, "msg": "not found"}]})
        return Reply(json_body=payload)

    return route


def queries(server: WireServer) -> list[dict[str, list[str]]]:
    """The query strings of the requests ``server`` received."""
    return [urllib.parse.parse_qs(urllib.parse.urlsplit(r["path"]).query) for r in server.requests]

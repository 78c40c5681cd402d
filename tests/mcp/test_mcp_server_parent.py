"""The server span's parent and links, driven through the SDK's middleware hook in-process."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from tests.mcp.server_app import MCP_V1

if MCP_V1:
    pytest.skip("drives mcp 2.x's OpenTelemetryMiddleware hook", allow_module_level=True)
from mcp.server._otel import OpenTelemetryMiddleware
from opentelemetry.trace import SpanKind

REMOTE = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"


def message(meta):
    session = SimpleNamespace(_connection=None, _request_outbound=None)
    return SimpleNamespace(
        method="tools/list", params=None, meta=meta, request_id=7, protocol_version="2025-11-25",
        session=session, request=None,
    )  # fmt: skip


async def handled(ctx):
    return {"tools": []}


async def test_remote_parent_from_meta_and_a_link_to_the_ambient_span(instrumented):
    tracer = instrumented.tracer_provider.get_tracer("test")
    with tracer.start_as_current_span("POST", kind=SpanKind.SERVER) as ambient:
        result = await OpenTelemetryMiddleware()(message({"traceparent": REMOTE}), handled)
    assert result == {"tools": []}
    (span,) = [s for s in instrumented.spans() if s.name == "tools/list"]
    assert span.kind is SpanKind.SERVER
    assert f"{span.context.trace_id:032x}" == REMOTE.split("-")[1]
    assert f"{span.parent.span_id:016x}" == REMOTE.split("-")[2] and span.parent.is_remote
    assert [link.context.span_id for link in span.links] == [ambient.get_span_context().span_id]
    assert dict(span.attributes) == {
        "mcp.method.name": "tools/list",
        "mcp.protocol.version": "2025-11-25",
        "jsonrpc.request.id": "7",
    }


@pytest.mark.parametrize("meta", [None, {}, {"traceparent": "garbage"}], ids=["none", "empty", "invalid"])
async def test_no_valid_context_in_meta_leaves_the_ambient_parent(instrumented, meta):
    tracer = instrumented.tracer_provider.get_tracer("test")
    with tracer.start_as_current_span("POST", kind=SpanKind.SERVER) as ambient:
        await OpenTelemetryMiddleware()(message(meta), handled)
    (span,) = [s for s in instrumented.spans() if s.name == "tools/list"]
    assert span.parent.span_id == ambient.get_span_context().span_id
    assert not span.links


async def test_handler_exceptions_pass_through_and_mark_the_span(instrumented):
    class Boom(Exception):
        pass

    async def failing(ctx):
        raise Boom("no")

    with pytest.raises(Boom):
        await OpenTelemetryMiddleware()(message(None), failing)
    (span,) = [s for s in instrumented.spans() if s.name == "tools/list"]
    assert (
        span.attributes["error.type"]
        == "test_handler_exceptions_pass_through_and_mark_the_span.<locals>.Boom"
    )
    assert span.status.description == "no"

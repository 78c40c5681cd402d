"""MCP client and server in one trace: a real MCPServer (the SDK's FastMCP) subprocess over stdio and
over streamable HTTP on loopback; the server exports its spans to a file, joined here with the
client's."""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys

import pytest
from mcp.shared import exceptions
from opentelemetry import trace
from opentelemetry.trace import SpanKind, StatusCode

from otel_llm.semconv import metrics as M
from tests.mcp.server_app import MCP_V1
from tests.mcp.servers import (
    SERVER_APP,
    ServerTelemetry,
    http_server,
    http_session,
    server_env,
    server_violations,
    stdio_session,
)
from tests.semconv_modes import ALL_SEMCONV_MODES

VERSION = "2025-11-25"  # what this SDK's client and server negotiate (1.30 and 2.x alike)
MCPError = exceptions.McpError if MCP_V1 else exceptions.MCPError
SDK_SCOPE = set() if MCP_V1 else {"mcp-python-sdk"}  # mcp 1.x makes no spans of its own


def is_error(result) -> bool:
    return result.isError if MCP_V1 else result.is_error


def structured(result):
    return result.structuredContent if MCP_V1 else result.structured_content


BUCKETS = [0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1, 2, 5, 10, 30, 60, 120, 300]


def covers(feature: str, operations: tuple[str, ...] = ("tools/call", "tools/list", "resources/read")):
    """The coverage-matrix cells of a test: MCP methods it exercises, async (the SDK is async only)."""

    def mark(test):
        for operation in operations:
            test = pytest.mark.covers(provider="mcp", operation=operation, mode="async", feature=feature)(
                test
            )
        return test

    return mark


async def exercise(session) -> None:
    """Call a tool, a failing tool, list tools, read a resource; results reach the app unchanged."""
    added = await session.call_tool("add", {"a": 2, "b": 3})
    assert is_error(added) is False
    assert structured(added) == {"result": 5}
    failed = await session.call_tool("explode", {"reason": "test"})
    assert is_error(failed) is True
    tools = await session.list_tools()
    assert sorted(tool.name for tool in tools.tools) == ["add", "explode"]
    resource = await session.read_resource("config://app")
    assert resource.contents[0].text == "mode=test"


def agent_tool_span(tracer_provider, name: str):
    """An execute_tool span of ours, current while the MCP call is made (as an agent's tool call)."""
    tracer = tracer_provider.get_tracer("otel_llm")
    return tracer.start_as_current_span(
        f"execute_tool {name}",
        kind=SpanKind.INTERNAL,
        attributes={"gen_ai.operation.name": "execute_tool", "gen_ai.tool.name": name},
    )


def client_requests(spans) -> list:
    return [span for span in spans if span.kind is SpanKind.CLIENT and "mcp.method.name" in span.attributes]


def joined(client_spans, server_spans) -> dict[int, dict]:
    """Client span id -> its server span; every server span (request or notification) has a client parent."""
    by_id = {span.context.span_id: span for span in client_spans}
    pairs = {}
    for server in server_spans:
        parent = by_id[int(server["parent_span_id"], 16)]
        assert server["parent_remote"] is True
        assert server["trace_id"] == f"{parent.context.trace_id:032x}"
        assert server["name"] == parent.name
        assert server["attributes"].get("jsonrpc.request.id") == parent.attributes.get("jsonrpc.request.id")
        pairs[parent.context.span_id] = server
    return pairs


def only(spans, name: str):
    (span,) = [span for span in spans if span.name == name]
    return span


def only_server(spans: list[dict], name: str) -> dict:
    (span,) = [span for span in spans if span["name"] == name]
    return span


def assert_pair(client, server: dict, transport: dict, server_transport: dict, request: dict) -> None:
    request_id = client.attributes["jsonrpc.request.id"]
    assert request_id.isdigit()
    common = {**request, "mcp.protocol.version": VERSION, "jsonrpc.request.id": request_id}
    assert dict(client.attributes) == {**common, **transport}
    assert server["attributes"] == {**common, **server_transport}


def assert_metrics(points: dict, server: ServerTelemetry, transport: dict) -> None:
    calls = points[M.MCP_CLIENT_OPERATION_DURATION]
    tool_error = [p for p in calls if p.attributes.get("error.type") == "tool_error"]
    assert [dict(p.attributes)["gen_ai.tool.name"] for p in tool_error] == ["explode"]
    assert all(list(p.explicit_bounds) == BUCKETS for p in calls)
    (session,) = points[M.MCP_CLIENT_SESSION_DURATION]
    assert dict(session.attributes) == {"mcp.protocol.version": VERSION, **transport}
    assert session.count == 1
    assert server_violations(server) == []  # the server's spans and metrics conform too
    server_names = {p["name"] for p in server.metrics}
    assert {M.MCP_SERVER_OPERATION_DURATION, M.MCP_SERVER_SESSION_DURATION} <= server_names
    assert all(p["bounds"] == BUCKETS for p in server.metrics)


STDIO = {"network.transport": "pipe"}
TOOL_ADD = {
    "mcp.method.name": "tools/call",
    "gen_ai.operation.name": "execute_tool",
    "gen_ai.tool.name": "add",
}
TOOL_EXPLODE = {**TOOL_ADD, "gen_ai.tool.name": "explode", "error.type": "tool_error"}
READ = {"mcp.method.name": "resources/read", "mcp.resource.uri": "config://app"}


@ALL_SEMCONV_MODES
@covers("stdio")
async def test_stdio_server_spans_are_children_of_client_spans(instrumented, tmp_path):
    server = ServerTelemetry(tmp_path / "server.jsonl")
    with agent_tool_span(instrumented.tracer_provider, "lookup") as agent:
        async with stdio_session(server.path) as session:
            await exercise(session)
    server.read()
    spans = instrumented.spans()
    clients = client_requests(spans)
    assert all(span.parent.span_id == agent.get_span_context().span_id for span in clients)
    assert {span.context.trace_id for span in clients} == {agent.get_span_context().trace_id}
    assert not [span for span in spans if span.instrumentation_scope.name == "mcp-python-sdk"]
    pairs = joined(clients, server.spans)
    assert len(pairs) == len(clients)  # every request reached the server as a child span

    add, explode, read = (
        only(clients, "tools/call add"),
        only(clients, "tools/call explode"),
        only(clients, "resources/read"),
    )
    assert_pair(add, pairs[add.context.span_id], STDIO, STDIO, TOOL_ADD)
    assert_pair(explode, pairs[explode.context.span_id], STDIO, STDIO, TOOL_EXPLODE)
    assert_pair(read, pairs[read.context.span_id], STDIO, STDIO, READ)
    assert explode.status.status_code is StatusCode.ERROR
    assert pairs[explode.context.span_id]["status"] == "ERROR"
    assert add.status.status_code is StatusCode.UNSET
    initialize = only(clients, "initialize")
    assert initialize.attributes["mcp.protocol.version"] == VERSION
    initialized = only(clients, "notifications/initialized")  # a notification: no request id
    assert dict(initialized.attributes) == {
        "mcp.method.name": "notifications/initialized",
        "mcp.protocol.version": VERSION,
        **STDIO,
    }
    assert pairs[initialized.context.span_id]["attributes"] == dict(initialized.attributes)
    assert {span["scope"] for span in server.spans} == {"otel_llm"}
    assert_metrics(instrumented.metric_points(), server, STDIO)
    (server_session,) = [p for p in server.metrics if p["name"] == M.MCP_SERVER_SESSION_DURATION]
    assert server_session["attributes"] == {"mcp.protocol.version": VERSION, **STDIO}


@covers("streamable_http")
async def test_streamable_http_server_spans_are_children_of_client_spans(instrumented, tmp_path):
    server = ServerTelemetry(tmp_path / "server.jsonl")
    async with http_server(server.path) as url:
        port = int(url.rsplit(":", 1)[1].split("/")[0])
        with agent_tool_span(instrumented.tracer_provider, "lookup") as agent:
            async with http_session(url) as session:
                await exercise(session)
    server.read()
    clients = client_requests(instrumented.spans())
    assert all(span.parent.span_id == agent.get_span_context().span_id for span in clients)
    pairs = joined(clients, server.spans)
    assert len(pairs) == len(clients)

    add = only(clients, "tools/call add")
    session_id = add.attributes["mcp.session.id"]
    assert len(session_id) >= 16
    transport = {
        "network.transport": "tcp",
        "network.protocol.name": "http",
        "server.address": "127.0.0.1",
        "server.port": port,
        "mcp.session.id": session_id,
    }
    for name, request in (
        ("tools/call add", TOOL_ADD),
        ("tools/call explode", TOOL_EXPLODE),
        ("resources/read", READ),
    ):
        client = only(clients, name)
        served = pairs[client.context.span_id]
        client_port = served["attributes"].get("client.port")  # the ephemeral port of that HTTP request
        assert isinstance(client_port, int) and client_port != port
        server_transport = {
            "network.transport": "tcp",
            "network.protocol.name": "http",
            "client.address": "127.0.0.1",
            "client.port": client_port,
            "mcp.session.id": session_id,
        }
        assert_pair(client, served, transport, server_transport, request)
    session_transport = {k: v for k, v in transport.items() if k != "mcp.session.id"}
    assert_metrics(instrumented.metric_points(), server, session_transport)


@covers("uninstrumented_server")
async def test_uninstrumented_server_still_works_and_extracts_our_context(instrumented, tmp_path):
    """The server runs only the SDK's own telemetry: it answers, and its spans parent to ours."""
    server = ServerTelemetry(tmp_path / "server.jsonl")
    async with stdio_session(server.path, instrument=False) as session:
        await exercise(session)
    server.read()
    clients = client_requests(instrumented.spans())
    assert {span["scope"] for span in server.spans} == SDK_SCOPE
    assert len(client_requests(instrumented.spans())) >= 6  # our spans, the app's results unchanged
    by_id = {f"{span.context.span_id:016x}": span for span in clients}
    requests = [span for span in server.spans if "jsonrpc.request.id" in span["attributes"]]
    assert (bool(requests) is not MCP_V1) and all(
        by_id[span["parent_span_id"]].name == span["name"] for span in requests
    )


UNINSTRUMENTED_CLIENT = f"""
import asyncio, os, sys
from mcp.client.session import ClientSession
from mcp.client.stdio import StdioServerParameters, stdio_client

async def main():
    env = dict(os.environ)
    params = StdioServerParameters(command=sys.executable, args=[{SERVER_APP!r}, "stdio"], env=env)
    async with stdio_client(params) as (read, write), ClientSession(read, write) as session:
        await session.initialize()
        result = await session.call_tool("add", {{"a": 20, "b": 22}})
        print(result.structuredContent["result"] if {MCP_V1} else result.structured_content["result"])

asyncio.run(main())
"""


@covers("uninstrumented_client", ("tools/call",))
def test_uninstrumented_client_still_works_and_server_spans_are_roots(tmp_path, monkeypatch):
    """A client with no OpenTelemetry SDK sends no trace context: the server's spans start traces."""
    server = ServerTelemetry(tmp_path / "server.jsonl")
    monkeypatch.setenv("OTEL_LLM_TEST_TELEMETRY", str(server.path))
    monkeypatch.setenv("OTEL_LLM_TEST_INSTRUMENT", "1")
    done = subprocess.run(
        [sys.executable, "-c", UNINSTRUMENTED_CLIENT], capture_output=True, text=True, timeout=60, check=True
    )
    assert done.stdout.strip() == "42"
    server.read()
    add = only_server(server.spans, "tools/call add")
    assert add["parent_span_id"] is None
    assert add["attributes"] == {
        **TOOL_ADD,
        "mcp.protocol.version": VERSION,
        "jsonrpc.request.id": add["attributes"]["jsonrpc.request.id"],
        **STDIO,
    }


@covers("concurrency", ("tools/call",))
async def test_concurrent_sessions_each_make_their_own_tree(instrumented, tmp_path):
    server = ServerTelemetry(tmp_path / "server.jsonl")
    tracer = instrumented.tracer_provider.get_tracer("test")

    async def run(label: str, a: int) -> tuple[int, int]:
        with tracer.start_as_current_span(f"agent {label}") as root:
            async with http_session(url) as session:
                for _ in range(3):
                    result = await session.call_tool("add", {"a": a, "b": 1})
                    assert structured(result) == {"result": a + 1}
        return root.get_span_context().trace_id, root.get_span_context().span_id

    async with http_server(server.path) as url:
        roots = await asyncio.gather(run("one", 1), run("two", 10))
    server.read()
    clients = client_requests(instrumented.spans())
    pairs = joined(clients, server.spans)
    for trace_id, root_id in roots:
        calls = [s for s in clients if s.context.trace_id == trace_id and s.name == "tools/call add"]
        assert len(calls) == 3 and all(s.parent.span_id == root_id for s in calls)
        assert len({pairs[s.context.span_id]["attributes"]["mcp.session.id"] for s in calls}) == 1
    sessions = {
        pairs[s.context.span_id]["attributes"]["mcp.session.id"]
        for s in clients
        if s.name == "tools/call add"
    }
    assert len(sessions) == 2


@covers("errors", ("resources/read",))
async def test_errors_reach_the_app_unchanged_and_mark_the_span(instrumented, tmp_path):
    server = ServerTelemetry(tmp_path / "server.jsonl")
    async with stdio_session(server.path) as session:
        with pytest.raises(MCPError) as raised:
            await session.read_resource("config://missing")
    server.read()
    code = str(raised.value.error.code)
    client = only(client_requests(instrumented.spans()), "resources/read")
    assert client.attributes["error.type"] == code
    assert client.attributes["rpc.response.status_code"] == code
    assert client.status.status_code is StatusCode.ERROR
    assert client.status.description == raised.value.error.message
    served = only_server(server.spans, "resources/read")
    assert served["attributes"]["error.type"] == code
    assert served["status"] == "ERROR"


@covers("instrumentation_errors", ("tools/call",))
@pytest.mark.no_conformance  # the SDK's own spans (not ours, not conforming) stand in for ours here
async def test_our_failures_never_reach_the_app(instrumented, tmp_path, monkeypatch, caplog):
    """A bug of ours is logged; the call goes ahead as if uninstrumented (with the SDK's own spans)."""
    from otel_llm.instrumentation.mcp import _common

    def broken(*args, **kwargs):
        raise RuntimeError("otel-llm bug")

    monkeypatch.setattr(_common, "request_attributes", broken)
    server = ServerTelemetry(tmp_path / "server.jsonl")
    async with stdio_session(server.path) as session:
        result = await session.call_tool("add", {"a": 1, "b": 1})
    assert structured(result) == {"result": 2}
    assert {span.instrumentation_scope.name for span in client_requests(instrumented.spans())} == SDK_SCOPE
    assert "failed to start an MCP client span" in caplog.text
    assert trace.get_current_span() is trace.INVALID_SPAN


@covers("content_capture", ("tools/call",))
async def test_tool_arguments_and_results_are_recorded_when_content_capture_is_on(otel, tmp_path):
    from otel_llm.config import CaptureMode
    from otel_llm.instrumentation.mcp import MCPInstrumentor

    instrumentor = MCPInstrumentor()
    instrumentor.instrument(
        tracer_provider=otel.tracer_provider,
        meter_provider=otel.meter_provider,
        capture_mode=CaptureMode.SPAN_ONLY,
    )
    server = ServerTelemetry(tmp_path / "server.jsonl")
    try:
        capture = {"OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT": "SPAN_ONLY"}
        async with stdio_session(server.path, env=capture) as session:
            await session.call_tool("add", {"a": 2, "b": 3})
            await session.call_tool("explode", {"reason": "test"})
    finally:
        instrumentor.uninstrument()
    server.read()
    clients = client_requests(otel.spans())
    add, explode = only(clients, "tools/call add"), only(clients, "tools/call explode")
    failure = [
        {"type": "text", "text": "Error executing tool explode" + (": exploded: test" if MCP_V1 else "")}
    ]
    for attributes in (add.attributes, only_server(server.spans, "tools/call add")["attributes"]):
        assert json.loads(attributes["gen_ai.tool.call.arguments"]) == {"a": 2, "b": 3}
        assert json.loads(attributes["gen_ai.tool.call.result"]) == {"result": 5}
    for attributes in (explode.attributes, only_server(server.spans, "tools/call explode")["attributes"]):
        assert json.loads(attributes["gen_ai.tool.call.arguments"]) == {"reason": "test"}
        assert json.loads(attributes["gen_ai.tool.call.result"]) == failure
    assert "gen_ai.tool.call.arguments" not in only(clients, "tools/list").attributes


@covers("client_api_stateless_protocol")
@pytest.mark.skipif(MCP_V1, reason="mcp.Client and the 2026-07-28 revision are mcp 2.x only")
async def test_high_level_client_on_the_stateless_protocol_revision(instrumented, tmp_path):
    """``mcp.Client`` speaks 2026-07-28: ``server/discover`` instead of a handshake, the version in each
    request's ``_meta``, a server ``Connection`` per request (so no server session duration)."""
    from mcp.client.stdio import StdioServerParameters

    from mcp import Client

    server = ServerTelemetry(tmp_path / "server.jsonl")
    params = StdioServerParameters(
        command=sys.executable, args=[SERVER_APP, "stdio"], env=server_env(server.path)
    )
    async with Client(params) as client:
        await exercise(client)
    server.read()
    clients = client_requests(instrumented.spans())
    pairs = joined(clients, server.spans)
    assert len(pairs) == len(clients)
    assert only(clients, "server/discover").attributes["mcp.protocol.version"] == "2026-07-28"
    assert {span.attributes["mcp.protocol.version"] for span in clients} == {"2026-07-28"}
    add = only(clients, "tools/call add")
    assert dict(add.attributes) == {
        **TOOL_ADD,
        "mcp.protocol.version": "2026-07-28",
        "jsonrpc.request.id": add.attributes["jsonrpc.request.id"],
        **STDIO,
    }
    assert server_violations(server) == []
    assert M.MCP_SERVER_SESSION_DURATION not in {p["name"] for p in server.metrics}
    (session,) = instrumented.metric_points()[M.MCP_CLIENT_SESSION_DURATION]
    assert dict(session.attributes) == {"mcp.protocol.version": "2026-07-28", **STDIO}

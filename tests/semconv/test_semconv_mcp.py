"""The conformance checker judges MCP spans and metrics by the MCP conventions."""

from __future__ import annotations

from opentelemetry.trace import SpanKind, StatusCode

from otel_llm.semconv import attributes as attr
from otel_llm.semconv import metrics
from otel_llm.testing.conformance import Violation

TOOL_CALL = {
    attr.MCP_METHOD_NAME: "tools/call",
    attr.GEN_AI_OPERATION_NAME: "execute_tool",
    attr.GEN_AI_TOOL_NAME: "add",
    attr.JSONRPC_REQUEST_ID: "2",
    attr.NETWORK_TRANSPORT: "pipe",
}


def test_conforming_mcp_spans_and_metrics(pipeline):
    tracer = pipeline.tracer_provider.get_tracer("otel_llm")
    tracer.start_span("tools/call add", kind=SpanKind.CLIENT, attributes=TOOL_CALL).end()
    tracer.start_span("tools/call add", kind=SpanKind.SERVER, attributes=TOOL_CALL).end()
    tracer.start_span(
        "tools/list", kind=SpanKind.CLIENT, attributes={attr.MCP_METHOD_NAME: "tools/list"}
    ).end()
    prompt = {attr.MCP_METHOD_NAME: "prompts/get", attr.GEN_AI_PROMPT_NAME: "greet"}
    tracer.start_span("prompts/get greet", kind=SpanKind.SERVER, attributes=prompt).end()
    meter = pipeline.meter_provider.get_meter("otel_llm")
    histogram = meter.create_histogram(metrics.MCP_CLIENT_OPERATION_DURATION, unit="s")
    histogram.record(0.1, {k: v for k, v in TOOL_CALL.items() if k != attr.JSONRPC_REQUEST_ID})
    assert pipeline.violations() == []


def test_mcp_span_name_kind_and_required_method(pipeline):
    tracer = pipeline.tracer_provider.get_tracer("otel_llm")
    tracer.start_span("MCP send tools/call add", kind=SpanKind.CLIENT, attributes=TOOL_CALL).end()
    tracer.start_span("tools/call add", kind=SpanKind.INTERNAL, attributes=TOOL_CALL).end()
    failed = tracer.start_span("tools/call add", kind=SpanKind.CLIENT, attributes=TOOL_CALL)
    failed.set_status(StatusCode.ERROR)
    failed.end()
    assert pipeline.violations() == [
        Violation(
            "span", "MCP send tools/call add", "span_name", "name should be 'tools/call add' (mcp.client)"
        ),
        Violation(
            "span",
            "tools/call add",
            "span_kind",
            "kind is INTERNAL, expected CLIENT or SERVER for 'mcp.method.name'",
        ),
        Violation(
            "span",
            "tools/call add",
            "missing_attribute",
            "missing conditionally required 'error.type' (If and only if the operation fails.)",
        ),
    ]


def test_mcp_metric_attributes(pipeline):
    meter = pipeline.meter_provider.get_meter("otel_llm")
    histogram = meter.create_histogram(metrics.MCP_SERVER_SESSION_DURATION, unit="s")
    histogram.record(1.0, {attr.MCP_PROTOCOL_VERSION: "2025-11-25", attr.GEN_AI_TOOL_NAME: "add"})
    assert pipeline.violations() == [
        Violation(
            "metric",
            metrics.MCP_SERVER_SESSION_DURATION,
            "unexpected_attribute",
            "attribute 'gen_ai.tool.name' is not defined for this metric",
        )
    ]

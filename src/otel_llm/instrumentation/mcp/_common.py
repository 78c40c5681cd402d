"""What MCP client and server spans share: attributes from a request, outcomes, the instruments."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Mapping
from time import perf_counter
from typing import Any

from opentelemetry import context, trace
from opentelemetry.metrics import Histogram, Meter
from opentelemetry.trace import Span, StatusCode

from otel_llm.config import Settings
from otel_llm.semconv import attributes as A
from otel_llm.semconv import metrics as M
from otel_llm.telemetry import content

logger = logging.getLogger(__name__)

INITIALIZE = A.McpMethodNameValues.INITIALIZE
TOOLS_CALL = A.McpMethodNameValues.TOOLS_CALL
PROMPTS_GET = A.McpMethodNameValues.PROMPTS_GET
TOOL_ERROR = "tool_error"
"""``error.type`` of a ``tools/call`` answered with ``isError: true`` (the conventions' value)."""
PROTOCOL_VERSION_META_KEY = "io.modelcontextprotocol/protocolVersion"
"""The ``params._meta`` key that carries the protocol version of a request (stateless revisions)."""
INVALID_PARAMS = "-32602"
"""JSON-RPC's invalid-params code: what a server answers when a request fails validation."""

HTTP_KINDS = frozenset({"streamable-http", "sse"})
"""``TransportContext.kind`` values of HTTP transports (``tcp``). Messages framed by the SDK's JSON-RPC
stream dispatcher (``kind == "jsonrpc"``) without an HTTP request ride a pipe (stdio); in-process
(``direct``) messages have no network transport."""


def http_client_attributes(client: Any) -> dict[str, Any]:
    """``network.*`` of an HTTP (``tcp``) message and ``client.address``/``client.port`` from the
    Starlette request's ``client`` (``None`` or a ``(host, port)`` address)."""
    attributes: dict[str, Any] = {
        A.NETWORK_TRANSPORT: A.NetworkTransportValues.TCP,
        A.NETWORK_PROTOCOL_NAME: "http",
    }
    host, port = getattr(client, "host", None), getattr(client, "port", None)
    if isinstance(host, str):
        attributes[A.CLIENT_ADDRESS] = host
        if isinstance(port, int):
            attributes[A.CLIENT_PORT] = port
    return attributes


def request_attributes(method: str, params: Mapping[str, Any] | None) -> tuple[str, dict[str, Any]]:
    """The span name ``{mcp.method.name} {target}`` and the attributes read from the request."""
    attributes: dict[str, Any] = {A.MCP_METHOD_NAME: method}
    name = params.get("name") if params else None
    target = name if isinstance(name, str) else None
    if method == TOOLS_CALL:
        attributes[A.GEN_AI_OPERATION_NAME] = A.GenAiOperationNameValues.EXECUTE_TOOL
        if target is not None:
            attributes[A.GEN_AI_TOOL_NAME] = target
    elif method == PROMPTS_GET and target is not None:
        attributes[A.GEN_AI_PROMPT_NAME] = target
    else:
        target = None
    uri = params.get("uri") if params else None
    if isinstance(uri, str):
        attributes[A.MCP_RESOURCE_URI] = uri
    meta = params.get("_meta") if params else None
    version = meta.get(PROTOCOL_VERSION_META_KEY) if isinstance(meta, Mapping) else None
    if isinstance(version, str):  # stamped on every request from protocol 2026-07-28 on
        attributes[A.MCP_PROTOCOL_VERSION] = version
    return (f"{method} {target}" if target else method), attributes


def tool_arguments(settings: Settings, method: str, params: Mapping[str, Any] | None) -> dict[str, Any]:
    """Opt-in ``gen_ai.tool.call.arguments`` of a ``tools/call`` (span capture modes only)."""
    if method != TOOLS_CALL or not settings.capture_mode.on_span or not params:
        return {}
    return _content(settings, A.GEN_AI_TOOL_CALL_ARGUMENTS, params.get("arguments"))


def tool_result(settings: Settings, result: Any) -> dict[str, Any]:
    """Opt-in ``gen_ai.tool.call.result``: the structured content of a tool result, else its content."""
    if hasattr(result, "model_dump"):
        result = result.model_dump(mode="json", by_alias=True, exclude_none=True)
    if not isinstance(result, Mapping):
        return {}
    value = result.get("structuredContent")
    return _content(settings, A.GEN_AI_TOOL_CALL_RESULT, result.get("content") if value is None else value)


def _content(settings: Settings, key: str, value: Any) -> dict[str, Any]:
    value = content.apply_hook(settings.content_hook, key, value)
    return {} if value is None else {key: content.to_json(value, settings.content_max_length)}


def metric_attributes(attributes: Mapping[str, Any]) -> dict[str, Any]:
    """The span attributes an operation-duration metric carries (``mcp.resource.uri`` is opt-in)."""
    return {key: value for key, value in attributes.items() if key in _OPERATION_METRIC_KEYS}


_OPERATION_METRIC_KEYS = frozenset(
    {
        A.MCP_METHOD_NAME,
        A.MCP_PROTOCOL_VERSION,
        A.GEN_AI_OPERATION_NAME,
        A.GEN_AI_TOOL_NAME,
        A.GEN_AI_PROMPT_NAME,
        A.NETWORK_TRANSPORT,
        A.NETWORK_PROTOCOL_NAME,
        A.ERROR_TYPE,
        A.RPC_RESPONSE_STATUS_CODE,
        A.SERVER_ADDRESS,
        A.SERVER_PORT,
    }
)


def is_tool_error(method: str, result: Any) -> bool:
    """A ``tools/call`` result (wire dict or ``CallToolResult``) that reports a tool error."""
    if method != TOOLS_CALL:
        return False
    if isinstance(result, Mapping):
        return result.get("isError") is True
    return getattr(result, "is_error", None) is True


def record_error(
    span: Span, attributes: dict[str, Any], error_type: str, code: str | None, message: str | None
):
    """``error.type`` (and the JSON-RPC code) on the span and its metric attributes; status ERROR."""
    attributes[A.ERROR_TYPE] = error_type
    if code is not None:
        attributes[A.RPC_RESPONSE_STATUS_CODE] = code
    span.set_attributes(
        {A.ERROR_TYPE: error_type, **({A.RPC_RESPONSE_STATUS_CODE: code} if code is not None else {})}
    )
    span.set_status(StatusCode.ERROR, message)


def exception_outcome(error: BaseException) -> tuple[str, str | None, str | None]:
    """``(error.type, JSON-RPC code, status message)`` of an exception: the code for MCP errors."""
    data = getattr(error, "error", None)
    code = getattr(data, "code", None)
    if isinstance(code, int) and type(error).__name__ in ("MCPError", "McpError"):  # 2.x, 1.x
        return str(code), str(code), getattr(data, "message", None)
    if type(error).__name__ == "ValidationError" and type(error).__module__.startswith("pydantic"):
        return INVALID_PARAMS, INVALID_PARAMS, "Invalid request parameters"
    return type(error).__qualname__, None, str(error) or None


async def run_in_span(
    settings: Settings,
    histogram: Histogram,
    span: Span,
    attributes: dict[str, Any],
    call: Callable[[], Awaitable[Any]],
) -> Any:
    """Await ``call()`` with ``span`` current; its result or exception passes through unchanged."""
    start = perf_counter()
    token = context.attach(trace.set_span_in_context(span))
    try:
        result = await call()
    except BaseException as error:
        finish(settings, histogram, span, attributes, start, error=error)
        raise
    finally:
        context.detach(token)
    finish(settings, histogram, span, attributes, start, result=result)
    return result


def finish(
    settings: Settings,
    histogram: Histogram,
    span: Span,
    attributes: dict[str, Any],
    start: float,
    *,
    result: Any = None,
    error: BaseException | None = None,
) -> None:
    """Record the outcome of one message on its span and duration histogram, then end the span once."""
    try:
        method = attributes[A.MCP_METHOD_NAME]
        if error is None and type(result).__name__ == "ErrorData":  # mcp 1.x server: the error answered
            code = str(result.code)
            record_error(span, attributes, code, code, result.message)
            result = None
        elif method in (TOOLS_CALL, INITIALIZE) and hasattr(result, "model_dump"):  # 1.x models
            result = result.model_dump(mode="json", by_alias=True, exclude_none=True)
        if error is not None:
            record_error(span, attributes, *exception_outcome(error))
        elif is_tool_error(method, result):
            record_error(span, attributes, TOOL_ERROR, None, None)
        if error is None and result is not None and method == TOOLS_CALL and settings.capture_mode.on_span:
            span.set_attributes(tool_result(settings, result))
        if method == INITIALIZE and isinstance(result, Mapping):
            version = result.get("protocolVersion")  # the version the handshake settled on
            if isinstance(version, str) and A.MCP_PROTOCOL_VERSION not in attributes:
                attributes[A.MCP_PROTOCOL_VERSION] = version
                span.set_attribute(A.MCP_PROTOCOL_VERSION, version)
        histogram.record(perf_counter() - start, metric_attributes(attributes))
    except Exception:
        logger.exception("otel-llm failed to record an MCP span")
    finally:
        span.end()


def _histogram(meter: Meter, metric: str) -> Histogram:
    """The histogram of ``metric`` (a constant name in ``otel_llm.semconv.metrics``), advised buckets."""
    return meter.create_histogram(
        getattr(M, metric),
        unit=getattr(M, f"{metric}_UNIT"),
        description=getattr(M, f"{metric}_BRIEF"),
        explicit_bucket_boundaries_advisory=getattr(M, f"{metric}_BUCKETS"),
    )


class MCPInstruments:
    """The four MCP duration histograms, with the bucket boundaries the conventions advise."""

    def __init__(self, meter: Meter) -> None:
        self.client_operation = _histogram(meter, "MCP_CLIENT_OPERATION_DURATION")
        self.server_operation = _histogram(meter, "MCP_SERVER_OPERATION_DURATION")
        self.client_session = _histogram(meter, "MCP_CLIENT_SESSION_DURATION")
        self.server_session = _histogram(meter, "MCP_SERVER_SESSION_DURATION")

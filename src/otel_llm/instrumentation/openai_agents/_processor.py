"""OpenAI Agents SDK traces as GenAI spans: a tracing processor added beside the app's own processors.

The SDK reports a trace per run and spans for agents, turns, model calls, tools, handoffs and
guardrails. They map onto the core operations:

- a trace -> ``invoke_workflow {workflow name}`` (its ``group_id`` is the conversation id);
- an agent span -> ``invoke_agent {agent name}``;
- a function span -> ``execute_tool {tool name}``; a handoff -> ``execute_tool transfer_to_{agent}``
  (the handoff is a tool call of the model), with the handing-off agent as ``gen_ai.agent.name``;
- response and generation spans -> nothing when our OpenAI instrumentor records the call (its CLIENT
  span is the model span, a child of the agent); otherwise a CLIENT span built from the SDK's data;
- task, turn, custom, MCP list-tools and voice spans -> nothing (their children go to the nearest
  mapped ancestor). Guardrails are recorded by wrapping the guardrail classes (``_guardrails``).

Every mapped step is made current while the SDK's span is (the SDK starts and finishes them in the
same context), so the model calls and MCP calls it makes nest beneath it.
"""

from __future__ import annotations

import json
import logging
import sys
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from agents.tracing import TracingProcessor
from agents.tracing.span_data import (
    AgentSpanData,
    FunctionSpanData,
    GenerationSpanData,
    HandoffSpanData,
    ResponseSpanData,
)
from agents.util._transforms import transform_string_function_style
from opentelemetry import context
from opentelemetry.context import Context
from opentelemetry.trace import Status, StatusCode

from otel_llm.instrumentation._endpoint import host_and_port
from otel_llm.instrumentation._steps import TOOL_TYPE_FUNCTION
from otel_llm.instrumentation.openai_agents._request_model import REQUEST_MODEL
from otel_llm.semconv import attributes as A
from otel_llm.telemetry.invocation import GenAITelemetry, Invocation
from otel_llm.telemetry.operations import Operation, OperationKind, activate, deactivate, start_operation

logger = logging.getLogger(__name__)

TOOL_TYPE_EXTENSION = "extension"  # MCP tools run through the agent's MCP client


@dataclass(slots=True)
class _Step:
    """One SDK trace or span we recorded, or a skipped one that passes its parent on."""

    context: Context
    agent_name: str | None = None
    operation: Operation | None = None
    invocation: Invocation | None = None
    token: object | None = None
    error: BaseException | None = None  # the exception the SDK attached to the span, if any


class OTelTracingProcessor(TracingProcessor):
    """Maps SDK traces and spans to GenAI spans; ``enabled`` is cleared when uninstrumented."""

    def __init__(self, telemetry: GenAITelemetry, provider_records: Callable[[], bool]) -> None:
        self.telemetry = telemetry
        self.enabled = True
        self._provider_records = provider_records
        self._steps: dict[str, _Step] = {}

    # -- traces --------------------------------------------------------------------------------

    def on_trace_start(self, trace_: Any) -> None:
        if not self.enabled:
            return
        try:
            operation = start_operation(
                self.telemetry,
                OperationKind.INVOKE_WORKFLOW,
                trace_.name,
                conversation_id=trace_.group_id,
            )
            if operation is not None:
                step = _Step(operation.context(), operation=operation)
                step.token = activate(step.context)
                self._steps[trace_.trace_id] = step
        except Exception:
            logger.exception("otel-llm could not map an OpenAI Agents trace")

    def on_trace_end(self, trace_: Any) -> None:
        step = self._steps.pop(trace_.trace_id, None)
        if step is not None:
            self._finish(step, None)

    # -- spans ---------------------------------------------------------------------------------

    def on_span_start(self, span: Any) -> None:
        if not self.enabled:
            return
        try:
            parent = self._steps.get(span.parent_id or span.trace_id)
            parent_context = parent.context if parent is not None else context.get_current()
            agent_name = parent.agent_name if parent is not None else None
            step = self._start(span.span_data, parent_context, agent_name)
            if step is None:  # skipped: its children attach to our nearest ancestor
                step = _Step(parent_context, agent_name)
            else:
                step.token = activate(step.context)
            self._steps[span.span_id] = step
        except Exception:
            logger.exception("otel-llm could not map an OpenAI Agents span")

    def on_span_end(self, span: Any) -> None:
        step = self._steps.pop(span.span_id, None)
        if step is None or (step.operation is None and step.invocation is None):
            return
        try:
            self._record_end(step, span)
        except Exception:
            logger.exception("otel-llm could not read an OpenAI Agents span")
        self._finish(step, span)

    def record_error(self, span: Any, error: BaseException | None) -> None:
        """The SDK attached an error to ``span`` while handling ``error``: the failure's real type."""
        step = self._steps.get(getattr(span, "span_id", None) or "")
        if step is not None and error is not None:
            step.error = error

    def shutdown(self) -> None:
        pass

    def force_flush(self) -> None:
        pass

    # -- mapping -------------------------------------------------------------------------------

    def _start(self, data: Any, parent: Context, agent_name: str | None) -> _Step | None:
        telemetry = self.telemetry
        if isinstance(data, AgentSpanData):
            operation = start_operation(telemetry, OperationKind.INVOKE_AGENT, data.name, parent=parent)
            return _step(operation, data.name)
        if isinstance(data, FunctionSpanData):
            tool_type = TOOL_TYPE_EXTENSION if data.mcp_data else TOOL_TYPE_FUNCTION
            attributes = {A.GEN_AI_TOOL_TYPE: tool_type, A.GEN_AI_AGENT_NAME: agent_name}
            operation = start_operation(
                telemetry, OperationKind.EXECUTE_TOOL, data.name, parent=parent, attributes=attributes
            )
            return _step(operation, agent_name)
        if isinstance(data, HandoffSpanData):  # the target is known when the handoff is done
            attributes = {A.GEN_AI_TOOL_TYPE: TOOL_TYPE_FUNCTION, A.GEN_AI_AGENT_NAME: data.from_agent}
            operation = start_operation(
                telemetry, OperationKind.EXECUTE_TOOL, parent=parent, attributes=attributes
            )
            return _step(operation, agent_name)
        if isinstance(data, (ResponseSpanData, GenerationSpanData)) and not self._provider_records():
            return _model_step(telemetry, data, parent, agent_name)
        return None

    def _record_end(self, step: _Step, span: Any) -> None:
        data = span.span_data
        operation = step.operation
        if step.invocation is not None:
            _read_model_data(step.invocation, data)
        elif isinstance(data, FunctionSpanData) and operation is not None and operation.capture:
            if data.input is not None:
                operation.content[A.GEN_AI_TOOL_CALL_ARGUMENTS] = _parsed(data.input)
            if data.output is not None:
                operation.content[A.GEN_AI_TOOL_CALL_RESULT] = _parsed(data.output)
        elif isinstance(data, HandoffSpanData) and operation is not None and data.to_agent:
            name = transform_string_function_style(f"transfer_to_{data.to_agent}")
            operation.attributes[A.GEN_AI_TOOL_NAME] = name
            operation.span.update_name(f"{A.GenAiOperationNameValues.EXECUTE_TOOL} {name}")

    def _finish(self, step: _Step, span: Any) -> None:
        """End the step (failed when the SDK reports an error or one is propagating) and leave it."""
        ending: Any = step.operation or step.invocation
        try:
            error = step.error or sys.exc_info()[1]
            sdk_error = getattr(span, "error", None) if span is not None else None
            if error is not None:
                ending.fail(error)
            elif sdk_error:
                _fail_as_reported(ending, sdk_error)
            else:
                ending.end()
        except Exception:
            logger.exception("otel-llm could not end an OpenAI Agents span")
            ending.end()  # idempotent: ends the span if reading the SDK's error failed
        finally:
            if step.token is not None:
                deactivate(step.token)


def _step(operation: Operation | None, agent_name: str | None) -> _Step | None:
    return None if operation is None else _Step(operation.context(), agent_name, operation)


def _fail_as_reported(ending: Operation | Invocation, sdk_error: Any) -> None:
    """An error the SDK reports with no exception (max turns, several handoffs): its message is the type."""
    message = str(sdk_error.get("message") if isinstance(sdk_error, dict) else sdk_error)
    attributes = ending.attributes if isinstance(ending, Operation) else ending.extra_attributes
    attributes[A.ERROR_TYPE] = message[:128] or "_OTHER"
    ending.span.set_status(Status(StatusCode.ERROR, message[:1024]))
    ending.end()


def _parsed(value: Any) -> Any:
    """Tool arguments and results as the SDK traced them: JSON text parsed, other values as they are."""
    if isinstance(value, str):
        try:
            return json.loads(value)
        except ValueError:
            return value
    return value


# -- model calls nobody else records -----------------------------------------------------------


def _model_step(
    telemetry: GenAITelemetry, data: Any, parent: Context, agent_name: str | None
) -> _Step | None:
    model = getattr(data, "model", None) or REQUEST_MODEL.get()
    base_url = (getattr(data, "model_config", None) or {}).get("base_url")
    token = context.attach(parent)
    try:
        address, port = host_and_port(base_url)
        invocation = telemetry.start(
            A.GenAiOperationNameValues.CHAT,
            A.GenAiProviderNameValues.OPENAI,
            str(model) if model else None,
            address,
            port,
            {},
        )
    finally:
        context.detach(token)
    if invocation is None:
        return None
    return _Step(invocation.call_context(), agent_name, invocation=invocation)


def _read_model_data(invocation: Invocation, data: Any) -> None:
    if isinstance(data, ResponseSpanData) and data.response is not None:
        from otel_llm.formats import openai_responses

        openai_responses.on_response(invocation, data.response)
        if A.GEN_AI_REQUEST_MODEL not in invocation.start_attributes and invocation.response_model:
            invocation.span.update_name(f"{A.GenAiOperationNameValues.CHAT} {invocation.response_model}")
        return
    usage = getattr(data, "usage", None) or {}
    invocation.input_tokens = usage.get("input_tokens")
    invocation.output_tokens = usage.get("output_tokens")


__all__ = ["OTelTracingProcessor"]

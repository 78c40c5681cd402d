"""A Pydantic AI capability that records agent runs and tool calls as GenAI operations.

Pydantic AI's capabilities wrap each run (``wrap_run``), tool execution (``wrap_tool_execute``) and
model request (``wrap_model_request``); context variables set there are ambient for the model calls
and tool tasks beneath. So:

- a run -> ``invoke_agent {agent name}`` (``invoke_agent`` for unnamed agents), current for the run;
- a tool call -> ``execute_tool {tool name}`` with its call id, type and description;
- a model request -> the CLIENT span of our provider instrumentor (OpenAI, Anthropic, ...), a child of
  the agent or of nothing else: this capability adds no span of its own there.

When Pydantic AI's own instrumentation is on for a run (``Agent(instrument=...)``,
``Agent.instrument_all()``, ``logfire.instrument_pydantic_ai()``), its spans describe the run: this
capability then records no agent or tool span, and runs each model request with our model-call
spans suppressed, so Pydantic AI's ``chat`` span is the one CLIENT span of the call.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from opentelemetry import context
from opentelemetry.trace import NoOpTracer
from pydantic_ai.capabilities import AbstractCapability

from otel_llm.instrumentation._framework import await_within, start_tool, with_result
from otel_llm.semconv import attributes as A
from otel_llm.telemetry.invocation import GENAI_SPAN_KEY, HTTP_SUPPRESS_KEY, GenAITelemetry
from otel_llm.telemetry.operations import OperationKind, start_operation


def _own_instrumentation(ctx: Any) -> bool:
    """Whether Pydantic AI's own instrumentation records this run (its tracer is a real one)."""
    return not isinstance(getattr(ctx, "tracer", None), (NoOpTracer, type(None)))


@dataclass
class OTelLLMCapability(AbstractCapability[Any]):
    """Added to every run by :class:`~otel_llm.instrumentation.pydantic_ai.PydanticAIInstrumentor`."""

    telemetry: GenAITelemetry = field(repr=False)

    async def wrap_run(self, ctx: Any, *, handler: Any) -> Any:
        if _own_instrumentation(ctx):
            return await handler()
        agent = getattr(ctx, "agent", None)
        name = getattr(agent, "name", None)
        attributes = {A.GEN_AI_AGENT_DESCRIPTION: getattr(agent, "description", None)}
        model = getattr(ctx, "model", None)
        if model is not None:
            attributes[A.GEN_AI_REQUEST_MODEL] = getattr(model, "model_name", None)
            attributes[A.GEN_AI_PROVIDER_NAME] = getattr(model, "system", None)
        operation = start_operation(self.telemetry, OperationKind.INVOKE_AGENT, name, attributes=attributes)
        return await await_within(operation, handler)

    async def wrap_tool_execute(self, ctx: Any, *, call: Any, tool_def: Any, args: Any, handler: Any) -> Any:
        if _own_instrumentation(ctx):
            return await handler(args)
        attributes = {
            A.GEN_AI_TOOL_CALL_ID: getattr(call, "tool_call_id", None),
            A.GEN_AI_AGENT_NAME: getattr(getattr(ctx, "agent", None), "name", None),
        }
        description = getattr(tool_def, "description", None)
        operation = start_tool(self.telemetry, call.tool_name, description, _arguments(call), attributes)

        async def execute() -> Any:
            return with_result(operation, await handler(args))

        return await await_within(operation, execute)

    async def wrap_model_request(self, ctx: Any, *, request_context: Any, handler: Any) -> Any:
        if not _own_instrumentation(ctx):
            return await handler(request_context)
        suppressed = context.Context({**context.get_current(), GENAI_SPAN_KEY: True, HTTP_SUPPRESS_KEY: True})
        token = context.attach(suppressed)
        try:
            return await handler(request_context)
        finally:
            context.detach(token)


def _arguments(call: Any) -> Any:
    try:
        return call.args_as_dict()
    except Exception:
        return getattr(call, "args", None)

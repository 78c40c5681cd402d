"""A Pydantic AI capability that records agent runs and tool calls as GenAI operations.

Pydantic AI's capabilities wrap each run (``wrap_run``), tool execution (``wrap_tool_execute``) and
model request (``wrap_model_request``); context variables set there are ambient for the model calls
and tool tasks beneath. So:

- a run -> ``invoke_agent {agent name}`` (``invoke_agent`` for unnamed agents), current for the run;
- a tool call -> ``execute_tool {tool name}`` with its call id, type and description;
- a model request -> one CLIENT span, a child of the agent: our provider instrumentor's (OpenAI,
  Anthropic, ...) when it instruments the SDK the model uses; otherwise this capability's, one per
  attempt (``prepare_model_request`` knows the serving model, ``after_model_request`` /
  ``on_model_request_error`` end it), from Pydantic AI's ``ModelResponse`` (model, response id, finish
  reason, usage). ``wrap_model_request`` ends any attempt left open, so each span ends once.

When Pydantic AI's own instrumentation is on for a run (``Agent(instrument=...)``,
``Agent.instrument_all()``, ``logfire.instrument_pydantic_ai()``), its spans describe the run: this
capability then records no agent or tool span, and runs each model request with our model-call
spans suppressed, so Pydantic AI's ``chat`` span is the one CLIENT span of the call.
"""

from __future__ import annotations

import logging
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any

from opentelemetry import context
from opentelemetry.trace import NoOpTracer
from pydantic_ai.capabilities import AbstractCapability

from otel_llm.instrumentation._endpoint import host_and_port
from otel_llm.instrumentation._frameworks import sdk_instrumented
from otel_llm.instrumentation._steps import await_within, start_tool, with_result
from otel_llm.semconv import attributes as A
from otel_llm.telemetry.fields import copy_given, request_parameters
from otel_llm.telemetry.invocation import GENAI_SPAN_KEY, HTTP_SUPPRESS_KEY, GenAITelemetry, Invocation
from otel_llm.telemetry.operations import OperationKind, start_operation

logger = logging.getLogger(__name__)

# Pydantic AI's model modules (``pydantic_ai.models.<module>``) -> the provider SDK they call
_MODEL_SDKS = {
    "openai": "openai",
    "anthropic": "anthropic",
    "google": "google_genai",
    "groq": "groq",
    "mistral": "mistral",
    "cohere": "cohere",
    "bedrock": "bedrock",
}
# Pydantic AI's ``Model.system`` -> gen_ai.provider.name (others are recorded as they are)
_PROVIDERS = {
    "google-gla": A.GenAiProviderNameValues.GCP_GEMINI,
    "google-vertex": A.GenAiProviderNameValues.GCP_VERTEX_AI,
    "mistral": A.GenAiProviderNameValues.MISTRAL_AI,
    "bedrock": A.GenAiProviderNameValues.AWS_BEDROCK,
    "xai": A.GenAiProviderNameValues.X_AI,
    "azure": A.GenAiProviderNameValues.AZURE_AI_OPENAI,
}
# ModelSettings keys named as the conventions' request attributes
_SETTINGS = request_parameters(
    "max_tokens", "temperature", "top_p", "seed", "presence_penalty", "frequency_penalty", "stop_sequences"
)


class _Attempts:
    """The model call in flight of one request step (``wrap_model_request``), shared with its attempts."""

    __slots__ = ("current",)

    def __init__(self) -> None:
        self.current: Invocation | None = None

    def take(self) -> Invocation | None:
        invocation, self.current = self.current, None
        return invocation


_STEP: ContextVar[_Attempts | None] = ContextVar("otel_llm_pydantic_ai_step", default=None)


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
            step = _Attempts()
            step_token = _STEP.set(step)
            try:
                response = await handler(request_context)
            except BaseException as error:
                _end(step.take(), error=error)
                raise
            finally:
                _STEP.reset(step_token)
            _end(step.take(), response)  # an attempt no after-hook saw (another capability answered)
            return response
        suppressed = context.Context({**context.get_current(), GENAI_SPAN_KEY: True, HTTP_SUPPRESS_KEY: True})
        token = context.attach(suppressed)
        try:
            return await handler(request_context)
        finally:
            context.detach(token)

    async def prepare_model_request(self, ctx: Any, request_context: Any) -> Any:
        step = _STEP.get()
        if step is not None and not _own_instrumentation(ctx):
            _end(step.take())  # an earlier attempt that was retried before it answered
            step.current = _start_model_call(self.telemetry, request_context)
        return request_context

    async def after_model_request(self, ctx: Any, *, request_context: Any, response: Any) -> Any:
        step = _STEP.get()
        if step is not None:
            _end(step.take(), response)
        return response

    async def on_model_request_error(self, ctx: Any, *, request_context: Any, error: Exception) -> Any:
        step = _STEP.get()
        if step is not None:
            _end(step.take(), error=error)
        raise error


def _model_sdk(model: Any) -> str | None:
    """The provider SDK a Pydantic AI model calls (``openai`` for ``OpenAIChatModel`` and its subclasses)."""
    while getattr(model, "wrapped", None) is not None:  # WrapperModel
        model = model.wrapped
    for cls in type(model).__mro__:
        package, _, rest = cls.__module__.partition("pydantic_ai.models.")
        if not package and rest:
            sdk = _MODEL_SDKS.get(rest.split(".")[0])
            if sdk is not None:
                return sdk
    return None


def _start_model_call(telemetry: GenAITelemetry, request_context: Any) -> Invocation | None:
    """The CLIENT span of one attempt, unless our instrumentor of the model's SDK records it."""
    try:
        model = request_context.model
        # a model over several (FallbackModel, should one get here): ours only if none of theirs is recorded
        if any(sdk_instrumented(_model_sdk(m)) for m in (getattr(model, "models", None) or [model])):
            return None
        system = str(getattr(model, "system", None) or "_OTHER")
        address, port = host_and_port(getattr(model, "base_url", None))
        return telemetry.start(
            A.GenAiOperationNameValues.CHAT,
            _PROVIDERS.get(system, system),
            getattr(model, "model_name", None),
            address,
            port,
            copy_given(request_context.model_settings or {}, _SETTINGS),
            stream=bool(getattr(request_context, "streaming", False)),
        )
    except Exception:
        logger.exception("otel-llm could not start a Pydantic AI model-call span")
        return None


def _end(invocation: Invocation | None, response: Any = None, error: BaseException | None = None) -> None:
    """End one attempt's span with the model's response, or as failed by ``error``."""
    if invocation is None:
        return
    if error is not None:
        invocation.fail(error)
        return
    try:
        if response is not None:
            invocation.response_model = getattr(response, "model_name", None)
            invocation.response_id = getattr(response, "provider_response_id", None)
            finish = getattr(response, "finish_reason", None)
            invocation.finish_reasons = [str(finish)] if finish else None
            usage = getattr(response, "usage", None)
            if usage is not None:
                invocation.input_tokens = usage.input_tokens
                invocation.output_tokens = usage.output_tokens
                invocation.cache_read_tokens = usage.cache_read_tokens or None
                invocation.cache_creation_tokens = usage.cache_write_tokens or None
                details = getattr(usage, "details", None) or {}
                invocation.reasoning_tokens = details.get("reasoning_tokens") or None
    except Exception:
        logger.exception("otel-llm could not read a Pydantic AI model response")
    invocation.end()


def _arguments(call: Any) -> Any:
    try:
        return call.args_as_dict()
    except Exception:
        return getattr(call, "args", None)

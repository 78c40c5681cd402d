"""OpenAI Agents SDK instrumentation: workflows, agents, tools, handoffs, guardrails and model calls.

A tracing processor is *added* to the SDK's trace provider (``agents.add_trace_processor``): the
processors the app configured, including the SDK's export to the OpenAI platform, keep running as
before. With the SDK's tracing disabled (``set_tracing_disabled(True)``, ``RunConfig(tracing_disabled=
True)``, ``OPENAI_AGENTS_DISABLE_TRACING=1``) the SDK reports no spans and so neither do we; an app that
wants our spans but not the platform export replaces the SDK's processors with
``agents.set_trace_processors([])`` *before* instrumenting. Model calls are the CLIENT spans of our
OpenAI instrumentor when it is active, else CLIENT spans built from the SDK's response and generation
spans: one CLIENT span per model call either way.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any, ClassVar

from otel_llm.instrumentation._framework import FrameworkInstrumentor, Hook, Wrapper

if TYPE_CHECKING:
    from otel_llm.telemetry.invocation import GenAITelemetry

logger = logging.getLogger(__name__)

_RESPONSES_MODEL = "agents.models.openai_responses"
_TOOL_GUARDRAILS = "agents.tool_guardrails"
# gen_ai.guardrail.source of the SDK's input, output and tool guardrails
INPUT, OUTPUT, TOOL_INPUT, TOOL_OUTPUT = "input", "output", "tool_input", "tool_output"


def _openai_recorded() -> bool:
    """Whether our OpenAI instrumentor records the SDK's OpenAI client calls."""
    from otel_llm.instrumentation.openai import OpenAIInstrumentor

    return bool(OpenAIInstrumentor().is_instrumented_by_opentelemetry)


def _registered(processor: Any) -> bool:
    from agents.tracing import get_trace_provider

    processors = getattr(getattr(get_trace_provider(), "_multi_processor", None), "_processors", None)
    return processors is None or processor in processors  # unknown internals: as registered before


class OpenAIAgentsInstrumentor(FrameworkInstrumentor):
    requirements = ("openai-agents >= 0.2",)
    package = "agents"
    # One processor for the process: the SDK has no public way to remove one, so it is disabled instead.
    _processor: ClassVar[Any] = None
    _guardrail_telemetry: Any = None
    _tool_result: Any = None

    def _instrument(self, **kwargs: Any) -> None:
        from otel_llm.instrumentation.openai_agents._guardrails import AgentGuardrailTelemetry, tool_result

        self._tool_result = tool_result

        from otel_llm.telemetry.invocation import GenAITelemetry

        config = kwargs.get("telemetry") or GenAITelemetry(
            tracer_provider=kwargs.get("tracer_provider"),
            meter_provider=kwargs.get("meter_provider"),
            logger_provider=kwargs.get("logger_provider"),
        )
        self._guardrail_telemetry = AgentGuardrailTelemetry(config)
        super()._instrument(**kwargs)

    def hooks(self) -> Sequence[Hook]:
        from otel_llm.instrumentation.openai_agents import _request_model

        guardrails, tool_result = self._guardrail_telemetry, self._tool_result
        return (
            Hook("agents.guardrail", "InputGuardrail.run", lambda _: guardrails.wrapper(INPUT)),
            Hook("agents.guardrail", "OutputGuardrail.run", lambda _: guardrails.wrapper(OUTPUT)),
            Hook(
                _TOOL_GUARDRAILS,
                "ToolInputGuardrail.run",
                lambda _: guardrails.wrapper(TOOL_INPUT, tool_result),
            ),
            Hook(
                _TOOL_GUARDRAILS,
                "ToolOutputGuardrail.run",
                lambda _: guardrails.wrapper(TOOL_OUTPUT, tool_result),
            ),
            Hook("agents.util._error_tracing", "attach_error_to_span", self._error_hook),
            Hook(_RESPONSES_MODEL, "OpenAIResponsesModel.get_response", _request_model.get_response_wrapper),
            Hook(
                _RESPONSES_MODEL,
                "OpenAIResponsesModel.stream_response",
                _request_model.stream_response_wrapper,
            ),
        )

    def attach(self, telemetry: GenAITelemetry) -> None:
        from agents.tracing import add_trace_processor

        from otel_llm.instrumentation.openai_agents._processor import OTelTracingProcessor

        processor = type(self)._processor
        if processor is None:
            processor = type(self)._processor = OTelTracingProcessor(telemetry, _openai_recorded)
            add_trace_processor(processor)
        elif not _registered(processor):  # the app replaced the SDK's processors since
            add_trace_processor(processor)
        processor.telemetry = telemetry
        processor.enabled = True

    def detach(self) -> None:
        if type(self)._processor is not None:
            type(self)._processor.enabled = False

    def _error_hook(self, telemetry: GenAITelemetry) -> Wrapper:
        """Note the exception being handled when the SDK attaches an error to a span: the real error.type."""

        def wrapper(wrapped: Callable[..., Any], instance: Any, args: tuple, kwargs: dict[str, Any]) -> Any:
            result = wrapped(*args, **kwargs)
            processor = type(self)._processor
            if processor is not None:
                try:
                    processor.record_error(args[0] if args else kwargs.get("span"), sys.exc_info()[1])
                except Exception:
                    logger.exception("otel-llm could not note an OpenAI Agents span error")
            return result

        return wrapper


__all__ = ["OpenAIAgentsInstrumentor"]

"""Agent guardrails of the OpenAI Agents SDK, recorded the way otel-llm records its own guardrail checks.

Each ``InputGuardrail.run`` / ``OutputGuardrail.run`` becomes an ``apply_guardrail OpenAI Agents``
INTERNAL span (``gen_ai.guardrail.component.name`` ``OpenAI Agents``, the guardrail's name as
``gen_ai.guardrail.policy.id``, ``gen_ai.guardrail.source`` ``input`` or ``output``) with the SDK's own
result, ``gen_ai.guardrail.result.type`` ``tripwire_triggered`` and its value ``true``/``false``, and our
normalized ``otel_llm.guardrail.outcome``: ``block`` when the tripwire fired (the SDK stops the run),
``pass`` when not, ``error`` when the guardrail function raised. Tool guardrails
(``ToolInputGuardrail.run`` / ``ToolOutputGuardrail.run``) likewise, with sources ``tool_input`` /
``tool_output`` and the native result ``behavior`` (``allow``; ``reject_content`` and ``raise_exception``
block). The ``otel_llm.guardrail.checks`` counter and ``otel_llm.guardrail.check.duration`` histogram
count them, and a blocking result emits a ``gen_ai.guardrail.result`` event, as otel-llm's own guardrails
do for their findings.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from time import perf_counter
from typing import Any

from opentelemetry import context, trace
from opentelemetry.trace import SpanKind, Status, StatusCode

from otel_llm.semconv import attributes as A
from otel_llm.semconv import events as E
from otel_llm.telemetry.guardrail_signals import guardrail_signals
from otel_llm.telemetry.invocation import GenAITelemetry

logger = logging.getLogger(__name__)

COMPONENT = "OpenAI Agents"
RESULT_TYPE = "tripwire_triggered"
TOOL_RESULT_TYPE = "behavior"
SPAN_NAME = f"{A.GenAiOperationNameValues.APPLY_GUARDRAIL} {COMPONENT}"

Reading = tuple[str, str, bool]
"""A guardrail's native result as ``(gen_ai.guardrail.result.type, its value, whether it blocked)``."""


def agent_result(result: Any) -> Reading:
    """Input and output guardrails: the tripwire (a fired one stops the run)."""
    triggered = bool(result.output.tripwire_triggered)
    return RESULT_TYPE, "true" if triggered else "false", triggered


def tool_result(output: Any) -> Reading:
    """Tool guardrails: the behavior, ``allow``, ``reject_content`` (the model gets a message in place of the
    call or its result) or ``raise_exception`` (the run stops); the last two block."""
    behavior = str(output.behavior["type"])
    return TOOL_RESULT_TYPE, behavior, behavior != "allow"


class AgentGuardrailTelemetry:
    """Spans, metrics and events of the SDK's guardrail checks."""

    def __init__(self, config: GenAITelemetry) -> None:
        self.tracer, self.logger, self.checks, self.duration = guardrail_signals(config)

    def wrapper(self, source: str, read: Callable[[Any], Reading] = agent_result) -> Callable[..., Any]:
        """The wrapt wrapper of ``InputGuardrail.run`` (``source`` input) or ``OutputGuardrail.run``."""

        async def run(wrapped: Callable[..., Any], instance: Any, args: tuple, kwargs: dict[str, Any]) -> Any:
            check = self._start(instance, source)
            if check is None:
                return await wrapped(*args, **kwargs)
            span, attributes, started = check
            token = context.attach(trace.set_span_in_context(span))  # a guardrail agent nests beneath
            try:
                result = await wrapped(*args, **kwargs)
            except BaseException as error:
                self._end(span, attributes, started, None, error, read)
                raise
            finally:
                context.detach(token)
            self._end(span, attributes, started, result, None, read)
            return result

        return run

    def _start(self, guardrail: Any, source: str) -> tuple[trace.Span, dict[str, str], float] | None:
        try:
            attributes = {
                A.GEN_AI_GUARDRAIL_COMPONENT_NAME: COMPONENT,
                A.GEN_AI_GUARDRAIL_POLICY_ID: str(guardrail.get_name()),
                A.GEN_AI_GUARDRAIL_SOURCE: source,
            }
            span = self.tracer.start_span(
                SPAN_NAME,
                kind=SpanKind.INTERNAL,
                attributes={
                    A.GEN_AI_OPERATION_NAME: A.GenAiOperationNameValues.APPLY_GUARDRAIL,
                    **attributes,
                },
            )
            return span, attributes, perf_counter()
        except Exception:
            logger.exception("otel-llm could not start a guardrail span")
            return None

    def _end(
        self,
        span: trace.Span,
        attributes: dict[str, str],
        started: float,
        result: Any,
        error: BaseException | None,
        read: Callable[[Any], Reading],
    ) -> None:
        try:
            if error is not None:
                outcome = A.OtelLlmGuardrailOutcomeValues.ERROR
                span.set_attribute(A.ERROR_TYPE, type(error).__qualname__)
                span.set_status(Status(StatusCode.ERROR, str(error)[:1024]))
            else:
                result_type, value, triggered = read(result)
                outcome = (
                    A.OtelLlmGuardrailOutcomeValues.BLOCK
                    if triggered
                    else A.OtelLlmGuardrailOutcomeValues.PASS
                )
                span.set_attributes(
                    {A.GEN_AI_GUARDRAIL_RESULT_TYPE: result_type, A.GEN_AI_GUARDRAIL_RESULT_VALUE: value}
                )
                if triggered:
                    self.logger.emit(
                        event_name=E.GEN_AI_GUARDRAIL_RESULT,
                        attributes={
                            **attributes,
                            A.GEN_AI_GUARDRAIL_RESULT_TYPE: result_type,
                            A.GEN_AI_GUARDRAIL_RESULT_VALUE: value,
                        },
                        context=trace.set_span_in_context(span),
                    )
            span.set_attribute(A.OTEL_LLM_GUARDRAIL_OUTCOME, outcome)
            metric_attributes = {**attributes, A.OTEL_LLM_GUARDRAIL_OUTCOME: outcome}
            self.checks.add(1, metric_attributes)
            self.duration.record(perf_counter() - started, metric_attributes)
        except Exception:
            logger.exception("otel-llm could not record a guardrail check")
        finally:
            span.end()

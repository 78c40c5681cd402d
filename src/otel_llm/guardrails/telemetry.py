"""Telemetry of guardrail checks: ``apply_guardrail`` span, ``gen_ai.guardrail.result`` events, metrics."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

from opentelemetry import _logs, metrics, trace
from opentelemetry.context import Context
from opentelemetry.trace import Span, StatusCode

from otel_llm.guardrails.results import CheckResult, DetectorError, Finding, Outcome, Source
from otel_llm.semconv import attributes as A
from otel_llm.semconv import events as E
from otel_llm.semconv import spans as S
from otel_llm.telemetry.ending import end_span
from otel_llm.telemetry.guardrail_signals import guardrail_signals
from otel_llm.telemetry.invocation import GenAITelemetry

if TYPE_CHECKING:
    from otel_llm.guardrails.policy import Policy, Rule

RESULT_TYPE = "action"  # our native result: the action the rule took


class GuardrailTelemetry:
    """Instruments for one policy, from the one telemetry configuration (``telemetry``: the one
    ``instrument()`` made, for checks of instrumented calls; else one from the given providers and the
    environment's settings). Checked content goes on events only as its capture mode says, through its
    content hook. Attribute sets that do not vary per call are built once."""

    def __init__(
        self,
        policy: Policy,
        tracer_provider: trace.TracerProvider | None = None,
        meter_provider: metrics.MeterProvider | None = None,
        logger_provider: _logs.LoggerProvider | None = None,
        telemetry: GenAITelemetry | None = None,
    ) -> None:
        self.policy = policy
        self.config = telemetry or GenAITelemetry(
            tracer_provider=tracer_provider, meter_provider=meter_provider, logger_provider=logger_provider
        )
        self.tracer, self.logger, self.checks, self.duration = guardrail_signals(self.config)
        self.span_name = f"{A.GenAiOperationNameValues.APPLY_GUARDRAIL} {policy.component_name}"
        self._rule_attributes: dict[tuple[str, Source, Outcome], dict[str, str]] = {}
        self.common = {
            A.GEN_AI_GUARDRAIL_COMPONENT_NAME: policy.component_name,
            A.GEN_AI_GUARDRAIL_POLICY_ID: policy.id,
            A.GEN_AI_GUARDRAIL_POLICY_VERSION: policy.version,
        }

    @contextmanager
    def span(
        self, source: Source, start_time: int | None = None, parent: Context | None = None
    ) -> Iterator[Span]:
        """The ``apply_guardrail {component}`` span, current while the checks run."""
        attributes = {
            A.GEN_AI_OPERATION_NAME: A.GenAiOperationNameValues.APPLY_GUARDRAIL,
            **self.common,
            A.GEN_AI_GUARDRAIL_SOURCE: source.value,
        }
        span = self.tracer.start_span(
            self.span_name,
            kind=S.OTEL_LLM_APPLY_GUARDRAIL_INTERNAL_KIND,
            attributes=attributes,
            start_time=start_time,
            context=parent,
        )
        try:
            with trace.use_span(span, end_on_exit=False):
                yield span
        finally:
            end_span(span)

    def record_rule(self, rule: Rule, source: Source, outcome: Outcome, seconds: float) -> None:
        """One ``otel_llm.guardrail.checks`` increment and one duration measurement for a rule check."""
        key = (rule.id, source, outcome)
        attributes = self._rule_attributes.get(key)
        if attributes is None:  # a few per rule: built once, then shared (the SDK does not modify them)
            attributes = self._rule_attributes[key] = {
                A.GEN_AI_GUARDRAIL_COMPONENT_NAME: self.policy.component_name,
                A.GEN_AI_GUARDRAIL_POLICY_ID: self.policy.id,
                A.GEN_AI_GUARDRAIL_POLICY_RULE_ID: rule.id,
                A.GEN_AI_GUARDRAIL_SOURCE: source.value,
                A.OTEL_LLM_GUARDRAIL_OUTCOME: outcome.value,
            }
        self.checks.add(1, attributes)
        self.duration.record(seconds, attributes)

    def events_enabled(self) -> bool:
        """Whether ``gen_ai.guardrail.result`` events would be recorded (false without a logger provider)."""
        enabled = getattr(self.logger, "enabled", None)  # Logger.enabled is missing in older API versions
        return True if enabled is None else enabled(event_name=E.GEN_AI_GUARDRAIL_RESULT)

    def finish(self, span: Span, outcome: Outcome, results: list[CheckResult], originals: list[str]) -> None:
        """Set the overall result on the span and emit one event per finding and per failed detector."""
        span.set_attribute(A.GEN_AI_GUARDRAIL_RESULT_TYPE, RESULT_TYPE)
        span.set_attribute(A.GEN_AI_GUARDRAIL_RESULT_VALUE, outcome.value)
        span.set_attribute(A.OTEL_LLM_GUARDRAIL_OUTCOME, outcome.value)
        if self.events_enabled():  # building events is the costly part: skip it when nothing records them
            capture = self.config.settings.capture_mode.on_event
            for result, original in zip(results, originals, strict=True):
                for finding in result.findings:
                    self._emit(self._finding_attributes(finding), result, original, capture)
                for error in result.errors:
                    self._emit(self._error_attributes(result.source, error), result, original, capture)
        errors = [error for result in results for error in result.errors]
        if errors:
            span.set_attribute(A.ERROR_TYPE, errors[0].error_type)
            span.set_status(StatusCode.ERROR, "guardrail detector failed")

    def _finding_attributes(self, finding: Finding) -> dict:
        return {
            **self.common,
            A.GEN_AI_GUARDRAIL_POLICY_RULE_ID: finding.rule_id,
            A.GEN_AI_GUARDRAIL_SOURCE: finding.source.value,
            A.GEN_AI_GUARDRAIL_RESULT_TYPE: RESULT_TYPE,
            A.GEN_AI_GUARDRAIL_RESULT_VALUE: finding.action.value,
            A.GEN_AI_GUARDRAIL_RISK_CATEGORY: finding.entity_type,
            A.GEN_AI_GUARDRAIL_RISK_SCORE: finding.score,
            A.GEN_AI_GUARDRAIL_RESULT_REASON: finding.reason,
        }

    def _error_attributes(self, source: Source, error: DetectorError) -> dict:
        return {
            **self.common,
            A.GEN_AI_GUARDRAIL_POLICY_RULE_ID: error.rule_id,
            A.GEN_AI_GUARDRAIL_SOURCE: source.value,
            A.GEN_AI_GUARDRAIL_RESULT_TYPE: RESULT_TYPE,
            A.GEN_AI_GUARDRAIL_RESULT_VALUE: error.outcome.value,
            A.GEN_AI_GUARDRAIL_RESULT_REASON: "detector failed",
            A.ERROR_TYPE: error.error_type,
        }

    def _emit(self, attributes: dict, result: CheckResult, original: str, capture: bool) -> None:
        if capture:
            checked = self.config.content(A.GEN_AI_GUARDRAIL_CONTENT_INPUT_VALUE, original)
            if checked is not None:
                attributes[A.GEN_AI_GUARDRAIL_CONTENT_INPUT_VALUE] = checked
            if result.text != original:
                passed = self.config.content(A.GEN_AI_GUARDRAIL_CONTENT_OUTPUT_VALUE, result.text)
                if passed is not None:
                    attributes[A.GEN_AI_GUARDRAIL_CONTENT_OUTPUT_VALUE] = passed
        self.logger.emit(event_name=E.GEN_AI_GUARDRAIL_RESULT, attributes=attributes)

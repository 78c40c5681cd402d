"""Scores as telemetry: a ``gen_ai.evaluation.result`` event, an ``evaluation {name}`` span and a point.

The event is what the conventions ask for; the span (a child of the evaluated span) is what a trace
backend such as Jaeger shows inside the trace, and what a collector's tail sampler can see.
"""

from __future__ import annotations

import time

from opentelemetry import trace
from opentelemetry.context import Context
from opentelemetry.trace import NonRecordingSpan, SpanContext

from otel_llm.evaluation.model import Score
from otel_llm.semconv import metrics as M
from otel_llm.semconv.attributes import (
    ERROR_TYPE,
    GEN_AI_EVALUATION_EXPLANATION,
    GEN_AI_EVALUATION_NAME,
    GEN_AI_EVALUATION_SCORE_LABEL,
    GEN_AI_EVALUATION_SCORE_VALUE,
    GEN_AI_RESPONSE_ID,
    OTEL_LLM_EVALUATION_PASSED,
    OTEL_LLM_EVALUATION_SOURCE,
)
from otel_llm.semconv.events import GEN_AI_EVALUATION_RESULT
from otel_llm.semconv.spans import OTEL_LLM_EVALUATION_INTERNAL_KIND
from otel_llm.telemetry.invocation import GenAITelemetry

_SCOPE = "otel_llm.evaluation"

SCORE_INSTRUMENTS: dict[str, tuple[str, str, tuple[float, ...]]] = {
    getattr(M, f"OTEL_LLM_EVALUATION_{kind}"): (
        getattr(M, f"OTEL_LLM_EVALUATION_{kind}_UNIT"),
        getattr(M, f"OTEL_LLM_EVALUATION_{kind}_BRIEF"),
        getattr(M, f"OTEL_LLM_EVALUATION_{kind}_BUCKETS"),
    )
    for kind in ("SCORE", "LATENCY", "COST", "VALUE")
}
"""The score histograms, one per unit, each with buckets advised for it: name -> (unit, brief, buckets)."""


def score_instrument(value: float, unit: str | None) -> str:
    """The histogram of a score ``value`` in ``unit`` (an evaluator's ``unit``; ``None``: unknown).

    Seconds and US dollars have their own; a unitless score goes to ``otel_llm.evaluation.score``
    when it lies in [0, 1], else to ``otel_llm.evaluation.value``.
    """
    if unit == M.OTEL_LLM_EVALUATION_LATENCY_UNIT:
        return M.OTEL_LLM_EVALUATION_LATENCY
    if unit == M.OTEL_LLM_EVALUATION_COST_UNIT:
        return M.OTEL_LLM_EVALUATION_COST
    if unit in (None, M.OTEL_LLM_EVALUATION_SCORE_UNIT) and 0.0 <= value <= 1.0:
        return M.OTEL_LLM_EVALUATION_SCORE
    return M.OTEL_LLM_EVALUATION_VALUE


class ScoreRecorder:
    """Records scores from one source (``offline``, ``online`` or ``feedback``), through the one telemetry
    configuration (``telemetry``; by default one over the global providers)."""

    def __init__(self, source: str, telemetry: GenAITelemetry | None = None) -> None:
        self.source = source
        config = telemetry or GenAITelemetry()
        self._logger = config.get_logger(_SCOPE)
        self._tracer = config.get_tracer(_SCOPE)
        meter = config.get_meter(_SCOPE)
        self._histograms = {
            name: meter.create_histogram(
                name, unit=unit, description=brief, explicit_bucket_boundaries_advisory=list(buckets)
            )
            for name, (unit, brief, buckets) in SCORE_INSTRUMENTS.items()
        }

    def record(
        self,
        score: Score,
        span_context: SpanContext | None = None,
        response_id: str | None = None,
        unit: str | None = None,
    ) -> None:
        """Emit ``score`` parented to ``span_context`` (the evaluated span) when it is valid.

        ``unit`` is the evaluator's (``Evaluator.unit``): it chooses the histogram of the value
        (:func:`score_instrument`).
        """
        attributes: dict[str, str | float] = {GEN_AI_EVALUATION_NAME: score.name}
        optional = {
            GEN_AI_EVALUATION_SCORE_VALUE: score.value,
            GEN_AI_EVALUATION_SCORE_LABEL: score.label,
            GEN_AI_EVALUATION_EXPLANATION: score.explanation,
            GEN_AI_RESPONSE_ID: response_id,
            ERROR_TYPE: score.error_type,
        }
        attributes.update({key: value for key, value in optional.items() if value is not None})
        parent = _parent(span_context)
        self._logger.emit(event_name=GEN_AI_EVALUATION_RESULT, context=parent, attributes=attributes)
        if span_context is not None and span_context.is_valid:
            self._record_span(score, parent, attributes)
        if score.value is not None:
            point = {GEN_AI_EVALUATION_NAME: score.name, OTEL_LLM_EVALUATION_SOURCE: self.source}
            if score.label is not None:
                point[GEN_AI_EVALUATION_SCORE_LABEL] = score.label
            self._histograms[score_instrument(score.value, unit)].record(score.value, point)

    def _record_span(self, score: Score, parent: Context, attributes: dict[str, str | float]) -> None:
        """The result as a zero-length ``evaluation {name}`` span under the evaluated span."""
        span_attributes: dict[str, str | float | bool] = dict(attributes)
        span_attributes[OTEL_LLM_EVALUATION_SOURCE] = self.source
        if score.passed is not None:
            span_attributes[OTEL_LLM_EVALUATION_PASSED] = score.passed
        now = time.time_ns()
        span = self._tracer.start_span(
            f"evaluation {score.name}",
            parent,
            kind=OTEL_LLM_EVALUATION_INTERNAL_KIND,
            attributes=span_attributes,
            start_time=now,
        )
        span.end(end_time=now)


def _parent(span_context: SpanContext | None) -> Context:
    """A context holding only the evaluated span (or an invalid one: an empty context means "current")."""
    span = (
        NonRecordingSpan(span_context)
        if span_context is not None and span_context.is_valid
        else trace.INVALID_SPAN
    )
    return trace.set_span_in_context(span, Context())

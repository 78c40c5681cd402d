"""Scores as telemetry: a ``gen_ai.evaluation.result`` event and a point on the score histogram."""

from __future__ import annotations

from opentelemetry import trace
from opentelemetry.context import Context
from opentelemetry.trace import NonRecordingSpan, SpanContext

from otel_llm.evaluation.model import Score
from otel_llm.semconv.attributes import (
    ERROR_TYPE,
    GEN_AI_EVALUATION_EXPLANATION,
    GEN_AI_EVALUATION_NAME,
    GEN_AI_EVALUATION_SCORE_LABEL,
    GEN_AI_EVALUATION_SCORE_VALUE,
    GEN_AI_RESPONSE_ID,
    OTEL_LLM_EVALUATION_SOURCE,
)
from otel_llm.semconv.events import GEN_AI_EVALUATION_RESULT
from otel_llm.semconv.metrics import (
    OTEL_LLM_EVALUATION_SCORE,
    OTEL_LLM_EVALUATION_SCORE_BRIEF,
    OTEL_LLM_EVALUATION_SCORE_BUCKETS,
    OTEL_LLM_EVALUATION_SCORE_UNIT,
)
from otel_llm.telemetry.invocation import GenAITelemetry

_SCOPE = "otel_llm.evaluation"


class ScoreRecorder:
    """Records scores from one source (``offline``, ``online`` or ``feedback``), through the one telemetry
    configuration (``telemetry``; by default one over the global providers)."""

    def __init__(self, source: str, telemetry: GenAITelemetry | None = None) -> None:
        self.source = source
        config = telemetry or GenAITelemetry()
        self._logger = config.get_logger(_SCOPE)
        self._histogram = config.get_meter(_SCOPE).create_histogram(
            OTEL_LLM_EVALUATION_SCORE,
            unit=OTEL_LLM_EVALUATION_SCORE_UNIT,
            description=OTEL_LLM_EVALUATION_SCORE_BRIEF,
            explicit_bucket_boundaries_advisory=list(OTEL_LLM_EVALUATION_SCORE_BUCKETS),
        )

    def record(
        self, score: Score, span_context: SpanContext | None = None, response_id: str | None = None
    ) -> None:
        """Emit ``score`` parented to ``span_context`` (the evaluated span) when it is valid."""
        attributes: dict[str, str | float] = {GEN_AI_EVALUATION_NAME: score.name}
        optional = {
            GEN_AI_EVALUATION_SCORE_VALUE: score.value,
            GEN_AI_EVALUATION_SCORE_LABEL: score.label,
            GEN_AI_EVALUATION_EXPLANATION: score.explanation,
            GEN_AI_RESPONSE_ID: response_id,
            ERROR_TYPE: score.error_type,
        }
        attributes.update({key: value for key, value in optional.items() if value is not None})
        self._logger.emit(
            event_name=GEN_AI_EVALUATION_RESULT,
            context=_parent(span_context),
            attributes=attributes,
        )
        if score.value is not None:
            point = {GEN_AI_EVALUATION_NAME: score.name, OTEL_LLM_EVALUATION_SOURCE: self.source}
            if score.label is not None:
                point[GEN_AI_EVALUATION_SCORE_LABEL] = score.label
            self._histogram.record(score.value, point)


def _parent(span_context: SpanContext | None) -> Context:
    """A context holding only the evaluated span (or an invalid one: an empty context means "current")."""
    span = (
        NonRecordingSpan(span_context)
        if span_context is not None and span_context.is_valid
        else trace.INVALID_SPAN
    )
    return trace.set_span_in_context(span, Context())

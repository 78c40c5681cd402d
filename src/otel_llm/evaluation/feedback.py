"""User feedback on a response, recorded as a ``gen_ai.evaluation.result`` beside the trace it judges."""

from __future__ import annotations

import threading

from opentelemetry import trace
from opentelemetry.trace import SpanContext

from otel_llm.evaluation.hooks import install_span_hooks
from otel_llm.evaluation.model import Score
from otel_llm.evaluation.telemetry import ScoreRecorder
from otel_llm.semconv.attributes import OtelLlmEvaluationSourceValues

FEEDBACK_NAME = "user_feedback"

_recorder: ScoreRecorder | None = None
_recorder_lock = threading.Lock()


def _feedback_recorder() -> ScoreRecorder:
    global _recorder
    with _recorder_lock:
        if _recorder is None:
            _recorder = ScoreRecorder(OtelLlmEvaluationSourceValues.FEEDBACK)
    return _recorder


def record_feedback(
    *,
    response_id: str | None = None,
    span_context: SpanContext | None = None,
    score: float | None = None,
    label: str | None = None,
    comment: str | None = None,
    name: str = FEEDBACK_NAME,
) -> SpanContext | None:
    """Record feedback on a response; returns the span context the feedback was linked to, if any.

    The judged span is ``span_context`` if given; else, for a ``response_id``, the span of that response
    if the evaluation span hooks saw it end (they remember recent LLM responses once installed on the
    provider, by :func:`~otel_llm.evaluation.hooks.install_span_hooks` or the first call here); with
    neither, the current span. ``response_id`` is recorded as ``gen_ai.response.id`` whenever given, so
    feedback on an unknown response still names it.
    """
    if score is None and label is None:
        raise ValueError("feedback needs a score or a label")
    hooks = install_span_hooks()
    target = span_context
    if target is None and response_id is not None:
        target = hooks.span_for_response(response_id)
    if target is None and response_id is None:
        current = trace.get_current_span().get_span_context()
        target = current if current.is_valid else None
    feedback = Score(name, None if score is None else float(score), label, comment)
    _feedback_recorder().record(feedback, target, response_id)
    return target

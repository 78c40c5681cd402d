"""User feedback on a response, recorded as a ``gen_ai.evaluation.result`` beside the trace it judges.

Across processes: the process that answered calls :func:`feedback_token` and hands the string to the
page; the page sends it back with the user's verdict, and whichever process receives it calls
``record_feedback(token=...)``, which parents the feedback to the span that produced the answer. The
token carries the W3C trace context (``traceparent``, ``tracestate``) and the response id, nothing
else: no content, no secret.

Feedback can be validated: :func:`configure_feedback` declares, per feedback name, a numeric range,
a set of categories, or a boolean. Every labelled feedback (thumbs up or down included) is counted on
``otel_llm.evaluation.feedback``; a numeric one is also a point on ``otel_llm.evaluation.score``.
"""

from __future__ import annotations

import base64
import binascii
import json
import logging
import math
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from opentelemetry import metrics, trace
from opentelemetry.trace import SpanContext
from opentelemetry.trace.propagation.tracecontext import TraceContextTextMapPropagator

from otel_llm._version import __version__
from otel_llm.evaluation.hooks import install_span_hooks
from otel_llm.evaluation.model import Score
from otel_llm.evaluation.telemetry import ScoreRecorder
from otel_llm.semconv.attributes import (
    GEN_AI_EVALUATION_NAME,
    GEN_AI_EVALUATION_SCORE_LABEL,
    OtelLlmEvaluationSourceValues,
)
from otel_llm.semconv.metrics import (
    OTEL_LLM_EVALUATION_FEEDBACK,
    OTEL_LLM_EVALUATION_FEEDBACK_BRIEF,
    OTEL_LLM_EVALUATION_FEEDBACK_UNIT,
)

logger = logging.getLogger(__name__)

FEEDBACK_NAME = "user_feedback"
TOKEN_PREFIX = "olf1."
"""Version prefix of feedback tokens: ``olf1.`` then URL-safe base64 of a small JSON object."""
_MAX_TOKEN_LENGTH = 2048
_PROPAGATOR = TraceContextTextMapPropagator()


class FeedbackError(ValueError):
    """Feedback that does not fit its configuration, or a token that cannot be read."""


@dataclass(frozen=True)
class FeedbackConfig:
    """What feedback named ``name`` may be: ``numeric`` (a score within ``minimum``..``maximum``),
    ``categorical`` (a label among ``categories``) or ``boolean`` (true or false, recorded as 1/0 with
    the label ``labels[1]``/``labels[0]``)."""

    name: str
    kind: Literal["numeric", "categorical", "boolean"]
    minimum: float | None = None
    maximum: float | None = None
    categories: Sequence[str] = ()
    labels: tuple[str, str] = ("false", "true")

    def __post_init__(self) -> None:
        if self.kind == "categorical" and not self.categories:
            raise ValueError(f"categorical feedback {self.name!r} needs categories")
        if self.minimum is not None and self.maximum is not None and self.minimum > self.maximum:
            raise ValueError(f"feedback {self.name!r}: minimum {self.minimum} above maximum {self.maximum}")

    @property
    def unit(self) -> str:
        """``1`` when every score lies in [0, 1] (booleans, a 0-1 range), else ``{score}`` (a 1-5 rating):
        all scores of one feedback name then go to one histogram, whatever their value."""
        if self.kind == "boolean" or (
            self.minimum is not None and self.maximum is not None and 0 <= self.minimum <= self.maximum <= 1
        ):
            return "1"
        return "{score}"

    def check(self, score: float | bool | None, label: str | None) -> tuple[float | None, str | None]:
        """The (score, label) to record, or :class:`FeedbackError` saying what does not fit."""
        if self.kind == "boolean":
            if isinstance(score, bool) or score in (0, 1):
                truth = bool(score)
            elif score is None and label in self.labels:
                truth = label == self.labels[1]
            else:
                raise FeedbackError(f"feedback {self.name!r} is boolean: give True/False or {self.labels}")
            return float(truth), self.labels[truth]
        if self.kind == "categorical":
            if score is not None:
                raise FeedbackError(f"feedback {self.name!r} is categorical: give a label, not a score")
            if label not in self.categories:
                raise FeedbackError(
                    f"feedback {self.name!r} must be one of {list(self.categories)}, got {label!r}"
                )
            return None, label
        if score is None or isinstance(score, bool) or not math.isfinite(float(score)):
            raise FeedbackError(f"feedback {self.name!r} is numeric: give a finite score")
        value = float(score)
        if (self.minimum is not None and value < self.minimum) or (
            self.maximum is not None and value > self.maximum
        ):
            raise FeedbackError(
                f"feedback {self.name!r} must be within [{self.minimum}, {self.maximum}], got {value:g}"
            )
        return value, label


_configs: dict[str, FeedbackConfig] = {}
_state_lock = threading.Lock()
_recorder: ScoreRecorder | None = None
_counter: metrics.Counter | None = None


def configure_feedback(*configs: FeedbackConfig) -> None:
    """Declare (or replace) the configuration of feedback names; unconfigured names take any score."""
    with _state_lock:
        _configs.update({config.name: config for config in configs})


def _instruments() -> tuple[ScoreRecorder, metrics.Counter]:
    global _recorder, _counter
    with _state_lock:
        if _recorder is None or _counter is None:
            _recorder = ScoreRecorder(OtelLlmEvaluationSourceValues.FEEDBACK)
            _counter = metrics.get_meter("otel_llm.evaluation", __version__).create_counter(
                OTEL_LLM_EVALUATION_FEEDBACK,
                unit=OTEL_LLM_EVALUATION_FEEDBACK_UNIT,
                description=OTEL_LLM_EVALUATION_FEEDBACK_BRIEF,
            )
    return _recorder, _counter


def feedback_token(response_id: str | None = None, span_context: SpanContext | None = None) -> str:
    """A string a page can carry back with the user's feedback, to link it from any process.

    It names ``span_context`` if given; else the span of ``response_id`` when the evaluation span hooks
    saw it end (see :func:`~otel_llm.evaluation.hooks.install_span_hooks`); else the current span.
    """
    hooks = install_span_hooks()
    target = span_context
    if target is None and response_id is not None:
        target = hooks.span_for_response(response_id)
    if target is None:
        target = trace.get_current_span().get_span_context()
    carrier: dict[str, str] = {}
    if target.is_valid:
        _PROPAGATOR.inject(carrier, trace.set_span_in_context(trace.NonRecordingSpan(target)))
    if response_id is not None:
        carrier["response_id"] = response_id
    if not carrier:
        logger.warning("feedback token without a span or a response id: feedback on it cannot be linked")
    payload = json.dumps(carrier, separators=(",", ":")).encode()
    return TOKEN_PREFIX + base64.urlsafe_b64encode(payload).decode().rstrip("=")


def read_token(token: str) -> tuple[SpanContext | None, str | None]:
    """(span context, response id) carried by a :func:`feedback_token` string."""
    if not isinstance(token, str):  # from an untyped caller, e.g. a web handler's JSON
        raise FeedbackError("not an otel-llm feedback token")
    if not token.startswith(TOKEN_PREFIX) or len(token) > _MAX_TOKEN_LENGTH:
        raise FeedbackError("not an otel-llm feedback token")
    body = token[len(TOKEN_PREFIX) :]
    try:
        carrier = json.loads(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))
    except (binascii.Error, ValueError) as exc:
        raise FeedbackError(f"unreadable feedback token: {exc}") from exc
    if not isinstance(carrier, dict) or not all(isinstance(v, str) for v in carrier.values()):
        raise FeedbackError("unreadable feedback token: not an object of strings")
    context = trace.get_current_span(_PROPAGATOR.extract(carrier)).get_span_context()
    return (context if context.is_valid else None), carrier.get("response_id")


def record_feedback(
    *,
    token: str | None = None,
    response_id: str | None = None,
    span_context: SpanContext | None = None,
    score: float | bool | None = None,
    label: str | None = None,
    comment: str | None = None,
    name: str = FEEDBACK_NAME,
) -> SpanContext | None:
    """Record feedback on a response; returns the span context the feedback was linked to, if any.

    The judged span is the one ``token`` names (from :func:`feedback_token`, in this process or
    another); else ``span_context``; else, for a ``response_id``, the span of that response if the
    evaluation span hooks saw it end; with neither, the current span. ``response_id`` (given or from
    the token) is recorded as ``gen_ai.response.id``, so feedback on an unknown response still names
    it; feedback that cannot be linked to a span is recorded unlinked, with a warning. Feedback of a
    configured name (:func:`configure_feedback`) is checked first: :class:`FeedbackError` if it does
    not fit.
    """
    if score is None and label is None:
        raise ValueError("feedback needs a score or a label")
    config = _configs.get(name)
    if config is not None:
        score, label = config.check(score, label)
    elif score is not None:
        if isinstance(score, bool) or not math.isfinite(float(score)):
            raise FeedbackError(f"feedback score must be a finite number, got {score!r}")
        score = float(score)
    target = span_context
    if token is not None:
        target, carried = read_token(token)
        response_id = response_id or carried
    hooks = install_span_hooks()
    if target is None and response_id is not None:
        target = hooks.span_for_response(response_id)
    if target is None and response_id is None and token is None:
        current = trace.get_current_span().get_span_context()
        target = current if current.is_valid else None
    if target is None:
        logger.warning(
            "feedback %r cannot be linked to a span (response id %s): recorded without a parent",
            name,
            response_id,
        )
    recorder, counter = _instruments()
    unit = None if config is None else config.unit  # unconfigured: chosen by the value
    recorder.record(Score(name, score, label, comment), target, response_id, unit)
    if label is not None:
        counter.add(1, {GEN_AI_EVALUATION_NAME: name, GEN_AI_EVALUATION_SCORE_LABEL: label})
    return target

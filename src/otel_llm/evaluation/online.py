"""Online evaluation of live traffic: a sampling span processor that never blocks the app.

``on_end`` runs on the app's thread, so it only filters (LLM span? sampled?) and does a non-blocking
``put`` into a bounded queue; when the queue is full the span is dropped and counted. A daemon worker
thread evaluates queued spans and emits the results parented to each span.
"""

from __future__ import annotations

import logging
import queue
import random
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass

from opentelemetry import trace
from opentelemetry.context import Context
from opentelemetry.sdk.trace import ReadableSpan, Span, SpanProcessor

from otel_llm.evaluation.evaluators.base import Evaluator
from otel_llm.evaluation.hooks import install_span_hooks
from otel_llm.evaluation.model import EvalCase, Score
from otel_llm.evaluation.spans import SpanView, is_llm_operation
from otel_llm.evaluation.telemetry import ScoreRecorder
from otel_llm.semconv.attributes import OtelLlmEvaluationSourceValues
from otel_llm.telemetry.invocation import GenAITelemetry

logger = logging.getLogger(__name__)


NOT_EVALUABLE = "not_evaluable"
"""The label of an online score whose evaluator lacked a field: content not captured, or no reference."""


def not_evaluable(score: Score) -> Score:
    """A score whose evaluator missed a field (``missing_*``) as "not evaluable": no value, no verdict,
    no error; online, that is a fact about the telemetry (content capture is off), not about the answer."""
    if not (score.error_type or "").startswith("missing_"):
        return score
    return Score(score.name, label=NOT_EVALUABLE, explanation=score.explanation)


def evaluate_span(
    span: SpanView,
    evaluators: Sequence[Evaluator],
    recorder: ScoreRecorder,
    related: Sequence[SpanView] = (),
) -> list[Score]:
    """Score one recorded LLM span (content comes from its message attributes when captured); a score
    that needs content the span does not carry is :data:`NOT_EVALUABLE`."""
    case = EvalCase(
        input=span.input_text(),
        output=span.output_text(),
        span=span,
        spans=(span, *related),
    )
    scores = [not_evaluable(evaluator(case)) for evaluator in evaluators]
    for score, evaluator in zip(scores, evaluators):
        recorder.record(score, span.span_context(), span.response_id, getattr(evaluator, "unit", None))
    return scores


@dataclass
class SamplerStats:
    """Counters of a :class:`SamplingEvaluator`; ``dropped`` spans were sampled but the queue was full."""

    sampled: int = 0
    dropped: int = 0
    evaluated: int = 0
    failed: int = 0


class SamplingEvaluator(SpanProcessor):
    """Evaluates a random share (``sample_rate``) of finished LLM spans in the background."""

    def __init__(
        self,
        evaluators: Sequence[Evaluator],
        sample_rate: float = 0.1,
        max_queue_size: int = 1000,
        seed: int | None = None,
        telemetry: GenAITelemetry | None = None,
    ) -> None:
        if not 0.0 <= sample_rate <= 1.0:
            raise ValueError(f"sample_rate must be within [0, 1], got {sample_rate}")
        self.evaluators = list(evaluators)
        self.sample_rate = sample_rate
        self.stats = SamplerStats()
        self._random = random.Random(seed)
        self._queue: queue.Queue[ReadableSpan | None] = queue.Queue(max_queue_size)  # None: stop
        self._stats_lock = threading.Lock()
        self._recorder = ScoreRecorder(OtelLlmEvaluationSourceValues.ONLINE, telemetry)
        self._worker = threading.Thread(target=self._work, name="otel-llm-online-eval", daemon=True)
        self._worker.start()

    def install(self, tracer_provider: object | None = None) -> SamplingEvaluator:
        """Add this processor to ``tracer_provider`` (default: the global SDK provider).

        The evaluation span hooks go on the same provider, so that calls made by judges are marked as
        such there and never sampled in turn.
        """
        provider = tracer_provider or trace.get_tracer_provider()
        if not hasattr(provider, "add_span_processor"):
            raise TypeError("online evaluation needs an SDK TracerProvider")
        install_span_hooks(provider)
        provider.add_span_processor(self)
        return self

    def on_start(self, span: Span, parent_context: Context | None = None) -> None:
        return None

    def on_end(self, span: ReadableSpan) -> None:
        if not is_llm_operation(span.attributes or {}) or self._random.random() >= self.sample_rate:
            return
        try:
            self._queue.put_nowait(span)
        except queue.Full:
            self._count("dropped")
        else:
            self._count("sampled")

    def _count(self, name: str) -> None:
        with self._stats_lock:
            setattr(self.stats, name, getattr(self.stats, name) + 1)

    def _work(self) -> None:
        while True:
            item = self._queue.get()
            try:
                if item is None:
                    return
                evaluate_span(SpanView.from_readable(item), self.evaluators, self._recorder)
                self._count("evaluated")
            except Exception:
                logger.exception("online evaluation of a span failed")
                self._count("failed")
            finally:
                self._queue.task_done()

    def force_flush(self, timeout_millis: int = 30_000) -> bool:
        """Wait until every queued span has been evaluated."""
        deadline = time.monotonic() + timeout_millis / 1000
        with self._queue.all_tasks_done:
            while self._queue.unfinished_tasks:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    return False
                self._queue.all_tasks_done.wait(remaining)
        return True

    def shutdown(self) -> None:
        if not self._worker.is_alive():
            return
        try:
            self._queue.put(None, timeout=5)
        except queue.Full:
            logger.warning("online evaluator queue still full at shutdown; leaving its worker behind")
            return
        self._worker.join(timeout=30)

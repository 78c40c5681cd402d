"""One span processor that lets evaluation see spans as the app produces them.

It has three jobs, each a dictionary look-up or less on spans nobody asked about:

- **capture**: collect the finished spans of traces the offline runner watches;
- **judge marking**: set ``otel_llm.evaluation.judge=true`` on spans started inside :func:`judge_scope`;
- **response index**: remember the span context of recent LLM responses by ``gen_ai.response.id``,
  so feedback given later with only a response id is parented to the span that produced it.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Iterator
from contextlib import contextmanager

from opentelemetry import context as otel_context
from opentelemetry import trace
from opentelemetry.sdk.trace import ReadableSpan, Span, SpanProcessor
from opentelemetry.trace import SpanContext

from otel_llm.evaluation.spans import SpanView, is_llm_operation
from otel_llm.semconv.attributes import GEN_AI_RESPONSE_ID, OTEL_LLM_EVALUATION_JUDGE

_JUDGE_KEY = otel_context.create_key("otel_llm.evaluation.judge")


@contextmanager
def judge_scope(parent: SpanContext | None = None) -> Iterator[None]:
    """Mark spans started inside as an evaluator's own calls, optionally under ``parent``."""
    ctx = otel_context.get_current()
    if parent is not None and parent.is_valid:
        ctx = trace.set_span_in_context(trace.NonRecordingSpan(parent), ctx)
    token = otel_context.attach(otel_context.set_value(_JUDGE_KEY, True, ctx))
    try:
        yield
    finally:
        otel_context.detach(token)


class EvaluationSpanHooks(SpanProcessor):
    """The span processor described in the module docstring; install it with :func:`install_span_hooks`."""

    def __init__(self, max_responses: int = 10_000) -> None:
        self._lock = threading.Lock()
        self._watched: dict[int, list[SpanView]] = {}
        self._responses: OrderedDict[str, SpanContext] = OrderedDict()
        self._max_responses = max_responses

    def on_start(self, span: Span, parent_context: otel_context.Context | None = None) -> None:
        ctx = parent_context if parent_context is not None else otel_context.get_current()
        if otel_context.get_value(_JUDGE_KEY, ctx):
            span.set_attribute(OTEL_LLM_EVALUATION_JUDGE, True)

    def on_end(self, span: ReadableSpan) -> None:
        trace_id = span.context.trace_id
        if trace_id in self._watched:
            view = SpanView.from_readable(span)
            with self._lock:
                collected = self._watched.get(trace_id)
                if collected is not None:
                    collected.append(view)
        attributes = span.attributes or {}
        response_id = attributes.get(GEN_AI_RESPONSE_ID)
        if response_id and is_llm_operation(attributes):
            with self._lock:
                self._responses[str(response_id)] = span.context
                self._responses.move_to_end(str(response_id))
                if len(self._responses) > self._max_responses:
                    self._responses.popitem(last=False)

    def watch(self, trace_id: int) -> None:
        with self._lock:
            self._watched[trace_id] = []

    def release(self, trace_id: int) -> list[SpanView]:
        """Stop watching ``trace_id`` and return the spans that ended in it, in end order."""
        with self._lock:
            return self._watched.pop(trace_id, [])

    def span_for_response(self, response_id: str) -> SpanContext | None:
        with self._lock:
            return self._responses.get(response_id)

    def shutdown(self) -> None:
        """Nothing to release; one instance serves every provider, so one provider's shutdown keeps it."""

    def force_flush(self, timeout_millis: int = 30_000) -> bool:
        return True


_hooks = EvaluationSpanHooks()
_installed_on: list[object] = []
_install_lock = threading.Lock()


def install_span_hooks(tracer_provider: object | None = None) -> EvaluationSpanHooks:
    """Add the hooks to ``tracer_provider`` (default: the global one) once; return them.

    A provider without ``add_span_processor`` (the API's no-op one) is left alone: the hooks then see nothing.
    """
    provider = tracer_provider or trace.get_tracer_provider()
    with _install_lock:
        if not any(installed is provider for installed in _installed_on) and hasattr(
            provider, "add_span_processor"
        ):
            provider.add_span_processor(_hooks)
            _installed_on.append(provider)
    return _hooks

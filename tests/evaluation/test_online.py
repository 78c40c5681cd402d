"""The sampling evaluator: background work off the app's path, bounded queue, drops when full."""

from __future__ import annotations

import random
import threading
import time
from collections.abc import Iterator

import pytest
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

import openai
from otel_llm.evaluation import SamplingEvaluator
from otel_llm.evaluation.evaluators import JsonValid, RegexMatch, RubricJudge
from otel_llm.evaluation.evaluators.base import Evaluator
from otel_llm.evaluation.model import EvalCase, Score
from otel_llm.instrumentation.openai import OpenAIInstrumentor


@pytest.fixture
def local_provider() -> Iterator[tuple[TracerProvider, InMemorySpanExporter]]:
    """A tracer provider of the test's own, so the sampler added to it goes away with it."""
    exporter = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    yield provider, exporter
    provider.shutdown()


def end_llm_span(provider: TracerProvider, operation: str = "chat", **attributes) -> None:
    tracer = provider.get_tracer("test")
    with tracer.start_as_current_span(f"{operation} gpt-4o-mini") as span:
        span.set_attribute("gen_ai.operation.name", operation)
        for key, value in attributes.items():
            span.set_attribute(key, value)


class Blocking(Evaluator):
    """Holds the worker until released, to fill the queue."""

    name = "blocking"

    def __init__(self) -> None:
        self.started, self.release = threading.Event(), threading.Event()

    def evaluate(self, case: EvalCase) -> Score:
        self.started.set()
        self.release.wait(10)
        return self.verdict(True)


def test_sampled_llm_calls_get_results_parented_to_their_spans(otel, local_provider, fake_openai):
    provider, exporter = local_provider
    server = fake_openai(lambda body: '{"city": "Paris"}')
    instrumentor = OpenAIInstrumentor()
    instrumentor.instrument(tracer_provider=provider, capture_mode="SPAN_ONLY")
    sampler = SamplingEvaluator([JsonValid(), RegexMatch("Paris")], sample_rate=1.0).install(provider)
    try:
        client = openai.OpenAI(base_url=server.base_url, api_key="k", max_retries=0)
        for question in ("one?", "two?", "three?"):
            client.chat.completions.create(
                model="gpt-4o-mini", messages=[{"role": "user", "content": question}]
            )
        client.embeddings.create(model="text-embedding-3-small", input="not evaluated")
        assert sampler.force_flush(5000)
    finally:
        instrumentor.uninstrument()
        sampler.shutdown()
    assert (sampler.stats.sampled, sampler.stats.evaluated, sampler.stats.dropped) == (3, 3, 0)
    chats = [s for s in exporter.get_finished_spans() if s.name == "chat gpt-4o-mini"]
    events = [r for r in otel.logs() if r.event_name == "gen_ai.evaluation.result"]
    assert len(events) == 6
    assert sorted((e.span_id, e.attributes["gen_ai.evaluation.name"]) for e in events) == sorted(
        (chat.context.span_id, name) for chat in chats for name in ("json_valid", "regex")
    )
    assert {e.attributes["gen_ai.response.id"] for e in events} == {
        c.attributes["gen_ai.response.id"] for c in chats
    }
    (point,) = [
        p
        for p in otel.metric_points()["otel_llm.evaluation.score"]
        if p.attributes["gen_ai.evaluation.name"] == "json_valid"
    ]
    assert dict(point.attributes) == {
        "gen_ai.evaluation.name": "json_valid",
        "gen_ai.evaluation.score.label": "pass",
        "otel_llm.evaluation.source": "online",
    }
    assert (point.count, point.sum) == (3, 3.0)


def test_online_judge_calls_are_marked_and_not_sampled_again(otel, local_provider, fake_openai):
    provider, exporter = local_provider
    server = fake_openai(
        lambda body: '{"rating": 5}' if body["messages"][0]["role"] == "system" else "Paris."
    )
    instrumentor = OpenAIInstrumentor()
    instrumentor.instrument(tracer_provider=provider, capture_mode="SPAN_ONLY")
    client = openai.OpenAI(base_url=server.base_url, api_key="k", max_retries=0)
    sampler = SamplingEvaluator([RubricJudge(client, "gpt-4o-mini", "Is it right?")], sample_rate=1.0)
    sampler.install(provider)
    try:
        for question in ("France?", "Italy?"):
            client.chat.completions.create(
                model="gpt-4o-mini", messages=[{"role": "user", "content": question}]
            )
        assert sampler.force_flush(10_000)
    finally:
        instrumentor.uninstrument()
        sampler.shutdown()
    assert (sampler.stats.sampled, sampler.stats.evaluated) == (2, 2)
    spans = exporter.get_finished_spans()
    judged = [s for s in spans if s.attributes.get("otel_llm.evaluation.judge")]
    app = [s for s in spans if not s.attributes.get("otel_llm.evaluation.judge")]
    assert len(judged) == 2 and len(app) == 2
    assert {s.parent.span_id for s in judged} == {s.context.span_id for s in app}
    events = [r for r in otel.logs() if r.event_name == "gen_ai.evaluation.result"]
    assert [e.attributes["gen_ai.evaluation.score.value"] for e in events] == [1.0, 1.0]


def test_sampling_rate_is_honoured(otel, local_provider):
    provider, _ = local_provider
    sampler = SamplingEvaluator([JsonValid()], sample_rate=0.3, seed=7).install(provider)
    for _ in range(50):
        end_llm_span(provider)
    sampler.force_flush(5000)
    sampler.shutdown()
    draws = random.Random(7)
    assert sampler.stats.sampled == sum(draws.random() < 0.3 for _ in range(50)) == 19


def test_full_queue_drops_without_blocking_the_app(otel, local_provider):
    provider, _ = local_provider
    blocking = Blocking()
    sampler = SamplingEvaluator([blocking], sample_rate=1.0, max_queue_size=2).install(provider)
    end_llm_span(provider)
    assert blocking.started.wait(5)  # the worker holds span 1; the queue is empty
    slowest = 0.0
    for _ in range(9):
        started = time.perf_counter()
        end_llm_span(provider)
        slowest = max(slowest, time.perf_counter() - started)
    assert slowest < 0.5  # the evaluator is still blocked: ending spans never waited for it
    assert (sampler.stats.sampled, sampler.stats.dropped, sampler.stats.evaluated) == (3, 7, 0)
    blocking.release.set()
    assert sampler.force_flush(5000)
    sampler.shutdown()
    assert (sampler.stats.evaluated, sampler.stats.failed) == (3, 0)
    assert len([r for r in otel.logs() if r.event_name == "gen_ai.evaluation.result"]) == 3


def test_judge_calls_and_other_operations_are_never_sampled(otel, local_provider):
    provider, _ = local_provider
    sampler = SamplingEvaluator([JsonValid()], sample_rate=1.0).install(provider)
    end_llm_span(provider, **{"otel_llm.evaluation.judge": True})
    end_llm_span(provider, operation="embeddings")
    end_llm_span(provider, operation="execute_tool")
    sampler.force_flush(5000)
    sampler.shutdown()
    assert sampler.stats.sampled == 0


def test_an_evaluator_crash_is_counted_not_raised(otel, local_provider):
    class Crashing(Evaluator):
        name = "crashing"

        def evaluate(self, case):
            raise RuntimeError("bad")

        def __call__(self, case):  # bypass the safe wrapper to reach the worker's own guard
            return self.evaluate(case)

    provider, _ = local_provider
    sampler = SamplingEvaluator([Crashing()], sample_rate=1.0).install(provider)
    end_llm_span(provider)
    sampler.force_flush(5000)
    end_llm_span(provider)
    sampler.force_flush(5000)
    sampler.shutdown()
    assert (sampler.stats.failed, sampler.stats.evaluated) == (2, 0)


def test_invalid_rate():
    with pytest.raises(ValueError, match="sample_rate must be within"):
        SamplingEvaluator([], sample_rate=1.5)

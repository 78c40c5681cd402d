"""What the overhead benchmark times: a mocked OpenAI endpoint, the OTel providers and the three variants.

The variants of one chat call are (a) the bare SDK, (b) the *floor*: the SDK call wrapped in a hand-made
span carrying the same attributes as otel-llm's span plus the same histogram records, written as lean as
the OTel API allows, and (c) the SDK instrumented by otel-llm's ``OpenAIInstrumentor``. The HTTP layer is
the SDK's own client with a ``MockTransport`` serving prebuilt bodies, so no socket is involved.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from time import perf_counter
from typing import Any

import wrapt
from opentelemetry import context, trace
from opentelemetry.sdk._logs import LoggerProvider
from opentelemetry.sdk.metrics import MeterProvider
from opentelemetry.sdk.metrics.export import InMemoryMetricReader
from opentelemetry.sdk.trace import ReadableSpan, TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor, SpanExporter, SpanExportResult
from opentelemetry.trace import SpanKind

import openai
from otel_llm.semconv import attributes as A
from otel_llm.semconv import metrics as M
from otel_llm.semconv.metrics import GEN_AI_CLIENT_OPERATION_DURATION_BUCKETS as DURATION_BUCKETS
from otel_llm.semconv.metrics import GEN_AI_CLIENT_TOKEN_USAGE_BUCKETS as TOKEN_BUCKETS
from otel_llm.telemetry.pricing import load_price_table

MODEL = "gpt-4o-mini"
RESPONSE_MODEL = "gpt-4o-mini-2024-07-18"
REQUEST = {
    "model": MODEL,
    "messages": [
        {"role": "system", "content": "You are a concise assistant."},
        {"role": "user", "content": "Name three primary colours."},
    ],
    "temperature": 0.2,
    "max_tokens": 64,
}
STREAM_REQUEST = {**REQUEST, "stream": True, "stream_options": {"include_usage": True}}
_META = {
    "id": "chatcmpl-bench0001",
    "created": 1_732_000_000,
    "model": RESPONSE_MODEL,
    "service_tier": "default",
    "system_fingerprint": "fp_bench01",
}
_USAGE = {
    "prompt_tokens": 24,
    "completion_tokens": 9,
    "total_tokens": 33,
    "prompt_tokens_details": {"cached_tokens": 0, "audio_tokens": 0},
    "completion_tokens_details": {"reasoning_tokens": 0, "audio_tokens": 0},
}


def chat_body() -> bytes:
    """A non-streamed chat completion, shaped like the real API's."""
    message = {"role": "assistant", "content": "Red, yellow and blue.", "refusal": None, "annotations": []}
    choice = {"index": 0, "message": message, "logprobs": None, "finish_reason": "stop"}
    return json.dumps({**_META, "object": "chat.completion", "choices": [choice], "usage": _USAGE}).encode()


def sse_body(chunks: int) -> bytes:
    """``chunks`` content chunks (the first with the role, the last with the finish reason), then usage."""
    events = []
    for index in range(chunks):
        delta: dict[str, Any] = {"content": f"tok{index} "}
        if index == 0:
            delta["role"] = "assistant"
        finish = "stop" if index == chunks - 1 else None
        choice = {"index": 0, "delta": delta, "logprobs": None, "finish_reason": finish}
        events.append({**_META, "object": "chat.completion.chunk", "choices": [choice], "usage": None})
    events.append({**_META, "object": "chat.completion.chunk", "choices": [], "usage": _USAGE})
    lines = [f"data: {json.dumps(event)}\n\n" for event in events]
    return ("".join(lines) + "data: [DONE]\n\n").encode()


def sdk_http_module() -> Any:
    """The HTTP library the installed SDK is built on: ``httpx2`` for openai 3.x, ``httpx`` before."""
    import openai._base_client as base_client

    for name in ("httpx2", "httpx"):
        module = getattr(base_client, name, None)
        if module is not None:
            return module
    raise RuntimeError("cannot tell which HTTP library the openai SDK uses")


Create = Callable[..., Any]
"""A way to call ``chat.completions.create`` on one client."""
Opened = Callable[[], None]
"""Called by stream variants once ``create()`` has returned, so reading the stream can be timed apart."""


def mock_client(body: bytes, content_type: str) -> openai.OpenAI:
    """An OpenAI client whose transport answers every request with ``body``."""
    http = sdk_http_module()
    headers = {"content-type": content_type}

    def respond(request: Any) -> Any:
        return http.Response(200, headers=headers, content=body)

    client = http.Client(transport=http.MockTransport(respond))
    return openai.OpenAI(api_key="sk-bench", max_retries=0, http_client=client)


class NoOpSpanExporter(SpanExporter):
    """Drops spans: the benchmark measures the in-process cost, not an exporter."""

    def export(self, spans: Sequence[ReadableSpan]) -> SpanExportResult:
        return SpanExportResult.SUCCESS

    def shutdown(self) -> None:
        return None


@dataclass
class Providers:
    tracer_provider: TracerProvider
    meter_provider: MeterProvider
    logger_provider: LoggerProvider

    @classmethod
    def benchmark(cls) -> Providers:
        """What an app runs in production, minus the network: a batch span processor into a no-op exporter."""
        tracer_provider = TracerProvider()
        tracer_provider.add_span_processor(BatchSpanProcessor(NoOpSpanExporter()))
        return cls(tracer_provider, MeterProvider(metric_readers=[InMemoryMetricReader()]), LoggerProvider())

    def instrument_kwargs(self) -> dict[str, Any]:
        return {
            "tracer_provider": self.tracer_provider,
            "meter_provider": self.meter_provider,
            "logger_provider": self.logger_provider,
        }

    def shutdown(self) -> None:
        self.tracer_provider.shutdown()
        self.meter_provider.shutdown()
        self.logger_provider.shutdown()


class Floor:
    """The OTel SDK's own floor: one hand-made span and the histogram records, as lean as the API allows.

    It sets the same span and metric attributes as otel-llm (``check_parity`` verifies it), reads them
    straight off the SDK's response objects, and uses constants where a hand-written integration would.
    """

    def __init__(self, providers: Providers, client: openai.OpenAI) -> None:
        self.tracer = trace.get_tracer("benchmark.floor", tracer_provider=providers.tracer_provider)
        meter = providers.meter_provider.get_meter("benchmark.floor")
        self.duration = meter.create_histogram(
            M.GEN_AI_CLIENT_OPERATION_DURATION, unit="s", explicit_bucket_boundaries_advisory=DURATION_BUCKETS
        )
        self.tokens = meter.create_histogram(
            M.GEN_AI_CLIENT_TOKEN_USAGE, unit="{token}", explicit_bucket_boundaries_advisory=TOKEN_BUCKETS
        )
        self.first_chunk = meter.create_histogram(
            M.GEN_AI_CLIENT_OPERATION_TIME_TO_FIRST_CHUNK,
            unit="s",
            explicit_bucket_boundaries_advisory=DURATION_BUCKETS,
        )
        self.per_chunk = meter.create_histogram(
            M.GEN_AI_CLIENT_OPERATION_TIME_PER_OUTPUT_CHUNK,
            unit="s",
            explicit_bucket_boundaries_advisory=M.GEN_AI_CLIENT_OPERATION_TIME_PER_OUTPUT_CHUNK_BUCKETS,
        )
        self.prices = load_price_table(None)
        self.address = client.base_url.host
        self.port = client.base_url.port or 443

    def _start(self, kwargs: dict[str, Any], stream: bool) -> tuple[trace.Span, dict[str, Any], object]:
        metric_attributes = {
            A.GEN_AI_OPERATION_NAME: "chat",
            A.GEN_AI_PROVIDER_NAME: "openai",
            A.GEN_AI_REQUEST_MODEL: kwargs["model"],
            A.SERVER_ADDRESS: self.address,
            A.SERVER_PORT: self.port,
        }
        attributes = {
            **metric_attributes,
            A.GEN_AI_REQUEST_TEMPERATURE: kwargs["temperature"],
            A.GEN_AI_REQUEST_MAX_TOKENS: kwargs["max_tokens"],
            A.OPENAI_API_TYPE: "chat_completions",
        }
        if stream:
            attributes[A.GEN_AI_REQUEST_STREAM] = True
        span = self.tracer.start_span(f"chat {kwargs['model']}", kind=SpanKind.CLIENT, attributes=attributes)
        token = context.attach(trace.set_span_in_context(span))
        return span, metric_attributes, token

    def _end(self, span: trace.Span, attributes: dict[str, Any], head: Any, reasons: list, usage: Any,
             duration: float) -> dict[str, Any]:
        """Set the response attributes, record duration and tokens; return the time-to-chunk attributes."""
        cached = usage.prompt_tokens_details.cached_tokens
        tokens = (usage.prompt_tokens, usage.completion_tokens, cached)
        cost = self.prices.cost("openai", (RESPONSE_MODEL,), *tokens)
        chunk_attributes = {**attributes, A.GEN_AI_RESPONSE_MODEL: head.model}
        metric_attributes = {
            **chunk_attributes,
            A.OPENAI_RESPONSE_SERVICE_TIER: head.service_tier,
            A.OPENAI_RESPONSE_SYSTEM_FINGERPRINT: head.system_fingerprint,
        }
        span.set_attributes(
            {
                A.GEN_AI_RESPONSE_MODEL: head.model,
                A.GEN_AI_RESPONSE_ID: head.id,
                A.GEN_AI_RESPONSE_FINISH_REASONS: reasons,
                A.OPENAI_RESPONSE_SERVICE_TIER: head.service_tier,
                A.OPENAI_RESPONSE_SYSTEM_FINGERPRINT: head.system_fingerprint,
                A.GEN_AI_USAGE_INPUT_TOKENS: usage.prompt_tokens,
                A.GEN_AI_USAGE_OUTPUT_TOKENS: usage.completion_tokens,
                A.GEN_AI_USAGE_CACHE_READ_INPUT_TOKENS: cached,
                A.GEN_AI_USAGE_REASONING_OUTPUT_TOKENS: usage.completion_tokens_details.reasoning_tokens,
                A.OTEL_LLM_USAGE_COST_USD: cost,
                A.OTEL_LLM_PRICE_TABLE_VERSION: self.prices.version,
            }
        )
        self.duration.record(duration, metric_attributes)
        self.tokens.record(usage.prompt_tokens, {**metric_attributes, A.GEN_AI_TOKEN_TYPE: "input"})
        self.tokens.record(usage.completion_tokens, {**metric_attributes, A.GEN_AI_TOKEN_TYPE: "output"})
        return chunk_attributes

    def call(self, create: Create, kwargs: dict[str, Any], opened: Opened) -> Any:
        span, attributes, token = self._start(kwargs, stream=False)
        start = perf_counter()
        try:
            response = create(**kwargs)
        finally:
            context.detach(token)
        reasons = [choice.finish_reason for choice in response.choices]
        self._end(span, attributes, response, reasons, response.usage, perf_counter() - start)
        span.end()
        return response

    def stream(
        self, create: Create, kwargs: dict[str, Any], opened: Opened, chunk_metric: bool = False
    ) -> int:
        """Read a stream; with ``chunk_metric``, also record ``time_per_output_chunk`` for every chunk
        after the first, inline, as a hand-written integration would."""
        span, attributes, token = self._start(kwargs, stream=True)
        start = perf_counter()
        try:
            stream = create(**kwargs)
        finally:
            context.detach(token)
        opened()
        head = usage = None
        first = previous = 0.0
        reason = ""
        count = 0
        chunk_attributes: dict[str, Any] = {}
        for chunk in stream:
            count += 1
            if head is None:
                first = previous = perf_counter()
                head = chunk
                chunk_attributes = {**attributes, A.GEN_AI_RESPONSE_MODEL: head.model}
            elif chunk_metric:
                now = perf_counter()
                self.per_chunk.record(now - previous, chunk_attributes)
                previous = now
            if chunk.choices and chunk.choices[0].finish_reason:
                reason = chunk.choices[0].finish_reason
            if chunk.usage is not None:
                usage = chunk.usage
        end = perf_counter()
        span.set_attribute(A.GEN_AI_RESPONSE_TIME_TO_FIRST_CHUNK, first - start)
        chunk_attributes = self._end(span, attributes, head, [reason], usage, end - start)
        self.first_chunk.record(first - start, chunk_attributes)
        span.end()
        return count


def bare_call(create: Create, kwargs: dict[str, Any], opened: Opened) -> Any:
    return create(**kwargs)


def bare_stream(create: Create, kwargs: dict[str, Any], opened: Opened) -> int:
    stream = create(**kwargs)
    opened()
    count = 0
    for _chunk in stream:
        count += 1
    return count


def sdk_create(client: openai.OpenAI) -> Create:
    """``client.chat.completions.create`` looked up on each call, as apps do: instrumented if otel-llm is."""

    def create(**kwargs: Any) -> Any:
        return client.chat.completions.create(**kwargs)

    return create


def original_create(client: openai.OpenAI) -> Create:
    """The SDK method as it is before instrumentation: calls stay bare while otel-llm is instrumented.

    Must be taken before instrumenting; it is looked up and bound on each call, like :func:`sdk_create`.
    """
    original = type(client.chat.completions).create
    if isinstance(original, wrapt.ObjectProxy):
        raise RuntimeError("take the original method before instrumenting")

    def create(**kwargs: Any) -> Any:
        return original(client.chat.completions, **kwargs)

    return create


def parsed_chunks(chunks: int) -> list[Any]:
    """The chunks of a ``chunks``-chunk stream (plus its usage chunk), parsed once by the real SDK."""
    return list(original_create(mock_client(sse_body(chunks), "text/event-stream"))(**STREAM_REQUEST))


def replayed(create: Create, chunks: list[Any]) -> Create:
    """``create`` whose stream yields ``chunks``, already parsed: the SDK's per-chunk SSE parsing and
    model building, the same for every variant and by far the largest and noisiest part of reading a
    chunk, drop out, while the call, the SDK's ``Stream`` object and any proxy around it stay real."""

    def create_replayed(**kwargs: Any) -> Any:
        stream = create(**kwargs)
        stream._iterator = iter(chunks)  # through otel-llm's proxy too: it forwards to the SDK stream
        return stream

    return create_replayed


def ignore() -> None:
    return None


def _recorded(providers: Providers, exporter: Any, reader: InMemoryMetricReader) -> tuple[dict, dict]:
    """Span attribute keys and metric name -> attribute key sets, of everything recorded so far."""
    providers.tracer_provider.force_flush()
    spans = {span.name: sorted(span.attributes) for span in exporter.get_finished_spans()}
    points: dict[str, set[tuple[str, ...]]] = {}
    data = reader.get_metrics_data()
    for resource_metrics in data.resource_metrics if data else ():
        for scope_metrics in resource_metrics.scope_metrics:
            for metric in scope_metrics.metrics:
                keys = points.setdefault(metric.name, set())
                keys.update(tuple(sorted(point.attributes)) for point in metric.data.data_points)
    exporter.clear()
    return spans, points


def parity_differences(
    instrument: Callable[[Providers], None], uninstrument: Callable[[], None]
) -> list[str]:
    """Where the floor's span and histogram attributes differ from otel-llm's (empty when they match)."""
    from opentelemetry.sdk.trace.export import SimpleSpanProcessor
    from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

    differences = []
    for kwargs, body, content_type in (
        (REQUEST, chat_body(), "application/json"),
        (STREAM_REQUEST, sse_body(3), "text/event-stream"),
    ):
        exporter = InMemorySpanExporter()
        tracer_provider = TracerProvider()
        tracer_provider.add_span_processor(SimpleSpanProcessor(exporter))
        floor_reader, ours_reader = InMemoryMetricReader(), InMemoryMetricReader()
        client = mock_client(body, content_type)
        floor_meters = MeterProvider(metric_readers=[floor_reader])
        floor_providers = Providers(tracer_provider, floor_meters, LoggerProvider())
        floor = Floor(floor_providers, client)
        create = sdk_create(client)
        (floor.stream if kwargs.get("stream") else floor.call)(create, kwargs, ignore)
        expected = _recorded(floor_providers, exporter, floor_reader)
        ours_meters = MeterProvider(metric_readers=[ours_reader])
        ours_providers = Providers(tracer_provider, ours_meters, LoggerProvider())
        instrument(ours_providers)
        try:
            (bare_stream if kwargs.get("stream") else bare_call)(create, kwargs, ignore)
        finally:
            uninstrument()
        actual = _recorded(ours_providers, exporter, ours_reader)
        if expected[0] != actual[0]:
            differences.append(f"span attributes: floor {expected[0]} != otel-llm {actual[0]}")
        for name, keys in expected[1].items():
            if actual[1].get(name) != keys:
                ours = actual[1].get(name)
                differences.append(f"{name} attributes: floor {sorted(keys)} != otel-llm {ours}")
    return differences


def reference_records(providers: Providers, count: int) -> Callable[[Opened], None]:
    """``count`` synchronous histogram records in a row, with the duration metric's attributes.

    The SDK's unit of cost, recorded the way otel-llm records ``time_per_output_chunk`` at a stream's end.
    """
    histogram = providers.meter_provider.get_meter("benchmark.reference").create_histogram(
        M.GEN_AI_CLIENT_OPERATION_DURATION, unit="s", explicit_bucket_boundaries_advisory=DURATION_BUCKETS
    )
    attributes = {
        A.GEN_AI_OPERATION_NAME: "chat",
        A.GEN_AI_PROVIDER_NAME: "openai",
        A.GEN_AI_REQUEST_MODEL: MODEL,
        A.SERVER_ADDRESS: "api.openai.com",
        A.SERVER_PORT: 443,
        A.GEN_AI_RESPONSE_MODEL: RESPONSE_MODEL,
        A.OPENAI_RESPONSE_SERVICE_TIER: "default",
        A.OPENAI_RESPONSE_SYSTEM_FINGERPRINT: "fp_bench01",
    }

    def record(opened: Opened) -> None:
        for _ in range(count):
            histogram.record(0.5, attributes)

    return record

"""The one place that maps a finished invocation onto the names of the chosen GenAI conventions.

``OTEL_SEMCONV_STABILITY_OPT_IN`` (read once into :class:`otel_llm.config.SemconvMode`) picks the
v1.41-era names, the latest experimental ones, or both (docs/semconv-modes.md). The choice is made here
at instrument time; per call the default mode pays one boolean test over the names it always recorded.
"""

from __future__ import annotations

from itertools import pairwise
from typing import TYPE_CHECKING, Any

from opentelemetry.metrics import Counter, Histogram, Meter

from otel_llm.config import ChunkMetric, SemconvMode, Settings
from otel_llm.semconv import attributes as A
from otel_llm.semconv import latest as L
from otel_llm.telemetry.instruments import GenAIInstruments

if TYPE_CHECKING:
    from otel_llm.telemetry.invocation import Invocation

# The operations the latest conventions call inference (the `gen_ai.client.inference` span); the others
# (embeddings, ...) keep `gen_ai.client.operation.duration`, the only duration metric they have.
INFERENCE_OPERATIONS = frozenset(
    {
        A.GenAiOperationNameValues.CHAT,
        A.GenAiOperationNameValues.TEXT_COMPLETION,
        A.GenAiOperationNameValues.GENERATE_CONTENT,
    }
)


def cache_write_keys(mode: SemconvMode) -> tuple[str, ...]:
    """The span attribute keys of the tokens written to a provider's prompt cache."""
    keys: tuple[str, ...] = ()
    if mode.emits_default:
        keys += (A.GEN_AI_USAGE_CACHE_CREATION_INPUT_TOKENS,)
    if mode.emits_latest:
        keys += (L.GEN_AI_USAGE_CACHE_WRITE_INPUT_TOKENS,)
    return keys


def _instrument(meter: Meter, metric: str) -> Any:
    """The instrument of ``gen_ai.client.inference.<metric>`` (``otel_llm.semconv.latest``), with its unit,
    brief and buckets."""
    constant = f"GEN_AI_CLIENT_INFERENCE_{metric}"
    name, unit, brief = (getattr(L, constant + suffix) for suffix in ("", "_UNIT", "_BRIEF"))
    if getattr(L, f"{constant}_INSTRUMENT") == "counter":
        return meter.create_counter(name, unit=unit, description=brief)
    return meter.create_histogram(
        name,
        unit=unit,
        description=brief,
        explicit_bucket_boundaries_advisory=getattr(L, f"{constant}_BUCKETS"),
    )


class LatestInstruments:
    """The inference metrics of the latest experimental conventions."""

    def __init__(self, meter: Meter) -> None:
        self.duration: Histogram = _instrument(meter, "DURATION")
        self.time_to_first_chunk: Histogram = _instrument(meter, "TIME_TO_FIRST_CHUNK")
        self.time_per_output_chunk: Histogram = _instrument(meter, "TIME_PER_OUTPUT_CHUNK")
        self.input_tokens: Counter = _instrument(meter, "USAGE_INPUT_TOKENS")
        self.output_tokens: Counter = _instrument(meter, "USAGE_OUTPUT_TOKENS")
        self.cache_read_tokens: Counter = _instrument(meter, "USAGE_CACHE_READ_INPUT_TOKENS")
        self.cache_write_tokens: Counter = _instrument(meter, "USAGE_CACHE_WRITE_INPUT_TOKENS")
        self.reasoning_tokens: Counter = _instrument(meter, "USAGE_REASONING_OUTPUT_TOKENS")
        self.operation_input_tokens: Histogram = _instrument(meter, "OPERATION_INPUT_TOKENS")
        self.operation_output_tokens: Histogram = _instrument(meter, "OPERATION_OUTPUT_TOKENS")

    def record_usage(self, invocation: Invocation, attributes: dict[str, Any]) -> None:
        if invocation.input_tokens is not None:
            self.input_tokens.add(invocation.input_tokens, attributes)
            self.operation_input_tokens.record(invocation.input_tokens, attributes)
        if invocation.output_tokens is not None:
            self.output_tokens.add(invocation.output_tokens, attributes)
            self.operation_output_tokens.record(invocation.output_tokens, attributes)
        if invocation.cache_read_tokens is not None:
            self.cache_read_tokens.add(invocation.cache_read_tokens, attributes)
        if invocation.cache_creation_tokens is not None:
            self.cache_write_tokens.add(invocation.cache_creation_tokens, attributes)
        if invocation.reasoning_tokens is not None:
            self.reasoning_tokens.add(invocation.reasoning_tokens, attributes)


class ConventionMetrics:
    """Records a finished operation's duration, token usage, cost and chunk timings under the mode's names."""

    def __init__(self, meter: Meter, settings: Settings, instruments: GenAIInstruments) -> None:
        mode = settings.semconv_mode
        self.default = instruments
        self.emits_default = mode.emits_default
        self.latest = LatestInstruments(meter) if mode.emits_latest else None
        self.each_chunk = settings.chunk_metric is ChunkMetric.EACH

    def record(
        self, invocation: Invocation, duration: float, attributes: dict[str, Any], base: dict[str, Any]
    ) -> None:
        """``attributes``: the metric attributes (with ``error.type`` on failure); ``base``: those the
        time-to-chunk metrics carry."""
        default, latest = self.default, self.latest
        if latest is not None and attributes.get(A.GEN_AI_OPERATION_NAME) not in INFERENCE_OPERATIONS:
            latest = None
        if self.emits_default or latest is None:
            default.duration.record(duration, attributes)
        if latest is not None:
            latest.duration.record(duration, attributes)
        if A.ERROR_TYPE in attributes:  # only the duration carries error.type
            attributes = {k: v for k, v in attributes.items() if k != A.ERROR_TYPE}
        elif invocation.extra_attributes.get(A.OTEL_LLM_USAGE_COST_USD) is not None:
            default.cost.add(invocation.extra_attributes[A.OTEL_LLM_USAGE_COST_USD], attributes)
        if self.emits_default:
            if invocation.input_tokens is not None:
                default.token_usage.record(
                    invocation.input_tokens, {**attributes, A.GEN_AI_TOKEN_TYPE: A.GenAiTokenTypeValues.INPUT}
                )
            if invocation.output_tokens is not None:
                default.token_usage.record(
                    invocation.output_tokens,
                    {**attributes, A.GEN_AI_TOKEN_TYPE: A.GenAiTokenTypeValues.OUTPUT},
                )
        if latest is not None:
            latest.record_usage(invocation, attributes)
        times = invocation.chunk_times
        if invocation.stream and times:
            if self.emits_default:
                self._chunks(default.time_to_first_chunk, default.time_per_output_chunk, invocation, base)
            if latest is not None:
                self._chunks(latest.time_to_first_chunk, latest.time_per_output_chunk, invocation, base)

    def _chunks(
        self, first: Histogram, each: Histogram, invocation: Invocation, base: dict[str, Any]
    ) -> None:
        times = invocation.chunk_times
        first.record(times[0] - invocation.start_time, base)
        if self.each_chunk:
            record = each.record
            for previous, current in pairwise(times):
                record(current - previous, base)

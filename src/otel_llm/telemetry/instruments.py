"""The GenAI client metrics, with the bucket boundaries the conventions advise, and the cost counter."""

from __future__ import annotations

import threading
from collections.abc import Iterable

from opentelemetry.metrics import CallbackOptions, Histogram, Meter, Observation

from otel_llm.semconv import metrics as M


class CostCounter:
    """``otel_llm.client.operation.cost``: an asynchronous counter of USD per attribute set.

    Adding to a dict costs far less than a synchronous instrument's per-call attribute processing;
    the SDK reads the running totals at collection time.
    """

    def __init__(self, meter: Meter) -> None:
        self._totals: dict[frozenset, float] = {}
        self._lock = threading.Lock()
        meter.create_observable_counter(
            M.OTEL_LLM_CLIENT_OPERATION_COST,
            callbacks=[self._observe],
            unit=M.OTEL_LLM_CLIENT_OPERATION_COST_UNIT,
            description=M.OTEL_LLM_CLIENT_OPERATION_COST_BRIEF,
        )

    def add(self, amount: float, attributes: dict) -> None:
        key = frozenset(attributes.items())
        with self._lock:
            self._totals[key] = self._totals.get(key, 0.0) + amount

    def _observe(self, _options: CallbackOptions) -> Iterable[Observation]:
        with self._lock:
            totals = list(self._totals.items())
        return [Observation(total, dict(key)) for key, total in totals]


_cost_counters: dict[Meter, CostCounter] = {}
_cost_counters_lock = threading.Lock()


def cost_counter(meter: Meter) -> CostCounter:
    """One counter per meter: a second registration of an asynchronous instrument would drop its callback."""
    with _cost_counters_lock:
        counter = _cost_counters.get(meter)
        if counter is None:
            counter = _cost_counters[meter] = CostCounter(meter)
        return counter


class GenAIInstruments:
    def __init__(self, meter: Meter) -> None:
        self.duration = meter.create_histogram(
            M.GEN_AI_CLIENT_OPERATION_DURATION,
            unit=M.GEN_AI_CLIENT_OPERATION_DURATION_UNIT,
            description=M.GEN_AI_CLIENT_OPERATION_DURATION_BRIEF,
            explicit_bucket_boundaries_advisory=M.GEN_AI_CLIENT_OPERATION_DURATION_BUCKETS,
        )
        self.token_usage = meter.create_histogram(
            M.GEN_AI_CLIENT_TOKEN_USAGE,
            unit=M.GEN_AI_CLIENT_TOKEN_USAGE_UNIT,
            description=M.GEN_AI_CLIENT_TOKEN_USAGE_BRIEF,
            explicit_bucket_boundaries_advisory=M.GEN_AI_CLIENT_TOKEN_USAGE_BUCKETS,
        )
        self.time_to_first_chunk = meter.create_histogram(
            M.GEN_AI_CLIENT_OPERATION_TIME_TO_FIRST_CHUNK,
            unit=M.GEN_AI_CLIENT_OPERATION_TIME_TO_FIRST_CHUNK_UNIT,
            description=M.GEN_AI_CLIENT_OPERATION_TIME_TO_FIRST_CHUNK_BRIEF,
            explicit_bucket_boundaries_advisory=M.GEN_AI_CLIENT_OPERATION_TIME_TO_FIRST_CHUNK_BUCKETS,
        )
        self.time_per_output_chunk = meter.create_histogram(
            M.GEN_AI_CLIENT_OPERATION_TIME_PER_OUTPUT_CHUNK,
            unit=M.GEN_AI_CLIENT_OPERATION_TIME_PER_OUTPUT_CHUNK_UNIT,
            description=M.GEN_AI_CLIENT_OPERATION_TIME_PER_OUTPUT_CHUNK_BRIEF,
            explicit_bucket_boundaries_advisory=M.GEN_AI_CLIENT_OPERATION_TIME_PER_OUTPUT_CHUNK_BUCKETS,
        )
        self.cost = cost_counter(meter)
        # framework operations (otel_llm.telemetry.operations)
        self.agent_duration = _histogram(meter, "GEN_AI_INVOKE_AGENT_DURATION")
        self.workflow_duration = _histogram(meter, "GEN_AI_WORKFLOW_DURATION")
        self.tool_duration = _histogram(meter, "GEN_AI_EXECUTE_TOOL_DURATION")


def _histogram(meter: Meter, constant: str) -> Histogram:
    """The histogram of metric ``constant`` of ``otel_llm.semconv.metrics``, with its unit, brief, buckets."""
    return meter.create_histogram(
        getattr(M, constant),
        unit=getattr(M, f"{constant}_UNIT"),
        description=getattr(M, f"{constant}_BRIEF"),
        explicit_bucket_boundaries_advisory=getattr(M, f"{constant}_BUCKETS"),
    )

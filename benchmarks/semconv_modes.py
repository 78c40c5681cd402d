"""Cost of one recorded inference (start -> usage -> end) in each OTEL_SEMCONV_STABILITY_OPT_IN mode.

    .venv/bin/python benchmarks/semconv_modes.py [--calls N] [--rounds R]

Real SDK providers with no exporters (spans end into a no-op processor list, metrics aggregate in memory):
what differs between the modes is the number of metric measurements per call.
"""

from __future__ import annotations

import argparse
import statistics
import time

from opentelemetry.sdk.metrics import MeterProvider
from opentelemetry.sdk.metrics.export import InMemoryMetricReader
from opentelemetry.sdk.trace import TracerProvider

from otel_llm.config import SemconvMode, load_settings
from otel_llm.telemetry.invocation import GenAITelemetry


def per_call_us(mode: SemconvMode, calls: int) -> float:
    telemetry = GenAITelemetry(
        load_settings({}, semconv_mode=mode.value),
        tracer_provider=TracerProvider(),
        meter_provider=MeterProvider(metric_readers=[InMemoryMetricReader()]),
    )
    start = time.perf_counter()
    for _ in range(calls):
        invocation = telemetry.start("chat", "openai", "gpt-4o-mini", "api.openai.com", 443)
        invocation.response_model = "gpt-4o-mini-2024-07-18"
        invocation.input_tokens, invocation.output_tokens, invocation.cache_read_tokens = 120, 40, 64
        invocation.end()
    return (time.perf_counter() - start) / calls * 1e6


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=5000)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    results: dict[SemconvMode, list[float]] = {mode: [] for mode in SemconvMode}
    for _ in range(args.rounds):  # interleaved, so drift hits every mode alike
        for mode in SemconvMode:
            results[mode].append(per_call_us(mode, args.calls))
    for mode, values in results.items():
        print(f"{mode.value:32} median {statistics.median(values):7.2f} µs/call  (min {min(values):.2f})")


if __name__ == "__main__":
    main()

"""The signals of guardrail checks (otel-llm's own and the agent SDKs'): tracer, event logger and metrics.

Kept outside ``otel_llm.guardrails`` so that recording an agent SDK's guardrail does not load our detectors.
"""

from __future__ import annotations

from opentelemetry import _logs, metrics, trace
from opentelemetry.metrics import Counter, Histogram

from otel_llm import __version__
from otel_llm.semconv import metrics as M

SCOPE = "otel_llm.guardrails"


def guardrail_signals(
    tracer_provider: trace.TracerProvider | None = None,
    meter_provider: metrics.MeterProvider | None = None,
    logger_provider: _logs.LoggerProvider | None = None,
) -> tuple[trace.Tracer, _logs.Logger, Counter, Histogram]:
    """The tracer, event logger, check counter and duration histogram of guardrail checks (ours and the
    agent SDKs' own guardrails alike)."""
    meter = metrics.get_meter(SCOPE, __version__, meter_provider)
    checks = meter.create_counter(
        M.OTEL_LLM_GUARDRAIL_CHECKS,
        unit=M.OTEL_LLM_GUARDRAIL_CHECKS_UNIT,
        description=M.OTEL_LLM_GUARDRAIL_CHECKS_BRIEF,
    )
    duration = meter.create_histogram(
        M.OTEL_LLM_GUARDRAIL_CHECK_DURATION,
        unit=M.OTEL_LLM_GUARDRAIL_CHECK_DURATION_UNIT,
        description=M.OTEL_LLM_GUARDRAIL_CHECK_DURATION_BRIEF,
        explicit_bucket_boundaries_advisory=M.OTEL_LLM_GUARDRAIL_CHECK_DURATION_BUCKETS,
    )
    tracer = trace.get_tracer(SCOPE, __version__, tracer_provider)
    return tracer, _logs.get_logger(SCOPE, __version__, logger_provider=logger_provider), checks, duration

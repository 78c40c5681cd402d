"""The signals of guardrail checks (otel-llm's own and the agent SDKs'): tracer, event logger and metrics.

Kept outside ``otel_llm.guardrails`` so that recording an agent SDK's guardrail does not load our detectors.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from opentelemetry import _logs, trace
from opentelemetry.metrics import Counter, Histogram

from otel_llm.semconv import metrics as M

if TYPE_CHECKING:
    from otel_llm.telemetry.invocation import GenAITelemetry

SCOPE = "otel_llm.guardrails"


def guardrail_signals(config: GenAITelemetry) -> tuple[trace.Tracer, _logs.Logger, Counter, Histogram]:
    """The tracer, event logger, check counter and duration histogram of guardrail checks (ours and the
    agent SDKs' own guardrails alike), from the one telemetry configuration."""
    meter = config.get_meter(SCOPE)
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
    return config.get_tracer(SCOPE), config.get_logger(SCOPE), checks, duration

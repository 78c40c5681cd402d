"""The telemetry names each ``OTEL_SEMCONV_STABILITY_OPT_IN`` mode emits, for the provider tests.

Expected telemetry (``expected.json``) is written in the default (v1.41-era) names; these helpers turn it
into what the mode a test runs in must emit, with every name spelled out, so a test run with
``OTEL_SEMCONV_STABILITY_OPT_IN=gen_ai_latest_experimental`` (or ``.../dup``) checks the new names exactly.
"""

from __future__ import annotations

import os
from typing import Any

from otel_llm.config import SEMCONV_OPT_IN_ENV, SemconvMode, parse_semconv_mode
from otel_llm.semconv import attributes as A

# Spelled out, not taken from otel_llm.semconv.latest, so a wrong generated constant fails the tests.
CACHE_WRITE = "gen_ai.usage.cache_write.input_tokens"
INFERENCE_OPERATIONS = ("chat", "text_completion", "generate_content")


def current_mode() -> SemconvMode:
    """The mode the instrumentation reads from the environment (tests set it with ``monkeypatch``)."""
    return parse_semconv_mode(os.environ.get(SEMCONV_OPT_IN_ENV))


def mode_attributes(attributes: dict[str, Any], mode: SemconvMode) -> dict[str, Any]:
    """Span (and event) attributes written in the default names, as ``mode`` emits them."""
    if A.GEN_AI_USAGE_CACHE_CREATION_INPUT_TOKENS not in attributes:
        return attributes
    value = attributes[A.GEN_AI_USAGE_CACHE_CREATION_INPUT_TOKENS]
    result = dict(attributes)
    if not mode.emits_default:
        del result[A.GEN_AI_USAGE_CACHE_CREATION_INPUT_TOKENS]
    if mode.emits_latest:
        result[CACHE_WRITE] = value
    return result


def duration_metrics(mode: SemconvMode, operation: str) -> list[str]:
    inference = mode.emits_latest and operation in INFERENCE_OPERATIONS
    names = ["gen_ai.client.operation.duration"] if mode.emits_default or not inference else []
    return names + (["gen_ai.client.inference.duration"] if inference else [])


def chunk_metrics(mode: SemconvMode, operation: str) -> list[tuple[str, str]]:
    """(time to first chunk, time per output chunk) metric names."""
    names = []
    if mode.emits_default:
        names.append(
            ("gen_ai.client.operation.time_to_first_chunk", "gen_ai.client.operation.time_per_output_chunk")
        )
    if mode.emits_latest and operation in INFERENCE_OPERATIONS:
        names.append(
            ("gen_ai.client.inference.time_to_first_chunk", "gen_ai.client.inference.time_per_output_chunk")
        )
    return names


# latest-mode token metrics of an inference: (metric, instrument, span attribute as the mode emits it)
LATEST_TOKEN_METRICS = (
    ("gen_ai.client.inference.usage.input_tokens", "counter", A.GEN_AI_USAGE_INPUT_TOKENS),
    ("gen_ai.client.inference.usage.output_tokens", "counter", A.GEN_AI_USAGE_OUTPUT_TOKENS),
    (
        "gen_ai.client.inference.usage.cache_read.input_tokens",
        "counter",
        A.GEN_AI_USAGE_CACHE_READ_INPUT_TOKENS,
    ),
    (
        "gen_ai.client.inference.usage.cache_write.input_tokens",
        "counter",
        CACHE_WRITE,
    ),
    (
        "gen_ai.client.inference.usage.reasoning.output_tokens",
        "counter",
        A.GEN_AI_USAGE_REASONING_OUTPUT_TOKENS,
    ),
    ("gen_ai.client.inference.operation.input_tokens", "histogram", A.GEN_AI_USAGE_INPUT_TOKENS),
    ("gen_ai.client.inference.operation.output_tokens", "histogram", A.GEN_AI_USAGE_OUTPUT_TOKENS),
)


def expected_metric_names(mode: SemconvMode, calls: list[dict[str, Any]]) -> set[str]:
    """Every ``gen_ai.*`` metric name the calls (expected span attributes, through ``mode_attributes``)
    record in ``mode``, but the time per output chunk (which needs two chunks)."""
    names: set[str] = set()
    for attributes in calls:
        operation = attributes[A.GEN_AI_OPERATION_NAME]
        names.update(duration_metrics(mode, operation))
        if mode.emits_default and (
            A.GEN_AI_USAGE_INPUT_TOKENS in attributes or A.GEN_AI_USAGE_OUTPUT_TOKENS in attributes
        ):
            names.add("gen_ai.client.token.usage")
        if mode.emits_latest and operation in INFERENCE_OPERATIONS:
            names.update(name for name, _, key in LATEST_TOKEN_METRICS if key in attributes)
        if attributes.get(A.GEN_AI_REQUEST_STREAM):
            for first, _ in chunk_metrics(mode, operation):
                names.add(first)
    return names


# test id -> OTEL_SEMCONV_STABILITY_OPT_IN value (other domains' values in the list are ignored)
OPT_IN_VALUES = {
    "default": "",
    "latest": "gen_ai_latest_experimental",
    "dup": "http,gen_ai_latest_experimental/dup",
}

"""The telemetry names each ``OTEL_SEMCONV_STABILITY_OPT_IN`` mode emits, for provider and framework tests.

Expected telemetry (``expected.json``) is written in the default (v1.41-era) names; these helpers turn it
into what the mode a test runs in must emit. Every name comes from ``DIFFERING``, the table of
docs/semconv-modes.md ("Every name that differs") spelled out, not from ``otel_llm.semconv`` (so a wrong
generated constant fails the tests); ``tests/semconv/test_semconv_modes_doc.py`` checks it row by row
against the documented table.

Tests run in every mode with ``@ALL_SEMCONV_MODES`` (``tests/conftest.py`` parametrises the ``semconv``
fixture: ids ``default``, ``latest``, ``dup``); the others run in the mode the run's environment sets.
"""

from __future__ import annotations

import os
from typing import Any

import pytest

from otel_llm.config import SEMCONV_OPT_IN_ENV, SemconvMode, parse_semconv_mode
from otel_llm.semconv import attributes as A

# what -> (default name, latest name); None: the mode has no such name. The rows of docs/semconv-modes.md.
DIFFERING: dict[str, tuple[str | None, str | None]] = {
    "cache_write_attribute": (
        "gen_ai.usage.cache_creation.input_tokens",
        "gen_ai.usage.cache_write.input_tokens",
    ),
    "inference_span_type": ("gen_ai.inference.client", "gen_ai.client.inference"),
    "inference_duration": ("gen_ai.client.operation.duration", "gen_ai.client.inference.duration"),
    "time_to_first_chunk": (
        "gen_ai.client.operation.time_to_first_chunk",
        "gen_ai.client.inference.time_to_first_chunk",
    ),
    "time_per_output_chunk": (
        "gen_ai.client.operation.time_per_output_chunk",
        "gen_ai.client.inference.time_per_output_chunk",
    ),
    "token_usage": ("gen_ai.client.token.usage", None),
    "input_tokens": (None, "gen_ai.client.inference.usage.input_tokens"),
    "output_tokens": (None, "gen_ai.client.inference.usage.output_tokens"),
    "cache_read_tokens": (None, "gen_ai.client.inference.usage.cache_read.input_tokens"),
    "cache_write_tokens": (None, "gen_ai.client.inference.usage.cache_write.input_tokens"),
    "reasoning_tokens": (None, "gen_ai.client.inference.usage.reasoning.output_tokens"),
    "operation_input_tokens": (None, "gen_ai.client.inference.operation.input_tokens"),
    "operation_output_tokens": (None, "gen_ai.client.inference.operation.output_tokens"),
    "token_type_attribute": ("gen_ai.token.type", None),
}
# The same in every mode (the table's "duration of other operations" row).
OPERATION_DURATION = "gen_ai.client.operation.duration"
INFERENCE_OPERATIONS = ("chat", "text_completion", "generate_content")


def default_name(what: str) -> str:
    name = DIFFERING[what][0]
    assert name is not None, what
    return name


def latest_name(what: str) -> str:
    name = DIFFERING[what][1]
    assert name is not None, what
    return name


CACHE_CREATION = default_name("cache_write_attribute")
CACHE_WRITE = latest_name("cache_write_attribute")
TOKEN_USAGE = default_name("token_usage")
TOKEN_TYPE = default_name("token_type_attribute")

# test id -> OTEL_SEMCONV_STABILITY_OPT_IN value (other domains' values in the list are ignored)
OPT_IN_VALUES = {
    "default": "",
    "latest": "gen_ai_latest_experimental",
    "dup": "http,gen_ai_latest_experimental/dup",
}
# Runs a test once in each mode (the ``semconv`` fixture of tests/conftest.py sets the variable).
ALL_SEMCONV_MODES = pytest.mark.usefixtures("semconv")


def current_mode() -> SemconvMode:
    """The mode the instrumentation reads from the environment (tests set it with ``monkeypatch``)."""
    return parse_semconv_mode(os.environ.get(SEMCONV_OPT_IN_ENV))


def mode_attributes(attributes: dict[str, Any], mode: SemconvMode) -> dict[str, Any]:
    """Span (and event) attributes written in the default names, as ``mode`` emits them."""
    if CACHE_CREATION not in attributes:
        return attributes
    value = attributes[CACHE_CREATION]
    result = dict(attributes)
    if not mode.emits_default:
        del result[CACHE_CREATION]
    if mode.emits_latest:
        result[CACHE_WRITE] = value
    return result


def duration_metrics(mode: SemconvMode, operation: str) -> list[str]:
    inference = mode.emits_latest and operation in INFERENCE_OPERATIONS
    names = [OPERATION_DURATION] if mode.emits_default or not inference else []
    return names + ([latest_name("inference_duration")] if inference else [])


def chunk_metrics(mode: SemconvMode, operation: str) -> list[tuple[str, str]]:
    """(time to first chunk, time per output chunk) metric names."""
    names = []
    if mode.emits_default:
        names.append((default_name("time_to_first_chunk"), default_name("time_per_output_chunk")))
    if mode.emits_latest and operation in INFERENCE_OPERATIONS:
        names.append((latest_name("time_to_first_chunk"), latest_name("time_per_output_chunk")))
    return names


# latest-mode token metrics of an inference: (metric, instrument, span attribute as the mode emits it)
LATEST_TOKEN_METRICS = (
    (latest_name("input_tokens"), "counter", A.GEN_AI_USAGE_INPUT_TOKENS),
    (latest_name("output_tokens"), "counter", A.GEN_AI_USAGE_OUTPUT_TOKENS),
    (latest_name("cache_read_tokens"), "counter", A.GEN_AI_USAGE_CACHE_READ_INPUT_TOKENS),
    (latest_name("cache_write_tokens"), "counter", CACHE_WRITE),
    (latest_name("reasoning_tokens"), "counter", A.GEN_AI_USAGE_REASONING_OUTPUT_TOKENS),
    (latest_name("operation_input_tokens"), "histogram", A.GEN_AI_USAGE_INPUT_TOKENS),
    (latest_name("operation_output_tokens"), "histogram", A.GEN_AI_USAGE_OUTPUT_TOKENS),
)


def expected_metric_names(mode: SemconvMode, calls: list[dict[str, Any]]) -> set[str]:
    """Every ``gen_ai.client.*`` metric name the calls (expected span attributes, through
    ``mode_attributes``) record in ``mode``, but the time per output chunk (which needs two chunks)."""
    names: set[str] = set()
    for attributes in calls:
        operation = attributes[A.GEN_AI_OPERATION_NAME]
        names.update(duration_metrics(mode, operation))
        if mode.emits_default and (
            A.GEN_AI_USAGE_INPUT_TOKENS in attributes or A.GEN_AI_USAGE_OUTPUT_TOKENS in attributes
        ):
            names.add(TOKEN_USAGE)
        if mode.emits_latest and operation in INFERENCE_OPERATIONS:
            names.update(name for name, _, key in LATEST_TOKEN_METRICS if key in attributes)
        if attributes.get(A.GEN_AI_REQUEST_STREAM):
            for first, _ in chunk_metrics(mode, operation):
                names.add(first)
    return names


def _total(points: list[Any], **attributes: Any) -> float:
    return sum(
        point.sum if hasattr(point, "sum") else point.value
        for point in points
        if all(point.attributes.get(key) == value for key, value in attributes.items())
    )


def assert_model_call_metrics(points: dict[str, list], spans: list[Any], tokens: tuple[int, int]) -> None:
    """The model calls (CLIENT spans) of a framework run recorded exactly the ``gen_ai.client.*`` metrics
    of the current mode, one duration per call, and ``tokens`` (input, output) of the inferences in total
    under each token metric's name."""
    mode = current_mode()
    model_calls = (*INFERENCE_OPERATIONS, "embeddings")
    calls = [
        dict(span.attributes)
        for span in spans
        if span.kind.name == "CLIENT" and span.attributes.get(A.GEN_AI_OPERATION_NAME) in model_calls
    ]
    assert calls
    recorded = {name for name, found in points.items() if found and name.startswith("gen_ai.client.")}
    each_chunk = {each for call in calls for _, each in chunk_metrics(mode, call[A.GEN_AI_OPERATION_NAME])}
    assert recorded - each_chunk == expected_metric_names(mode, calls)
    for operation in {call[A.GEN_AI_OPERATION_NAME] for call in calls}:
        count = sum(call[A.GEN_AI_OPERATION_NAME] == operation for call in calls)
        for name in duration_metrics(mode, operation):
            of_operation = [p for p in points[name] if p.attributes[A.GEN_AI_OPERATION_NAME] == operation]
            assert sum(point.count for point in of_operation) == count, name
    tokens_in, tokens_out = tokens
    if mode.emits_default:
        for token_type, total in (("input", tokens_in), ("output", tokens_out)):
            of_type = {TOKEN_TYPE: token_type}
            assert total == sum(
                _total(points.get(TOKEN_USAGE, []), **of_type, **{A.GEN_AI_OPERATION_NAME: operation})
                for operation in INFERENCE_OPERATIONS
            ), token_type
    if mode.emits_latest:
        for what, total in (
            ("input_tokens", tokens_in),
            ("operation_input_tokens", tokens_in),
            ("output_tokens", tokens_out),
            ("operation_output_tokens", tokens_out),
        ):
            assert _total(points.get(latest_name(what), [])) == total, what


def usage_totals(usages: list[dict[str, Any]]) -> tuple[int, int]:
    """(input, output) tokens of OpenAI ``usage`` objects, as a fake server or a recording reported them."""
    return sum(u["prompt_tokens"] for u in usages), sum(u["completion_tokens"] for u in usages)

"""The fault matrix: every provider API, sync, async and streamed, against every injected fault.

The app's outcome with otel-llm (its result, every chunk of a stream, or its exception's type and text)
must equal the bare SDK's, and exactly one GenAI span of ours must end, failed with the exception's type
when the app got one. Each fault runs under one of four variants, in turn: content capture on or off,
with or without a guardrail policy, so that every API and mode meets all four.
"""

from __future__ import annotations

import gc
import inspect
from typing import Any

import pytest

from otel_llm import guardrails
from otel_llm.config import load_settings
from otel_llm.guardrails import Policy, Rule
from otel_llm.guardrails.detectors.pii import PIIDetector
from otel_llm.guardrails.detectors.secrets import SecretsDetector
from otel_llm.semconv import attributes as A
from otel_llm.telemetry.invocation import GenAITelemetry
from otel_llm.testing.pytest_plugin import RECORDER

from .fault_server import FAULTS, FaultServer
from .provider_calls import APIS

VARIANTS = [("no_content", False), ("span_and_event", False), ("no_content", True), ("span_and_event", True)]
CASES = [
    pytest.param(api, mode, fault, VARIANTS[index % len(VARIANTS)], id=f"{api}-{mode}-{fault.name}")
    for api, (_, calls) in APIS.items()
    for mode in calls
    for index, fault in enumerate(FAULTS)
    if "stream" in mode or not fault.streaming_only
]


@pytest.fixture(scope="module")
def telemetry(_global_providers):
    """One telemetry per capture mode, built once (instrumenting reads settings and prices otherwise)."""
    return {mode: GenAITelemetry(load_settings(capture_mode=mode)) for mode, _ in VARIANTS}


@pytest.fixture(scope="module")
def policy():
    return Policy(
        "faults",
        [Rule("pii", PIIDetector(), "redact", "both"), Rule("keys", SecretsDetector(), "redact", "both")],
    )


@pytest.fixture(scope="module")
def fault_server():
    with FaultServer() as server:
        yield server


async def outcome(call: Any, url: str) -> tuple[Any, ...]:
    try:
        result = call(url)
        if inspect.isawaitable(result):
            result = await result
    except Exception as error:
        return ("error", type(error).__module__, type(error).__qualname__, str(error))
    return ("ok", result)


def our_spans(otel: Any) -> list[Any]:
    return [
        span
        for span in otel.spans()
        if span.instrumentation_scope.name == "otel_llm"
        and span.attributes.get(A.GEN_AI_OPERATION_NAME) != "apply_guardrail"
    ]


@pytest.mark.parametrize(("api", "mode", "fault", "variant"), CASES)
async def test_fault(otel, fault_server, telemetry, policy, api, mode, fault, variant):
    instrumentor_class, calls = APIS[api]
    call = calls[mode]
    fault_server.fault = fault
    bare = await outcome(call, fault_server.base_url)
    RECORDER.clear()  # SDKs that trace themselves (Anthropic) did so in the bare run: only ours is checked
    otel.reset()
    capture_mode, with_policy = variant
    instrumentor = instrumentor_class()
    instrumentor.instrument(telemetry=telemetry[capture_mode])
    if with_policy:
        guardrails.install(
            Policy(
                "faults",
                [
                    Rule("pii", PIIDetector(), "redact", "both"),
                    Rule("keys", SecretsDetector(), "redact", "both"),
                ],
            )
        )
    try:
        instrumented = await outcome(call, fault_server.base_url)
    finally:
        guardrails.uninstall()
        instrumentor.uninstrument()
    assert instrumented == bare
    spans = our_spans(otel)
    if not spans:
        gc.collect()  # a stream the SDK dropped unread ends its span when collected
        spans = our_spans(otel)
    assert len(spans) == 1, [s.name for s in spans]
    if bare[0] == "error":
        assert spans[0].status.status_code.name == "ERROR"
        assert spans[0].attributes[A.ERROR_TYPE] == bare[2]

"""The pytest plugin fails exactly the tests whose telemetry breaks the registry.

Runs a separate pytest session over a small test module, with the project's real
``tests/conftest.py`` (which registers the plugin and attaches its recorder).
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

from opentelemetry.trace import SpanKind

from otel_llm.semconv import attributes as attr
from otel_llm.testing.pytest_plugin import RECORDER

CONFTEST = Path(__file__).resolve().parents[1] / "conftest.py"

INNER_TESTS = """
import pytest
from opentelemetry import metrics, trace
from opentelemetry.trace import SpanKind

GOOD = {"gen_ai.operation.name": "chat", "gen_ai.provider.name": "openai", "gen_ai.request.model": "m"}


def chat(name, **extra):
    trace.get_tracer("t").start_span(name, kind=SpanKind.CLIENT, attributes={**GOOD, **extra}).end()


def test_good(otel):
    chat("chat m")
    assert len(otel.spans()) == 1


def test_bad_span_name(otel):
    chat("chat")


def test_bad_attribute_after_reset(otel):
    chat("chat m", **{"gen_ai.request.temperature": "hot"})
    otel.reset()  # the plugin reads through its own recorder, not the test's exporters


def test_bad_metric_after_test_drained_reader(otel):
    metrics.get_meter("t").create_histogram("gen_ai.client.operation.duration", unit="ms").record(
        1.0, {"gen_ai.operation.name": "chat", "gen_ai.provider.name": "openai"}
    )
    assert "gen_ai.client.operation.duration" in otel.metric_points()


@pytest.mark.no_conformance
def test_opted_out(otel):
    chat("wrong name")


def test_without_otel_fixture_is_not_checked():
    chat("wrong name")


def test_already_failing_test_keeps_its_own_failure(otel):
    chat("wrong name")
    assert 1 == 2
"""


def test_plugin_fails_only_the_offending_tests(tmp_path):
    shutil.copy(CONFTEST, tmp_path / "conftest.py")
    (tmp_path / "test_inner.py").write_text(INNER_TESTS, encoding="utf-8")
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", str(tmp_path)],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        timeout=120,
    )
    out = result.stdout
    assert result.returncode == 1, out
    assert "4 failed, 3 passed" in out, out
    failures = _failure_sections(out)
    assert failures["test_bad_span_name"] == (
        "1 semantic-convention violation(s):\n"
        "  - span 'chat': [span_name] name should be 'chat m' (gen_ai.inference.client)"
    )
    assert failures["test_bad_attribute_after_reset"] == (
        "1 semantic-convention violation(s):\n"
        "  - span 'chat m': [wrong_type] 'gen_ai.request.temperature' must be double, got str 'hot'"
    )
    assert failures["test_bad_metric_after_test_drained_reader"] == (
        "1 semantic-convention violation(s):\n"
        "  - metric 'gen_ai.client.operation.duration': [metric_unit] unit is 'ms', expected 's'"
    )
    assert "E       assert 1 == 2" in failures["test_already_failing_test_keeps_its_own_failure"]
    assert "semantic-convention" not in failures["test_already_failing_test_keeps_its_own_failure"]


def _failure_sections(out: str) -> dict[str, str]:
    """pytest's FAILURES report as test name -> section text."""
    report = out.split("= FAILURES =", 1)[1].split("= short test summary info =", 1)[0]
    sections = re.split(r"^_{3,} (\S+) _{3,}$", report, flags=re.MULTILINE)
    pairs = zip(sections[1::2], sections[2::2], strict=True)
    return {name: body.strip().rstrip("=").strip() for name, body in pairs}


def test_recorder_sees_this_sessions_telemetry(otel):
    """In this very session, the plugin's recorder is attached to the global providers."""
    assert RECORDER.attached
    otel.tracer_provider.get_tracer("t").start_span(
        "chat m",
        kind=SpanKind.CLIENT,
        attributes={
            attr.GEN_AI_OPERATION_NAME: "chat",
            attr.GEN_AI_PROVIDER_NAME: "openai",
            attr.GEN_AI_REQUEST_MODEL: "m",
        },
    ).end()
    otel.reset()
    assert otel.spans() == []
    assert [span.name for span in RECORDER.spans()] == ["chat m"]

"""pytest plugin: checks the telemetry each test captured against the otel-llm registry.

Every test that uses the ``otel`` fixture fails when the spans, log records or metrics it produced
break the semantic conventions (see ``otel_llm.testing.conformance``). The telemetry is read
through ``RECORDER``, which ``tests/conftest.py`` attaches to the global providers, so a test that
drains its own metric reader or resets its exporters is still checked in full.

The registry is that of the semconv mode the test runs in: ``OTEL_SEMCONV_STABILITY_OPT_IN`` as the test
left it (set for the run, or with ``monkeypatch.setenv`` in the test).

Mark tests that emit bad telemetry on purpose with ``@pytest.mark.no_conformance``.
"""

from __future__ import annotations

import os

import pytest

from otel_llm.config import SEMCONV_OPT_IN_ENV, parse_semconv_mode
from otel_llm.testing.conformance import check_telemetry, format_violations
from otel_llm.testing.recorder import TelemetryRecorder

RECORDER = TelemetryRecorder()
FIXTURE = "otel"
MARKER = "no_conformance"


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", f"{MARKER}: do not check this test's telemetry against the registry")


def _checked(item: pytest.Item) -> bool:
    return (
        RECORDER.attached
        and FIXTURE in getattr(item, "fixturenames", ())
        and item.get_closest_marker(MARKER) is None
    )


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item: pytest.Item) -> None:
    """Start each test with an empty recorder (before the first test it is not attached yet)."""
    if RECORDER.attached:
        RECORDER.clear()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item: pytest.Item):
    result = yield  # a test that already failed is reported as it is
    if _checked(item):
        mode = parse_semconv_mode(os.environ.get(SEMCONV_OPT_IN_ENV))  # as the test's instrumentation read it
        violations = check_telemetry(RECORDER.spans(), RECORDER.logs(), [RECORDER.metrics()], mode)
        if violations:
            pytest.fail(format_violations(violations), pytrace=False)
    return result

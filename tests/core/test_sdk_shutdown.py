"""With the collector down, flush, shutdown and process exit return within their bound (issue 18, bug 19).

Each run is a fresh interpreter whose SDK otel-llm configures, exporting to a closed loopback port.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time

import pytest

BOUND = 2.0  # OTEL_LLM_SHUTDOWN_TIMEOUT for these runs
SLACK = 3.0  # thread start-up and scheduling on a loaded machine; the exporters' retries take 30 s and more

APP = """
import sys, time
import otel_llm
from opentelemetry import _logs, metrics, trace

handle = otel_llm.instrument()
with trace.get_tracer("app").start_as_current_span("work"):
    metrics.get_meter("app").create_counter("work.done").add(1)
    _logs.get_logger("app").emit(body="done")
mode = sys.argv[1]
start = time.monotonic()
if mode == "flush":
    handle.flush()
elif mode == "shutdown":
    handle.shutdown()
print(time.monotonic() - start, flush=True)
"""


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _run(mode: str) -> tuple[float, float]:
    """Seconds the handle's call took, and seconds from the app's last line to the process's exit."""
    env = {
        **os.environ,
        "OTEL_EXPORTER_OTLP_ENDPOINT": f"http://127.0.0.1:{_closed_port()}",
        "OTEL_LLM_SHUTDOWN_TIMEOUT": str(BOUND),
        "OTEL_SERVICE_NAME": "collector-down",
    }
    process = subprocess.Popen(
        [sys.executable, "-c", APP, mode],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    try:
        call = float(process.stdout.readline())
        done = time.monotonic()
        process.wait(timeout=60)
        return call, time.monotonic() - done
    finally:
        process.kill()


@pytest.mark.parametrize("mode", ["flush", "shutdown"])
def test_the_handle_returns_within_its_bound(mode) -> None:
    call, exit_after = _run(mode)
    assert call < BOUND + SLACK
    assert exit_after < BOUND + SLACK


def test_exit_without_shutdown_is_bounded_too() -> None:
    _, exit_after = _run("exit")
    assert exit_after < BOUND + SLACK

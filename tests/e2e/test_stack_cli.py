"""``otel-llm stack up | status | down`` as a user runs it, on ephemeral ports and a temp state dir."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from otel_llm.stack import PORT_SPECS, PortPlan, jaeger_trace_url, stack_endpoints

from .helpers import Jaeger, run_workload, workload_env

pytestmark = pytest.mark.e2e


def otel_llm(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "otel_llm.cli.main", "stack", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
    )


def test_stack_up_status_down(binaries: tuple[Path, Path], tmp_path: Path) -> None:
    plan = PortPlan.ephemeral()
    env = {
        **os.environ,
        "OTEL_LLM_STATE_DIR": str(tmp_path),
        "OTEL_LLM_SCRAPE_INTERVAL": "1s",
        **{PORT_SPECS[name].env: str(port) for name, port in plan.ports.items()},
    }
    up = otel_llm(env, "up")
    try:
        assert up.returncode == 0, up.stdout + up.stderr
        assert f"otlp_grpc          {plan.url('otlp_grpc')}" in up.stdout
        status = otel_llm(env, "status")
        assert status.returncode == 0 and status.stdout.count("running (pid") == 4, status.stdout
        pids = {
            name: json.loads((tmp_path / f"{name}.pid").read_text())["pid"]
            for name in ("collector", "jaeger", "prometheus", "alertmanager")
        }

        # what the demo does: send to the stack, then follow the Jaeger link of its trace
        endpoints = stack_endpoints(tmp_path)
        (call,) = run_workload(workload_env(endpoints.otlp_http, "e2e-stack"), "--kinds", "chat")
        link = jaeger_trace_url(call.trace_id, tmp_path)
        assert link == f"{endpoints.jaeger_ui}/trace/{call.trace_id}"
        Jaeger(endpoints.jaeger_ui).wait_for_trace(call.trace_id, spans=2)
        assert httpx.get(f"{endpoints.prometheus}/-/ready", timeout=5).status_code == 200
        # every link `up` prints answers
        for name, url in endpoints.as_dict().items():
            if url.startswith("http://") and name not in ("otlp_grpc", "otlp_http"):
                assert httpx.get(url, timeout=5, follow_redirects=True).status_code == 200, (name, url)
    finally:
        down = otel_llm(env, "down")
    assert down.returncode == 0 and down.stdout.count(": stopped") == 4, down.stdout
    assert all(not Path(f"/proc/{pid}").exists() or _zombie(pid) for pid in pids.values())
    after = otel_llm(env, "status")
    assert after.returncode == 3 and after.stdout.count("not running") == 4


def _zombie(pid: int) -> bool:
    return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] == "Z"

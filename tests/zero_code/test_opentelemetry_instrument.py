"""Zero-code: ``opentelemetry-instrument python app.py`` finds our instrumentor by its entry point."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from otel_llm.demo.fake_server import FakeOpenAIServer


def test_opentelemetry_instrument_traces_an_unmodified_app(tmp_path) -> None:
    bin_dir = Path(sys.executable).parent
    with FakeOpenAIServer() as server:
        env = {
            **os.environ,
            "FAKE_OPENAI_BASE_URL": server.base_url,
            "OTEL_TRACES_EXPORTER": "console",
            "OTEL_METRICS_EXPORTER": "none",
            "OTEL_LOGS_EXPORTER": "none",
            "OTEL_SERVICE_NAME": "zero-code-app",
            "OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT": "SPAN_ONLY",
        }
        result = subprocess.run(
            [
                str(bin_dir / "opentelemetry-instrument"),
                sys.executable,
                str(Path(__file__).parent / "app.py"),
            ],
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
    assert result.returncode == 0, result.stderr
    assert "APP-OK stop" in result.stdout
    span_json = result.stdout[result.stdout.index("{") : result.stdout.rindex("}") + 1]
    span = json.loads(span_json)
    assert span["name"] == "chat gpt-4o-mini"
    assert span["kind"] == "SpanKind.CLIENT"
    assert span["attributes"]["gen_ai.provider.name"] == "openai"
    assert span["attributes"]["gen_ai.response.model"] == "gpt-4o-mini-2024-07-18"
    assert json.loads(span["attributes"]["gen_ai.input.messages"]) == [
        {"role": "user", "parts": [{"type": "text", "content": "hello"}]}
    ]
    assert span["resource"]["attributes"]["service.name"] == "zero-code-app"

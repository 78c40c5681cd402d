"""``otel_llm.instrument()``: one call, every installed SDK, and a handle that undoes it."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap

import otel_llm


def test_instrument_uses_the_apps_providers_and_shuts_down(otel, fake_server) -> None:
    import openai

    handle = otel_llm.instrument()
    try:
        assert "OpenAIInstrumentor" in handle.instrumented  # and every other installed SDK
        assert handle.sdk.providers == []  # the test session configured the SDK already
        client = openai.OpenAI(base_url=fake_server.base_url, api_key="sk-test")
        client.embeddings.create(model="text-embedding-3-small", input="hello")
        assert [s.name for s in otel.spans()] == ["embeddings text-embedding-3-small"]
    finally:
        handle.shutdown()
    client.embeddings.create(model="text-embedding-3-small", input="hello")
    assert len(otel.spans()) == 1


def test_instrument_configures_the_sdk_from_env_when_the_app_did_not(fake_server, tmp_path) -> None:
    script = textwrap.dedent(f"""
        import openai, otel_llm
        handle = otel_llm.instrument()
        client = openai.OpenAI(base_url={fake_server.base_url!r}, api_key="sk-test")
        client.chat.completions.create(model="gpt-4o-mini", messages=[{{"role": "user", "content": "hi"}}])
        handle.shutdown()
    """)
    env = {
        **os.environ,
        "OTEL_TRACES_EXPORTER": "console",
        "OTEL_METRICS_EXPORTER": "console",
        "OTEL_LOGS_EXPORTER": "none",
        "OTEL_SERVICE_NAME": "one-call-app",
    }
    result = subprocess.run(
        [sys.executable, "-c", script], env=env, capture_output=True, text=True, timeout=120, check=False
    )
    assert result.returncode == 0, result.stderr
    assert '"name": "chat gpt-4o-mini"' in result.stdout
    assert '"service.name": "one-call-app"' in result.stdout
    assert "gen_ai.client.operation.duration" in result.stdout


def test_disabled_instrumentations_are_skipped(monkeypatch) -> None:
    from otel_llm._instrument import available_instrumentors

    names = {type(i).__name__ for i in available_instrumentors()}
    assert "OpenAIInstrumentor" in names
    monkeypatch.setenv("OTEL_PYTHON_DISABLED_INSTRUMENTATIONS", "otel_llm_openai, something_else")
    assert {type(i).__name__ for i in available_instrumentors()} == names - {"OpenAIInstrumentor"}

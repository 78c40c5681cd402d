"""``instrument()`` imports no provider SDK: each instrumentor patches when the app imports its SDK.

Run in fresh interpreters, where no SDK is imported yet.
"""

from __future__ import annotations

import json
import subprocess
import sys

from otel_llm.instrumentation.registry import REGISTRY

SDK_PACKAGES = tuple(entry.package for entry in REGISTRY)

PRELUDE = """
import json, sys
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
import otel_llm

exporter = InMemorySpanExporter()
provider = TracerProvider()
provider.add_span_processor(SimpleSpanProcessor(exporter))
handle = otel_llm.instrument(configure_sdk=False, tracer_provider=provider, evaluation_hooks=False)
imported_early = sorted(name for name in %r if name in sys.modules)
"""

CALL = """
import openai
import openai._base_client as base_client
http = getattr(base_client, "httpx2", None) or base_client.httpx  # the HTTP library of this SDK version

body = {"id": "chatcmpl-1", "object": "chat.completion", "created": 1, "model": "gpt-4o-mini-2024-07-18",
        "choices": [{"index": 0, "message": {"role": "assistant", "content": "hi"}, "finish_reason": "stop"}],
        "usage": {"prompt_tokens": 3, "completion_tokens": 1, "total_tokens": 4}}
transport = http.MockTransport(lambda request: http.Response(200, json=body))
client = openai.OpenAI(api_key="sk-test", http_client=http.Client(transport=transport))
client.chat.completions.create(model="gpt-4o-mini", messages=[{"role": "user", "content": "hi"}])
spans = [span.name for span in exporter.get_finished_spans()]
"""


def _run(script: str) -> dict:
    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=300, check=True
    )
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_instrument_imports_no_sdk_and_patches_on_import() -> None:
    script = PRELUDE % (SDK_PACKAGES,) + CALL + """
instrumented = "OpenAIInstrumentor" in handle.instrumented
print(json.dumps({"imported_early": imported_early, "instrumented": instrumented, "spans": spans}))
"""
    assert _run(script) == {"imported_early": [], "instrumented": True, "spans": ["chat gpt-4o-mini"]}


def test_shutdown_before_the_import_leaves_the_sdk_unpatched() -> None:
    script = PRELUDE % (SDK_PACKAGES,) + "handle.shutdown()\n" + CALL + """
import wrapt
patched = isinstance(type(client.chat.completions).__dict__["create"], wrapt.FunctionWrapper)
print(json.dumps({"spans": spans, "patched": patched}))
"""
    assert _run(script) == {"spans": [], "patched": False}

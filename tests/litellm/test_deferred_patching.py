"""Instrumenting does not import LiteLLM (slow, and it fetches a price map): the patches are applied
when the app imports it. Run in a fresh interpreter, where litellm is not imported yet."""

from __future__ import annotations

import json
import os
import subprocess
import sys

SCRIPT = """
import json, sys
from opentelemetry import trace
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from otel_llm.instrumentation.litellm import LiteLLMInstrumentor

exporter = InMemorySpanExporter()
provider = TracerProvider()
provider.add_span_processor(SimpleSpanProcessor(exporter))
LiteLLMInstrumentor().instrument(tracer_provider=provider)
imported_early = "litellm" in sys.modules
import litellm
litellm.completion(model="openai/gpt-4o-mini", messages=[{"role": "user", "content": "hi"}],
                   api_base=sys.argv[1], api_key="sk-test")
names = [span.name for span in exporter.get_finished_spans()]
print(json.dumps({"imported_early": imported_early, "spans": names}))
"""


def test_patches_wait_for_the_app_to_import_litellm(fake_server) -> None:
    env = {**os.environ, "LITELLM_LOCAL_MODEL_COST_MAP": "True"}
    result = subprocess.run(
        [sys.executable, "-c", SCRIPT, fake_server.base_url],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=True,
    )
    outcome = json.loads(result.stdout.strip().splitlines()[-1])
    assert outcome == {"imported_early": False, "spans": ["chat gpt-4o-mini"]}

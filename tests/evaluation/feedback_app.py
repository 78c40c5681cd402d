"""The process that answers: an instrumented openai app that hands out a feedback token per answer.

Run as ``python -m tests.evaluation.feedback_app BASE_URL``; prints one JSON line: the response id, the
token, and the trace and span ids of the chat span (as its own exporter saw them).
"""

from __future__ import annotations

import json
import sys

from opentelemetry import trace
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

import openai
import otel_llm
from otel_llm.evaluation import install_span_hooks
from otel_llm.instrumentation.openai import OpenAIInstrumentor


def main(base_url: str) -> None:
    exporter = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    trace.set_tracer_provider(provider)
    install_span_hooks()
    OpenAIInstrumentor().instrument()
    client = openai.OpenAI(base_url=base_url, api_key="test-key", max_retries=0)
    completion = client.chat.completions.create(
        model="gpt-4o-mini", messages=[{"role": "user", "content": "How do I reset my password?"}]
    )
    (chat,) = exporter.get_finished_spans()
    print(
        json.dumps(
            {
                "response_id": completion.id,
                "token": otel_llm.feedback_token(response_id=completion.id),
                "trace_id": chat.context.trace_id,
                "span_id": chat.context.span_id,
            }
        )
    )


if __name__ == "__main__":
    main(sys.argv[1])

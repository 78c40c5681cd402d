"""The collector's redaction defaults on one span of many secret kinds (and values that must survive)."""

from __future__ import annotations

import json

import pytest
from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor

from .conftest import LocalPipeline
from .helpers import span_named, span_tags

pytestmark = pytest.mark.e2e

MASKED = {
    "bearer": ("Authorization was Bearer abcDEF123456.xyz-789", "Authorization was ****"),
    "aws": ("key AKIAIOSFODNN7EXAMPLE in use", "key **** in use"),
    "github": ("token ghp_0123456789abcdefghijABCDEFGHIJ012345 leaked", "token **** leaked"),
    "jwt": (
        "jwt eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N end",
        "jwt **** end",
    ),
    "card": ("pay with 4111 1111 1111 1111 today", "pay with **** today"),
    "ssn": ("ssn 078-05-1120 on file", "ssn **** on file"),
    "dsn": ("postgres://admin:hunter2@db.internal/app", "postgres://admin:****/app"),
    "assignment": ("config password=Sup3rS3cretValue here", "config **** here"),
    "email": ("mail ops@example.org now", "mail **** now"),
    "anthropic": ("sk-ant-api03-AbCdEfGhIjKlMnOpQrStUv rotated", "**** rotated"),
}
"""Attribute ``secret.<name>``: (value sent, value expected in Jaeger)."""

KEPT = {
    "gen_ai.request.model": "gpt-4o-mini",
    "gen_ai.response.id": "chatcmpl-000006c1dfd96eea8cc2b6",
    "gen_ai.response.time_to_first_chunk": 0.0716290459999982,
    "gen_ai.usage.input_tokens": 5009,
    "otel_llm.usage.cost_usd": 0.0007599999999999999,
    "server.address": "api.openai.com",
    "note": "order 12345 shipped on 2026-11-26 at 10:15",
}
"""Attributes that no pattern may touch (ids, floats with long mantissas, short numbers, dates)."""


def test_secrets_are_masked_and_ordinary_values_are_untouched(local_pipeline: LocalPipeline) -> None:
    provider = TracerProvider(resource=Resource.create({"service.name": "e2e-redaction"}))
    provider.add_span_processor(
        SimpleSpanProcessor(OTLPSpanExporter(f"{local_pipeline.otlp_http}/v1/traces"))
    )
    attributes = {f"secret.{name}": sent for name, (sent, _) in MASKED.items()}
    attributes |= KEPT | {"http.request.header.authorization": "Basic dXNlcjpwYXNz", "db.password": "letmein"}
    with provider.get_tracer("e2e").start_as_current_span("redaction probe", attributes=attributes) as span:
        trace_id = f"{span.get_span_context().trace_id:032x}"
    provider.shutdown()

    tags = span_tags(span_named(local_pipeline.jaeger.wait_for_trace(trace_id, spans=1), "redaction probe"))
    assert {name: tags[f"secret.{name}"] for name in MASKED} == {
        name: kept for name, (_, kept) in MASKED.items()
    }
    assert {key: tags[key] for key in KEPT} == KEPT
    # keys that name a secret are masked whole
    assert (tags["http.request.header.authorization"], tags["db.password"]) == ("****", "****")
    assert tags["redaction.masked.count"] == len(MASKED) + 2
    assert "hunter2" not in json.dumps(tags)

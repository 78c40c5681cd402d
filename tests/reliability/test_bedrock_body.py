"""Bedrock ``invoke_model``: a body whose connection dies mid-way fails for the app as it does without
us (the same error on ``read()``, again on each read), and the span ends with that error (#6)."""

from __future__ import annotations

import boto3
import pytest
from botocore.config import Config

from otel_llm.instrumentation.bedrock import BedrockInstrumentor
from otel_llm.semconv import attributes as A

from ..stream_exits import BrokenStreamServer

PARTIAL = b'{"id":"msg_1","type":"message","role":"assistant","content":[{"type":"text","text":"Hel'
HEAD = (
    b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 900\r\n"
    b"x-amzn-requestid: r-1\r\n\r\n" + PARTIAL
)
MODEL = "anthropic.claude-3-haiku-20240307-v1:0"
BODY = '{"anthropic_version": "bedrock-2023-05-31", "max_tokens": 9, "messages": []}'


@pytest.fixture(scope="module")
def server():
    broken = BrokenStreamServer(HEAD)
    yield broken
    broken.close()


def invoke(url: str, read) -> tuple[type, bytes]:
    client = boto3.client(
        "bedrock-runtime",
        endpoint_url=url,
        region_name="us-east-1",
        aws_access_key_id="AKIAIOSFODNN7EXAMPLE",
        aws_secret_access_key="secret",
        config=Config(retries={"max_attempts": 1}),
    )
    result = client.invoke_model(modelId=MODEL, body=BODY)
    received = []
    with pytest.raises(Exception) as raised:
        read(result["body"], received)
    return type(raised.value), b"".join(received)


def read_all(body, received):
    received.append(body.read())


def read_twice(body, received):
    try:
        body.read()
    except Exception:
        received.append(b"first read failed")
    received.append(body.read())


@pytest.mark.parametrize("read", [read_all, read_twice])
@pytest.mark.parametrize("capture_mode", ["no_content", "span_only"])
def test_a_body_cut_mid_way_fails_as_without_us(otel, server, read, capture_mode):
    bare = invoke(server.base_url, read)
    instrumentor = BedrockInstrumentor()
    instrumentor.instrument(capture_mode=capture_mode)
    try:
        instrumented = invoke(server.base_url, read)
    finally:
        instrumentor.uninstrument()
    assert instrumented == bare
    assert bare[1] == (b"first read failed" if read is read_twice else b"")
    (span,) = otel.spans()
    assert span.attributes[A.ERROR_TYPE] == "ResponseStreamingError"  # the read that failed
    assert span.status.status_code.name == "ERROR"

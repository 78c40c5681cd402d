"""What nothing recorded shows, against the loopback fake: Mistral bodies (``invoke_model`` and its
stream) and Titan embeddings under each content mode, and every exit path of Bedrock streams
(``converse_stream``, ``invoke_model_with_response_stream``: botocore's ``EventStream`` has ``close()``,
no ``with``)."""

from __future__ import annotations

import gc
import json
from pathlib import Path

import pytest

from otel_llm.semconv import attributes as A
from tests.semconv_modes import ALL_SEMCONV_MODES

from ..recorded_genai import ExpectedTelemetry, covered_cases
from ..stream_exits import BrokenStreamServer, sse_head
from ..wire_server import Reply, WireServer
from .fake_bedrock import CONVERSE_EVENTS, EVENT_STREAM, event_frame

EXPECTED = ExpectedTelemetry(Path(__file__).parent / "expected_fake.json")
MISTRAL = "mistral.mistral-7b-instruct-v0:2"
MISTRAL_BODY = json.dumps(
    {"prompt": "<s>[INST] What are spans? [/INST]", "max_tokens": 64, "temperature": 0.5}
)
COMPLETION = A.GenAiOperationNameValues.TEXT_COMPLETION
TITAN_EMBED = "amazon.titan-embed-text-v2:0"
EMBEDDINGS = A.GenAiOperationNameValues.EMBEDDINGS
SCENARIOS = {
    "titan_embeddings": (EMBEDDINGS, "sync", "embeddings"),
    "mistral_invoke": (COMPLETION, "sync", "invoke_model"),
    "mistral_invoke_stream": (COMPLETION, "stream", "invoke_model"),
}


@ALL_SEMCONV_MODES
@pytest.mark.parametrize(
    ("scenario", "mode"), covered_cases(A.GenAiProviderNameValues.AWS_BEDROCK, SCENARIOS)
)
def test_body_families(scenario: str, mode: str, otel, instrument_bedrock, client) -> None:
    instrument_bedrock(capture_mode=mode)
    if scenario == "titan_embeddings":
        body = json.dumps({"inputText": "What are spans?", "dimensions": 256})
        results = [json.loads(client.invoke_model(modelId=TITAN_EMBED, body=body)["body"].read())]
        assert len(results[0]["embedding"]) == 256
    elif scenario == "mistral_invoke":
        response = client.invoke_model(modelId=MISTRAL, body=MISTRAL_BODY)
        results = [json.loads(response["body"].read())]
        assert results[0]["outputs"][0]["text"] == "Spans are timed."  # the app still reads the whole body
    else:
        results = [list(client.invoke_model_with_response_stream(modelId=MISTRAL, body=MISTRAL_BODY)["body"])]
    EXPECTED.check(scenario, mode, otel, results)


# -- stream exits -------------------------------------------------------------------------------


def _converse(client):
    return client.converse_stream(modelId=MISTRAL, messages=[{"role": "user", "content": [{"text": "Hi"}]}])[
        "stream"
    ]


def _invoke(client):
    return client.invoke_model_with_response_stream(modelId=MISTRAL, body=MISTRAL_BODY)["body"]


OPEN = {
    "converse_stream": (_converse, "chat", ("end_turn",)),
    "invoke_stream": (_invoke, "text_completion", ("stop",)),
}
EXITS = pytest.mark.covers(provider="aws.bedrock", operation="chat", mode="stream", feature="stream_exits")


def _only_span(otel, api: str, consumed: bool, complete: bool, error: str | None = None):
    (span,) = otel.spans()
    _, operation, reasons = OPEN[api]
    assert span.name == f"{operation} {MISTRAL}"
    assert span.attributes[A.GEN_AI_REQUEST_STREAM] is True
    assert (A.GEN_AI_RESPONSE_TIME_TO_FIRST_CHUNK in span.attributes) == consumed
    assert span.attributes.get(A.GEN_AI_RESPONSE_FINISH_REASONS) == (reasons if complete else None)
    assert span.attributes.get(A.ERROR_TYPE) == error
    assert span.status.status_code.name == ("ERROR" if error else "UNSET")


@EXITS
@pytest.mark.parametrize("api", sorted(OPEN))
def test_fully_consumed(api, otel, instrument_bedrock, client):
    instrument_bedrock()
    events = list(OPEN[api][0](client))
    assert len(events) >= 3
    _only_span(otel, api, consumed=True, complete=True)


@EXITS
@pytest.mark.parametrize("api", sorted(OPEN))
def test_break_early_then_garbage_collected(api, otel, instrument_bedrock, client):
    instrument_bedrock()
    stream = OPEN[api][0](client)
    for _ in stream:
        break
    assert otel.spans() == []
    del stream
    gc.collect()
    _only_span(otel, api, consumed=True, complete=False)


@EXITS
@pytest.mark.parametrize("api", sorted(OPEN))
def test_close(api, otel, instrument_bedrock, client):
    instrument_bedrock()
    stream = OPEN[api][0](client)
    next(iter(stream))
    stream.close()
    stream.close()
    _only_span(otel, api, consumed=True, complete=False)


@EXITS
@pytest.mark.parametrize("api", sorted(OPEN))
def test_never_iterated_and_garbage_collected(api, otel, instrument_bedrock, client):
    instrument_bedrock()
    stream = OPEN[api][0](client)
    del stream
    gc.collect()
    _only_span(otel, api, consumed=False, complete=False)


@pytest.fixture(scope="module")
def broken_server():
    kind, data = CONVERSE_EVENTS[0]
    server = BrokenStreamServer(sse_head(event_frame(kind, data), content_type=EVENT_STREAM))
    yield server
    server.close()


@EXITS
def test_connection_dies_mid_stream(otel, instrument_bedrock, broken_server, _fake_aws_environment):
    import boto3

    client = boto3.client("bedrock-runtime", region_name="us-east-1", endpoint_url=broken_server.base_url)
    instrument_bedrock()
    stream = iter(_converse(client))
    next(stream)
    with pytest.raises(Exception) as raised:
        next(stream)
    _only_span(otel, "converse_stream", consumed=True, complete=False, error=type(raised.value).__qualname__)


# -- other services -----------------------------------------------------------------------------


def test_other_services_pass_through_untraced(otel, instrument_bedrock, _fake_aws_environment):
    """The hook sees every boto3 call; calls of other services return the SDK's result and make no span."""
    import boto3

    instrument_bedrock()
    with WireServer(lambda method, path, body: Reply(json_body={"TableNames": ["spans"]})) as server:
        dynamodb = boto3.client("dynamodb", region_name="us-east-1", endpoint_url=server.base_url)
        assert dynamodb.list_tables()["TableNames"] == ["spans"]
    assert otel.spans() == []

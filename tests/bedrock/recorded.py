"""Replay recorded Bedrock interactions through real boto3 clients: each request is the call.

The URL path names the model and the API (``converse``, ``converse-stream``, ``invoke``,
``invoke-with-response-stream``); Converse JSON bodies are the call's parameters, invoke bodies are
passed as they were sent, with the guardrail headers as the guardrail parameters.
"""

from __future__ import annotations

import functools
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

import boto3
import vcr
import yaml

CASSETTES = Path(__file__).parent / "cassettes"
FAKE_CREDENTIALS = {"aws_access_key_id": "AKIAIOSFODNN7EXAMPLE", "aws_secret_access_key": "fake-secret-key"}
_METHODS = {
    "converse": "converse",
    "converse-stream": "converse_stream",
    "invoke": "invoke_model",
    "invoke-with-response-stream": "invoke_model_with_response_stream",
}
_GUARDRAIL_HEADERS = {
    "X-Amzn-Bedrock-GuardrailIdentifier": "guardrailIdentifier",
    "X-Amzn-Bedrock-GuardrailVersion": "guardrailVersion",
}

replayer = vcr.VCR(
    cassette_library_dir=str(CASSETTES),
    record_mode="none",
    match_on=["method", "scheme", "host", "port", "path"],
)


@dataclass(frozen=True)
class RecordedCall:
    method: str
    region: str
    params: dict[str, Any]

    @property
    def stream(self) -> bool:
        return self.method in ("converse_stream", "invoke_model_with_response_stream")


def _text(value: Any) -> str:
    return value.decode() if isinstance(value, bytes) else value


@functools.cache
def recorded_calls(cassette: str) -> tuple[RecordedCall, ...]:
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    calls = []
    for interaction in yaml.load((CASSETTES / cassette).read_text(), Loader=loader)["interactions"]:
        request = interaction["request"]
        url = urlsplit(request["uri"])
        _, _, model, api = url.path.split("/", 3)
        method = _METHODS[api]
        params: dict[str, Any] = {"modelId": unquote(model)}
        body = request["body"]
        if method.startswith("converse"):
            params.update(json.loads(body))
        else:
            params["body"] = body if isinstance(body, bytes) else body.encode()
            for header, name in _GUARDRAIL_HEADERS.items():
                if header in request["headers"]:
                    params[name] = _text(request["headers"][header][0])
        calls.append(RecordedCall(method, url.hostname.split(".")[1], params))
    return tuple(calls)


def make_client(call: RecordedCall) -> Any:
    return boto3.client("bedrock-runtime", region_name=call.region, **FAKE_CREDENTIALS)


def read(call: RecordedCall, response: dict[str, Any]) -> Any:
    """What an app reads: the decoded body, or the list of stream events."""
    if call.stream:
        return list(response["stream" if "stream" in response else "body"])
    if "body" in response:
        return json.loads(response["body"].read())
    return response


def replay(cassette: str) -> list[Any]:
    results = []
    with replayer.use_cassette(cassette):
        for call in recorded_calls(cassette):
            client = make_client(call)
            results.append(read(call, getattr(client, call.method)(**call.params)))
    return results

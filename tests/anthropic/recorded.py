"""Replay recorded Anthropic interactions through the real SDK: each request's own JSON body is the call.

``/v1/messages`` requests go to ``messages`` (``?beta=true`` to ``beta.messages``); Bedrock
``/model/{id}/invoke`` requests go to an ``AnthropicBedrock`` client. A scenario either calls
``create`` (streams read to the end) or uses the ``messages.stream(...)`` helper.
"""

from __future__ import annotations

import functools
import gzip
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

import vcr
import yaml

import anthropic

CASSETTES = Path(__file__).parent / "cassettes"
FAKE_AWS = {
    "aws_access_key": "AKIAIOSFODNN7EXAMPLE",
    "aws_secret_key": "fake-secret",
    "aws_region": "us-east-1",
}

replayer = vcr.VCR(
    cassette_library_dir=str(CASSETTES),
    record_mode="none",
    match_on=["method", "scheme", "host", "port", "path"],  # newer SDKs send beta calls without ?beta=true
)


@dataclass(frozen=True)
class RecordedCall:
    body: dict[str, Any]
    beta: bool
    bedrock_model: str | None
    event_count: int  # stream events the SDK yields (SSE events other than ping)

    @property
    def stream(self) -> bool:
        return bool(self.body.get("stream"))

    def kwargs(self) -> dict[str, Any]:
        body = {k: v for k, v in self.body.items() if k != "anthropic_version"}
        if "output_format" in body:  # the recorded beta parameter is output_config.format in newer SDKs
            body["output_config"] = {"format": body.pop("output_format")}
        if self.bedrock_model:
            body["model"] = self.bedrock_model
        return body


def _event_count(response: dict[str, Any]) -> int:
    text = response["body"]["string"]
    if isinstance(text, bytes):
        text = (gzip.decompress(text) if text[:2] == b"\x1f\x8b" else text).decode()
    return sum(1 for line in text.splitlines() if line.startswith("event:") and line != "event: ping")


@functools.cache
def recorded_calls(cassette: str) -> tuple[RecordedCall, ...]:
    calls = []
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    for interaction in yaml.load((CASSETTES / cassette).read_text(), Loader=loader)["interactions"]:
        request = interaction["request"]
        url = urlsplit(request["uri"])
        model = unquote(url.path.split("/")[2]) if url.path.startswith("/model/") else None
        calls.append(
            RecordedCall(
                json.loads(request["body"]),
                url.query == "beta=true",
                model,
                _event_count(interaction["response"]),
            )
        )
    return tuple(calls)


def make_client(call: RecordedCall, is_async: bool) -> Any:
    if call.bedrock_model:
        cls = anthropic.AsyncAnthropicBedrock if is_async else anthropic.AnthropicBedrock
        return cls(**FAKE_AWS, max_retries=0)
    cls = anthropic.AsyncAnthropic if is_async else anthropic.Anthropic
    return cls(api_key="sk-ant-test", max_retries=0)


def _messages(client: Any, call: RecordedCall, style: str) -> Any:
    return client.beta.messages if call.beta or style.startswith("beta_") else client.messages


def _helper_kwargs(call: RecordedCall) -> dict[str, Any]:
    return {k: v for k, v in call.kwargs().items() if k != "stream"}


def replay_sync(cassette: str, style: str = "create") -> list[Any]:
    """Make every recorded call in ``style``: ``create`` (streams read to the end), ``raw``
    (``with_raw_response.create``; ``beta_raw`` on ``client.beta.messages``), or through
    ``messages.stream(...)``: ``final`` reads ``get_final_message()``, ``text`` reads ``text_stream`` first.

    Returns each call's response or stream events; for the helper, a list as long as the stream's raw
    events (what the time-per-chunk metric counts) holding what the helper returned.
    """
    results = []
    with replayer.use_cassette(cassette):
        for call in recorded_calls(cassette):
            messages = _messages(make_client(call, False), call, style)
            if style in ("final", "text"):
                with messages.stream(**_helper_kwargs(call)) as stream:
                    text = "".join(stream.text_stream) if style == "text" else None
                    results.append([(text, stream.get_final_message())] * call.event_count)
            elif style.endswith("raw"):
                results.append(messages.with_raw_response.create(**call.kwargs()).parse())
            else:
                result = messages.create(**call.kwargs())
                results.append(list(result) if call.stream else result)
    return results


async def replay_async(cassette: str, style: str = "create") -> list[Any]:
    results = []
    with replayer.use_cassette(cassette):
        for call in recorded_calls(cassette):
            messages = _messages(make_client(call, True), call, style)
            if style in ("final", "text"):
                async with messages.stream(**_helper_kwargs(call)) as stream:
                    text = "".join([t async for t in stream.text_stream]) if style == "text" else None
                    results.append([(text, await stream.get_final_message())] * call.event_count)
            elif style.endswith("raw"):
                response = await messages.with_raw_response.create(**call.kwargs())
                results.append(await response.parse())
            else:
                result = await messages.create(**call.kwargs())
                results.append([event async for event in result] if call.stream else result)
    return results

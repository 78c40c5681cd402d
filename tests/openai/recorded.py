"""Replay recorded OpenAI interactions through the real SDK: each request's own JSON body is the call."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import vcr
import yaml

import openai

CASSETTES = Path(__file__).parent / "cassettes"
_ENDPOINTS = {"/chat/completions": "chat", "/responses": "responses", "/embeddings": "embeddings"}

replayer = vcr.VCR(
    cassette_library_dir=str(CASSETTES),
    record_mode="none",
    match_on=["method", "scheme", "host", "port", "path", "query"],
)


@dataclass(frozen=True)
class RecordedCall:
    api: str  # chat | responses | embeddings
    base_url: str
    body: dict[str, Any]
    azure_api_version: str | None = None

    @property
    def stream(self) -> bool:
        return bool(self.body.get("stream"))


def recorded_calls(cassette: str) -> list[RecordedCall]:
    interactions = yaml.safe_load((CASSETTES / cassette).read_text())["interactions"]
    calls = []
    for interaction in interactions:
        request = interaction["request"]
        url = urlsplit(request["uri"])
        path = url.path
        api, suffix = next((name, p) for p, name in _ENDPOINTS.items() if path.endswith(p))
        base = f"{url.scheme}://{url.netloc}{path[: -len(suffix)]}"
        version = parse_qs(url.query).get("api-version", [None])[0]
        calls.append(RecordedCall(api, base, json.loads(request["body"]), version))
    return calls


def make_client(call: RecordedCall, is_async: bool) -> Any:
    if call.azure_api_version:
        endpoint = call.base_url.split("/openai/")[0]
        cls = openai.AsyncAzureOpenAI if is_async else openai.AzureOpenAI
        return cls(azure_endpoint=endpoint, api_version=call.azure_api_version, api_key="test-key")
    cls = openai.AsyncOpenAI if is_async else openai.OpenAI
    return cls(base_url=call.base_url, api_key="sk-test-not-a-real-key", max_retries=0)


def _method(client: Any, call: RecordedCall) -> Any:
    return {
        "chat": client.chat.completions.create,
        "responses": client.responses.create,
        "embeddings": client.embeddings.create,
    }[call.api]


def _kwargs(call: RecordedCall) -> dict[str, Any]:
    if call.azure_api_version:  # the deployment is in the path; the SDK takes it as the model
        return {**call.body, "model": call.base_url.rsplit("/deployments/", 1)[1].split("/")[0]}
    return dict(call.body)


def replay_sync(cassette: str) -> list[Any]:
    """Make every recorded call with the sync client; streams are read to the end."""
    results = []
    with replayer.use_cassette(cassette):
        for call in recorded_calls(cassette):
            result = _method(make_client(call, False), call)(**_kwargs(call))
            results.append(list(result) if call.stream else result)
    return results


async def replay_async(cassette: str) -> list[Any]:
    results = []
    with replayer.use_cassette(cassette):
        for call in recorded_calls(cassette):
            result = await _method(make_client(call, True), call)(**_kwargs(call))
            results.append([chunk async for chunk in result] if call.stream else result)
    return results

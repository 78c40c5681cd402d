"""Bedrock texts, for guardrails, over one ``_make_api_call``: its ``api_params``, its result dict, and
the events of its stream.

``converse``/``converse_stream`` use the Converse mapping. ``invoke_model`` bodies are JSON bytes:
they are decoded, read and written back through the mapping of the model's family (``Family.texts``);
response bodies and stream chunks are recognised by their shape. A body given as a file object is not
read (that would take it from the SDK), so such a call is not checked; neither are families without a
mapping (Cohere, AI21, imported models) and embeddings.
"""

from __future__ import annotations

import io
import json
from typing import Any

from otel_llm.formats import bedrock_converse as _converse
from otel_llm.formats import bedrock_invoke as _invoke
from otel_llm.telemetry.guarding import TextMapping
from otel_llm.telemetry.texts import Tail


class _TailChunk(dict):
    """A chunk inserted to end a channel of an invoke stream (its JSON bytes cannot carry the mark)."""


def _request_body(params: dict[str, Any]) -> tuple[dict[str, Any], TextMapping | None]:
    body = _invoke.decode(params.get("body"))
    if not body:
        return body, None
    return body, _invoke.family_of(params.get("modelId") or "", "messages" in body).texts


def input_texts(params: dict[str, Any]) -> list[str]:
    if "messages" in params:
        return _converse.MESSAGES.texts(params)
    body, texts = _request_body(params)
    return texts.input_texts(body) if texts is not None else []


def with_input_texts(params: dict[str, Any], texts: list[str]) -> dict[str, Any]:
    if "messages" in params:
        return _converse.MESSAGES.with_texts(params, texts)
    body, mapping = _request_body(params)
    return {**params, "body": json.dumps(mapping.with_input_texts(body, texts))}  # type: ignore[union-attr]


def _set_body(result: dict[str, Any], raw: bytes) -> None:
    from botocore.response import StreamingBody

    result["body"] = StreamingBody(io.BytesIO(raw), len(raw))


class _FailedRead(io.RawIOBase):
    """A body whose read failed: the next read raises that error, later ones read on from the SDK's body
    (now in the state the app's own failed read would have left it)."""

    def __init__(self, body: Any, error: Exception) -> None:
        self._body = body
        self._error: Exception | None = error

    def readable(self) -> bool:
        return True

    def read(self, amt: int | None = None) -> bytes:
        error, self._error = self._error, None
        if error is not None:
            raise error
        return self._body.read(amt)


def response_body(result: dict[str, Any]) -> dict[str, Any]:
    """An ``invoke_model`` result's decoded body; the result gets a fresh body of the same bytes.

    The body is read as apps read it (``read()``). If that fails (the connection dies mid-body), the result
    gets a body whose next read raises the same error, and the error is raised here too. (An app reading in
    chunks would have got the bytes before the break first: those are not kept.)
    """
    from botocore.response import StreamingBody

    body = result["body"]
    try:
        raw = body.read()
    except Exception as error:
        result["body"] = StreamingBody(_FailedRead(body, error), None)
        raise
    _set_body(result, raw)
    return _invoke.decode(raw)


def output_texts(result: dict[str, Any]) -> list[str]:
    if "body" not in result:
        return _converse.output_texts(result)
    body = response_body(result)
    texts = _invoke.texts_of(body)
    return texts.output_texts(body) if texts is not None else []


def set_output_texts(result: dict[str, Any], texts: list[str]) -> None:
    if "body" not in result:
        _converse.set_output_texts(result, texts)
        return
    body = response_body(result)
    _invoke.texts_of(body).set_output_texts(body, texts)  # type: ignore[union-attr]
    _set_body(result, json.dumps(body).encode())


def _chunk(event: dict[str, Any]) -> tuple[dict[str, Any], TextMapping | None]:
    data = _invoke.decode(event["chunk"].get("bytes"))
    return data, _invoke.texts_of(data)


def chunk_texts(event: dict[str, Any]) -> list[tuple[int, str, bool]]:
    if "chunk" not in event:
        return _converse.chunk_texts(event)
    data, texts = _chunk(event)
    if texts is None:
        return []
    inserted = isinstance(event, _TailChunk)
    return [(channel, delta, last or inserted) for channel, delta, last in texts.chunk_texts(data)]  # type: ignore[misc]


def set_chunk_text(event: dict[str, Any], channel: int, text: str) -> None:
    if "chunk" not in event:
        _converse.set_chunk_text(event, channel, text)
        return
    data, texts = _chunk(event)
    texts.set_chunk_text(data, channel, text)  # type: ignore[union-attr,misc]
    event["chunk"]["bytes"] = json.dumps(data).encode()


def tails() -> Tail:
    """Converse events, and the chunks of the families whose text blocks end with a stop event."""
    event_tails: dict[Any, Tail] = {}

    def tail(event: dict[str, Any]) -> Any:
        texts: TextMapping | None
        if "chunk" not in event:
            texts, data = _converse.TEXTS, event
        else:
            data, texts = _chunk(event)
        make = texts.tails if texts is not None else None
        if make is None:
            return None
        if texts not in event_tails:
            event_tails[texts] = make()
        inserted = event_tails[texts](data)
        if inserted is None or "chunk" not in event:
            return inserted
        return _TailChunk(chunk={"bytes": json.dumps(inserted).encode()})

    return tail


def call_input_texts(call: dict[str, Any]) -> list[str]:
    """The input texts of a ``_make_api_call(operation_name, api_params)`` call, by argument name."""
    return input_texts(call["api_params"])


def call_with_input_texts(call: dict[str, Any], texts: list[str]) -> dict[str, Any]:
    return {**call, "api_params": with_input_texts(call["api_params"], texts)}


TEXTS = TextMapping(
    call_input_texts,
    call_with_input_texts,
    output_texts,
    set_output_texts,
    chunk_texts,
    set_chunk_text,
    tails,
)

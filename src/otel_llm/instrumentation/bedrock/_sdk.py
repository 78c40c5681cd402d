"""botocore's quirks: one ``_make_api_call`` for every service and operation (positional arguments),
the endpoint from the client's metadata, Bedrock's token-count headers and stream metrics, and the
``EventStream`` that is only iterable."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import wrapt

from otel_llm.formats import bedrock_converse as _converse
from otel_llm.formats import bedrock_invoke as _invoke
from otel_llm.formats import bedrock_texts as _texts
from otel_llm.instrumentation._endpoint import host_and_port
from otel_llm.instrumentation._wrapping import Operation, positional_arguments
from otel_llm.semconv import attributes as A
from otel_llm.telemetry.invocation import GenAITelemetry, Invocation

_SERVICE = "bedrock-runtime"
_CONVERSE = {"Converse", "ConverseStream"}
_INVOKE = {"InvokeModel", "InvokeModelWithResponseStream"}
_STREAMING = {"ConverseStream", "InvokeModelWithResponseStream"}
_TOKEN_HEADERS = ("x-amzn-bedrock-input-token-count", "x-amzn-bedrock-output-token-count")
_INVOCATION_METRICS = "amazon-bedrock-invocationMetrics"


def start(telemetry: GenAITelemetry, client: Any, call: dict[str, Any]) -> Invocation | None:
    operation = call.get("operation_name")
    if operation not in _CONVERSE and operation not in _INVOKE:
        return None
    if client.meta.service_model.service_name != _SERVICE:
        return None
    params = call.get("api_params") or {}
    model = params.get("modelId")
    read_input: Callable[[], tuple[Any, Any, Any]] | None
    if operation in _CONVERSE:
        name = A.GenAiOperationNameValues.CHAT
        attributes = _converse.request_attributes(params)
        guardrail = (params.get("guardrailConfig") or {}).get("guardrailIdentifier")
        read_input = lambda: _converse.input_content(params)  # noqa: E731
    else:
        body = _invoke.decode(params.get("body"))
        family = _invoke.family_of(model or "", "messages" in body, _invoke.is_embeddings_body(body))
        name, attributes = family.operation, family.request_attributes(body)
        guardrail = params.get("guardrailIdentifier")
        family_content = family.input_content
        read_input = None if family_content is None else (lambda: family_content(body))
    if guardrail:
        attributes[A.AWS_BEDROCK_GUARDRAIL_ID] = guardrail
    address, port = host_and_port(client.meta.endpoint_url)
    provider = A.GenAiProviderNameValues.AWS_BEDROCK
    invocation = telemetry.start(name, provider, model, address, port, attributes, operation in _STREAMING)
    if invocation is not None and invocation.capture and read_input is not None:
        invocation.input_content = read_input()
    return invocation


def _family(invocation: Invocation) -> _invoke.Family:
    """The invoke body family again, from the model and operation the span started with."""
    attributes = invocation.start_attributes
    operation = attributes[A.GEN_AI_OPERATION_NAME]
    return _invoke.family_of(
        attributes.get(A.GEN_AI_REQUEST_MODEL) or "",
        operation == A.GenAiOperationNameValues.CHAT,
        operation == A.GenAiOperationNameValues.EMBEDDINGS,
    )


def _bedrock_token_counts(invocation: Invocation, input_tokens: Any, output_tokens: Any) -> None:
    """Bedrock's own counts (headers, or stream metrics) for bodies that carry none."""
    if invocation.input_tokens is None and input_tokens is not None:
        invocation.input_tokens = int(input_tokens)
    if invocation.output_tokens is None and output_tokens is not None:
        invocation.output_tokens = int(output_tokens)


def on_response(invocation: Invocation, result: dict[str, Any]) -> None:
    if "body" not in result:
        _converse.read_response(invocation, result)
        return
    try:
        body = _texts.response_body(result)
    except Exception as error:  # the body's connection died: the app's read fails as it would without us
        invocation.fail(error)
        return
    _family(invocation).read_response(invocation, body)
    headers = (result.get("ResponseMetadata") or {}).get("HTTPHeaders") or {}
    _bedrock_token_counts(invocation, *(headers.get(name) for name in _TOKEN_HEADERS))


def finish_stream(invocation: Invocation, events: list[Any]) -> None:
    if not events or "chunk" not in events[0]:
        _converse.read_events(invocation, events)
        return
    chunks = [_invoke.decode(event["chunk"].get("bytes")) for event in events if "chunk" in event]
    _family(invocation).read_chunks(invocation, chunks)
    metrics: dict[str, Any] = next(
        (chunk[_INVOCATION_METRICS] for chunk in reversed(chunks) if _INVOCATION_METRICS in chunk), {}
    )
    _bedrock_token_counts(invocation, metrics.get("inputTokenCount"), metrics.get("outputTokenCount"))


class _IterableEventStream(wrapt.ObjectProxy):
    """botocore's ``EventStream`` is only iterable; the stream proxy needs ``__next__``."""

    def __init__(self, stream: Any) -> None:
        super().__init__(stream)
        self._self_events = iter(stream)

    def __iter__(self) -> _IterableEventStream:
        return self

    def __next__(self) -> Any:
        return next(self._self_events)


def inner_stream(result: dict[str, Any], wrap: Callable[[Any], Any]) -> dict[str, Any]:
    key = "stream" if "stream" in result else "body"
    result[key] = wrap(_IterableEventStream(result[key]))
    return result


API_CALL = Operation(
    start,
    on_response,
    finish_stream,
    arguments=positional_arguments("operation_name", "api_params"),
    inner_stream=inner_stream,
    texts=_texts.TEXTS,
    refusal="bedrock.converse",
)
API_CALL_METHOD = ("botocore.client", "BaseClient._make_api_call")

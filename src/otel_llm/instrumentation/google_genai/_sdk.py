"""The google-genai SDK's quirks: Vertex AI or Gemini API by the client, the endpoint from its HTTP
options, models named by resource path, streams by method, and the operations of its methods."""

from __future__ import annotations

from typing import Any

from otel_llm.formats import google_genai as genai
from otel_llm.formats.google_genai import TEXTS
from otel_llm.instrumentation._endpoint import starter
from otel_llm.instrumentation._wrapping import Operation
from otel_llm.semconv import attributes as A
from otel_llm.telemetry.fields import get

_OP = A.GenAiOperationNameValues


def endpoint(instance: Any) -> tuple[str, Any]:
    api_client = getattr(instance, "_api_client", None)
    provider = (
        A.GenAiProviderNameValues.GCP_VERTEX_AI
        if getattr(api_client, "vertexai", False)
        else A.GenAiProviderNameValues.GCP_GEMINI
    )
    return provider, get(getattr(api_client, "_http_options", None), "base_url")


def _generate(stream: bool) -> Any:
    return starter(
        endpoint,
        _OP.GENERATE_CONTENT,
        genai.generate_attributes,
        genai.generate_content,
        stream=stream,
        model=genai.model_name,
    )


GENERATE = Operation(
    _generate(False),
    genai.on_generate_response,
    texts=TEXTS,
    app_callbacks=genai.with_app_tools,
    refusal="google_genai.generate",
)
GENERATE_STREAM = Operation(
    _generate(True),
    genai.on_generate_response,
    genai.finish_generate_stream,
    texts=TEXTS,
    app_callbacks=genai.with_app_tools,
    refusal="google_genai.generate",
)
EMBED = Operation(
    starter(endpoint, _OP.EMBEDDINGS, genai.embed_attributes, stream=False, model=genai.model_name),
    genai.on_embed_response,
)

"""Google GenAI instrumentation (``google-genai`` SDK): ``models.generate_content``, its stream,
``embed_content`` (sync and ``client.aio``), with function calling.

Guardrails check ``generate_content`` and its stream (``otel_llm.formats.google_genai``);
``embed_content`` is not
guarded: its texts are turned into vectors, not sent to a model that answers.

``gen_ai.provider.name`` follows the endpoint: ``gcp.vertex_ai`` for a Vertex AI client,
``gcp.gemini`` for the Gemini (AI Studio) API. With automatic function calling (Python functions as
tools) the SDK loops over several model calls inside one ``generate_content``: that is one span.
"""

from __future__ import annotations

from otel_llm.instrumentation._base import GenAIInstrumentor, Patches

_MODULE = "google.genai.models"


class GoogleGenAIInstrumentor(GenAIInstrumentor):
    requirements = ("google-genai >= 1.0",)

    def patches(self) -> Patches:
        from otel_llm.instrumentation._wrapping import sync_and_async
        from otel_llm.instrumentation.google_genai._sdk import EMBED, GENERATE, GENERATE_STREAM

        return (
            *sync_and_async(_MODULE, "Models.generate_content", GENERATE),
            *sync_and_async(_MODULE, "Models.generate_content_stream", GENERATE_STREAM),
            *sync_and_async(_MODULE, "Models.embed_content", EMBED),
        )


__all__ = ["GoogleGenAIInstrumentor"]

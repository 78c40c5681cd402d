"""Google GenAI instrumentation (``google-genai`` SDK): ``models.generate_content``, its stream,
``embed_content`` (sync and ``client.aio``), with function calling.

Guardrails check ``generate_content`` and its stream (see ``_texts``); ``embed_content`` is not
guarded: its texts are turned into vectors, not sent to a model that answers.

``gen_ai.provider.name`` follows the endpoint: ``gcp.vertex_ai`` for a Vertex AI client,
``gcp.gemini`` for the Gemini (AI Studio) API. With automatic function calling (Python functions as
tools) the SDK loops over several model calls inside one ``generate_content``: that is one span.
"""

from __future__ import annotations

from collections.abc import Sequence

from otel_llm.instrumentation._base import GenAIInstrumentor
from otel_llm.instrumentation._wrapping import Operation, Patch
from otel_llm.instrumentation.google_genai import _mapping as m
from otel_llm.instrumentation.google_genai._texts import TEXTS

REFUSAL = "google_genai.generate"
GENERATE = Operation(m.start_generate, m.on_generate_response, texts=TEXTS, refusal=REFUSAL)
GENERATE_STREAM = Operation(
    m.start_generate_stream, m.on_generate_response, m.finish_generate_stream, texts=TEXTS, refusal=REFUSAL
)
EMBED = Operation(m.start_embed, m.on_embed_response)
_MODULE = "google.genai.models"


class GoogleGenAIInstrumentor(GenAIInstrumentor):
    requirements = ("google-genai >= 1.0",)

    def patches(self) -> Sequence[Patch]:
        return (
            Patch(_MODULE, "Models.generate_content", GENERATE),
            Patch(_MODULE, "AsyncModels.generate_content", GENERATE, is_async=True),
            Patch(_MODULE, "Models.generate_content_stream", GENERATE_STREAM),
            Patch(_MODULE, "AsyncModels.generate_content_stream", GENERATE_STREAM, is_async=True),
            Patch(_MODULE, "Models.embed_content", EMBED),
            Patch(_MODULE, "AsyncModels.embed_content", EMBED, is_async=True),
        )


__all__ = ["GoogleGenAIInstrumentor"]

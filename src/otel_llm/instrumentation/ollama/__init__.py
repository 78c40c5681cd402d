"""Ollama instrumentation (``ollama`` Python client): chat, generate, embed and embeddings, sync and
async, streamed or not, on ``Client``/``AsyncClient`` and the module-level helpers (``ollama.chat``).

``gen_ai.provider.name`` is ``ollama`` (an otel-llm registry value); ``generate`` is reported as
``text_completion`` (a prompt in, a completion out), the Ollama ``/api/embed`` and legacy
``/api/embeddings`` calls as ``embeddings``. Self-hosted models have no price: no cost is recorded.
Guardrails check and redact the texts of ``chat`` and ``generate`` (``_texts``), not embeddings inputs.
"""

from __future__ import annotations

from collections.abc import Sequence

from otel_llm.instrumentation._base import GenAIInstrumentor
from otel_llm.instrumentation._wrapping import Operation, Patch
from otel_llm.instrumentation.ollama import _mapping as m
from otel_llm.instrumentation.ollama._texts import CHAT_TEXTS, GENERATE_TEXTS

CHAT = Operation(
    m.start_chat,
    m.on_chat_response,
    m.finish_chat_stream,
    arguments=m.chat_arguments,
    texts=CHAT_TEXTS,
    refusal="ollama.chat",
)
GENERATE = Operation(
    m.start_generate,
    m.on_generate_response,
    m.finish_generate_stream,
    arguments=m.generate_arguments,
    texts=GENERATE_TEXTS,
    refusal="ollama.generate",
)
EMBED = Operation(m.start_embeddings, m.on_embeddings_response, arguments=m.embed_arguments)
EMBEDDINGS = Operation(m.start_embeddings, m.on_embeddings_response, arguments=m.generate_arguments)

_METHODS = {"chat": CHAT, "generate": GENERATE, "embed": EMBED, "embeddings": EMBEDDINGS}


class OllamaInstrumentor(GenAIInstrumentor):
    requirements = ("ollama >= 0.4",)

    def patches(self) -> Sequence[Patch]:
        return (
            *(Patch("ollama._client", f"Client.{name}", op) for name, op in _METHODS.items()),
            *(
                Patch("ollama._client", f"AsyncClient.{name}", op, is_async=True)
                for name, op in _METHODS.items()
            ),
            # ollama.chat & co. are bound methods of a default Client, taken before any patching
            *(Patch("ollama", name, op) for name, op in _METHODS.items()),
        )


__all__ = ["OllamaInstrumentor"]

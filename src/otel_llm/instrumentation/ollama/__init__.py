"""Ollama instrumentation (``ollama`` Python client): chat, generate, embed and embeddings, sync and
async, streamed or not, on ``Client``/``AsyncClient`` and the module-level helpers (``ollama.chat``).

``gen_ai.provider.name`` is ``ollama`` (an otel-llm registry value); ``generate`` is reported as
``text_completion`` (a prompt in, a completion out), the Ollama ``/api/embed`` and legacy
``/api/embeddings`` calls as ``embeddings``. Self-hosted models have no price: no cost is recorded.
Guardrails check and redact the texts of ``chat`` and ``generate`` (``otel_llm.formats.ollama``),
not embeddings inputs.
"""

from __future__ import annotations

from otel_llm.instrumentation._base import GenAIInstrumentor, Patches


class OllamaInstrumentor(GenAIInstrumentor):
    requirements = ("ollama >= 0.4",)

    def patches(self) -> Patches:
        from otel_llm.instrumentation._wrapping import Patch, sync_and_async
        from otel_llm.instrumentation.ollama._sdk import METHODS

        return (
            *(
                patch
                for name, op in METHODS.items()
                for patch in sync_and_async("ollama._client", f"Client.{name}", op)
            ),
            # ollama.chat & co. are bound methods of a default Client, taken before any patching
            *(Patch("ollama", name, op) for name, op in METHODS.items()),
        )


__all__ = ["OllamaInstrumentor"]

"""Cohere instrumentation (``cohere`` v2 clients ``ClientV2``/``AsyncClientV2``): chat, chat_stream
(with tool calls), embed and rerank.

Token usage is Cohere's billed units (what the price applies to); finish reasons are normalized to
the GenAI values (``COMPLETE`` -> ``stop``, ``TOOL_CALL`` -> ``tool_call``, ...). Rerank spans use
the otel-llm operation name ``rerank``. Guardrails check and redact chat texts
(``otel_llm.formats.cohere_chat``); embed
and rerank inputs are not guarded.
"""

from __future__ import annotations

from otel_llm.instrumentation._base import GenAIInstrumentor, Patches

_MODULE = "cohere.v2.client"


class CohereInstrumentor(GenAIInstrumentor):
    requirements = ("cohere >= 5.11",)

    def patches(self) -> Patches:
        from otel_llm.instrumentation._wrapping import Patch, sync_and_async
        from otel_llm.instrumentation.cohere._sdk import CHAT, CHAT_STREAM, EMBED, RERANK

        return (
            *sync_and_async(_MODULE, "V2Client.chat", CHAT),
            # both return generators: the sync call hands back an (async) iterator
            Patch(_MODULE, "V2Client.chat_stream", CHAT_STREAM),
            Patch(_MODULE, "AsyncV2Client.chat_stream", CHAT_STREAM),
            *sync_and_async(_MODULE, "V2Client.embed", EMBED),
            *sync_and_async(_MODULE, "V2Client.rerank", RERANK),
        )


__all__ = ["CohereInstrumentor"]

"""Cohere instrumentation (``cohere`` v2 clients ``ClientV2``/``AsyncClientV2``): chat, chat_stream
(with tool calls), embed and rerank.

Token usage is Cohere's billed units (what the price applies to); finish reasons are normalized to
the GenAI values (``COMPLETE`` -> ``stop``, ``TOOL_CALL`` -> ``tool_call``, ...). Rerank spans use
the otel-llm operation name ``rerank``. Guardrails check and redact chat texts (``_texts``); embed
and rerank inputs are not guarded.
"""

from __future__ import annotations

from collections.abc import Sequence

from otel_llm.instrumentation._base import GenAIInstrumentor
from otel_llm.instrumentation._wrapping import Operation, Patch
from otel_llm.instrumentation.cohere import _chat, _embed, _texts

CHAT = Operation(_chat.start, _chat.on_response, texts=_texts.TEXTS, refusal="cohere.chat")
CHAT_STREAM = Operation(
    _chat.start_stream, _chat.on_response, _chat.finish_stream, texts=_texts.TEXTS, refusal="cohere.chat"
)
EMBED = Operation(_embed.start_embed, _embed.on_embed_response)
RERANK = Operation(_embed.start_rerank, _embed.on_rerank_response)

_MODULE = "cohere.v2.client"


class CohereInstrumentor(GenAIInstrumentor):
    requirements = ("cohere >= 5.11",)

    def patches(self) -> Sequence[Patch]:
        return (
            Patch(_MODULE, "V2Client.chat", CHAT),
            Patch(_MODULE, "AsyncV2Client.chat", CHAT, is_async=True),
            # both return generators: the sync call hands back an (async) iterator
            Patch(_MODULE, "V2Client.chat_stream", CHAT_STREAM),
            Patch(_MODULE, "AsyncV2Client.chat_stream", CHAT_STREAM),
            Patch(_MODULE, "V2Client.embed", EMBED),
            Patch(_MODULE, "AsyncV2Client.embed", EMBED, is_async=True),
            Patch(_MODULE, "V2Client.rerank", RERANK),
            Patch(_MODULE, "AsyncV2Client.rerank", RERANK, is_async=True),
        )


__all__ = ["CohereInstrumentor"]

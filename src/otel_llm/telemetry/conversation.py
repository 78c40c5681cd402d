"""``otel_llm.conversation(id)``: the ``gen_ai.conversation.id`` of everything that runs beneath.

The id travels in the OpenTelemetry context, so it follows the same paths as the current span
(threads and tasks that copy the context, framework runs parented by the framework layer).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from opentelemetry import context
from opentelemetry.context import Context

CONVERSATION_KEY = context.create_key("otel-llm-conversation-id")


def current_conversation_id(ctx: Context | None = None) -> str | None:
    """The conversation id set for ``ctx`` (default: the current context), if any."""
    value = context.get_value(CONVERSATION_KEY, ctx)
    return value if isinstance(value, str) else None


def with_conversation(conversation_id: str, ctx: Context | None = None) -> Context:
    """``ctx`` (default: the current context) carrying ``conversation_id``."""
    return context.set_value(CONVERSATION_KEY, conversation_id, ctx)


@contextmanager
def conversation(conversation_id: str) -> Iterator[None]:
    """Set ``gen_ai.conversation.id`` on every agent, workflow, tool, retrieval and model span started inside.

    An id the app gave the framework (a LangGraph ``thread_id``, an OpenAI Agents ``group_id``) takes
    precedence for its own run; a LlamaIndex memory's session id does not (LlamaIndex draws a random one
    when the app names none).
    """
    token = context.attach(with_conversation(str(conversation_id)))
    try:
        yield
    finally:
        context.detach(token)

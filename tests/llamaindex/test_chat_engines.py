"""LlamaIndex chat engines: one tree per turn, and the chat session as ``gen_ai.conversation.id``.

A chat engine keeps its conversation in a memory. ``Memory`` has a ``session_id`` (LlamaIndex draws a
uuid4 when the app names none), the older ``ChatMemoryBuffer`` a ``chat_store_key`` (``"chat_history"``
by default, shared by every buffer, so not a session). The app's ``otel_llm.conversation(id)`` wins over
the memory's id.
"""

from __future__ import annotations

import gc
import json
import socket
import uuid

import llama_index.core.chat_engine.simple
import pytest
from llama_index.core import Document, VectorStoreIndex
from llama_index.core.chat_engine import SimpleChatEngine
from llama_index.core.llms import ChatMessage
from llama_index.core.memory import ChatMemoryBuffer, Memory
from llama_index.core.types import Thread
from llama_index.embeddings.openai import OpenAIEmbedding
from llama_index.llms.openai import OpenAI
from opentelemetry.trace import SpanKind, StatusCode

import openai
import otel_llm
from otel_llm.semconv import attributes as A
from tests.frameworks_server import ANSWER
from tests.span_tree import by_name, span_tree

SIMPLE_TREE = ["invoke_workflow SimpleChatEngine [INTERNAL]", "  chat gpt-4o-mini [CLIENT]"]


class _Writers:
    """The threads in which a ``SimpleChatEngine`` writes its streamed answers to the memory.

    ``stream_chat`` returns while its writer thread still reads the stream; the reader sees the answer (or
    its failure) before that thread has finished, so a test joins the writers before it reads the spans.
    ``first=True`` lets each writer finish before ``stream_chat`` returns, the order a busy machine may pick.
    """

    def __init__(self, monkeypatch: pytest.MonkeyPatch, first: bool = False) -> None:
        self.threads: list[Thread] = []
        writers = self

        class Writer(Thread):
            def start(self) -> None:
                writers.threads.append(self)
                super().start()
                if first:
                    self.join()

        monkeypatch.setattr(llama_index.core.chat_engine.simple, "Thread", Writer)

    def join(self) -> None:
        for thread in self.threads:
            thread.join(timeout=10)
        assert self.threads and not any(thread.is_alive() for thread in self.threads)


def _llm(server) -> OpenAI:
    return OpenAI(model="gpt-4o-mini", api_base=server.base_url, api_key="sk-test", max_retries=0)


def _conversations(spans) -> set[str | None]:
    return {span.attributes.get(A.GEN_AI_CONVERSATION_ID) for span in spans}


def _assert_counted_once(spans, server, usage_sent: bool = True) -> None:
    """One chat CLIENT span per chat request the server saw, with the server's tokens, nowhere else."""
    chats = [s for s in spans if s.kind is SpanKind.CLIENT and s.name.startswith("chat ")]
    assert len(chats) == len(server.requests)
    if not usage_sent:  # LlamaIndex's OpenAI streams ask for no usage, so the server sent none
        assert not any(A.GEN_AI_USAGE_INPUT_TOKENS in s.attributes for s in spans)
        return
    assert sorted(s.attributes[A.GEN_AI_USAGE_INPUT_TOKENS] for s in chats) == sorted(
        u["prompt_tokens"] for u in server.usages
    )
    assert sorted(s.attributes[A.GEN_AI_USAGE_OUTPUT_TOKENS] for s in chats) == sorted(
        u["completion_tokens"] for u in server.usages
    )
    for span in spans:
        if span.kind is not SpanKind.CLIENT:
            assert not {A.GEN_AI_USAGE_INPUT_TOKENS, A.OTEL_LLM_USAGE_COST_USD} & span.attributes.keys()


async def _turn(engine, mode: str, message: str) -> str:
    if mode == "sync":
        return str(engine.chat(message))
    if mode == "async":
        return str(await engine.achat(message))
    if mode == "stream":
        return "".join(engine.stream_chat(message).response_gen)
    response = await engine.astream_chat(message)
    return "".join([token async for token in response.async_response_gen()])


MODES = [  # each mode its own coverage cell
    pytest.param(
        mode,
        marks=pytest.mark.covers(
            provider="llamaindex", operation="invoke_workflow", mode=mode, feature="chat_engine"
        ),
    )
    for mode in ("sync", "async", "stream", "async_stream")
]


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("sdk", [False, True], ids=["framework-spans", "sdk-spans"])
async def test_a_chat_session_is_the_conversation_of_every_span(
    otel, instrument, server, mode, sdk, monkeypatch
) -> None:
    instrument(sdk=sdk)
    writers = _Writers(monkeypatch)
    memory = Memory.from_defaults(session_id="session-1")
    engine = SimpleChatEngine.from_defaults(llm=_llm(server), memory=memory, system_prompt="Be brief.")
    assert await _turn(engine, mode, "Weather in Paris?") == ANSWER
    if mode == "stream":
        writers.join()
    spans = otel.spans()
    assert span_tree(spans) == SIMPLE_TREE
    (workflow,) = by_name(spans, "invoke_workflow SimpleChatEngine")
    assert dict(workflow.attributes) == {
        A.GEN_AI_OPERATION_NAME: "invoke_workflow",
        A.GEN_AI_WORKFLOW_NAME: "SimpleChatEngine",
        A.GEN_AI_CONVERSATION_ID: "session-1",
    }
    (chat,) = by_name(spans, "chat gpt-4o-mini")
    assert chat.attributes[A.GEN_AI_CONVERSATION_ID] == "session-1"
    assert chat.attributes[A.GEN_AI_RESPONSE_FINISH_REASONS] == ("stop",)
    assert (A.SERVER_ADDRESS in chat.attributes) is sdk  # the SDK's span when it is instrumented
    streamed = mode in ("stream", "async_stream")
    assert server.requests[0]["body"].get("stream", False) is streamed
    assert chat.attributes.get(A.GEN_AI_REQUEST_STREAM, False) is streamed
    assert chat.attributes[A.GEN_AI_RESPONSE_ID] == "chatcmpl-1"
    if streamed:
        assert chat.attributes[A.GEN_AI_RESPONSE_TIME_TO_FIRST_CHUNK] > 0
        # the turn ends when the streamed answer has been read and written to the memory
        assert workflow.end_time >= chat.end_time
    _assert_counted_once(spans, server, usage_sent=not streamed)


@pytest.fixture
def index(server):
    embed = OpenAIEmbedding(model="text-embedding-3-small", api_base=server.base_url, api_key="sk-test")
    return VectorStoreIndex.from_documents(
        [Document(text="Paris is sunny in June.", id_="d1")], embed_model=embed
    )


@pytest.mark.covers(
    provider="llamaindex", operation="invoke_workflow", mode="sync", feature="chat_engine_rag"
)
@pytest.mark.parametrize("sdk", [False, True], ids=["framework-spans", "sdk-spans"])
def test_index_chat_engine_two_turns_of_one_conversation(otel, instrument, server, index, sdk) -> None:
    instrument(sdk=sdk, capture_mode="SPAN_ONLY")
    engine = index.as_chat_engine(
        llm=_llm(server), similarity_top_k=1, memory=Memory.from_defaults(session_id="session-2")
    )
    assert type(engine).__name__ == "CondensePlusContextChatEngine"  # as_chat_engine()'s default mode
    assert str(engine.chat("Weather in Paris?")) == ANSWER
    first = otel.spans()
    retrieval = [
        f"  retrieval {index.index_id} [CLIENT]",
        "    embeddings text-embedding-3-small [CLIENT]",
    ]
    assert span_tree(first) == [
        "invoke_workflow CondensePlusContextChatEngine [INTERNAL]",
        *retrieval,
        "  chat gpt-4o-mini [CLIENT]",
    ]
    assert str(engine.chat("And tomorrow?")) == ANSWER
    second = otel.spans()[len(first) :]
    # the second turn first condenses the history and the question into one (LlamaIndex's complete():
    # a chat request to a chat model)
    assert span_tree(second) == [
        "invoke_workflow CondensePlusContextChatEngine [INTERNAL]",
        "  chat gpt-4o-mini [CLIENT]",
        *retrieval,
        "  chat gpt-4o-mini [CLIENT]",
    ]
    assert len({s.context.trace_id for s in first}) == len({s.context.trace_id for s in second}) == 1
    assert _conversations(first + second) == {"session-2"}
    _assert_counted_once(first + second, server)
    condense = min(by_name(second, "chat gpt-4o-mini"), key=lambda s: s.start_time)
    (prompt,) = json.loads(condense.attributes[A.GEN_AI_INPUT_MESSAGES])
    assert prompt["role"] == "user"
    assert "And tomorrow?" in prompt["parts"][0]["content"]
    assert "Weather in Paris?" in prompt["parts"][0]["content"]  # the history it condenses
    assert json.loads(condense.attributes[A.GEN_AI_OUTPUT_MESSAGES]) == [
        {"role": "assistant", "parts": [{"type": "text", "content": ANSWER}], "finish_reason": "stop"}
    ]


@pytest.mark.covers(provider="llamaindex", operation="invoke_workflow", mode="sync", feature="conversation")
def test_the_memory_names_the_session(otel, instrument, server) -> None:
    instrument()
    default = SimpleChatEngine.from_defaults(llm=_llm(server))  # a Memory with a session id of its own
    default.chat("Weather in Paris?")
    session = default._memory.session_id
    assert str(uuid.UUID(session)) == session
    keyed = SimpleChatEngine.from_defaults(
        llm=_llm(server), memory=ChatMemoryBuffer.from_defaults(chat_store_key="user-9")
    )
    keyed.chat("Weather in Paris?")
    shared = SimpleChatEngine.from_defaults(llm=_llm(server), memory=ChatMemoryBuffer.from_defaults())
    shared.chat("Weather in Paris?")
    spans = otel.spans()
    trees = [spans[i : i + 2] for i in range(0, 6, 2)]
    assert [span_tree(tree) for tree in trees] == [SIMPLE_TREE] * 3
    assert [_conversations(tree) for tree in trees] == [{session}, {"user-9"}, {None}]


@pytest.mark.covers(provider="llamaindex", operation="invoke_workflow", mode="async", feature="conversation")
async def test_the_apps_conversation_scope_wins_over_the_memory(otel, instrument, server) -> None:
    instrument()
    engine = SimpleChatEngine.from_defaults(llm=_llm(server), memory=Memory.from_defaults(session_id="m-1"))
    with otel_llm.conversation("app-7"):
        assert str(await engine.achat("Weather in Paris?")) == ANSWER
    assert str(await engine.achat("Weather in Paris?")) == ANSWER
    spans = otel.spans()
    assert span_tree(spans) == SIMPLE_TREE * 2
    assert [_conversations(spans[:2]), _conversations(spans[2:])] == [{"app-7"}, {"m-1"}]


def test_a_stream_closed_early_or_dropped_unread_ends_its_span_once(otel, instrument, server) -> None:
    instrument()
    llm = _llm(server)
    question = [ChatMessage(role="user", content="Weather in Paris?")]
    stream = llm.stream_chat(question)
    next(stream)
    stream.close()  # the app stops reading
    dropped = llm.stream_chat(question)  # never read: no request is made
    del dropped
    gc.collect()
    spans = otel.spans()
    assert span_tree(spans) == ["chat gpt-4o-mini [CLIENT]"] * 2
    closed, unread = sorted(spans, key=lambda s: s.start_time)
    assert len(server.requests) == 1
    assert closed.attributes[A.GEN_AI_REQUEST_STREAM] is True
    assert closed.attributes[A.GEN_AI_RESPONSE_TIME_TO_FIRST_CHUNK] > 0
    assert A.GEN_AI_RESPONSE_ID not in unread.attributes
    for span in spans:
        assert span.status.status_code is StatusCode.UNSET
        assert A.ERROR_TYPE not in span.attributes


@pytest.mark.covers(provider="llamaindex", operation="invoke_workflow", mode="stream", feature="errors")
# LlamaIndex's writer thread re-raises the stream's failure after handing it to the reader
@pytest.mark.filterwarnings("ignore::pytest.PytestUnhandledThreadExceptionWarning")
@pytest.mark.parametrize(
    ("streamed", "writer_first"),
    [(False, False), (True, False), (True, True)],
    ids=["chat", "stream_chat", "stream_chat-writer-ends-first"],
)
def test_a_failing_model_call_in_a_chat_turn(otel, instrument, streamed, writer_first, monkeypatch) -> None:
    instrument()
    writers = _Writers(monkeypatch, first=writer_first)
    with socket.socket() as unused:  # a port nothing listens on
        unused.bind(("127.0.0.1", 0))
        base_url = f"http://127.0.0.1:{unused.getsockname()[1]}/v1"
    llm = OpenAI(model="gpt-4o-mini", api_base=base_url, api_key="sk-test", max_retries=0)
    engine = SimpleChatEngine.from_defaults(llm=llm, memory=Memory.from_defaults(session_id="s-9"))
    with pytest.raises(openai.APIConnectionError):
        if streamed:  # LlamaIndex re-raises the stream's failure to the reader
            "".join(engine.stream_chat("Weather in Paris?").response_gen)
        else:
            engine.chat("Weather in Paris?")
    if streamed:
        writers.join()
    spans = otel.spans()
    assert span_tree(spans) == SIMPLE_TREE
    for span in spans:
        assert span.attributes[A.ERROR_TYPE] == "APIConnectionError"
        assert span.status.status_code is StatusCode.ERROR
        assert span.attributes[A.GEN_AI_CONVERSATION_ID] == "s-9"

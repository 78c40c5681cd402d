"""The LlamaIndex dispatcher handlers: LlamaIndex spans and events onto the core's operations.

LlamaIndex span -> our span:

- ``FunctionAgent.run`` (any ``BaseWorkflowAgent``) -> ``invoke_agent {agent name}``;
  ``AgentWorkflow.run`` and other workflows -> ``invoke_workflow {class name}``. In an ``AgentWorkflow``
  each agent's consecutive turns (``run_agent_step``) and the tools they call are one
  ``invoke_agent {agent name}`` beneath the workflow: a handoff ends one agent span and starts the next.
- a query engine's ``query``/``aquery`` -> ``invoke_workflow {class name}`` (retrieve, then synthesize);
  a chat engine's ``chat``/``achat``/``stream_chat``/``astream_chat`` -> ``invoke_workflow {class name}`` with
  its memory's session as the conversation id (unless the app set one with ``otel_llm.conversation``).
- a retriever's ``retrieve``/``aretrieve`` -> ``retrieval {index id}``; a tool's ``call``/``acall`` ->
  ``execute_tool {tool name}`` (the call id from the agent's tool-call event).
- model calls: when otel-llm instruments the SDK beneath (OpenAI, Anthropic, Groq, Ollama), that SDK's
  CLIENT span; otherwise a CLIENT span from the ``LLMChat*``/``LLMCompletion*``/``Embedding*`` events.
- every other LlamaIndex span -> no span: what it runs nests under the nearest step.

Parents come from LlamaIndex's own span ids (``parent_span_id``). While a step runs its span is also
current, except for ``Workflow.run``, which returns before the work is done (children still find it by id).
Every handler method catches its own errors.
"""

from __future__ import annotations

import logging
import weakref
from collections.abc import AsyncGenerator, Generator
from time import perf_counter
from typing import Any

from llama_index.core.instrumentation.event_handlers import BaseEventHandler
from llama_index.core.instrumentation.span import SimpleSpan
from llama_index.core.instrumentation.span_handlers import BaseSpanHandler
from opentelemetry import context
from opentelemetry.context import Context
from pydantic import PrivateAttr

from otel_llm.instrumentation._frameworks import sdk_instrumented
from otel_llm.semconv import attributes as A
from otel_llm.telemetry import content
from otel_llm.telemetry.conversation import current_conversation_id
from otel_llm.telemetry.fields import get
from otel_llm.telemetry.invocation import GenAITelemetry, Invocation
from otel_llm.telemetry.operations import Operation, OperationKind, activate, deactivate, start_operation

logger = logging.getLogger(__name__)

_ROLES = {"user": "user", "assistant": "assistant", "system": "system", "tool": "tool"}
# the module of a LlamaIndex LLM or embedding class -> (gen_ai.provider.name, the SDK it calls)
_INTEGRATIONS = {
    "openai": ("openai", "openai"),
    "azure_openai": ("azure.ai.openai", "openai"),
    "anthropic": ("anthropic", "anthropic"),
    "groq": ("groq", "openai"),
    "ollama": ("ollama", "ollama"),
    "mistralai": ("mistral_ai", None),
    "cohere": ("cohere", None),
    "bedrock_converse": ("aws.bedrock", None),
    "google_genai": ("gcp.gen_ai", None),
}
_DEFAULT_CHAT_STORE_KEY = "chat_history"


def _classes(instance: Any) -> set[str]:
    return {cls.__name__ for cls in type(instance).__mro__}


def _integration(instance: Any) -> tuple[str, str | None]:
    """``(provider, sdk)`` of a LlamaIndex LLM or embedding model, from its integration package."""
    module = type(instance).__module__.split(".")
    name = module[2] if len(module) > 2 and module[0] == "llama_index" else ""
    return _INTEGRATIONS.get(name, (name or "llama_index", None))


def _session_id(memory: Any, ctx: Context) -> str | None:
    """The chat session of a LlamaIndex memory: ``Memory.session_id`` or a non-default chat store key.

    ``None`` inside the app's ``otel_llm.conversation(id)``: LlamaIndex gives every ``Memory`` a session
    id, a random one when the app names none, so the app's own scope wins over it.
    """
    if memory is None or current_conversation_id(ctx) is not None:
        return None
    session = get(memory, "session_id")
    if isinstance(session, str) and session:
        return session
    key = get(memory, "chat_store_key")
    return key if isinstance(key, str) and key and key != _DEFAULT_CHAT_STORE_KEY else None


def _message(message: Any) -> dict[str, Any]:
    role = getattr(get(message, "role"), "value", get(message, "role"))
    text = get(message, "content")
    parts = [content.text_part(text)] if isinstance(text, str) and text else []
    for call in (get(message, "additional_kwargs") or {}).get("tool_calls") or ():
        function = get(call, "function")
        parts.append(
            content.tool_call_part(
                get(call, "id"), get(function, "name"), content.parse_json_or_text(get(function, "arguments"))
            )
        )
    return {"role": _ROLES.get(str(role), "user"), "parts": parts}


class _Step:
    __slots__ = (
        "agent", "ctx", "model", "op", "parent", "pending", "stream", "token", "tool_id", "workflow",
        "writer",
    )  # fmt: skip

    def __init__(self, ctx: Context, parent: _Step | None) -> None:
        self.ctx = ctx
        self.parent = parent
        self.model: Any = None  # the LLM or embedding model of a model-call span
        # the nearest workflow or agent step
        self.workflow: _Step | None = parent.workflow if parent is not None else None
        self.op: Operation | None = None
        self.token: object | None = None
        self.tool_id: str | None = None
        self.agent: tuple[str, Operation] | None = None  # on a workflow: its current agent and span
        self.pending: list[Invocation] = []  # model calls of this step whose end event may not come
        self.stream = False  # a model call's span that returns a stream (``stream_chat``, ...)
        self.writer: int | None = None  # the streamed chat response this step writes to the chat's memory


class SpanHandler(BaseSpanHandler[SimpleSpan]):
    """Receives LlamaIndex's span enter/exit/drop; keeps no LlamaIndex spans of its own."""

    _telemetry: GenAITelemetry = PrivateAttr()
    _steps: dict[str, _Step] = PrivateAttr(default_factory=dict)
    _calls: dict[str, Invocation] = PrivateAttr(default_factory=dict)  # model calls by LlamaIndex span id
    # a streamed chat: the chat engine's step waits for its response's writer, by the response's id()
    _streaming: dict[int, tuple[str, _Step]] = PrivateAttr(default_factory=dict)
    # responses whose writer ended first (in its thread, before the chat engine returned), with its error
    _written: dict[int, BaseException | None] = PrivateAttr(default_factory=dict)

    def __init__(self, telemetry: GenAITelemetry) -> None:
        super().__init__()
        self._telemetry = telemetry

    @classmethod
    def class_name(cls) -> str:
        return "OtelLLMSpanHandler"

    # BaseSpanHandler's bookkeeping (open_spans, locks) is not needed: these three do everything.
    def span_enter(  # type: ignore[override]  # LlamaIndex's base signature varies between releases
        self, id_: str, bound_args: Any, instance: Any = None, parent_id: str | None = None, **kw: Any
    ) -> None:
        try:
            self._enter(id_, bound_args, instance, parent_id)
        except Exception:
            logger.exception("otel-llm: LlamaIndex span handler failed")

    def span_exit(self, id_: str, bound_args: Any, instance: Any = None, result: Any = None, **kw):
        try:
            self._exit(id_, result, None)
        except Exception:
            logger.exception("otel-llm: LlamaIndex span handler failed")

    def span_drop(self, id_: str, bound_args: Any, instance: Any = None, err: Any = None, **kw):
        try:
            self._exit(id_, None, err if isinstance(err, BaseException) else RuntimeError(str(err)))
        except Exception:
            logger.exception("otel-llm: LlamaIndex span handler failed")

    def new_span(self, *args: Any, **kwargs: Any) -> None:  # unused: span_enter is overridden
        return None

    def prepare_to_exit_span(self, *args: Any, **kwargs: Any) -> None:
        return None

    def prepare_to_drop_span(self, *args: Any, **kwargs: Any) -> None:
        return None

    # -- steps -----------------------------------------------------------------------------------

    def _start(self, step: _Step, kind: OperationKind, name: str | None, **kwargs: Any) -> Operation | None:
        op = start_operation(self._telemetry, kind, name, parent=step.ctx, **kwargs)
        if op is not None:
            step.op, step.ctx = op, op.context()
        return op

    def _enter(self, id_: str, bound_args: Any, instance: Any, parent_id: str | None) -> None:
        parent = self._steps.get(parent_id) if parent_id else None
        step = _Step(parent.ctx if parent is not None else context.get_current(), parent)
        self._steps[id_] = step
        owner, _, method = id_[:-37].rpartition(".")  # "Class.method-<uuid4>" (or a function qualname)
        arguments = getattr(bound_args, "arguments", {}) or {}
        classes = _classes(instance) if instance is not None else set()
        if "BaseLLM" in classes or "BaseEmbedding" in classes:
            step.model = instance
            step.stream = method.startswith(("stream_", "astream_"))
        if method == "run" and "Workflow" in classes:
            self._enter_workflow(step, instance, classes, arguments)
            return  # Workflow.run returns a handler before the work is done: nothing to make current
        if method == "run_agent_step" and (owner == "AgentWorkflow" or "AgentWorkflow" in classes):
            self._enter_agent_turn(step, arguments.get("ev"))
        elif method == "call_tool" and step.workflow is not None:
            step.tool_id = get(arguments.get("ev"), "tool_id")
            if step.workflow.agent is not None:
                step.ctx = step.workflow.agent[1].context()
        elif method in ("call", "acall") and "BaseTool" in classes and not _inside_tool(parent):
            self._enter_tool(step, parent, instance, arguments)
        elif method in ("retrieve", "aretrieve") and "BaseRetriever" in classes:
            self._enter_retrieval(step, instance, arguments)
        elif method in ("query", "aquery") and "BaseQueryEngine" in classes and not _inside(parent, "query"):
            self._start(step, OperationKind.INVOKE_WORKFLOW, type(instance).__name__)
        elif method in _WRITERS and "StreamingAgentChatResponse" in classes:
            step.writer = id(instance)
        elif method in ("chat", "achat", "stream_chat", "astream_chat") and "BaseChatEngine" in classes:
            self._start(
                step,
                OperationKind.INVOKE_WORKFLOW,
                type(instance).__name__,
                conversation_id=_session_id(getattr(instance, "_memory", None), step.ctx),
            )
        step.token = activate(step.ctx)

    def _enter_workflow(
        self, step: _Step, instance: Any, classes: set[str], arguments: dict[str, Any]
    ) -> None:
        start = arguments.get("start_event")  # agents pass user_msg and memory in their start event
        extra = arguments.get("kwargs") or {}
        memory = get(start, "memory") or arguments.get("memory") or extra.get("memory")
        conversation = _session_id(memory, step.ctx)
        if "BaseWorkflowAgent" in classes:
            description = get(instance, "description")
            op = self._start(
                step,
                OperationKind.INVOKE_AGENT,
                get(instance, "name"),
                attributes={
                    A.GEN_AI_AGENT_DESCRIPTION: description if isinstance(description, str) else None
                },
                conversation_id=conversation,
            )
            if op is not None and op.capture:
                prompt = get(instance, "system_prompt")
                if isinstance(prompt, str) and prompt:
                    op.content[A.GEN_AI_SYSTEM_INSTRUCTIONS] = [content.text_part(prompt)]
                user_msg = get(start, "user_msg") or arguments.get("user_msg") or extra.get("user_msg")
                if user_msg is not None:
                    text = user_msg if isinstance(user_msg, str) else get(user_msg, "content")
                    op.content[A.GEN_AI_INPUT_MESSAGES] = [
                        {"role": "user", "parts": [content.text_part(str(text))]}
                    ]
        else:
            self._start(
                step, OperationKind.INVOKE_WORKFLOW, type(instance).__name__, conversation_id=conversation
            )
        step.workflow = step

    def _enter_agent_turn(self, step: _Step, event: Any) -> None:
        workflow = step.workflow
        name = get(event, "current_agent_name")
        if workflow is None or not isinstance(name, str):
            return
        if workflow.agent is None or workflow.agent[0] != name:  # the first turn, or a handoff
            if workflow.agent is not None:
                workflow.agent[1].end()
            op = start_operation(self._telemetry, OperationKind.INVOKE_AGENT, name, parent=workflow.ctx)
            workflow.agent = (name, op) if op is not None else None
        if workflow.agent is not None:
            step.ctx = workflow.agent[1].context()

    def _enter_tool(
        self, step: _Step, parent: _Step | None, instance: Any, arguments: dict[str, Any]
    ) -> None:
        metadata = get(instance, "metadata")
        agent = None
        workflow = step.workflow
        if workflow is not None:
            agent = (
                workflow.agent[0]
                if workflow.agent
                else workflow.op and workflow.op.start_attributes.get(A.GEN_AI_AGENT_NAME)
            )
        op = self._start(
            step,
            OperationKind.EXECUTE_TOOL,
            get(metadata, "name"),
            attributes={
                A.GEN_AI_TOOL_TYPE: "function",
                A.GEN_AI_TOOL_DESCRIPTION: get(metadata, "description") or None,
                A.GEN_AI_TOOL_CALL_ID: parent.tool_id if parent is not None else None,
                A.GEN_AI_AGENT_NAME: agent or None,
            },
        )
        if op is not None and op.capture:
            op.content[A.GEN_AI_TOOL_CALL_ARGUMENTS] = arguments.get("kwargs") or {
                k: v for k, v in arguments.items() if k != "self"
            }

    def _enter_retrieval(self, step: _Step, instance: Any, arguments: dict[str, Any]) -> None:
        index = getattr(instance, "_index", None)
        source = get(index, "index_id") or type(instance).__name__
        op = self._start(step, OperationKind.RETRIEVAL, source if isinstance(source, str) else None)
        query = arguments.get("str_or_query_bundle")
        top_k = getattr(instance, "_similarity_top_k", None)
        if op is not None and isinstance(top_k, int):
            op.attributes[A.GEN_AI_REQUEST_TOP_K] = float(top_k)
        if op is not None and op.capture and query is not None:
            op.content[A.GEN_AI_RETRIEVAL_QUERY_TEXT] = (
                query if isinstance(query, str) else get(query, "query_str")
            )

    def _exit(self, id_: str, result: Any, error: BaseException | None) -> None:
        step = self._steps.get(id_)
        if step is None:
            return
        if step.token is not None:
            deactivate(step.token)
            step.token = None
        if step.writer is not None:  # a streamed chat's response is written: its chat engine's turn is done
            del self._steps[id_]
            waiting = self._streaming.pop(step.writer, None)
            if waiting is None:
                self._written[step.writer] = error
            else:
                self._end(waiting[0], waiting[1], None, error)
            return
        if (
            error is None
            and step.op is not None
            and hasattr(result, "write_response_to_history")  # a StreamingAgentChatResponse
            and type(result).__name__ == "StreamingAgentChatResponse"
        ):
            key = id(result)
            if key not in self._written:  # the stream is still being read: the turn ends when it is written
                self._streaming[key] = (id_, step)
                return
            error = self._written.pop(key)
        self._end(id_, step, result, error)

    def _end(self, id_: str, step: _Step, result: Any, error: BaseException | None) -> None:
        self._steps.pop(id_, None)
        if step.model is not None and id_ in self._calls:  # a model call whose end event has not come
            if error is not None:
                self._calls.pop(id_).fail(error)
            elif step.stream and isinstance(result, Generator | AsyncGenerator):
                # its end event comes when the stream is read to the end, or an exception event when it
                # fails or is closed; a stream dropped unread ends with the generator
                weakref.finalize(result, self._drop_call, id_)
        for invocation in step.pending:  # ended already, or its end event never came (a failed stream)
            invocation.end() if error is None else invocation.fail(error)
        if step.agent is not None:  # a workflow's last agent
            step.agent[1].end() if error is None else step.agent[1].fail(error)
        if step.op is None:
            return
        if error is None and step.op.capture:
            self._record_result(step.op, result)
        step.op.end() if error is None else step.op.fail(error)

    @staticmethod
    def _record_result(op: Operation, result: Any) -> None:
        operation = op.start_attributes.get(A.GEN_AI_OPERATION_NAME)
        if operation == OperationKind.EXECUTE_TOOL.value:
            op.content[A.GEN_AI_TOOL_CALL_RESULT] = content.parse_json_or_text(
                get(result, "raw_output", get(result, "content", result))
            )
        elif operation == OperationKind.RETRIEVAL.value and isinstance(result, list):
            op.content[A.GEN_AI_RETRIEVAL_DOCUMENTS] = [
                {
                    "id": get(get(r, "node"), "node_id"),
                    "score": get(r, "score"),
                    "content": get(get(r, "node"), "text"),
                }
                for r in result
            ]

    # -- model calls (from events) ---------------------------------------------------------------

    def start_model_call(self, span_id: str | None, operation: str, model: Any) -> Invocation | None:
        step = self._steps.get(span_id) if span_id else None
        instance = step.model if step is not None else None
        provider, sdk = _integration(instance)
        model = model if isinstance(model, str) else get(instance, "model", get(instance, "model_name"))
        if sdk_instrumented(sdk):
            return None
        if operation == "text_completion" and get(get(instance, "metadata"), "is_chat_model") is True:
            operation = "chat"  # ``complete()`` of a chat model: the request is a chat one
        token = context.attach(step.ctx if step is not None else context.get_current())
        try:
            invocation = self._telemetry.start(
                operation,
                provider,
                model if isinstance(model, str) else None,
                stream=step is not None and step.stream,
            )
        finally:
            context.detach(token)
        if invocation is not None and span_id:
            self._calls[span_id] = invocation
            owner = step.parent if step is not None else None
            if owner is not None and not (step is not None and step.stream):
                owner.pending.append(invocation)  # the calling step ends it if its end event never comes
        return invocation

    def _drop_call(self, span_id: str) -> None:
        try:
            invocation = self._calls.pop(span_id, None)
            if invocation is not None:
                invocation.end()
        except Exception:
            logger.exception("otel-llm: LlamaIndex span handler failed")

    def in_flight(self, span_id: str | None) -> Invocation | None:
        return self._calls.get(span_id) if span_id else None

    def model_call(self, span_id: str | None) -> Invocation | None:
        """The model call started for LlamaIndex span ``span_id``, now ending (``None`` if not ours)."""
        return self._calls.pop(span_id, None) if span_id else None


_WRITERS = ("write_response_to_history", "awrite_response_to_history")


def _inside(parent: _Step | None, operation: str) -> bool:
    return (
        parent is not None
        and parent.op is not None
        and parent.op.start_attributes.get(A.GEN_AI_OPERATION_NAME) == operation
    )


def _inside_tool(parent: _Step | None) -> bool:
    return _inside(parent, OperationKind.EXECUTE_TOOL.value)


class EventHandler(BaseEventHandler):
    """Model calls from LlamaIndex's LLM and embedding events, when the SDK beneath is not instrumented."""

    _spans: SpanHandler = PrivateAttr()

    def __init__(self, spans: SpanHandler) -> None:
        super().__init__()
        self._spans = spans

    @classmethod
    def class_name(cls) -> str:
        return "OtelLLMEventHandler"

    def handle(self, event: Any, **kwargs: Any) -> None:
        try:
            self._handle(event)
        except Exception:
            logger.exception("otel-llm: LlamaIndex event handler failed")

    def _handle(self, event: Any) -> None:
        kind = type(event).__name__
        span_id = get(event, "span_id")
        if kind in ("LLMChatStartEvent", "LLMCompletionStartEvent"):
            model = get(event, "model_dict") or {}
            operation = "chat" if kind == "LLMChatStartEvent" else "text_completion"
            invocation = self._spans.start_model_call(span_id, operation, model.get("model"))
            if invocation is not None and invocation.capture:
                prompt = get(event, "prompt")
                converted = [_message(m) for m in get(event, "messages") or ()]
                if not converted and isinstance(prompt, str):  # a completion's prompt
                    converted = [{"role": "user", "parts": [content.text_part(prompt)]}]
                system = [p for m in converted if m["role"] == "system" for p in m["parts"]]
                invocation.input_content = (
                    system or None,
                    [m for m in converted if m["role"] != "system"],
                    None,
                )
        elif kind in ("LLMChatEndEvent", "LLMCompletionEndEvent"):
            invocation = self._spans.model_call(span_id)
            if invocation is not None:
                _read_response(invocation, get(event, "response"))
                invocation.end()
        elif kind == "ExceptionEvent":  # a streamed model call that failed or was closed early
            invocation = self._spans.model_call(span_id)
            error = get(event, "exception")
            if invocation is not None:
                if isinstance(error, Exception):
                    invocation.fail(error)
                else:  # GeneratorExit: the app stopped reading
                    invocation.end()
        elif kind in ("LLMChatInProgressEvent", "LLMCompletionInProgressEvent"):
            invocation = self._spans.in_flight(span_id)
            if invocation is not None:
                invocation.chunk_times.append(perf_counter())
        elif kind == "EmbeddingStartEvent":
            model = get(event, "model_dict") or {}
            self._spans.start_model_call(span_id, "embeddings", model.get("model_name"))
        elif kind == "EmbeddingEndEvent":
            invocation = self._spans.model_call(span_id)
            if invocation is not None:
                invocation.end()


def _read_response(invocation: Invocation, response: Any) -> None:
    raw = get(response, "raw")
    usage = get(raw, "usage") or (get(response, "additional_kwargs") or {})
    invocation.response_model = get(raw, "model")
    invocation.response_id = get(raw, "id")
    invocation.input_tokens = get(usage, "prompt_tokens")
    invocation.output_tokens = get(usage, "completion_tokens")
    reasons = [get(c, "finish_reason") for c in get(raw, "choices") or ()]
    invocation.finish_reasons = [r for r in reasons if isinstance(r, str)] or None
    if not invocation.capture:
        return
    reason = (reasons or ["stop"])[0] or "stop"
    message, text = get(response, "message"), get(response, "text")
    if message is not None:
        invocation.output_messages = [{**_message(message), "role": "assistant", "finish_reason": reason}]
    elif isinstance(text, str):  # a CompletionResponse
        invocation.output_messages = [
            {"role": "assistant", "parts": [content.text_part(text)], "finish_reason": reason}
        ]

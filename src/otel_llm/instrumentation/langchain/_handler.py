"""The LangChain callback handler: LangChain and LangGraph runs onto the core's operations.

Run -> span:

- a LangGraph graph -> ``invoke_workflow {graph name}``; a graph built by ``langchain.agents.create_agent``
  (or LangGraph's prebuilt ``create_react_agent``) -> ``invoke_agent {agent name}``; a legacy
  ``AgentExecutor`` (langchain-classic) run -> ``invoke_agent {run name}``, its tools' call ids from its
  agent actions. LangGraph reports a
  graph like any other chain, so a run becomes a graph span when its first node starts (the span keeps
  the run's own start time).
- each execution of a node of a workflow graph -> a node span (``otel_llm.workflow.node.internal``) named
  by the node: parallel branches show side by side, and every model and tool call sits under the node that
  made it. The nodes of an agent's graph (its model -> tools loop) get none: the agent's chat and tool
  spans, in order, already are that loop.
- a tool -> ``execute_tool {tool name}``; a retriever -> ``retrieval {retriever run name}``.
- a chat model or LLM -> the CLIENT span of the model call. When otel-llm instruments the provider SDK
  underneath (``ls_provider``), that SDK's span is the one span of the call; otherwise the handler
  emits it from the callbacks (model, provider, tokens, finish reasons, errors, content).
- other chains (sequences, prompts, parsers, lambdas, routers) -> no span: what they run nests under
  the nearest step.

Parents come from ``parent_run_id``, not from the ambient context, so async runs, thread pools and
parallel branches nest correctly. While a step runs, its span is also made current (the handler runs
inline), so the SDK's model span and the app's own spans inside a tool are its children.
Every callback catches its own errors: a broken payload is logged, never raised into the app.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from functools import wraps
from time import perf_counter, time_ns
from typing import Any, ParamSpec
from uuid import UUID

from langchain_core.callbacks import BaseCallbackHandler
from opentelemetry import context
from opentelemetry.context import Context

from otel_llm.instrumentation.langchain import _messages
from otel_llm.semconv import attributes as A
from otel_llm.telemetry import content
from otel_llm.telemetry.invocation import GenAITelemetry, Invocation
from otel_llm.telemetry.operations import Operation, OperationKind, activate, deactivate, start_operation

logger = logging.getLogger(__name__)
_P = ParamSpec("_P")

AGENT_METADATA_KEY = "otel_llm_agent"
"""Run metadata naming an agent: graphs with it are ``invoke_agent`` spans (set on prebuilt agents)."""
_CREATE_AGENT = "langchain_create_agent"  # the ls_integration of graphs built by create_agent


class _Run:
    """What the handler keeps of one LangChain run until it ends."""

    __slots__ = (
        "actions", "agent", "ctx", "inputs", "invocation", "metadata", "name", "op", "start_ns", "token",
    )  # fmt: skip

    def __init__(self, ctx: Context, agent: _Run | None) -> None:
        self.ctx = ctx  # the context the run's children start in
        self.agent = agent  # the nearest agent run (this one, or an ancestor)
        self.op: Operation | None = None
        self.invocation: Invocation | None = None
        self.token: object | None = None
        self.name: str | None = None
        self.metadata: dict[str, Any] | None = None
        self.inputs: Any = None
        self.start_ns = 0
        self.actions: list[tuple[str | None, str]] = []  # an AgentExecutor's (tool, call id) not yet run


def _safe(method: Callable[_P, None]) -> Callable[_P, None]:
    """Callbacks never raise: LangChain would only log it, but the app must not even see a warning."""

    @wraps(method)
    def safe(*args: _P.args, **kwargs: _P.kwargs) -> None:
        try:
            method(*args, **kwargs)
        except Exception:
            logger.exception("otel-llm: LangChain callback %s failed", method.__name__)

    return safe


def _is_control_flow(error: BaseException) -> bool:
    """LangGraph's interrupts and parent commands (handoffs) travel as exceptions; they are not failures."""
    return any(cls.__name__ == "GraphBubbleUp" for cls in type(error).__mro__)


class OtelLLMCallbackHandler(BaseCallbackHandler):
    run_inline = True  # called in the run's own context (and thread), never in an executor

    def __init__(self, telemetry: GenAITelemetry, sdk_instrumented: Any) -> None:
        super().__init__()
        self.telemetry = telemetry
        self._sdk_instrumented = sdk_instrumented  # ls_provider -> bool
        self._runs: dict[UUID, _Run] = {}

    # -- the run tree ----------------------------------------------------------------------------

    def _child(self, run_id: UUID, parent_run_id: UUID | None) -> tuple[_Run, _Run | None]:
        parent = self._runs.get(parent_run_id) if parent_run_id is not None else None
        run = _Run(
            parent.ctx if parent is not None else context.get_current(), parent.agent if parent else None
        )
        self._runs[run_id] = run
        return run, parent

    def _begin(self, run: _Run, op: Operation | None) -> None:
        if op is not None:
            run.op = op
            run.ctx = op.context()
            run.token = activate(run.ctx)

    def _finish(self, run_id: UUID, error: BaseException | None = None) -> _Run | None:
        run = self._runs.pop(run_id, None)
        if run is None:
            return None
        if run.token is not None:
            deactivate(run.token)
        ended = run.op or run.invocation
        if ended is not None:
            if error is None or _is_control_flow(error):
                ended.end()
            else:
                ended.fail(error)
        return run

    def _capturing(self, run_id: UUID) -> Operation | None:
        """The run's operation, if it records content."""
        run = self._runs.get(run_id)
        op = run.op if run is not None else None
        return op if op is not None and op.capture else None

    def _promote_graph(self, graph: _Run, agent_name: str | None = None) -> None:
        """The run that started this node is a graph (or ``agent_name``'s run): give it its span."""
        metadata = graph.metadata or {}
        agent_name = agent_name or metadata.get(AGENT_METADATA_KEY)
        if agent_name is None and metadata.get("ls_integration") == _CREATE_AGENT:
            agent_name = metadata.get("lc_agent_name") or graph.name
        kind = OperationKind.INVOKE_WORKFLOW if agent_name is None else OperationKind.INVOKE_AGENT
        thread_id = metadata.get("thread_id")
        op = start_operation(
            self.telemetry,
            kind,
            agent_name or graph.name,
            parent=graph.ctx,
            conversation_id=str(thread_id) if thread_id is not None else None,
            start_time=graph.start_ns,
        )
        if op is None:
            return
        graph.op, graph.ctx = op, op.context()
        if agent_name is not None:
            graph.agent = graph
        if op.capture and isinstance(graph.inputs, dict) and graph.inputs.get("messages"):
            op.content[A.GEN_AI_INPUT_MESSAGES] = [_messages.to_message(m) for m in graph.inputs["messages"]]
        elif op.capture and isinstance(graph.inputs, dict) and isinstance(graph.inputs.get("input"), str):
            op.content[A.GEN_AI_INPUT_MESSAGES] = [  # an AgentExecutor's input
                {"role": "user", "parts": [content.text_part(graph.inputs["input"])]}
            ]

    def mark_agent(self, run_id: UUID) -> None:
        """Run ``run_id`` is a legacy ``AgentExecutor``: an agent named by its run (idempotent)."""
        try:
            run = self._runs.get(run_id)
            if run is not None and run.op is None:
                self._promote_graph(run, run.name or "AgentExecutor")
        except Exception:
            logger.exception("otel-llm: LangChain AgentExecutor run could not be marked")

    @_safe
    def on_agent_action(self, action: Any, *, run_id: UUID, **kwargs: Any) -> None:
        """An AgentExecutor is about to run a tool: keep the model's tool call id for its span."""
        run = self._runs.get(run_id)
        call_id = _text(getattr(action, "tool_call_id", None))
        if run is not None and call_id is not None:
            run.actions.append((_text(getattr(action, "tool", None)), call_id))

    # -- chains, graphs and nodes ----------------------------------------------------------------

    @_safe
    def on_chain_start(
        self,
        serialized: dict[str, Any] | None,
        inputs: Any,
        *,
        run_id: UUID,
        parent_run_id: UUID | None = None,
        tags: list[str] | None = None,
        metadata: dict[str, Any] | None = None,
        **kwargs: Any,
    ) -> None:
        run, parent = self._child(run_id, parent_run_id)
        name = _text(kwargs.get("name") or (serialized or {}).get("name"))
        node = (metadata or {}).get("langgraph_node")
        if parent is not None and node is not None and name == node and _is_graph_step(tags):
            if parent.op is None:
                self._promote_graph(parent)
                run.ctx, run.agent = parent.ctx, parent.agent
            if parent.agent is parent:  # an agent's own loop: its chat and tool spans already show it
                run.token = activate(run.ctx)
                return
            step = (metadata or {}).get("langgraph_step")
            op = start_operation(
                self.telemetry,
                OperationKind.WORKFLOW_NODE,
                node,
                parent=run.ctx,
                attributes={A.OTEL_LLM_WORKFLOW_NODE_STEP: step if isinstance(step, int) else None},
            )
            self._begin(run, op)
        else:  # a graph is recognized by its first node; keep what its span would need
            run.name, run.metadata, run.start_ns = name, metadata, time_ns()
            if self.telemetry.capture:
                run.inputs = inputs

    @_safe
    def on_chain_end(self, outputs: Any, *, run_id: UUID, **kwargs: Any) -> None:
        op = self._capturing(run_id)
        if op is not None and op.start_attributes.get(A.GEN_AI_OPERATION_NAME) == "invoke_agent":
            messages = outputs.get("messages") if isinstance(outputs, dict) else None
            output = outputs.get("output") if isinstance(outputs, dict) else None
            if messages:
                op.content[A.GEN_AI_OUTPUT_MESSAGES] = [
                    {**_messages.to_message(messages[-1]), "finish_reason": "stop"}
                ]
            elif isinstance(output, str):  # an AgentExecutor's answer
                op.content[A.GEN_AI_OUTPUT_MESSAGES] = [
                    {"role": "assistant", "parts": [content.text_part(output)], "finish_reason": "stop"}
                ]
        self._finish(run_id)

    @_safe
    def on_chain_error(self, error: BaseException, *, run_id: UUID, **kwargs: Any) -> None:
        self._finish(run_id, error)

    # -- tools and retrievers --------------------------------------------------------------------

    @_safe
    def on_tool_start(
        self,
        serialized: dict[str, Any] | None,
        input_str: str,
        *,
        run_id: UUID,
        parent_run_id: UUID | None = None,
        inputs: dict[str, Any] | None = None,
        **kwargs: Any,
    ) -> None:
        run, parent = self._child(run_id, parent_run_id)
        serialized = serialized or {}
        name = _text(kwargs.get("name") or serialized.get("name"))
        call_id = _text(kwargs.get("tool_call_id"))
        if call_id is None and parent is not None:  # an AgentExecutor's tool: the id of its agent action
            call_id = _take_action(parent.actions, name)
        op = start_operation(
            self.telemetry,
            OperationKind.EXECUTE_TOOL,
            name,
            parent=run.ctx,
            attributes={
                A.GEN_AI_TOOL_CALL_ID: call_id,
                A.GEN_AI_TOOL_TYPE: "function",
                A.GEN_AI_TOOL_DESCRIPTION: _text(serialized.get("description")),
                A.GEN_AI_AGENT_NAME: run.agent.op.start_attributes.get(A.GEN_AI_AGENT_NAME)
                if run.agent is not None and run.agent.op is not None
                else None,
            },
        )
        if op is not None and op.capture:
            op.content[A.GEN_AI_TOOL_CALL_ARGUMENTS] = (
                inputs if inputs is not None else content.parse_json_or_text(input_str)
            )
        self._begin(run, op)

    @_safe
    def on_tool_end(self, output: Any, *, run_id: UUID, **kwargs: Any) -> None:
        op = self._capturing(run_id)
        if op is not None:
            result = getattr(output, "content", output)  # a ToolMessage, or the tool's own value
            op.content[A.GEN_AI_TOOL_CALL_RESULT] = content.parse_json_or_text(result)
        self._finish(run_id)

    on_tool_error = on_chain_error

    @_safe
    def on_retriever_start(
        self,
        serialized: dict[str, Any] | None,
        query: str,
        *,
        run_id: UUID,
        parent_run_id: UUID | None = None,
        metadata: dict[str, Any] | None = None,
        **kwargs: Any,
    ) -> None:
        run, _ = self._child(run_id, parent_run_id)
        metadata = metadata or {}
        embeddings = str(metadata.get("ls_embedding_provider") or "").lower().removesuffix("embeddings")
        op = start_operation(
            self.telemetry,
            OperationKind.RETRIEVAL,
            _text(kwargs.get("name") or (serialized or {}).get("name")),
            parent=run.ctx,
            attributes={A.GEN_AI_PROVIDER_NAME: _messages.PROVIDERS.get(embeddings)},
        )
        if op is not None and op.capture:
            op.content[A.GEN_AI_RETRIEVAL_QUERY_TEXT] = query
        self._begin(run, op)

    @_safe
    def on_retriever_end(self, documents: Any, *, run_id: UUID, **kwargs: Any) -> None:
        op = self._capturing(run_id)
        if op is not None:
            op.content[A.GEN_AI_RETRIEVAL_DOCUMENTS] = _messages.documents(documents)
        self._finish(run_id)

    on_retriever_error = on_chain_error

    # -- model calls -----------------------------------------------------------------------------

    def _start_model(
        self,
        operation: str,
        messages: Any,
        run_id: UUID,
        parent_run_id: UUID | None,
        metadata: dict[str, Any] | None,
        invocation_params: dict[str, Any] | None,
    ) -> None:
        run, _ = self._child(run_id, parent_run_id)
        metadata = metadata or {}
        params = invocation_params or {}
        ls_provider = _text(metadata.get("ls_provider"))
        provider = _messages.provider_name(ls_provider)
        model = _text(metadata.get("ls_model_name") or params.get("model") or params.get("model_name"))
        agent = run.agent.op if run.agent is not None else None
        if agent is not None:  # an agent configured with one model reports it
            agent.attributes.setdefault(A.GEN_AI_PROVIDER_NAME, provider)
            if model:
                agent.attributes.setdefault(A.GEN_AI_REQUEST_MODEL, model)
            if agent.capture and A.GEN_AI_SYSTEM_INSTRUCTIONS not in agent.content:
                instructions = _messages.system_instructions(messages)
                if instructions:
                    agent.content[A.GEN_AI_SYSTEM_INSTRUCTIONS] = instructions
        if self._sdk_instrumented(ls_provider):  # the SDK's own span is the model span, under this step
            run.token = activate(run.ctx)
            return
        token = context.attach(run.ctx)
        try:
            invocation = self.telemetry.start(
                operation,
                provider,
                model,
                request_attributes=_request_attributes(metadata, params),
                stream=bool(params.get("stream")),
            )
        finally:
            context.detach(token)
        if invocation is None:
            return
        run.invocation = invocation
        if invocation.capture:
            invocation.input_content = _messages.input_content(messages, params.get("tools"))
        run.token = activate(invocation.call_context())  # an HTTP span beneath would be a second one

    @_safe
    def on_chat_model_start(
        self,
        serialized: dict[str, Any] | None,
        messages: list[list[Any]],
        *,
        run_id: UUID,
        parent_run_id: UUID | None = None,
        metadata: dict[str, Any] | None = None,
        invocation_params: dict[str, Any] | None = None,
        **kwargs: Any,
    ) -> None:
        self._start_model(
            A.GenAiOperationNameValues.CHAT,
            messages[0] if messages else [],
            run_id,
            parent_run_id,
            metadata,
            invocation_params,
        )

    @_safe
    def on_llm_start(
        self,
        serialized: dict[str, Any] | None,
        prompts: list[str],
        *,
        run_id: UUID,
        parent_run_id: UUID | None = None,
        metadata: dict[str, Any] | None = None,
        invocation_params: dict[str, Any] | None = None,
        **kwargs: Any,
    ) -> None:
        self._start_model(
            A.GenAiOperationNameValues.TEXT_COMPLETION,
            [("human", prompt) for prompt in prompts],
            run_id,
            parent_run_id,
            metadata,
            invocation_params,
        )

    @_safe
    def on_llm_new_token(self, token: object, *, run_id: UUID, **kwargs: Any) -> None:  # str or parts
        run = self._runs.get(run_id)
        if run is not None and run.invocation is not None:
            invocation = run.invocation
            if not invocation.stream:  # ``.stream()`` of a model not configured to stream says so only here
                invocation.stream = True
                invocation.extra_attributes[A.GEN_AI_REQUEST_STREAM] = True
            invocation.chunk_times.append(perf_counter())

    @_safe
    def on_llm_end(self, response: Any, *, run_id: UUID, **kwargs: Any) -> None:
        run = self._runs.get(run_id)
        if run is not None and run.invocation is not None:
            _messages.read_result(run.invocation, response)
        self._finish(run_id)

    on_llm_error = on_chain_error


def _text(value: Any) -> str | None:
    """A string attribute from a payload field: anything else is left out rather than recorded wrongly."""
    return value if isinstance(value, str) and value else None


def _take_action(actions: list[tuple[str | None, str]], tool: str | None) -> str | None:
    """The call id of the first pending agent action of ``tool`` (removed from ``actions``)."""
    for index, (name, call_id) in enumerate(actions):
        if name == tool:
            del actions[index]
            return call_id
    return None


def _is_graph_step(tags: list[str] | None) -> bool:
    return any(tag.startswith("graph:step:") for tag in tags or ())


_REQUEST_PARAMS = (
    ("ls_temperature", A.GEN_AI_REQUEST_TEMPERATURE),
    ("ls_max_tokens", A.GEN_AI_REQUEST_MAX_TOKENS),
)


def _request_attributes(metadata: dict[str, Any], params: dict[str, Any]) -> dict[str, Any]:
    attributes = {key: metadata[param] for param, key in _REQUEST_PARAMS if metadata.get(param) is not None}
    stop = metadata.get("ls_stop") or params.get("stop")
    if stop:
        attributes[A.GEN_AI_REQUEST_STOP_SEQUENCES] = [stop] if isinstance(stop, str) else list(stop)
    return attributes

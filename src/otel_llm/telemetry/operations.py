"""Agent, workflow, tool and retrieval operations: the framework-side invocation kinds of the core.

Model calls (chat, completions, embeddings) are :class:`~otel_llm.telemetry.invocation.Invocation` s,
CLIENT spans started with :meth:`GenAITelemetry.start`. The steps around them in an agent framework are
:class:`Operation` s, under the same rules: the span ends exactly once on every exit path, a failure
sets ``error.type`` and the span status, our errors are logged and never raised, and content
(tool arguments and results, the retrieval query and documents, an agent's system instructions and
messages) is recorded only when content capture is on, through the content hook and the size limit.

Stable API (framework instrumentations build on it)::

    from otel_llm.telemetry.operations import OperationKind, start_operation, activate, deactivate

    op = start_operation(
        telemetry,                       # the shared GenAITelemetry
        OperationKind.EXECUTE_TOOL,      # or any other OperationKind
        "get_weather",                   # agent / workflow / tool name, or data source id: names the span
        parent=parent_ctx,               # the Context to start in (default: the current one)
        attributes={A.GEN_AI_TOOL_CALL_ID: "call_1", A.GEN_AI_TOOL_TYPE: "function"},
        conversation_id=None,            # gen_ai.conversation.id (default: otel_llm.conversation(...))
        start_time=None,                 # epoch ns, for a step recognized after it began (default: now)
    )                                    # -> Operation, or None when instrumentation is suppressed
    if op is not None:
        child_ctx = op.context()         # start children in it (Operations, or model calls via activate)
        if op.capture:                   # build content only when it is recorded
            op.content[A.GEN_AI_TOOL_CALL_ARGUMENTS] = {"city": "Paris"}
        op.attributes[A.GEN_AI_REQUEST_MODEL] = "gpt-4o"   # attributes learned later, set at the end
        op.end()                         # or op.fail(error); any later call does nothing

    token = activate(op.context())       # make the step current for code the framework runs inside it
    deactivate(token)                    # never raises, even when the framework ends it elsewhere

Span kinds and names follow the GenAI conventions: ``invoke_agent {gen_ai.agent.name}`` and
``execute_tool {gen_ai.tool.name}`` and ``invoke_workflow {gen_ai.workflow.name}`` are INTERNAL,
a graph node execution (``WORKFLOW_NODE``, span type ``otel_llm.workflow.node.internal``) is an INTERNAL
span named by the node (``otel_llm.workflow.node.name``) with no ``gen_ai.operation.name``,
``retrieval {gen_ai.data_source.id}`` is CLIENT; without a name the span is named by the operation alone.
Metrics: ``gen_ai.invoke_agent.duration``, ``gen_ai.workflow.duration``, ``gen_ai.execute_tool.duration``;
retrieval records no metric (the conventions define none for it).

There is no ``create_agent`` kind: the conventions' ``create_agent`` is a CLIENT span for creating an agent
on a remote agent service (provider, server address, the service's agent id). The frameworks instrumented
here build their agents in process (LangChain's ``create_agent``, LangGraph's ``create_react_agent``,
LlamaIndex's ``FunctionAgent(...)``): no request, no provider, nothing to time, so no such span applies.

Operation content goes on the span (capture modes SPAN_ONLY and SPAN_AND_EVENT); the conventions define
no content event for these operations, so EVENT_ONLY records none.
"""

from __future__ import annotations

import enum
import logging
from dataclasses import dataclass
from time import perf_counter, time_ns
from typing import Any

from opentelemetry import context, trace
from opentelemetry.context import Context
from opentelemetry.instrumentation.utils import is_instrumentation_enabled
from opentelemetry.trace import SpanKind, Status, StatusCode

from otel_llm.semconv import attributes as A
from otel_llm.telemetry import content
from otel_llm.telemetry.conversation import current_conversation_id, with_conversation
from otel_llm.telemetry.invocation import GENAI_SPAN_KEY, GenAITelemetry

logger = logging.getLogger(__name__)

# The runtime context's own detach: silent when a token belongs to another context (API >= 1.0).
from opentelemetry.context import _RUNTIME_CONTEXT  # noqa: E402


class OperationKind(enum.Enum):
    """The operations a framework performs around its model calls (``gen_ai.operation.name``)."""

    INVOKE_AGENT = A.GenAiOperationNameValues.INVOKE_AGENT
    INVOKE_WORKFLOW = A.GenAiOperationNameValues.INVOKE_WORKFLOW
    EXECUTE_TOOL = A.GenAiOperationNameValues.EXECUTE_TOOL
    RETRIEVAL = A.GenAiOperationNameValues.RETRIEVAL
    WORKFLOW_NODE = "workflow_node"
    """One execution of a workflow (graph) node: not a GenAI operation, so no ``gen_ai.operation.name``."""


@dataclass(frozen=True, slots=True)
class _Spec:
    span_kind: SpanKind
    name_key: str  # the attribute that names the span
    duration: str | None  # the GenAIInstruments histogram of its duration
    metric_keys: tuple[str, ...]  # the span attributes the duration metric carries
    is_operation: bool = True  # sets gen_ai.operation.name and prefixes the span name with it


_SPECS: dict[OperationKind, _Spec] = {
    OperationKind.INVOKE_AGENT: _Spec(
        SpanKind.INTERNAL,
        A.GEN_AI_AGENT_NAME,
        "agent_duration",
        (A.GEN_AI_OPERATION_NAME, A.GEN_AI_PROVIDER_NAME, A.GEN_AI_REQUEST_MODEL, A.GEN_AI_AGENT_NAME),
    ),
    OperationKind.INVOKE_WORKFLOW: _Spec(
        SpanKind.INTERNAL, A.GEN_AI_WORKFLOW_NAME, "workflow_duration", (A.GEN_AI_WORKFLOW_NAME,)
    ),
    OperationKind.EXECUTE_TOOL: _Spec(
        SpanKind.INTERNAL,
        A.GEN_AI_TOOL_NAME,
        "tool_duration",
        (A.GEN_AI_OPERATION_NAME, A.GEN_AI_TOOL_NAME, A.GEN_AI_TOOL_TYPE, A.GEN_AI_AGENT_NAME),
    ),
    OperationKind.RETRIEVAL: _Spec(SpanKind.CLIENT, A.GEN_AI_DATA_SOURCE_ID, None, ()),
    OperationKind.WORKFLOW_NODE: _Spec(
        SpanKind.INTERNAL, A.OTEL_LLM_WORKFLOW_NODE_NAME, None, (), is_operation=False
    ),
}


def start_operation(
    telemetry: GenAITelemetry,
    kind: OperationKind,
    name: str | None = None,
    *,
    parent: Context | None = None,
    attributes: dict[str, Any] | None = None,
    conversation_id: str | None = None,
    start_time: int | None = None,
) -> Operation | None:
    """Start the operation's span in ``parent`` (default: the current context); ``None`` when suppressed.

    Never raises: a failure to start is logged and reported as ``None``.
    """
    try:
        ctx = context.get_current() if parent is None else parent
        if context.get_value(GENAI_SPAN_KEY, ctx) or not is_instrumentation_enabled():
            return None
        spec = _SPECS[kind]
        operation_name = kind.value
        span_attributes: dict[str, Any] = {}
        if spec.is_operation:
            span_attributes[A.GEN_AI_OPERATION_NAME] = operation_name
            span_name = f"{operation_name} {name}" if name else operation_name
        else:
            span_name = name or operation_name
        if name:
            span_attributes[spec.name_key] = name
        if attributes:
            span_attributes.update((k, v) for k, v in attributes.items() if v is not None)
        conversation_id = conversation_id or current_conversation_id(ctx)
        if conversation_id:
            span_attributes[A.GEN_AI_CONVERSATION_ID] = conversation_id
        span = telemetry.tracer.start_span(
            span_name,
            context=ctx,
            kind=spec.span_kind,
            attributes=span_attributes,
            start_time=start_time,
        )
        operation = Operation(telemetry, spec, span, span_attributes, ctx, conversation_id)
        if start_time is not None:  # the duration metric counts from the same start as the span
            operation.start_time -= max(0, time_ns() - start_time) / 1e9
        return operation
    except Exception:
        logger.exception("otel-llm failed to start a %s operation", getattr(kind, "value", kind))
        return None


class Operation:
    """One agent, workflow, tool or retrieval step in flight; :meth:`end` or :meth:`fail` records it once."""

    __slots__ = (
        "_child_context",
        "_conversation_id",
        "_ended",
        "_parent",
        "_spec",
        "attributes",
        "content",
        "span",
        "start_attributes",
        "start_time",
        "telemetry",
    )

    def __init__(
        self,
        telemetry: GenAITelemetry,
        spec: _Spec,
        span: trace.Span,
        start_attributes: dict[str, Any],
        parent: Context,
        conversation_id: str | None,
    ) -> None:
        self.telemetry = telemetry
        self.span = span
        self.start_attributes = start_attributes
        self.start_time = perf_counter()
        self.attributes: dict[str, Any] = {}
        self.content: dict[str, Any] = {}
        self._spec = spec
        self._parent = parent
        self._conversation_id = conversation_id
        self._child_context: Context | None = None
        self._ended = False

    @property
    def capture(self) -> bool:
        """Whether content is recorded: build ``content`` values only when it is."""
        return self.telemetry.capture

    @property
    def ended(self) -> bool:
        return self._ended

    def context(self) -> Context:
        """The parent context with this operation's span current (and its conversation id)."""
        if self._child_context is None:
            ctx = self._parent
            if self._conversation_id and current_conversation_id(ctx) != self._conversation_id:
                ctx = with_conversation(self._conversation_id, ctx)
            self._child_context = trace.set_span_in_context(self.span, ctx)
        return self._child_context

    def end(self) -> None:
        """Record the attributes, content and duration, then end the span. Idempotent."""
        self._finish(None)

    def fail(self, error: BaseException) -> None:
        """End the operation as failed by ``error`` (which the caller re-raises unchanged). Idempotent."""
        self._finish(error)

    def _finish(self, error: BaseException | None) -> None:
        if self._ended:
            return
        self._ended = True
        try:
            self._record(error)
        except Exception:
            logger.exception("otel-llm failed to record a GenAI operation")
        finally:
            self.span.end()

    def _record(self, error: BaseException | None) -> None:
        duration = perf_counter() - self.start_time
        attributes = self.attributes
        if error is not None:
            attributes[A.ERROR_TYPE] = type(error).__qualname__
            self.span.set_status(Status(StatusCode.ERROR, str(error)[:1024]))
        if attributes:
            self.span.set_attributes(attributes)
        if self.content and self.telemetry.settings.capture_mode.on_span:
            self.span.set_attributes(self._content_attributes())
        if self._spec.duration is not None:
            known = {**self.start_attributes, **attributes}
            metric_attributes = {key: known[key] for key in self._spec.metric_keys if key in known}
            if error is not None:
                metric_attributes[A.ERROR_TYPE] = attributes[A.ERROR_TYPE]
            getattr(self.telemetry.instruments, self._spec.duration).record(duration, metric_attributes)

    def _content_attributes(self) -> dict[str, str]:
        settings = self.telemetry.settings
        recorded = {}
        for key, value in self.content.items():
            value = content.apply_hook(settings.content_hook, key, value)
            if value is None:
                continue
            value = content.limit_size(value, settings.content_max_length)
            recorded[key] = value if isinstance(value, str) else content.to_json(value, 0)
        return recorded


def activate(ctx: Context) -> object:
    """Make ``ctx`` current; returns the token for :func:`deactivate`."""
    return context.attach(ctx)


def deactivate(token: object) -> None:
    """Restore the context from before :func:`activate`. Never raises.

    Callback-based frameworks sometimes end a step in another context than the one it started in (a
    generator closed by the garbage collector, a callback run in an executor); the token is then not
    valid here and there is nothing of ours to restore in this context.
    """
    try:
        _RUNTIME_CONTEXT.detach(token)  # type: ignore[arg-type]  # an attach() token, typed loosely
    except Exception:
        logger.debug("otel-llm: a framework step ended outside the context it started in")

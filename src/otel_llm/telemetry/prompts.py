"""``otel_llm.prompt(name, version, variables)``: tag every model call beneath it with its prompt template.

The prompt's attributes are computed once when the block is entered and kept in the OTel context, so
a model call under it pays one context look-up. Spans get ``gen_ai.prompt.name`` and
``gen_ai.prompt.version`` (and, when content capture is on, ``gen_ai.prompt.variable.<key>``).
Metrics get the name and version too, with bounded cardinality: only names in
``OTEL_LLM_PROMPT_METRIC_NAMES`` (when set), and at most ``OTEL_LLM_PROMPT_METRIC_LIMIT`` distinct
(name, version) pairs per process; the rest are recorded as ``_other``.
"""

from __future__ import annotations

import contextvars
import logging
import os
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, TypeVar

from opentelemetry import context

from otel_llm.semconv import attributes as A
from otel_llm.telemetry.contexts import in_context

logger = logging.getLogger(__name__)

METRIC_NAMES_ENV = "OTEL_LLM_PROMPT_METRIC_NAMES"
METRIC_LIMIT_ENV = "OTEL_LLM_PROMPT_METRIC_LIMIT"
DEFAULT_METRIC_LIMIT = 100
OTHER = "_other"

PROMPT_KEY = context.create_key("otel-llm-prompt")
F = TypeVar("F", bound=Callable[..., Any])


@dataclass(frozen=True)
class PromptTag:
    """What one ``prompt(...)`` block adds to the spans and metrics of the calls beneath it."""

    span_attributes: dict[str, str]
    metric_attributes: dict[str, str]
    variable_attributes: dict[str, str] = field(default_factory=dict)
    """``gen_ai.prompt.variable.<key>``: recorded only when content capture is on."""


class _MetricLabels:
    """Admits (name, version) pairs onto metrics up to a cap, and only allow-listed names if a list is set."""

    def __init__(self, env: Mapping[str, str]) -> None:
        names = env.get(METRIC_NAMES_ENV, "")
        self.allowed = {name.strip() for name in names.split(",") if name.strip()} or None
        try:
            self.limit = int(env.get(METRIC_LIMIT_ENV) or DEFAULT_METRIC_LIMIT)
        except ValueError:
            logger.warning("%s is not an integer; using %d", METRIC_LIMIT_ENV, DEFAULT_METRIC_LIMIT)
            self.limit = DEFAULT_METRIC_LIMIT
        self.seen: set[tuple[str, str | None]] = set()
        self.lock = threading.Lock()

    def admit(self, name: str, version: str | None) -> bool:
        if self.allowed is not None and name not in self.allowed:
            return False
        pair = (name, version)
        with self.lock:
            if pair in self.seen:
                return True
            if len(self.seen) >= self.limit:
                return False
            self.seen.add(pair)
            return True


_labels: _MetricLabels | None = None


def _metric_labels() -> _MetricLabels:
    global _labels
    if _labels is None:
        _labels = _MetricLabels(os.environ)
    return _labels


def reset_metric_labels() -> None:
    """Forget admitted pairs and re-read the environment (tests, or after changing the variables)."""
    global _labels
    _labels = None


def _tag(name: str, version: str | None, variables: Mapping[str, Any] | None) -> PromptTag:
    span_attributes = {A.GEN_AI_PROMPT_NAME: str(name)}
    if version is not None:
        span_attributes[A.GEN_AI_PROMPT_VERSION] = str(version)
    if _metric_labels().admit(str(name), None if version is None else str(version)):
        metric_attributes = dict(span_attributes)
    else:
        metric_attributes = {A.GEN_AI_PROMPT_NAME: OTHER, A.GEN_AI_PROMPT_VERSION: OTHER}
    variable_attributes = {
        f"{A.GEN_AI_PROMPT_VARIABLE}.{key}": value if isinstance(value, str) else str(value)
        for key, value in (variables or {}).items()
    }
    return PromptTag(span_attributes, metric_attributes, variable_attributes)


def current_prompt() -> PromptTag | None:
    """The innermost ``prompt(...)`` block's tag, if the current context is inside one."""
    tag = context.get_value(PROMPT_KEY)
    return tag if isinstance(tag, PromptTag) else None


class prompt:
    """Tag the model calls in a block (``with prompt(...)``) or a function (``@prompt(...)``).

    ``variables`` are the template's variables; they are recorded as ``gen_ai.prompt.variable.<key>``
    only when content capture is on, since they usually hold user content.
    """

    def __init__(self, name: str, version: str | None = None, variables: Mapping[str, Any] | None = None):
        self._tag = _tag(name, version, variables)
        # Tokens per thread and per asyncio task, so one object can be entered concurrently.
        self._tokens: contextvars.ContextVar[tuple[Any, ...]] = contextvars.ContextVar("prompt", default=())

    def __enter__(self) -> prompt:
        token = context.attach(context.set_value(PROMPT_KEY, self._tag))
        self._tokens.set((*self._tokens.get(), token))
        return self

    def __exit__(self, *exc: object) -> None:
        *rest, token = self._tokens.get()
        self._tokens.set(tuple(rest))
        context.detach(token)

    def __call__(self, function: F) -> F:
        tag = self._tag
        return in_context(function, lambda: context.set_value(PROMPT_KEY, tag))

"""The model an ``OpenAIResponsesModel`` call requests, for the CLIENT spans built from the SDK's data.

The SDK's response spans carry the response but not the requested model; while the model's
``get_response`` or ``stream_response`` runs, :data:`REQUEST_MODEL` holds it. Each value is set and
reset within one step of the caller's task, so no other run sees it.
"""

from __future__ import annotations

from collections.abc import Callable
from contextvars import ContextVar
from typing import Any

REQUEST_MODEL: ContextVar[str | None] = ContextVar("otel_llm_openai_agents_request_model", default=None)


def get_response_wrapper(_: Any) -> Callable[..., Any]:
    async def wrapper(wrapped: Callable[..., Any], instance: Any, args: tuple, kwargs: dict[str, Any]) -> Any:
        token = REQUEST_MODEL.set(str(getattr(instance, "model", "") or "") or None)
        try:
            return await wrapped(*args, **kwargs)
        finally:
            REQUEST_MODEL.reset(token)

    return wrapper


def stream_response_wrapper(_: Any) -> Callable[..., Any]:
    def wrapper(wrapped: Callable[..., Any], instance: Any, args: tuple, kwargs: dict[str, Any]) -> Any:
        return _WithRequestModel(wrapped(*args, **kwargs), str(getattr(instance, "model", "") or "") or None)

    return wrapper


class _WithRequestModel:
    """The SDK's event stream, stepped with :data:`REQUEST_MODEL` set (an async generator otherwise)."""

    __slots__ = ("_model", "_stream")

    def __init__(self, stream: Any, model: str | None) -> None:
        self._stream = stream
        self._model = model

    def __aiter__(self) -> _WithRequestModel:
        return self

    async def __anext__(self) -> Any:
        token = REQUEST_MODEL.set(self._model)
        try:
            return await self._stream.__anext__()
        finally:
            REQUEST_MODEL.reset(token)

    async def aclose(self) -> None:
        token = REQUEST_MODEL.set(self._model)
        try:
            await self._stream.aclose()
        finally:
            REQUEST_MODEL.reset(token)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._stream, name)

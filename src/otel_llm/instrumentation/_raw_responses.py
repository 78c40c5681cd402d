"""Raw responses of the Stainless-generated SDKs (``with_raw_response``, ``with_streaming_response``).

Such a call returns the HTTP response wrapper; the SDK object (a completion, or the event stream) comes
later from ``parse()``. The call's invocation therefore completes from what ``parse()`` returns (a
stream gets its usual proxy), or ends when the wrapper is closed or dropped without being parsed.
The OpenAI Agents SDK streams every Responses call this way.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from typing import Any

import wrapt

from otel_llm.telemetry.invocation import Invocation


def is_raw_response(result: Any) -> bool:
    return hasattr(result, "http_response") and callable(getattr(result, "parse", None))


class RawResponseProxy(wrapt.ObjectProxy):
    """The SDK's raw response, unchanged, except that ``parse()`` completes the invocation once."""

    def __init__(self, raw: Any, invocation: Invocation, complete: Callable[[Any], Any]) -> None:
        super().__init__(raw)
        self._self_invocation = invocation
        self._self_complete = complete
        self._self_parsed: list[Any] = []  # what the completion returned for the first parse

    def parse(self, *args: Any, **kwargs: Any) -> Any:
        try:
            parsed = self.__wrapped__.parse(*args, **kwargs)
        except BaseException as error:
            self._self_invocation.fail(error)
            raise
        if inspect.isawaitable(parsed):
            return self._self_parse_async(parsed)
        return self._self_completed(parsed)

    async def _self_parse_async(self, parsed: Any) -> Any:
        try:
            value = await parsed
        except BaseException as error:
            self._self_invocation.fail(error)
            raise
        return self._self_completed(value)

    def _self_completed(self, parsed: Any) -> Any:
        if not self._self_parsed:
            self._self_parsed.append(self._self_complete(parsed))
        return self._self_parsed[0]

    def close(self) -> Any:
        try:
            return self.__wrapped__.close()
        finally:
            if not self._self_parsed:
                self._self_invocation.end()

    def __del__(self) -> None:
        if not self._self_parsed:
            self._self_invocation.end()

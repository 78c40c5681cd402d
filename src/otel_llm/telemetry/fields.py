"""Reading SDK objects and the plain dicts users pass in their place, without importing any SDK."""

from __future__ import annotations

from typing import Any, TypeVar

from typing_extensions import TypeIs

from otel_llm.semconv import attributes as A

# The "argument not given" markers: NotGiven/Omit of the Stainless-built SDKs (openai, anthropic, groq),
# Mistral's Unset (a falsy model instance) and Cohere's OMIT (an Ellipsis).
_SENTINEL_TYPES = ("NotGiven", "Omit", "Unset", "ellipsis")

_REQUEST_ATTRIBUTES = {
    "max_tokens": A.GEN_AI_REQUEST_MAX_TOKENS,
    "temperature": A.GEN_AI_REQUEST_TEMPERATURE,
    "top_p": A.GEN_AI_REQUEST_TOP_P,
    "top_k": A.GEN_AI_REQUEST_TOP_K,
    "frequency_penalty": A.GEN_AI_REQUEST_FREQUENCY_PENALTY,
    "presence_penalty": A.GEN_AI_REQUEST_PRESENCE_PENALTY,
    "seed": A.GEN_AI_REQUEST_SEED,
    "stop_sequences": A.GEN_AI_REQUEST_STOP_SEQUENCES,
}

SAMPLING = ("temperature", "top_p", "top_k", "frequency_penalty", "presence_penalty", "seed")
"""The sampling parameters of formats that name them as the conventions do."""
_T = TypeVar("_T")
Parameters = tuple[tuple[str, str], ...]
"""``(SDK parameter, attribute)`` pairs of one request format."""


def get(obj: Any, key: str, default: Any = None) -> Any:
    """A field of an SDK model or of a dict."""
    if isinstance(obj, dict):
        return obj.get(key, default)
    return getattr(obj, key, default)


def given(value: _T | None) -> TypeIs[_T]:
    """Not ``None`` and not one of the SDKs' "not given" markers."""
    return value is not None and type(value).__name__ not in _SENTINEL_TYPES


def request_parameters(*same: str, **renamed: str) -> Parameters:
    """A format's request parameters: ``same`` are named as the conventions' request attributes
    (``temperature``, ``top_p``, ``stop_sequences``, ...); ``renamed`` maps other names onto them
    (``request_parameters("temperature", topP="top_p", max_new_tokens="max_tokens")``)."""
    return tuple(
        (param, _REQUEST_ATTRIBUTES[name]) for param, name in (*((n, n) for n in same), *renamed.items())
    )


def copy_given(source: Any, parameters: Parameters) -> dict[str, Any]:
    """``{attribute: source[param]}`` for each given parameter; stop sequences as a list."""
    attributes = {key: get(source, param) for param, key in parameters if given(get(source, param))}
    stop = attributes.get(A.GEN_AI_REQUEST_STOP_SEQUENCES)
    if stop is not None:
        attributes[A.GEN_AI_REQUEST_STOP_SEQUENCES] = [stop] if isinstance(stop, str) else list(stop)
    return attributes

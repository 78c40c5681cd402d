"""Credentials taken out of error texts before they are recorded (span status, exception events).

An SDK's error message carries the server's error body, and servers echo what they were sent: the API
key of a 401, a URL with ``?key=``, an ``Authorization`` header. Capture mode does not matter: error texts
are recorded always, so they are scrubbed always. Removed: the client's own keys, the values of
credential-named environment variables, and known token shapes.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterable
from typing import Any

REDACTED = "<redacted>"
SCANNED_LENGTH = 4096  # error texts are recorded up to 1024 characters; a key cut in half is scrubbed too
_MIN_SECRET_LENGTH = 8  # shorter values (flags, region names) would scrub ordinary words

# Quantifiers are bounded, so that an error text's scan stays linear whatever the server echoed.
_TOKEN_SHAPES = re.compile(
    r"(?:sk|pk|rk)-[A-Za-z0-9_-]{16,512}"  # OpenAI, Anthropic (sk-ant-), DeepSeek and others
    r"|(?:gsk|hf|xai|ghp|gho|ghs|glpat|npm|pypi)[_-][A-Za-z0-9_-]{16,512}"
    r"|AIza[0-9A-Za-z_-]{35}"  # Google
    r"|(?:A3T[A-Z0-9]|AKIA|ASIA|ABIA|ACCA)[0-9A-Z]{16}"  # AWS access key ids
    r"|eyJ[A-Za-z0-9_-]{5,2048}\.[A-Za-z0-9_-]{5,2048}\.[A-Za-z0-9_-]{0,2048}"  # JWTs
)
# a credential after its name, in a header, a query string, JSON or form text: the name is kept
_NAMED_VALUE = re.compile(
    r"(?i)((?:authorization|x-api-key|api[_-]?key|x-goog-api-key|access[_-]?token|auth[_-]?token|token"
    r"|secret|password|[?&](?:key|sig|signature))[\"']?\s{0,8}[:=]\s{0,8}[\"']?(?:bearer\s{1,8}|basic\s{1,8})?)"
    r"[^\s\"'&,;}]{6,512}"
)
_SECRET_NAME = re.compile(r"(?i)key|token|secret|password|credential")
_KEY_ATTRIBUTES = ("api_key", "_api_key", "auth_token", "_token", "token", "aws_secret_access_key")
_HOLDERS = ("_client", "_api_client", "_client_wrapper", "sdk_configuration")


def client_secrets(client: Any) -> set[str]:
    """The credentials an SDK object (or the client it belongs to) holds as plain strings."""
    found: set[str] = set()
    holders = [client, *(getattr(client, name, None) for name in _HOLDERS)]
    holders += [getattr(holder, "security", None) for holder in holders]  # Mistral's sdk_configuration
    for holder in holders:
        if holder is None:
            continue
        for name in _KEY_ATTRIBUTES:
            try:
                value = getattr(holder, name, None)
            except Exception:  # a property that fails is no credential
                continue
            if isinstance(value, str) and len(value) >= _MIN_SECRET_LENGTH:
                found.add(value)
    return found


def environment_secrets() -> set[str]:
    """Values of environment variables named like credentials (``OPENAI_API_KEY``, ``HF_TOKEN``...)."""
    return {value for name, value in os.environ.items() if _SECRET_NAME.search(name)}


def scrub(text: str, secrets: Iterable[str] = ()) -> str:
    """``text`` (its first :data:`SCANNED_LENGTH` characters) without credentials."""
    text = text[:SCANNED_LENGTH]
    for secret in sorted({*secrets, *environment_secrets()}, key=len, reverse=True):
        if len(secret) >= _MIN_SECRET_LENGTH and secret in text:
            text = text.replace(secret, REDACTED)
    text = _TOKEN_SHAPES.sub(REDACTED, text)
    return _NAMED_VALUE.sub(lambda m: m.group(1) + REDACTED, text)


def error_text(
    error: BaseException, sensitive: Callable[[], Iterable[str]] | None = None, limit: int = 1024
) -> str:
    """The recorded message of ``error``: without credentials and the ``sensitive`` texts (the client's keys,
    the prompt when content is not captured), cut to ``limit`` characters."""
    try:
        message = str(error)
        return scrub(message, sensitive() if sensitive is not None else ())[:limit]
    except Exception:  # an exception whose __str__ fails, a client whose keys cannot be read
        return type(error).__qualname__

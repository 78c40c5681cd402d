"""Output checks: JSON-schema validation and refusal detection."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from otel_llm.guardrails.detectors.base import Detector, register, whole_text
from otel_llm.guardrails.results import Match

_FENCE = re.compile(r"^\s*```(?:json)?\s*\n(.*?)\n\s*```\s*$", re.DOTALL)


@register
class JsonSchemaDetector(Detector):
    """Flags output that is not JSON (``INVALID_JSON``) or violates ``schema`` (``SCHEMA_VIOLATION``).

    ``schema`` is a JSON-schema object or ``schema_file`` a path to one; a Markdown code fence around
    the JSON is tolerated.
    """

    name = "json_schema"
    category = "SCHEMA_VIOLATION"
    locates_spans = False

    def __init__(self, schema: dict[str, Any] | None = None, schema_file: str | None = None):
        if schema is not None and schema_file is None:
            resolved = schema
        elif schema is None and schema_file is not None:
            resolved = json.loads(Path(schema_file).read_text())
        else:
            raise ValueError("json_schema needs exactly one of schema or schema_file")
        from jsonschema import Draft202012Validator  # imported here: it takes ~0.3 s and few policies use it

        Draft202012Validator.check_schema(resolved)
        self._validator = Draft202012Validator(resolved)

    def detect(self, text: str) -> list[Match]:
        fenced = _FENCE.match(text)
        try:
            document = json.loads(fenced.group(1) if fenced else text)
        except ValueError:
            return whole_text(text, "INVALID_JSON", 1.0)
        if self._validator.is_valid(document):
            return []
        return whole_text(text, self.category, 1.0)


REFUSAL_PHRASES = (
    r"I(?:'m| am) (?:sorry|afraid),? (?:but )?I (?:can(?:'|no)t|cannot|won't|am unable to|am not able to)",
    r"I (?:can(?:'|no)t|cannot|won't|am unable to|am not able to|must decline to) "
    r"(?:help|assist|provide|comply|fulfil|fulfill|do that|answer|support|create|generate|write|share)",
    r"I(?:'m| am) (?:unable|not able) to (?:help|assist|provide|comply|fulfil|fulfill|do that|answer)",
    r"(?:As an AI(?: language model)?|As a language model),? "
    r"I (?:can(?:'|no)t|cannot|don't|do not|am not able)",
    r"(?:I must|I have to|I'll have to) (?:respectfully )?decline",
    r"(?:This|That|Your) request (?:goes against|violates|is against) "
    r"(?:my|our|the) (?:guidelines|policies|policy)",
)
_REFUSAL = re.compile("|".join(f"(?:{p})" for p in REFUSAL_PHRASES), re.IGNORECASE)
# the same phrases in lower case, for lower-cased ASCII text: several times faster than re.IGNORECASE
_REFUSAL_LOWER = re.compile(_REFUSAL.pattern.lower())


def refuses(text: str) -> bool:
    """Whether ``text`` holds a refusal phrase, ignoring case."""
    if text.isascii():
        return _REFUSAL_LOWER.search(text.lower()) is not None
    return _REFUSAL.search(text) is not None


@register
class RefusalDetector(Detector):
    """Flags model outputs that refuse the request, by phrase, within the first ``window`` characters."""

    name = "refusal"
    category = "REFUSAL"
    locates_spans = False

    def __init__(self, window: int = 300):
        self.window = window

    def detect(self, text: str) -> list[Match]:
        normalized = text[: self.window].replace("’", "'")
        return whole_text(text, self.category, 1.0) if refuses(normalized) else []

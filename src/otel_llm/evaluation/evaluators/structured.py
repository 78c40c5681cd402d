"""JSON output checks: well-formed JSON, and conformance to a JSON Schema (jsonschema)."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from jsonschema import Draft202012Validator
from jsonschema.exceptions import best_match

from otel_llm.evaluation.evaluators.base import Evaluator
from otel_llm.evaluation.model import EvalCase, Score

_FENCE = "```"


def parse_json_output(text: str) -> Any:
    """Parse the output as JSON, accepting one surrounding Markdown code fence."""
    stripped = text.strip()
    if stripped.startswith(_FENCE) and stripped.endswith(_FENCE):
        stripped = stripped[len(_FENCE) : -len(_FENCE)]
        stripped = stripped.removeprefix("json").strip()
    return json.loads(stripped)


class JsonValid(Evaluator):
    """The output is well-formed JSON."""

    def __init__(self, name: str = "json_valid") -> None:
        self.name = name

    def evaluate(self, case: EvalCase) -> Score:
        output = case.require("output")  # outside the try: a missing output is no invalid JSON
        try:
            parse_json_output(output)
        except ValueError as exc:
            return self.verdict(False, f"invalid JSON: {exc}")
        return self.verdict(True)


class JsonSchemaMatch(Evaluator):
    """The output is JSON that validates against ``schema``."""

    def __init__(self, schema: Mapping[str, Any], name: str = "json_schema") -> None:
        Draft202012Validator.check_schema(schema)
        self.name = name
        self.validator = Draft202012Validator(schema)

    def evaluate(self, case: EvalCase) -> Score:
        output = case.require("output")
        try:
            document = parse_json_output(output)
        except ValueError as exc:
            return self.verdict(False, f"invalid JSON: {exc}")
        error = best_match(self.validator.iter_errors(document))
        if error is None:
            return self.verdict(True)
        where = "/".join(str(part) for part in error.absolute_path) or "(root)"
        return self.verdict(False, f"{where}: {error.message}")

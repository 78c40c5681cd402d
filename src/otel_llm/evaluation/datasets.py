"""Evaluation datasets from JSONL or CSV files: one example per line or row."""

from __future__ import annotations

import csv
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from otel_llm.evaluation.evaluators.base import Assertion

INPUT_FIELDS = ("input", "question", "prompt", "query")
EXPECTED_FIELDS = ("expected", "expected_answer", "answer", "reference", "ground_truth")
CONTEXT_FIELDS = ("contexts", "context")
OUTPUT_FIELDS = ("output",)
ID_FIELDS = ("id", "example_id")


@dataclass(frozen=True)
class Example:
    """One dataset row or suite test: what to send to the target, and what a good answer looks like.

    ``output`` is an answer already produced (scored as it is when the run has no target);
    ``assertions`` replace the run's evaluators for this example; ``threshold`` is the weighted share of
    passed assertions at which the example passes (default: all must pass).
    """

    id: str
    input: str
    expected: str | None = None
    contexts: tuple[str, ...] = ()
    metadata: Mapping[str, Any] = field(default_factory=dict)
    output: str | None = None
    assertions: tuple[Assertion, ...] = ()
    threshold: float | None = None


class DatasetError(ValueError):
    """The dataset file cannot be read as examples."""


def _pick(row: Mapping[str, Any], explicit: str | None, candidates: tuple[str, ...]) -> str | None:
    if explicit is not None:
        if explicit not in row:
            raise DatasetError(f"no field {explicit!r}; fields are {', '.join(row)}")
        return explicit
    return next((name for name in candidates if name in row), None)


def parse_contexts(value: Any) -> tuple[str, ...]:
    if value is None or value == "":
        return ()
    if isinstance(value, str):
        try:
            parsed = json.loads(value)
        except ValueError:
            return (value,)
        value = parsed if isinstance(parsed, list) else [value]
    return tuple(str(item) for item in value)


def examples_from_rows(
    rows: Iterable[Mapping[str, Any]],
    input_field: str | None = None,
    expected_field: str | None = None,
    limit: int | None = None,
    output_field: str | None = None,
) -> list[Example]:
    """Examples from mappings; fields are found by common names unless given."""
    examples: list[Example] = []
    for index, raw in enumerate(rows):
        if limit is not None and index >= limit:
            break
        row = {key: value for key, value in raw.items() if key}  # CSV trailing commas give "" keys
        source = _pick(row, input_field, INPUT_FIELDS)
        if source is None:
            raise DatasetError(f"row {index + 1}: no input field (tried {', '.join(INPUT_FIELDS)})")
        target = _pick(row, expected_field, EXPECTED_FIELDS)
        context = _pick(row, None, CONTEXT_FIELDS)
        identifier = _pick(row, None, ID_FIELDS)
        produced = _pick(row, output_field, OUTPUT_FIELDS)
        used = {source, target, context, identifier, produced}
        examples.append(
            Example(
                id=str(row[identifier]) if identifier else str(index + 1),
                input=str(row[source]).strip(),
                expected=None if target is None or row[target] is None else str(row[target]).strip(),
                contexts=parse_contexts(row.get(context)) if context else (),
                metadata={key: value for key, value in row.items() if key not in used},
                output=None if produced is None or row[produced] is None else str(row[produced]),
            )
        )
    return examples


def _jsonl_rows(path: Path) -> Iterable[Mapping[str, Any]]:
    with path.open(encoding="utf-8") as lines:
        for number, line in enumerate(lines, 1):
            if not line.strip():
                continue
            try:
                row = json.loads(line)
            except ValueError as exc:
                raise DatasetError(f"{path}:{number}: invalid JSON: {exc}") from exc
            if not isinstance(row, dict):
                raise DatasetError(f"{path}:{number}: expected a JSON object")
            yield row


def _csv_rows(path: Path) -> Iterable[Mapping[str, Any]]:
    with path.open(encoding="utf-8", newline="") as handle:
        yield from csv.DictReader(handle)


def load_dataset(
    path: str | Path,
    input_field: str | None = None,
    expected_field: str | None = None,
    limit: int | None = None,
    output_field: str | None = None,
) -> list[Example]:
    """Read a ``.jsonl``/``.ndjson`` or ``.csv`` file into examples (at most ``limit``)."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix in (".jsonl", ".ndjson"):
        rows = _jsonl_rows(path)
    elif suffix == ".csv":
        rows = _csv_rows(path)
    else:
        raise DatasetError(f"{path}: unsupported dataset format {suffix or '(none)'}; use .jsonl or .csv")
    try:
        return examples_from_rows(rows, input_field, expected_field, limit, output_field)
    except (csv.Error, UnicodeDecodeError) as exc:
        raise DatasetError(f"{path}: {exc}") from exc

"""Evaluation suites: a YAML file with datasets, a target, named evaluators, defaults and tests.

```yaml
name: capitals
target: myapp.bot:answer        # optional: without one, each test's `output` is scored
evaluators:                     # named evaluators, so two of one kind can coexist
  capitalised: {type: regex, value: "^[A-Z]"}
  close: {type: string_similarity, threshold: 0.7}
defaults:                       # for every test (a test's assertion of the same name replaces it)
  assert: [exact_match]
  metadata: {suite: smoke}
datasets:
  - {path: qa.jsonl, limit: 50, metadata: {source: qa}}
tests:
  - id: refund
    input: How do I get a refund?
    metadata: {category: billing}
    threshold: 0.6              # weighted share of passed assertions needed (default: all pass)
    assert:
      - capitalised
      - {evaluator: close, weight: 2}
      - {type: contains, value: refund, name: mentions_refund}
thresholds: [tests=0.9, exact_match=0.8]
group_by: [category]            # summaries per segment, and the gap between best and worst
repeat: 3                       # run each test 3 times: flaky outputs, pass@k
```

Paths are relative to the suite file. The structure is checked against :data:`SCHEMA` before anything
is built, and every error names where in the file it is.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import yaml
from jsonschema import Draft202012Validator

from otel_llm.evaluation.datasets import Example, load_dataset, parse_contexts
from otel_llm.evaluation.evaluators.base import Assertion, Evaluator
from otel_llm.evaluation.evaluators.specs import (
    KINDS,
    NAME_PATTERN,
    JudgeSettings,
    check_name,
    make_evaluator,
)

_STRING = {"type": "string"}
_NAME = {"type": "string", "pattern": NAME_PATTERN.pattern}
_TEXT = {"type": ["string", "number", "boolean"]}
_KIND = {"enum": sorted(KINDS)}
_METADATA = {"type": "object"}


def _object(properties: dict[str, Any], *required: str, **more: Any) -> dict[str, Any]:
    """A closed JSON Schema object: unknown keys are errors (typos are caught, not ignored)."""
    schema = {"type": "object", "additionalProperties": False, "properties": properties, **more}
    return {**schema, "required": list(required)} if required else schema


def _array(items: dict[str, Any]) -> dict[str, Any]:
    return {"type": "array", "items": items}


_EVALUATOR = _object({"type": _KIND, "value": {}, "threshold": {"type": "number"}}, "type")
_ASSERTION = {
    "oneOf": [
        _STRING,
        _object(
            {
                "evaluator": _STRING,
                "type": _KIND,
                "name": _NAME,
                "value": {},
                "threshold": {"type": "number"},
                "weight": {"type": "number", "minimum": 0},
            },
            oneOf=[{"required": ["evaluator"]}, {"required": ["type"]}],
        ),
    ]
}
_TEST_FIELDS = {
    "assert": _array(_ASSERTION),
    "threshold": {"type": "number", "minimum": 0, "maximum": 1},
    "metadata": _METADATA,
}
_DATASET = _object(
    {
        "path": _STRING,
        "input_field": _STRING,
        "expected_field": _STRING,
        "output_field": _STRING,
        "limit": {"type": "integer", "minimum": 0},
        "metadata": _METADATA,
    },
    "path",
)
_TEST = _object(
    {
        "id": _TEXT,
        "input": _TEXT,
        "expected": _TEXT,
        "output": _TEXT,
        "contexts": {"type": ["array", "string"]},
        **_TEST_FIELDS,
    },
    "input",
)
SCHEMA: dict[str, Any] = _object(
    {
        "name": _STRING,
        "description": _STRING,
        "target": _STRING,
        "concurrency": {"type": "integer", "minimum": 1},
        "metadata": _METADATA,
        "judge": _object({"model": _STRING, "base_url": _STRING}, "model"),
        "evaluators": {"type": "object", "propertyNames": _NAME, "additionalProperties": _EVALUATOR},
        "defaults": _object(_TEST_FIELDS),
        "datasets": _array(_DATASET),
        "tests": _array(_TEST),
        "thresholds": _array(_STRING),
        "group_by": _array(_STRING),
        "repeat": {"type": "integer", "minimum": 1},
        "counterfactuals": _object({"dimensions": _array(_STRING), "terms": _STRING}),
    }
)


class SuiteError(ValueError):
    """The suite file is not a valid suite; the message names the file and the place in it."""


@dataclass
class Suite:
    """A loaded suite: everything a run needs, evaluators built."""

    path: Path
    name: str | None
    target: str | None
    examples: list[Example]
    thresholds: list[str]
    evaluator_names: list[str]
    concurrency: int = 1
    metadata: dict[str, Any] = field(default_factory=dict)
    group_by: list[str] = field(default_factory=list)
    repeat: int = 1


def _where(path: Sequence[Any]) -> str:
    return "/".join(str(part) for part in path) or "(top)"


class _Builder:
    """Builds assertions from their YAML forms; evaluators are shared between tests that use the same."""

    def __init__(self, definitions: Mapping[str, Mapping[str, Any]], judge: JudgeSettings | None) -> None:
        self.definitions = definitions
        self.judge = judge
        self._built: dict[str, Evaluator] = {}

    def evaluator(self, kind: str, value: Any, threshold: float | None, name: str | None) -> Evaluator:
        key = json.dumps([kind, value, threshold, name], sort_keys=True, default=str)
        if key not in self._built:
            self._built[key] = make_evaluator(kind, value, threshold, name, self.judge)
        return self._built[key]

    def assertion(self, item: Any, where: str) -> Assertion:
        try:
            return self._assertion(item)
        except ValueError as exc:
            raise SuiteError(f"{where}: {exc}") from exc

    def _assertion(self, item: Any) -> Assertion:
        if isinstance(item, str):
            item = {"evaluator": item} if item in self.definitions else {"type": item}
        weight = float(item.get("weight", 1.0))
        if "evaluator" in item:
            reference = item["evaluator"]
            definition = self.definitions.get(reference)
            if definition is None:
                known = ", ".join(self.definitions) or "none"
                raise ValueError(f"no evaluator named {reference!r} (named evaluators: {known})")
            threshold = item.get("threshold", definition.get("threshold"))
            name = check_name(item.get("name", reference))
            evaluator = self.evaluator(definition["type"], definition.get("value"), threshold, name)
            return Assertion(evaluator, weight)
        name = item.get("name")
        evaluator = self.evaluator(item["type"], item.get("value"), item.get("threshold"), name)
        return Assertion(evaluator, weight)


def _merge(defaults: Sequence[Assertion], own: Sequence[Assertion]) -> tuple[Assertion, ...]:
    """The defaults, each replaced by the test's assertion of the same name, then the test's others."""
    mine = {assertion.evaluator.name: assertion for assertion in own}
    merged = [mine.pop(a.evaluator.name, a) for a in defaults]
    return (*merged, *mine.values())


def _text(value: Any) -> str | None:
    return None if value is None else str(value)


def load_suite(path: str | Path, judge: JudgeSettings | None = None) -> Suite:
    """Read and check a suite file, build its evaluators and load its datasets."""
    path = Path(path)
    try:
        document = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise SuiteError(f"{path}: not valid YAML: {exc}") from exc
    errors = sorted(
        Draft202012Validator(SCHEMA).iter_errors(document), key=lambda e: list(map(str, e.absolute_path))
    )
    if errors:
        first = errors[0]
        raise SuiteError(f"{path}: {_where(first.absolute_path)}: {first.message}")
    if not document.get("tests") and not document.get("datasets"):
        raise SuiteError(f"{path}: (top): a suite needs `tests` or `datasets`")
    if judge is None and "judge" in document:
        judge = JudgeSettings.openai(document["judge"]["model"], document["judge"].get("base_url"))
    builder = _Builder(document.get("evaluators") or {}, judge)
    defaults = document.get("defaults") or {}
    default_assertions = [
        builder.assertion(item, f"{path}: defaults/assert/{index}")
        for index, item in enumerate(defaults.get("assert") or ())
    ]
    default_metadata = dict(defaults.get("metadata") or {})

    def complete(example: Example, raw: Mapping[str, Any], where: str, extra: Mapping[str, Any]) -> Example:
        own = [
            builder.assertion(item, f"{where}/assert/{i}") for i, item in enumerate(raw.get("assert") or ())
        ]
        names = [assertion.evaluator.name for assertion in own]
        if len(set(names)) != len(names):
            raise SuiteError(f"{where}: evaluator names must be unique in a test, got {names}: name them")
        assertions = _merge(default_assertions, own)
        if not assertions:
            raise SuiteError(f"{where}: no assertions (give the test `assert`, or the suite `defaults`)")
        return replace(
            example,
            assertions=assertions,
            threshold=raw.get("threshold", defaults.get("threshold")),
            metadata={**default_metadata, **extra, **example.metadata, **(raw.get("metadata") or {})},
        )

    examples: list[Example] = []
    for index, source in enumerate(document.get("datasets") or ()):
        where = f"{path}: datasets/{index}"
        try:
            rows = load_dataset(
                path.parent / source["path"],
                source.get("input_field"),
                source.get("expected_field"),
                source.get("limit"),
                source.get("output_field"),
            )
        except (ValueError, OSError) as exc:
            raise SuiteError(f"{where}: {exc}") from exc
        examples.extend(complete(row, {}, where, source.get("metadata") or {}) for row in rows)
    for index, raw in enumerate(document.get("tests") or ()):
        example = Example(
            id=str(raw.get("id", f"test-{index + 1}")),
            input=str(raw["input"]),
            expected=_text(raw.get("expected")),
            contexts=parse_contexts(raw.get("contexts")),
            output=_text(raw.get("output")),
        )
        examples.append(complete(example, raw, f"{path}: tests/{index}", {}))
    group_by = list(document.get("group_by") or ())
    if "counterfactuals" in document:
        from otel_llm.evaluation.counterfactual import expand_examples, load_terms

        options = document["counterfactuals"]
        try:
            terms = load_terms(path.parent / options["terms"] if "terms" in options else None)
            examples = expand_examples(examples, options.get("dimensions"), terms)
        except (ValueError, KeyError, OSError) as exc:
            raise SuiteError(f"{path}: counterfactuals: {exc}") from exc
        group_by = list(dict.fromkeys([*group_by, "counterfactual_group"]))
    names = list(dict.fromkeys(a.evaluator.name for example in examples for a in example.assertions))
    metadata = dict(document.get("metadata") or {})
    if "description" in document:
        metadata.setdefault("description", document["description"])
    return Suite(
        path=path,
        name=document.get("name"),
        target=document.get("target"),
        examples=examples,
        thresholds=list(document.get("thresholds") or ()),
        evaluator_names=names,
        concurrency=int(document.get("concurrency", 1)),
        metadata=metadata,
        group_by=group_by,
        repeat=int(document.get("repeat", 1)),
    )

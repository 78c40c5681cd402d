"""Evaluators from short text specs, as given on the command line: ``NAME`` or ``NAME=ARGUMENT``."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from otel_llm.evaluation.evaluators.base import Evaluator
from otel_llm.evaluation.evaluators.judge import AnswerRelevance, Faithfulness, RubricJudge
from otel_llm.evaluation.evaluators.overlap import Bleu, RougeL
from otel_llm.evaluation.evaluators.span_checks import CostThreshold, GuardrailFindings, LatencyThreshold
from otel_llm.evaluation.evaluators.structured import JsonSchemaMatch, JsonValid
from otel_llm.evaluation.evaluators.text import (
    Contains,
    ExactMatch,
    NumericMatch,
    RegexMatch,
    StringSimilarity,
)


@dataclass
class JudgeSettings:
    """How model-graded evaluators reach their judge: a client factory and a model name."""

    client_factory: Callable[[], Any]
    model: str


def _text_or_file(argument: str) -> str:
    """``@path`` reads the file, anything else is taken literally."""
    return Path(argument[1:]).read_text(encoding="utf-8") if argument.startswith("@") else argument


def _pass_at(factory: Callable[..., Evaluator]) -> Callable[[str | None], Evaluator]:
    return lambda arg: factory(pass_at=float(arg)) if arg else factory()


def _required(kind: str, build: Callable[[str], Evaluator]) -> Callable[[str | None], Evaluator]:
    def checked(arg: str | None) -> Evaluator:
        if not arg:
            raise ValueError(f"evaluator {kind!r} needs an argument: {kind}=...")
        return build(arg)

    return checked


_BUILDERS: dict[str, Callable[[str | None], Evaluator]] = {
    "exact_match": lambda arg: ExactMatch(strict=arg == "strict"),
    "contains": lambda arg: Contains(arg),
    "regex": _required("regex", RegexMatch),
    "numeric_match": lambda arg: NumericMatch(float(arg)) if arg else NumericMatch(),
    "json_valid": lambda arg: JsonValid(),
    "json_schema": _required("json_schema", lambda arg: JsonSchemaMatch(json.loads(_text_or_file(arg)))),
    "string_similarity": _pass_at(StringSimilarity),
    "rouge_l": _pass_at(RougeL),
    "bleu": _pass_at(Bleu),
    "latency": _required("latency", lambda arg: LatencyThreshold(float(arg))),
    "cost": _required("cost", lambda arg: CostThreshold(float(arg))),
    "guardrail_findings": lambda arg: GuardrailFindings(int(arg)) if arg else GuardrailFindings(),
}

_JUDGED = ("llm_judge", "answer_relevance", "faithfulness")
KNOWN = (*_BUILDERS, "semantic_similarity", *_JUDGED)


def build_evaluator(spec: str, judge: JudgeSettings | None = None) -> Evaluator:
    """The evaluator a spec names, e.g. ``exact_match``, ``rouge_l=0.4``, ``json_schema=@schema.json``."""
    kind, _, arg = spec.partition("=")
    kind = kind.strip()
    if kind in _BUILDERS:
        return _BUILDERS[kind](arg or None)
    if kind == "semantic_similarity":
        from otel_llm.evaluation.evaluators.semantic import SemanticSimilarity

        return _pass_at(SemanticSimilarity)(arg or None)
    if kind in _JUDGED:
        if judge is None:
            raise ValueError(f"evaluator {kind!r} needs a judge model (--judge-model)")
        client = judge.client_factory()
        if kind == "llm_judge":
            return _required(kind, lambda a: RubricJudge(client, judge.model, _text_or_file(a)))(arg or None)
        graded = AnswerRelevance if kind == "answer_relevance" else Faithfulness
        return graded(client, judge.model, pass_at=float(arg)) if arg else graded(client, judge.model)
    raise ValueError(f"unknown evaluator {kind!r}; known: {', '.join(KNOWN)}")

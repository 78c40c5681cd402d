"""Evaluators by kind: from short text specs (``NAME``, ``NAME=ARGUMENT``, ``LABEL:NAME=ARGUMENT``) as
given on the command line, or from a kind, a value and a threshold, as written in a suite file.

Evaluator modules are imported when their kind is built, so a missing optional library is reported
for the evaluator that needs it, before any example runs.
"""

from __future__ import annotations

import importlib
import json
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from otel_llm.evaluation.evaluators.base import Evaluator

NAME_PATTERN = re.compile(r"^[A-Za-z0-9_\-]+$")
"""Evaluator names: what thresholds (``NAME.mean>=V``) can refer to."""


class EvaluatorConfigError(ValueError):
    """An evaluator cannot be built as specified (unknown kind, bad argument, missing library)."""


@dataclass
class JudgeSettings:
    """How model-graded evaluators reach their judge: a client factory and a model name."""

    client_factory: Callable[[], Any]
    model: str

    @classmethod
    def openai(cls, model: str, base_url: str | None = None, max_retries: int = 3) -> JudgeSettings:
        """A judge through the openai SDK (key from ``OPENAI_API_KEY``, base URL else ``OPENAI_BASE_URL``);
        failed calls (connection errors, 408, 409, 429, 5xx) are retried ``max_retries`` times by the
        SDK, with exponential backoff and jitter, honouring ``Retry-After``."""

        def client() -> Any:
            import openai

            options: dict[str, Any] = {"max_retries": max_retries}
            if base_url:
                options["base_url"] = base_url
            return openai.OpenAI(**options)

        return cls(client, model)


def _text_or_file(argument: Any) -> str:
    """``@path`` reads the file, anything else is taken literally."""
    text = str(argument)
    return Path(text[1:]).read_text(encoding="utf-8") if text.startswith("@") else text


def _schema(argument: Any) -> Any:
    return argument if isinstance(argument, Mapping) else json.loads(_text_or_file(argument))


def _class(module: str, name: str) -> Any:
    return getattr(importlib.import_module(f"otel_llm.evaluation.evaluators.{module}"), name)


@dataclass(frozen=True)
class _Kind:
    """How to build one kind: ``build(value, threshold, judge)``; the CLI's ``=ARGUMENT`` is the
    threshold of graded kinds and the value of the others."""

    build: Callable[[Any, float | None, JudgeSettings | None], Evaluator]
    graded: bool = False
    needs_value: bool = False
    judged: bool = False


def _graded(module: str, name: str) -> _Kind:
    def build(value: Any, threshold: float | None, judge: JudgeSettings | None) -> Evaluator:
        cls = _class(module, name)
        return cls() if threshold is None else cls(pass_at=threshold)

    return _Kind(build, graded=True)


def _judged(name: str) -> _Kind:
    def build(value: Any, threshold: float | None, judge: JudgeSettings | None) -> Evaluator:
        assert judge is not None
        cls, client = _class("judge", name), judge.client_factory()
        options = {} if threshold is None else {"pass_at": threshold}
        if name == "RubricJudge":
            return cls(client, judge.model, _text_or_file(value), **options)
        return cls(client, judge.model, **options)

    return _Kind(build, graded=True, judged=True, needs_value=name == "RubricJudge")


def _valued(module: str, name: str, convert: Callable[[Any], Any], needs_value: bool = False) -> _Kind:
    def build(value: Any, threshold: float | None, judge: JudgeSettings | None) -> Evaluator:
        cls = _class(module, name)
        return cls() if value is None else cls(convert(value))

    return _Kind(build, needs_value=needs_value)


def _counterfactual(value: Any, threshold: float | None, judge: JudgeSettings | None) -> Evaluator:
    from otel_llm.evaluation.counterfactual import CounterfactualConsistency

    options: dict[str, Any] = {} if threshold is None else {"pass_at": threshold}
    if isinstance(value, Mapping):
        options.update({key: value[key] for key in ("dimensions", "terms", "max_variants") if key in value})
    elif value:
        options["dimensions"] = (
            [part.strip() for part in str(value).split(",")] if isinstance(value, str) else value
        )
    return CounterfactualConsistency(**options)


KINDS: dict[str, _Kind] = {
    "exact_match": _Kind(lambda value, _t, _j: _class("text", "ExactMatch")(strict=value == "strict")),
    "contains": _valued("text", "Contains", str),
    "regex": _valued("text", "RegexMatch", str, needs_value=True),
    "numeric_match": _valued("text", "NumericMatch", float),
    "json_valid": _Kind(lambda _v, _t, _j: _class("structured", "JsonValid")()),
    "json_schema": _valued("structured", "JsonSchemaMatch", _schema, needs_value=True),
    "string_similarity": _graded("text", "StringSimilarity"),
    "rouge_l": _graded("overlap", "RougeL"),
    "bleu": _graded("overlap", "Bleu"),
    "semantic_similarity": _graded("semantic", "SemanticSimilarity"),
    "latency": _valued("span_checks", "LatencyThreshold", float, needs_value=True),
    "cost": _valued("span_checks", "CostThreshold", float, needs_value=True),
    "guardrail_findings": _valued("span_checks", "GuardrailFindings", int),
    "llm_judge": _judged("RubricJudge"),
    "answer_relevance": _judged("AnswerRelevance"),
    "faithfulness": _judged("Faithfulness"),
    "counterfactual": _Kind(_counterfactual, graded=True),
}
KNOWN = tuple(KINDS)


RESERVED_NAMES = frozenset({"tests"})
"""``tests`` names the examples' own verdicts in summaries and thresholds."""


def check_name(name: str) -> str:
    if not NAME_PATTERN.match(name):
        raise EvaluatorConfigError(f"bad evaluator name {name!r}: use letters, digits, '_' and '-'")
    if name in RESERVED_NAMES:
        raise EvaluatorConfigError(f"evaluator name {name!r} is reserved for the tests' own verdicts")
    return name


def make_evaluator(
    kind: str,
    value: Any = None,
    threshold: float | None = None,
    name: str | None = None,
    judge: JudgeSettings | None = None,
) -> Evaluator:
    """An evaluator of ``kind`` with its ``value`` (a pattern, a limit, a rubric...), its ``threshold``
    (the score at which a graded kind passes) and its ``name`` (default: the kind)."""
    spec = KINDS.get(kind)
    if spec is None:
        raise EvaluatorConfigError(f"unknown evaluator {kind!r}; known: {', '.join(KNOWN)}")
    if spec.needs_value and value in (None, ""):
        raise EvaluatorConfigError(f"evaluator {kind!r} needs an argument: {kind}=...")
    if threshold is not None and not spec.graded:
        raise EvaluatorConfigError(f"evaluator {kind!r} passes or fails: it takes no threshold")
    if spec.judged and judge is None:
        raise EvaluatorConfigError(f"evaluator {kind!r} needs a judge model (--judge-model)")
    try:
        evaluator = spec.build(value, threshold, judge)
    except ImportError as exc:
        extra = "eval-semantic" if kind == "semantic_similarity" else ("openai" if spec.judged else "eval")
        raise EvaluatorConfigError(
            f"evaluator {kind!r} needs {exc.name or exc}: pip install 'otel-llm[{extra}]'"
        ) from exc
    except (ValueError, TypeError, OSError, re.error) as exc:
        raise EvaluatorConfigError(f"evaluator {kind!r}: {exc}") from exc
    if name is not None:
        evaluator.name = check_name(name)
    return evaluator


def build_evaluator(spec: str, judge: JudgeSettings | None = None) -> Evaluator:
    """The evaluator a spec names: ``exact_match``, ``rouge_l=0.4``, ``json_schema=@schema.json``, or
    with a name of its own, ``digits:regex=^\\d+$`` (so two evaluators of one kind can coexist)."""
    head, _, argument = spec.partition("=")
    name, _, kind = head.strip().rpartition(":")
    kind = kind.strip()
    value: Any = argument or None
    threshold = None
    known = KINDS.get(kind)
    if value is not None and known is not None and known.graded and not known.needs_value:
        try:
            threshold, value = float(value), None
        except ValueError as exc:
            raise EvaluatorConfigError(f"evaluator {kind!r} takes a threshold number, got {value!r}") from exc
    return make_evaluator(kind, value, threshold, name.strip() or None, judge)

"""Built-in evaluators. Each is an :class:`Evaluator`: ``evaluator(case) -> Score``."""

from otel_llm.evaluation.evaluators.base import Evaluator, GradedEvaluator
from otel_llm.evaluation.evaluators.judge import (
    AnswerRelevance,
    Faithfulness,
    ModelGradedEvaluator,
    RubricJudge,
)
from otel_llm.evaluation.evaluators.overlap import Bleu, RougeL
from otel_llm.evaluation.evaluators.span_checks import CostThreshold, GuardrailFindings, LatencyThreshold
from otel_llm.evaluation.evaluators.specs import JudgeSettings, build_evaluator
from otel_llm.evaluation.evaluators.structured import JsonSchemaMatch, JsonValid
from otel_llm.evaluation.evaluators.text import (
    Contains,
    ExactMatch,
    NumericMatch,
    RegexMatch,
    StringSimilarity,
)

__all__ = [
    "AnswerRelevance",
    "Bleu",
    "Contains",
    "CostThreshold",
    "Evaluator",
    "ExactMatch",
    "Faithfulness",
    "GradedEvaluator",
    "GuardrailFindings",
    "JsonSchemaMatch",
    "JsonValid",
    "JudgeSettings",
    "LatencyThreshold",
    "ModelGradedEvaluator",
    "NumericMatch",
    "RegexMatch",
    "RougeL",
    "RubricJudge",
    "StringSimilarity",
    "build_evaluator",
]

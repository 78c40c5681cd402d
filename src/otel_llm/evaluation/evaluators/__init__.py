"""Built-in evaluators. Each is an :class:`Evaluator`: ``evaluator(case) -> Score``.

Names are imported lazily: each needs its own library (rapidfuzz, jsonschema, rouge-score, ...), and
the online sampler only needs the base class.
"""

from __future__ import annotations

from otel_llm.evaluation._lazy import lazy_getattr

_EXPORTS = {
    "Evaluator": "base",
    "GradedEvaluator": "base",
    "AnswerRelevance": "judge",
    "Faithfulness": "judge",
    "ModelGradedEvaluator": "judge",
    "RubricJudge": "judge",
    "Bleu": "overlap",
    "RougeL": "overlap",
    "CostThreshold": "span_checks",
    "GuardrailFindings": "span_checks",
    "LatencyThreshold": "span_checks",
    "JudgeSettings": "specs",
    "build_evaluator": "specs",
    "JsonSchemaMatch": "structured",
    "JsonValid": "structured",
    "Contains": "text",
    "ExactMatch": "text",
    "NumericMatch": "text",
    "RegexMatch": "text",
    "StringSimilarity": "text",
    "SemanticSimilarity": "semantic",
}

__all__ = sorted(_EXPORTS)
__getattr__ = lazy_getattr(__name__, _EXPORTS, globals())

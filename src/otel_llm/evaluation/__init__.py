"""Evaluation of LLM output: offline over datasets, online over live or stored traces, and user feedback.

Every score becomes a ``gen_ai.evaluation.result`` event parented to the evaluated LLM span, plus a
point on the ``otel_llm.evaluation.score`` histogram. Names are imported lazily, so that
``record_feedback`` and the online sampler need only the core dependencies; the built-in evaluators
and the reports need the ``eval`` extra.
"""

from __future__ import annotations

from otel_llm.evaluation._lazy import lazy_getattr

_EXPORTS = {
    "EvalCase": "model",
    "Score": "model",
    "MissingFieldError": "model",
    "SpanView": "spans",
    "Example": "datasets",
    "load_dataset": "datasets",
    "examples_from_rows": "datasets",
    "Evaluator": "evaluators.base",
    "GradedEvaluator": "evaluators.base",
    "build_evaluator": "evaluators.specs",
    "OfflineRunner": "runner",
    "evaluate": "runner",
    "load_target": "runner",
    "EvaluationRun": "results",
    "ExampleResult": "results",
    "Threshold": "thresholds",
    "compare_runs": "compare",
    "render_html": "html_report",
    "write_html": "html_report",
    "ScoreRecorder": "telemetry",
    "SamplingEvaluator": "online",
    "evaluate_span": "online",
    "JaegerQueryClient": "jaeger",
    "evaluate_jaeger_traces": "jaeger",
    "record_feedback": "feedback",
    "feedback_token": "feedback",
    "configure_feedback": "feedback",
    "FeedbackConfig": "feedback",
    "FeedbackError": "feedback",
    "install_span_hooks": "hooks",
    "judge_scope": "hooks",
}

__all__ = sorted(_EXPORTS)
__getattr__ = lazy_getattr(__name__, _EXPORTS, globals())

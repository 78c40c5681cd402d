"""The offline runner: each example goes through the instrumented target, then through its assertions
(the example's own, else the runner's evaluators), and gets a verdict.

Without a target, each example's existing ``output`` is scored as it is.

Every example runs inside an ``eval.example`` span; the span hooks collect the spans of that trace, the
last LLM span among them is the evaluated one, and each score is emitted as a
``gen_ai.evaluation.result`` event parented to it (to the example span when the target made no LLM call).
"""

from __future__ import annotations

import asyncio
import importlib
import inspect
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from typing import Any

from opentelemetry.context import Context
from opentelemetry.trace import Status, StatusCode, format_span_id, format_trace_id

from otel_llm.evaluation.datasets import Example
from otel_llm.evaluation.evaluators.base import Assertion, CallsTarget, Evaluator
from otel_llm.evaluation.evaluators.judge import judge_usage
from otel_llm.evaluation.hooks import install_span_hooks
from otel_llm.evaluation.model import EvalCase, Score
from otel_llm.evaluation.provenance import app_version
from otel_llm.evaluation.results import EvaluationRun, ExampleResult
from otel_llm.evaluation.spans import SpanView
from otel_llm.evaluation.telemetry import ScoreRecorder
from otel_llm.evaluation.thresholds import Threshold
from otel_llm.semconv.attributes import (
    GEN_AI_PROMPT_NAME,
    GEN_AI_PROMPT_VERSION,
    GEN_AI_REQUEST_MODEL,
    GEN_AI_RESPONSE_MODEL,
    GEN_AI_USAGE_INPUT_TOKENS,
    GEN_AI_USAGE_OUTPUT_TOKENS,
    OTEL_LLM_USAGE_COST_USD,
    OtelLlmEvaluationSourceValues,
)
from otel_llm.telemetry.invocation import GenAITelemetry

EXAMPLE_SPAN_NAME = "eval.example"
Target = Callable[[str], Any]


def load_target(reference: str) -> Target:
    """Import ``module:function`` (dots allowed after the colon for attributes)."""
    module_name, _, attribute = reference.partition(":")
    if not module_name or not attribute:
        raise ValueError(f"target must be module:function, got {reference!r}")
    target: Any = importlib.import_module(module_name)
    for part in attribute.split("."):
        target = getattr(target, part)
    if not callable(target):
        raise TypeError(f"{reference} is not callable")
    return target


def split_output(raw: Any) -> tuple[str | None, tuple[str, ...], str | None]:
    """(text, contexts, response id) of what a target returned.

    A target may return a string, a mapping with ``output`` (or ``answer``) and optional ``contexts``,
    or an OpenAI-style completion object (``choices[0].message.content``).
    """
    if raw is None or isinstance(raw, str):
        return raw, (), None
    if isinstance(raw, dict):
        text = raw.get("output", raw.get("answer"))
        return (None if text is None else str(text)), tuple(map(str, raw.get("contexts") or ())), None
    choices = getattr(raw, "choices", None)
    if choices:
        return choices[0].message.content, (), getattr(raw, "id", None)
    return str(raw), (), None


class OfflineRunner:
    """Runs examples through ``target`` and their assertions; reusable across runs.

    ``target`` takes an example's input; it may be a coroutine function (each call then runs in its own
    event loop, on the runner's thread). With ``target=None`` the examples' ``output`` is scored.
    ``evaluators`` assert on every example that brings no assertions of its own.
    """

    def __init__(
        self,
        target: Target | None,
        evaluators: Sequence[Evaluator] = (),
        concurrency: int = 1,
        telemetry: GenAITelemetry | None = None,
    ) -> None:
        _check_unique(evaluator.name for evaluator in evaluators)
        self.target = target
        self.evaluators = list(evaluators)
        self._assertions = tuple(Assertion(evaluator) for evaluator in evaluators)
        for evaluator in self.evaluators:
            self._bind(evaluator)
        self.concurrency = max(1, concurrency)
        self._hooks = install_span_hooks()
        config = telemetry or GenAITelemetry()
        self._tracer = config.get_tracer("otel_llm.evaluation")
        self._recorder = ScoreRecorder(OtelLlmEvaluationSourceValues.OFFLINE, config)

    def run(
        self,
        examples: Iterable[Example],
        thresholds: Sequence[Threshold] = (),
        name: str | None = None,
        dataset: str | None = None,
        target_name: str | None = None,
        on_result: Callable[[ExampleResult], None] | None = None,
        metadata: Mapping[str, Any] | None = None,
        group_by: Sequence[str] = (),
        repeat: int = 1,
    ) -> EvaluationRun:
        """One result per example and attempt (``repeat`` attempts each, to expose flaky outputs)."""
        if repeat < 1:
            raise ValueError(f"repeat must be at least 1, got {repeat}")
        examples = list(examples)
        for example in examples:
            if example.assertions:
                _check_unique(assertion.evaluator.name for assertion in example.assertions)
            elif not self._assertions:
                raise ValueError(f"example {example.id!r} has no assertions and the runner no evaluators")
            for assertion in example.assertions:
                self._bind(assertion.evaluator)
        started_at = datetime.now(UTC).isoformat(timespec="seconds")
        clock = time.perf_counter()

        def one(job: tuple[Example, int]) -> ExampleResult:
            result = self.run_example(*job)
            if on_result is not None:
                on_result(result)
            return result

        jobs = [(example, attempt) for example in examples for attempt in range(repeat)]
        if self.concurrency == 1:
            results = [one(job) for job in jobs]
        else:
            with ThreadPoolExecutor(self.concurrency, thread_name_prefix="otel-llm-eval") as pool:
                results = list(pool.map(one, jobs))
        run = EvaluationRun(
            name=name or f"eval-{started_at}",
            dataset=dataset,
            target=target_name or _target_name(self.target),
            evaluators=_names(self._assertions, examples),
            examples=results,
            started_at=started_at,
            duration_s=round(time.perf_counter() - clock, 6),
            metadata={**app_version(), **(metadata or {})},
            group_by=list(group_by),
            repeat=repeat,
        )
        used = {id(a.evaluator): a.evaluator for e in examples for a in (e.assertions or self._assertions)}
        if any(hasattr(evaluator, "usage") for evaluator in used.values()):
            run.judge = judge_usage(used.values())
        summaries = run.summaries()
        run.thresholds = [threshold.check(summaries) for threshold in thresholds]
        return run

    def _bind(self, evaluator: Evaluator) -> None:
        """Evaluators that call the target themselves (counterfactual checks) get the run's."""
        if isinstance(evaluator, CallsTarget) and evaluator.uses_target:
            evaluator.target = self.target

    def run_example(self, example: Example, attempt: int = 0) -> ExampleResult:
        clock = time.perf_counter()
        error: Exception | None = None
        # Each example is a trace of its own, even when the run itself is inside a span.
        with self._tracer.start_as_current_span(EXAMPLE_SPAN_NAME, Context(), record_exception=False) as root:
            root_context = root.get_span_context()
            if root_context.is_valid:
                self._hooks.watch(root_context.trace_id)
            output = example.output
            contexts: tuple[str, ...] = ()
            response_id: str | None = None
            try:
                if self.target is not None:
                    raw = self.target(example.input)
                    if inspect.iscoroutine(raw):
                        raw = asyncio.run(raw)
                    output, contexts, response_id = split_output(raw)
            except Exception as exc:  # the target's failure is this example's result
                error = exc
                root.record_exception(exc)
                root.set_status(Status(StatusCode.ERROR, type(exc).__qualname__))
        duration = time.perf_counter() - clock
        spans = tuple(self._hooks.release(root_context.trace_id)) if root_context.is_valid else ()
        evaluated = _last_llm_span(spans)
        response_id = (evaluated.response_id if evaluated else None) or response_id
        case = EvalCase(
            input=example.input,
            output=output,
            expected=example.expected,
            contexts=contexts or example.contexts,
            span=evaluated,
            spans=spans,
            metadata=example.metadata,
        )
        assertions = example.assertions or self._assertions
        scores = [self._score(assertion.evaluator, case, error) for assertion in assertions]
        passed, weighted = verdict(scores, assertions, example.threshold)
        parent = evaluated.span_context() if evaluated else root_context
        for score, assertion in zip(scores, assertions):
            self._recorder.record(score, parent, response_id, getattr(assertion.evaluator, "unit", None))
        return ExampleResult(
            id=example.id,
            input=example.input,
            expected=example.expected,
            output=output,
            scores=scores,
            duration_s=round(duration, 6),
            error=None if error is None else f"{type(error).__qualname__}: {error}",
            trace_id=format_trace_id(parent.trace_id) if parent.is_valid else None,
            span_id=format_span_id(parent.span_id) if parent.is_valid else None,
            response_id=response_id,
            metadata=dict(example.metadata),
            passed=passed,
            weighted_score=weighted,
            attempt=attempt,
            **_usage(spans, evaluated),
        )

    @staticmethod
    def _score(evaluator: Evaluator, case: EvalCase, error: Exception | None) -> Score:
        if error is None:
            return evaluator(case)
        return Score(
            evaluator.name, explanation=f"the target failed: {error}", error_type=type(error).__qualname__
        )


def verdict(
    scores: Sequence[Score], assertions: Sequence[Assertion], threshold: float | None
) -> tuple[bool | None, float | None]:
    """(passed, weighted share of passed assertions) of one example; assertions of weight 0 do not count.

    Without a ``threshold`` every counted assertion must pass; with one, the weighted share must reach it.
    """
    counted = [(score, a.weight) for score, a in zip(scores, assertions) if a.weight > 0]
    if not counted:
        return None, None
    share = round(sum(weight for score, weight in counted if score.passed) / sum(w for _, w in counted), 6)
    if threshold is None:
        return all(score.passed for score, _ in counted), share
    return share >= threshold, share


def _check_unique(names: Iterable[str]) -> None:
    names = list(names)
    if len(set(names)) != len(names):
        raise ValueError(f"evaluator names must be unique, got {names}")


def _names(defaults: Sequence[Assertion], examples: Sequence[Example]) -> list[str]:
    """Evaluator names in order of first use: the runner's, then those the examples bring."""
    names = dict.fromkeys(a.evaluator.name for a in defaults)
    for example in examples:
        names.update(dict.fromkeys(a.evaluator.name for a in example.assertions))
    return list(names)


def _usage(spans: Sequence[SpanView], evaluated: SpanView | None) -> dict[str, Any]:
    """Model and prompt of the evaluated span; tokens and cost summed over the LLM spans that report them."""
    llm = [span.attributes for span in spans if span.is_llm]

    def total(key: str) -> Any:
        values = [
            a[key] for a in llm if isinstance(a.get(key), (int, float)) and not isinstance(a[key], bool)
        ]
        return sum(values) if values else None

    cost = total(OTEL_LLM_USAGE_COST_USD)
    model = prompt_name = prompt_version = None
    if evaluated is not None:
        model = evaluated.attributes.get(GEN_AI_RESPONSE_MODEL) or evaluated.attributes.get(
            GEN_AI_REQUEST_MODEL
        )
        prompt_name = evaluated.attributes.get(GEN_AI_PROMPT_NAME)
        prompt_version = evaluated.attributes.get(GEN_AI_PROMPT_VERSION)
    return {
        "model": None if model is None else str(model),
        "prompt_name": None if prompt_name is None else str(prompt_name),
        "prompt_version": None if prompt_version is None else str(prompt_version),
        "input_tokens": total(GEN_AI_USAGE_INPUT_TOKENS),
        "output_tokens": total(GEN_AI_USAGE_OUTPUT_TOKENS),
        "cost_usd": None if cost is None else round(float(cost), 10),
    }


def _target_name(target: Target | None) -> str | None:
    return None if target is None else getattr(target, "__qualname__", repr(target))


def _last_llm_span(spans: Sequence[SpanView]) -> SpanView | None:
    return next((span for span in reversed(spans) if span.is_llm), None)


def evaluate(
    examples: Iterable[Example],
    target: Target | str | None,
    evaluators: Sequence[Evaluator] = (),
    thresholds: Sequence[Threshold | str] = (),
    concurrency: int = 1,
    name: str | None = None,
    repeat: int = 1,
) -> EvaluationRun:
    """Run an offline evaluation from Python; ``target`` may be a callable, ``module:function``, or
    ``None`` to score the examples' existing outputs."""
    target_name = target if isinstance(target, str) else None
    function = load_target(target) if isinstance(target, str) else target
    parsed = [Threshold.parse(t) if isinstance(t, str) else t for t in thresholds]
    return OfflineRunner(function, evaluators, concurrency).run(
        examples, parsed, name=name, target_name=target_name, repeat=repeat
    )

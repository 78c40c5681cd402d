"""pytest support: telemetry set up for the session, one test per example, readable failures.

Enable it in a ``conftest.py``::

    pytest_plugins = ["otel_llm.evaluation.pytest_plugin"]

then::

    from otel_llm.evaluation.pytest_plugin import suite_cases

    @pytest.mark.parametrize("case", suite_cases("evals/support.yaml"))
    def test_support(case, evaluate_case):
        evaluate_case(case)  # runs the suite's target on the example, fails with what went wrong

The ``otel_llm_eval`` fixture (session-wide, used by ``evaluate_case``) installs OTel SDK providers
when the process has none, the evaluation span hooks, and instruments the installed LLM SDKs, so
evaluators that read the example's spans (latency, cost, guardrail findings, judges) work as in
``otel-llm eval``. Or run pytest with ``-p otel_llm.evaluation.pytest_plugin``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import pytest

from otel_llm.evaluation.datasets import Example, load_dataset
from otel_llm.evaluation.evaluators.base import Assertion, Evaluator
from otel_llm.evaluation.results import ExampleResult, fmt


@dataclass(frozen=True)
class SuiteCase:
    """One parametrised example, with the target that answers it (``module:function``, a callable, or
    ``None`` to score the example's own output)."""

    example: Example
    target: str | Callable[[str], Any] | None = None


def suite_cases(path: str | Path) -> list[Any]:
    """One ``pytest.param`` per test of a suite file, with the test's id as the pytest id."""
    from otel_llm.evaluation.suite import load_suite

    suite = load_suite(path)
    return [pytest.param(SuiteCase(example, suite.target), id=example.id) for example in suite.examples]


def dataset_cases(
    path: str | Path, evaluators: Sequence[Evaluator], target: str | Callable[[str], Any] | None = None
) -> list[Any]:
    """One ``pytest.param`` per row of a dataset, each asserting ``evaluators``."""
    assertions = tuple(Assertion(evaluator) for evaluator in evaluators)
    return [
        pytest.param(SuiteCase(replace(example, assertions=assertions), target), id=example.id)
        for example in load_dataset(path)
    ]


def _indent(text: str | None) -> str:
    return "-" if text is None else str(text).replace("\n", "\n            ")


def describe_failure(result: ExampleResult, threshold: float | None) -> str:
    """What an example's failure looks like in a test report: the texts, then every assertion."""
    needed = "every assertion to pass" if threshold is None else f"a weighted score of {threshold:g}"
    lines = [
        f"example {result.id!r} failed: weighted score {fmt(result.weighted_score)}, needed {needed}",
        f"  input:    {_indent(result.input)}",
        f"  output:   {_indent(result.output if result.error is None else result.error)}",
        f"  expected: {_indent(result.expected)}",
    ]
    for score in result.scores:
        mark = "error" if score.error_type else ("pass " if score.passed else "FAIL ")
        detail = score.explanation or score.error_type or ""
        lines.append(f"  {mark} {score.name} {fmt(score.value)}{': ' + detail if detail else ''}")
    if result.trace_id:
        lines.append(f"  trace {result.trace_id}")
    return "\n".join(lines)


@pytest.fixture(scope="session")
def otel_llm_eval() -> Iterator[None]:
    """For the whole session: SDK providers (when none is set), the evaluation span hooks, and every
    installed LLM SDK instrumented (those not instrumented yet), as ``otel_llm.instrument()`` does."""
    from otel_llm import instrument
    from otel_llm.sdk_setup import configure_sdk_from_env

    shutdown = configure_sdk_from_env(require_endpoint=True).shutdown
    instrumentation = instrument(configure_sdk=False)
    yield
    instrumentation.shutdown()
    shutdown()


@pytest.fixture
def evaluate_case(otel_llm_eval: None) -> Callable[..., ExampleResult]:
    """``evaluate_case(case, evaluators=())``: run one example through its target and assertions (or
    ``evaluators``), record its scores, and fail the test with a readable report when it does not pass."""
    from otel_llm.evaluation.runner import OfflineRunner, load_target

    def run(case: SuiteCase | Example, evaluators: Sequence[Evaluator] = ()) -> ExampleResult:
        example, target = (case.example, case.target) if isinstance(case, SuiteCase) else (case, None)
        if not example.assertions and not evaluators:
            raise ValueError(f"example {example.id!r} has no assertions: give evaluators, or use a suite")
        function = load_target(target) if isinstance(target, str) else target
        result = OfflineRunner(function, evaluators).run_example(example)
        if result.passed is False:
            __tracebackhide__ = True
            pytest.fail(describe_failure(result, example.threshold), pytrace=False)
        return result

    return run

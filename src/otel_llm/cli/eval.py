"""``otel-llm eval``: offline evaluation runs, comparison of two runs, online evaluation from Jaeger.

otel-llm eval run suite.yaml
otel-llm eval --dataset data.jsonl --target app:answer --evaluator exact_match --threshold exact_match=0.8
otel-llm eval compare before.json after.json
otel-llm eval compare v6.json v7.json --by prompt
otel-llm eval online --jaeger http://127.0.0.1:16686 --service my-app --lookback 1h --evaluator json_valid

Exit codes: 0 passed, 1 a threshold failed (or, with --fail-on-regression, something regressed),
2 a usage or configuration error, 3 an internal error.
"""

from __future__ import annotations

import argparse
import sys
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NoReturn

EXIT_PASSED = 0
EXIT_THRESHOLD_FAILED = 1
EXIT_REGRESSION = 1
EXIT_USAGE = 2
EXIT_INTERNAL = 3


class UsageError(Exception):
    """A usage or configuration error found after parsing: reported in one line, exit code 2."""


def _usage(message: str) -> NoReturn:
    raise UsageError(message)


def _judge_options() -> argparse.ArgumentParser:
    options = argparse.ArgumentParser(add_help=False)
    options.add_argument(
        "--evaluator",
        "-e",
        action="append",
        default=[],
        metavar="SPEC",
        help="evaluator NAME or NAME=ARGUMENT (repeatable), e.g. exact_match, rouge_l=0.4, regex=^\\d+$",
    )
    options.add_argument(
        "--judge-model", help="model of the judge for llm_judge, answer_relevance, faithfulness"
    )
    options.add_argument(
        "--judge-base-url", help="OpenAI-compatible base URL of the judge (default: OPENAI_BASE_URL)"
    )
    options.add_argument(
        "--judge-retries",
        type=int,
        default=3,
        help="retries of a failed judge call, with backoff (default 3)",
    )
    return options


def _run_options() -> argparse.ArgumentParser:
    options = argparse.ArgumentParser(add_help=False)
    options.add_argument("--dataset", "-d", help="examples as .jsonl or .csv")
    options.add_argument(
        "--target",
        "-t",
        help="module:function called with each example's input (none: score the dataset's output column)",
    )
    options.add_argument(
        "--threshold",
        action="append",
        default=[],
        metavar="SPEC",
        help="gate, e.g. exact_match=0.8 (pass rate), rouge_l.mean>=0.4, latency.mean<=2 (repeatable)",
    )
    options.add_argument(
        "--input-field", help="dataset field sent to the target (default: input/question/prompt)"
    )
    options.add_argument("--expected-field", help="dataset field with the expected answer (default: guessed)")
    options.add_argument(
        "--output-field", help="dataset field with answers already produced, scored when there is no target"
    )
    options.add_argument("--limit", type=int, help="evaluate only the first N examples")
    options.add_argument("--concurrency", type=int, help="examples run in parallel (threads; default 1)")
    options.add_argument(
        "--repeat", type=int, help="run each example N times: flaky outputs and pass@k (default 1)"
    )
    options.add_argument("--name", help="name of the run in the reports")
    options.add_argument(
        "--app-version",
        help="version of the app under evaluation (default: service.version of the resource, "
        "e.g. OTEL_RESOURCE_ATTRIBUTES=service.version=1.4.2)",
    )
    options.add_argument(
        "--group-by",
        action="append",
        default=[],
        metavar="FIELD",
        help="summarise per value of this metadata field, with the best-to-worst gap (repeatable)",
    )
    options.add_argument("--json", type=Path, metavar="PATH", help="write the JSON report here")
    options.add_argument(
        "--html", type=Path, metavar="PATH", help="write the self-contained HTML report here"
    )
    options.add_argument(
        "--trace-url",
        metavar="TEMPLATE",
        help="link traces in the HTML report, e.g. http://127.0.0.1:16686/trace/{trace_id}",
    )
    return options


def _judge_settings(args: argparse.Namespace) -> Any:
    from otel_llm.evaluation.evaluators.specs import JudgeSettings

    if not args.judge_model:
        return None
    return JudgeSettings.openai(args.judge_model, args.judge_base_url, args.judge_retries)


def _evaluators(args: argparse.Namespace, required: bool = True) -> list[Any]:
    from otel_llm.evaluation.evaluators.specs import build_evaluator

    if required and not args.evaluator:
        _usage("give at least one --evaluator")
    judge = _judge_settings(args)
    try:
        evaluators = [build_evaluator(spec, judge) for spec in args.evaluator]
    except (ValueError, OSError) as exc:  # EvaluatorConfigError is a ValueError
        _usage(str(exc))
    names = [evaluator.name for evaluator in evaluators]
    duplicates = sorted({name for name in names if names.count(name) > 1})
    if duplicates:
        _usage(f"two evaluators are named {', '.join(duplicates)}: name them, e.g. -e digits:regex=\\d")
    return evaluators


def _thresholds(specs: list[str], evaluator_names: list[str]) -> list[Any]:
    """Thresholds of the run; each names one of its evaluators, or ``tests`` (the examples' verdicts)."""
    from otel_llm.evaluation.results import TESTS
    from otel_llm.evaluation.thresholds import Threshold

    try:
        thresholds = [Threshold.parse(spec) for spec in specs]
    except ValueError as exc:
        _usage(str(exc))
    for threshold in thresholds:
        if threshold.name not in (*evaluator_names, TESTS):
            _usage(
                f"threshold {threshold} names no evaluator of the run; "
                f"evaluators: {', '.join(evaluator_names)} (and tests)"
            )
    return thresholds


@dataclass
class _Plan:
    """What one ``eval run`` does, from a suite file and the flags."""

    examples: list[Any]
    target: str | None
    thresholds: list[Any]
    name: str | None
    dataset: str
    concurrency: int
    metadata: dict[str, Any]
    group_by: list[str]
    repeat: int = 1


def _plan(args: argparse.Namespace) -> _Plan:
    from dataclasses import replace

    from otel_llm.evaluation.datasets import load_dataset
    from otel_llm.evaluation.evaluators.base import Assertion
    from otel_llm.evaluation.suite import load_suite

    extra = _evaluators(args, required=not args.suite)
    extra_names = [evaluator.name for evaluator in extra]
    if args.suite:
        if args.dataset:
            _usage("give the datasets in the suite file or with --dataset, not both")
        try:
            suite = load_suite(args.suite, _judge_settings(args))
        except (ValueError, OSError) as exc:  # SuiteError is a ValueError
            _usage(str(exc))
        examples = [replace(e, assertions=(*e.assertions, *map(Assertion, extra))) for e in suite.examples][
            : args.limit
        ]
        names = list(dict.fromkeys([*suite.evaluator_names, *extra_names]))
        plan = _Plan(
            examples,
            args.target or suite.target,
            _thresholds([*suite.thresholds, *args.threshold], names),
            args.name or suite.name,
            str(args.suite),
            args.concurrency or suite.concurrency,
            suite.metadata,
            list(dict.fromkeys([*suite.group_by, *args.group_by])),
            args.repeat or suite.repeat,
        )
    else:
        if not args.dataset:
            _usage("give a suite file, or --dataset")
        thresholds = _thresholds(args.threshold, extra_names)
        try:
            examples = load_dataset(
                args.dataset, args.input_field, args.expected_field, args.limit, args.output_field
            )
        except (ValueError, OSError) as exc:  # DatasetError is a ValueError
            _usage(str(exc))
        examples = [replace(e, assertions=tuple(map(Assertion, extra))) for e in examples]
        plan = _Plan(
            examples,
            args.target,
            thresholds,
            args.name,
            str(args.dataset),
            args.concurrency or 1,
            {},
            args.group_by,
            args.repeat or 1,
        )
    if plan.repeat < 1:
        _usage("--repeat must be at least 1")
    if plan.target is None:
        missing = [example.id for example in plan.examples if example.output is None]
        if missing:
            _usage(
                f"no --target, and {len(missing)} examples have no output to score (first: {missing[0]!r}); "
                "give a target or an output column"
            )
    return plan


def _run(args: argparse.Namespace) -> int:
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeElapsedColumn

    from otel_llm.evaluation.html_report import write_html
    from otel_llm.evaluation.provenance import git_revision
    from otel_llm.evaluation.results import APP_VERSION
    from otel_llm.evaluation.runner import OfflineRunner, load_target
    from otel_llm.evaluation.terminal import plain, plain_console, print_run
    from otel_llm.sdk_setup import configure_sdk_from_env

    plan = _plan(args)
    if str(Path.cwd()) not in sys.path:
        sys.path.insert(0, str(Path.cwd()))  # targets are imported like `python -m` would
    # before the target's import, which may instrument on the global providers
    shutdown = configure_sdk_from_env(require_endpoint=True).shutdown
    try:
        target = load_target(plan.target) if plan.target else None
    except (ImportError, AttributeError, TypeError, ValueError) as exc:
        shutdown()
        _usage(f"cannot load target {plan.target}: {exc}")
    console = plain_console()
    try:
        runner = OfflineRunner(target, (), plan.concurrency)
        progress = Progress(
            "{task.description}",
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            console=console,
            transient=True,
        )
        with progress:
            task = progress.add_task("evaluating", total=len(plan.examples) * plan.repeat)
            run = runner.run(
                plan.examples,
                plan.thresholds,
                name=plan.name,
                dataset=plan.dataset,
                target_name=plan.target,
                on_result=lambda _: progress.advance(task),
                metadata={
                    **git_revision(Path.cwd()),
                    **plan.metadata,
                    **({APP_VERSION: args.app_version} if args.app_version else {}),
                },
                group_by=plan.group_by,
                repeat=plan.repeat,
            )
    finally:
        shutdown()
    # The reports first: whatever happens on the terminal, the run is kept.
    written = [
        write(path)
        for path, write in ((args.json, run.save), (args.html, lambda p: write_html(run, p, args.trace_url)))
        if path is not None
    ]
    print_run(run, console)
    for path in written:
        console.print(plain(f"wrote {path}"))
    return EXIT_PASSED if run.passed else EXIT_THRESHOLD_FAILED


def _compare(args: argparse.Namespace) -> int:
    import json

    from otel_llm.evaluation.compare import compare_runs
    from otel_llm.evaluation.comparison_report import render_comparison_html, render_markdown
    from otel_llm.evaluation.results import EvaluationRun, write_text
    from otel_llm.evaluation.terminal import plain, plain_console, print_comparison

    if not 0 <= args.tolerance < 1 or not 0 < args.alpha <= 1:
        _usage("--tolerance must be within [0, 1) and --alpha within (0, 1]")
    try:
        runs = [EvaluationRun.load(path) for path in args.runs]
    except (OSError, ValueError, KeyError, TypeError) as exc:
        _usage(f"cannot read the reports: {exc}")
    if args.by is None:
        if args.baseline is not None or args.candidate is not None:
            _usage("--baseline and --candidate choose versions of --by KEY: give --by")
        if len(runs) != 2:
            _usage(f"give two reports (before after), or --by KEY to compare versions; got {len(runs)}")
        before, after = runs
    else:
        before, after = _versions_to_compare(runs, args.by, args.baseline, args.candidate)
    comparison = compare_runs(before, after, args.tolerance, args.alpha, by=args.by)
    renderers = {
        args.json: lambda: json.dumps(comparison.to_dict(), indent=2, ensure_ascii=False) + "\n",
        args.markdown: lambda: render_markdown(comparison),
        args.html: lambda: render_comparison_html(comparison),
    }
    written = [write_text(path, render()) for path, render in renderers.items() if path is not None]
    console = plain_console()
    print_comparison(comparison, console)
    for path in written:
        console.print(plain(f"wrote {path}"))
    return EXIT_REGRESSION if args.fail_on_regression and comparison.has_regressions else EXIT_PASSED


def _versions_to_compare(
    runs: list[Any], key: str, baseline: str | None, candidate: str | None
) -> tuple[Any, Any]:
    """The two sides of ``compare --by KEY``: the baseline (default: the first value seen) and the
    candidate (default: the other value, when there are exactly two)."""
    from otel_llm.evaluation.compare import split_by

    groups = split_by(runs, key)
    found = ", ".join(groups) or "none"
    if len(groups) < 2:
        _usage(f"the examples have fewer than two values of {key} (found: {found}): nothing to compare")
    baseline = baseline if baseline is not None else next(iter(groups))
    for value in (baseline, candidate):
        if value is not None and value not in groups:
            _usage(f"no example has {key} {value} (found: {found})")
    others = [value for value in groups if value != baseline]
    if candidate is None:
        if len(others) != 1:
            _usage(f"{key} has {len(groups)} values ({found}): choose one with --candidate")
        candidate = others[0]
    if baseline == candidate:
        _usage(f"--baseline and --candidate are both {key} {baseline}")
    return groups[baseline], groups[candidate]


def _online(args: argparse.Namespace) -> int:
    import signal
    import threading

    from otel_llm.evaluation.follow import Follower, SpanFilter, trace_sampler, write_json
    from otel_llm.evaluation.jaeger import JaegerError, JaegerQueryClient, SeenSpans, parse_lookback
    from otel_llm.evaluation.results import fmt
    from otel_llm.evaluation.terminal import plain, plain_console, print_online_batch, print_online_line
    from otel_llm.sdk_setup import configure_sdk_from_env

    evaluators = _evaluators(args)
    thresholds = _thresholds(args.threshold, [evaluator.name for evaluator in evaluators])
    try:
        lookback = parse_lookback(args.lookback)
        span_filter = SpanFilter.parse(args.model, args.operation, args.attribute)
        trace_sampler(args.sample_rate)
    except ValueError as exc:
        _usage(str(exc))
    if args.interval <= 0:
        _usage("--interval must be above 0")
    console = plain_console()
    follower = Follower(
        JaegerQueryClient(args.jaeger),
        args.service,
        evaluators,
        lookback,
        args.limit,
        SeenSpans(args.state),
        span_filter,
        args.sample_rate,
        thresholds,
    )

    def keep(batch: Any, problem: str | None) -> None:
        follower.seen.save()
        if args.json is not None:
            write_json(args.json, follower.report())
        if args.follow:
            print_online_line(console, follower, batch, problem)

    shutdown = configure_sdk_from_env(require_endpoint=True).shutdown
    try:
        if args.follow:
            stop = threading.Event()
            previous = signal.signal(signal.SIGTERM, lambda *_: stop.set())
            try:
                follower.follow(args.interval, stop, args.max_batches, keep)
            except KeyboardInterrupt:
                console.print(plain("stopped"))
            finally:
                signal.signal(signal.SIGTERM, previous)
        else:
            try:
                batch = follower.poll()
            except JaegerError as exc:
                _usage(str(exc))
            keep(batch, None)
            print_online_batch(console, batch, evaluators, args.service)
    finally:
        shutdown()
    checks = follower.checks()
    for check in checks:
        mark = "PASS" if check["passed"] else "FAIL"
        console.print(plain(f"{mark} threshold {check['threshold']} (actual {fmt(check['actual'])})"))
    return EXIT_PASSED if all(check["passed"] for check in checks) else EXIT_THRESHOLD_FAILED


def _bind(handler: Callable[[argparse.Namespace], int], parser: argparse.ArgumentParser):
    """``handler`` with the exit-code contract: usage errors exit 2 in one line, anything unexpected 3."""

    def run(args: argparse.Namespace) -> int:
        try:
            return handler(args)
        except UsageError as exc:
            parser.print_usage(sys.stderr)
            print(f"{parser.prog}: error: {exc}", file=sys.stderr)
            return EXIT_USAGE
        except ModuleNotFoundError as exc:
            print(f"{parser.prog}: error: {exc}: pip install 'otel-llm[eval]'", file=sys.stderr)
            return EXIT_USAGE
        except Exception as exc:
            traceback.print_exc(file=sys.stderr)
            print(f"{parser.prog}: internal error: {type(exc).__name__}: {exc}", file=sys.stderr)
            return EXIT_INTERNAL

    return run


def register(subparsers: Any) -> None:
    judge, run_options = _judge_options(), _run_options()
    parser = subparsers.add_parser(
        "eval",
        parents=[run_options, judge],
        help="evaluate LLM output (offline runs, compare, online)",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.set_defaults(func=_bind(_run, parser))
    commands = parser.add_subparsers(dest="eval_command")

    run = commands.add_parser(
        "run", parents=[run_options, judge], help="run a suite file, or a dataset, through a target (default)"
    )
    run.add_argument("suite", nargs="?", type=Path, help="suite file (YAML): datasets, target, tests, gates")
    run.set_defaults(func=_bind(_run, run))
    parser.set_defaults(suite=None)

    compare = commands.add_parser(
        "compare",
        help="regressions between two JSON reports, or between versions (--by) within reports",
    )
    compare.add_argument(
        "runs",
        nargs="+",
        type=Path,
        metavar="REPORT",
        help="two reports (before after); with --by: one or more",
    )
    compare.add_argument(
        "--by",
        metavar="KEY",
        help="pool the reports' examples and compare two versions: app, prompt, model, or a metadata field",
    )
    compare.add_argument(
        "--baseline", metavar="VALUE", help="with --by: the before side (default: the first value seen)"
    )
    compare.add_argument(
        "--candidate", metavar="VALUE", help="with --by: the after side (default: the other of two values)"
    )
    compare.add_argument(
        "--fail-on-regression", action="store_true", help="exit 1 when an evaluator (or tests) regressed"
    )
    compare.add_argument(
        "--tolerance",
        type=float,
        default=0.0,
        help="fall of pass rate never counted as a regression, e.g. 0.02 for two points (default 0)",
    )
    compare.add_argument(
        "--alpha",
        type=float,
        default=0.05,
        help="significance level of the paired test (default 0.05; 1 counts any fall beyond the tolerance)",
    )
    compare.add_argument("--json", type=Path, metavar="PATH", help="write the comparison as JSON")
    compare.add_argument("--markdown", type=Path, metavar="PATH", help="write it as Markdown (a PR comment)")
    compare.add_argument("--html", type=Path, metavar="PATH", help="write it as HTML, outputs side by side")
    compare.set_defaults(func=_bind(_compare, compare))

    online = commands.add_parser("online", parents=[judge], help="evaluate recent LLM spans stored in Jaeger")
    online.add_argument("--jaeger", default="http://127.0.0.1:16686", help="Jaeger query base URL")
    online.add_argument("--service", required=True, help="service whose traces to evaluate")
    online.add_argument("--lookback", default="1h", help="how far back, e.g. 15m, 1h, 2d (default 1h)")
    online.add_argument("--limit", type=int, default=100, help="most traces to fetch (default 100)")
    online.add_argument(
        "--state", type=Path, metavar="PATH", help="file of evaluated span ids: skip them, add the new ones"
    )
    online.add_argument(
        "--follow", action="store_true", help="keep polling, evaluating new spans, until stopped"
    )
    online.add_argument("--interval", type=float, default=60.0, help="seconds between polls with --follow")
    online.add_argument("--max-batches", type=int, help="with --follow: stop after this many polls")
    online.add_argument(
        "--sample-rate", type=float, default=1.0, help="share of traces evaluated, by trace id (default 1)"
    )
    online.add_argument("--model", action="append", default=[], help="only spans of this model (repeatable)")
    online.add_argument(
        "--operation", action="append", default=[], help="only this gen_ai.operation.name (repeatable)"
    )
    online.add_argument(
        "--attribute",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="only spans whose attribute KEY has this value (repeatable)",
    )
    online.add_argument(
        "--json", type=Path, metavar="PATH", help="write the running summary here (each poll)"
    )
    online.add_argument(
        "--threshold",
        action="append",
        default=[],
        metavar="SPEC",
        help="gate on the pass rate over evaluable spans, e.g. json_valid=0.95: exit 1 when it fails",
    )
    online.set_defaults(func=_bind(_online, online))

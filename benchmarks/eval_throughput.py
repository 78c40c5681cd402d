"""Throughput of offline evaluation: 1,000 examples through the runner with the deterministic evaluators.

Scenarios, each over the same 1,000 examples (the HF doc QA set of tests/evaluation/data, cycled):

- ``in-process target``: the target answers from a dict, so the figure is the runner's own cost
  (example span, span capture, eight evaluators, 8,000 events and histogram points);
- ``openai SDK -> fake server``: the instrumented openai SDK calls the demo's fake provider on loopback,
  sequentially and with 4 threads, after a baseline of the same calls without evaluation.

Then each evaluator alone, per call. Telemetry goes to SDK providers with in-memory exporters.

``--scale N`` measures instead a run of N examples (in-process target, the same eight evaluators), its
JSON and HTML reports (size, time to write), and the HTML report in headless Chromium (Debian's
``chromium`` and ``chromium-driver``): time to load, to the first page of the table, and to filter to
failures and search; it keeps a screenshot (``--screenshot``).

Run (project root): ``nice .venv/bin/python benchmarks/eval_throughput.py --write docs/evaluation.md``
and ``nice .venv/bin/python benchmarks/eval_throughput.py --scale 10000 --write docs/evaluation.md
--screenshot docs/images/eval-report.png``
"""

from __future__ import annotations

import argparse
import os
import platform
import re
import shlex
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

from opentelemetry import _logs, metrics, trace
from opentelemetry.sdk._logs import LoggerProvider
from opentelemetry.sdk._logs.export import InMemoryLogRecordExporter, SimpleLogRecordProcessor
from opentelemetry.sdk.metrics import MeterProvider
from opentelemetry.sdk.metrics.export import InMemoryMetricReader
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

ROOT = Path(__file__).resolve().parents[1]
DATASET = ROOT / "tests" / "evaluation" / "data" / "hf_doc_qa_eval.csv"
START, END = "<!-- eval-throughput:start -->", "<!-- eval-throughput:end -->"
SCALE_START, SCALE_END = "<!-- eval-scale:start -->", "<!-- eval-scale:end -->"


def set_up_telemetry() -> tuple[InMemorySpanExporter, InMemoryLogRecordExporter]:
    spans, logs = InMemorySpanExporter(), InMemoryLogRecordExporter()
    tracer_provider = TracerProvider()
    tracer_provider.add_span_processor(SimpleSpanProcessor(spans))
    trace.set_tracer_provider(tracer_provider)
    logger_provider = LoggerProvider()
    logger_provider.add_log_record_processor(SimpleLogRecordProcessor(logs))
    _logs.set_logger_provider(logger_provider)
    metrics.set_meter_provider(MeterProvider(metric_readers=[InMemoryMetricReader()]))
    return spans, logs


def build_examples(count: int):
    from otel_llm.evaluation import load_dataset

    base = load_dataset(DATASET)
    return [
        replace(base[i % len(base)], id=str(i + 1), input=f"{base[i % len(base)].input} (#{i + 1})")
        for i in range(count)
    ]


def deterministic_evaluators():
    from otel_llm.evaluation.evaluators import (
        Bleu,
        Contains,
        ExactMatch,
        JsonValid,
        NumericMatch,
        RegexMatch,
        RougeL,
        StringSimilarity,
    )

    return [
        ExactMatch(),
        Contains(),
        RegexMatch(r"\w+"),
        NumericMatch(),
        JsonValid(),
        StringSimilarity(),
        RougeL(),
        Bleu(),
    ]


def answer_for(examples) -> Callable[[str], str]:
    """Right answer for two examples in three, a vague one for the third."""
    table = {e.input: (e.expected if i % 3 else "I am not sure.") for i, e in enumerate(examples)}
    return table.__getitem__


def timed_run(examples, target, concurrency: int, logs: InMemoryLogRecordExporter) -> dict:
    from otel_llm.evaluation import OfflineRunner

    logs.clear()
    evaluators = deterministic_evaluators()
    started = time.perf_counter()
    run = OfflineRunner(target, evaluators, concurrency).run(examples)
    seconds = time.perf_counter() - started
    events = len(logs.get_finished_logs())
    assert events == len(examples) * len(evaluators), events
    return {"seconds": seconds, "examples": len(run.examples), "scores": events, "run": run}


def per_evaluator(examples, target) -> list[tuple[str, float]]:
    from otel_llm.evaluation import EvalCase

    cases = [EvalCase(input=e.input, output=target(e.input), expected=e.expected) for e in examples]
    rows = []
    for evaluator in deterministic_evaluators():
        started = time.perf_counter()
        for case in cases:
            evaluator(case)
        rows.append((evaluator.name, (time.perf_counter() - started) / len(cases) * 1e6))
    return rows


def browser_figures(page: Path, screenshot: Path | None) -> dict[str, float]:
    """Load the report in headless Chromium; time the first table page, a filter and a search."""
    from selenium.webdriver.support.ui import Select
    from tests.evaluation.browser import headless_chromium, load_seconds

    with headless_chromium(1600, 1100) as driver:
        driver.get(page.as_uri())
        figures = load_seconds(driver)
        figures["table_s"] = int(driver.execute_script("return document.body.dataset.readyMs")) / 1000
        started = time.perf_counter()
        Select(driver.find_element("id", "filter")).select_by_value("failed")
        driver.find_element("id", "page-info").text  # noqa: B018 - waits for the change to be handled
        figures["filter_s"] = time.perf_counter() - started
        started = time.perf_counter()
        driver.execute_script(
            "const s = document.getElementById('search'); s.value = 'transformers';"
            "s.dispatchEvent(new Event('input'));"
        )
        figures["search_s"] = time.perf_counter() - started
        driver.execute_script(
            "const s = document.getElementById('search'); s.value = ''; s.dispatchEvent(new Event('input'));"
            "document.getElementById('examples').scrollIntoView();"
            "window.scrollBy(0, -document.querySelector('.controls').offsetHeight - 40);"
        )
        if screenshot is not None:
            screenshot.parent.mkdir(parents=True, exist_ok=True)
            driver.save_screenshot(str(screenshot))
    return figures


def scale(count: int, screenshot: Path | None) -> list[str]:
    from otel_llm.evaluation import OfflineRunner
    from otel_llm.evaluation.html_report import write_html

    sys.path.insert(0, str(ROOT))
    set_up_telemetry()
    examples = [
        replace(e, metadata={"question_length": "short" if len(e.input) < 70 else "long"})
        for e in build_examples(count)
    ]
    evaluators = deterministic_evaluators()
    started = time.perf_counter()
    run = OfflineRunner(answer_for(examples), evaluators).run(examples, group_by=["question_length"])
    seconds = time.perf_counter() - started
    out = Path(tempfile.mkdtemp(prefix="otel-llm-eval-scale-"))
    started = time.perf_counter()
    report = run.save(out / "run.json")
    json_s = time.perf_counter() - started
    started = time.perf_counter()
    page = write_html(run, out / "run.html")
    html_s = time.perf_counter() - started
    figures = browser_figures(page, screenshot)
    mib = 1024 * 1024
    return [
        f"Measured {datetime.now(UTC):%Y-%m-%d} on {platform.machine()}, {os.cpu_count()} CPUs "
        f"(load average {os.getloadavg()[0]:.1f} at the end), Python {platform.python_version()}, "
        f"{subprocess_version(['chromium', '--version'])}; {count:,} examples, in-process target, "
        f"the 8 deterministic evaluators, one thread.",
        "",
        "| step | figure |",
        "|---|---:|",
        f"| run: {count:,} examples, {count * len(evaluators):,} scores | {seconds:.1f} s "
        f"({count / seconds:,.0f} examples/s) |",
        f"| JSON report: write | {json_s:.2f} s, {report.stat().st_size / mib:.1f} MiB |",
        f"| HTML report: write | {html_s:.2f} s, {page.stat().st_size / mib:.1f} MiB |",
        f"| HTML report in Chromium: DOMContentLoaded | {figures['dom_content_loaded_s']:.2f} s |",
        f"| HTML report in Chromium: load event | {figures['load_s']:.2f} s |",
        f"| HTML report in Chromium: first page of the table shown | {figures['table_s']:.2f} s |",
        f"| filter to failed tests (all {count:,} rows) | {figures['filter_s'] * 1000:.0f} ms |",
        f"| search (all {count:,} rows) | {figures['search_s'] * 1000:.0f} ms |",
    ]


def subprocess_version(argv: list[str]) -> str:
    import subprocess

    try:
        return subprocess.run(argv, capture_output=True, text=True, timeout=30).stdout.strip()
    except OSError:
        return "no " + argv[0]


def replace_section(path: Path, start: str, end: str, block: str) -> None:
    text = path.read_text(encoding="utf-8")
    pattern = re.compile(re.escape(start) + ".*?" + re.escape(end), re.DOTALL)
    if not pattern.search(text):
        raise SystemExit(f"{path} has no {start} ... {end} section")
    path.write_text(pattern.sub(lambda _: f"{start}\n{block}\n{end}", text), encoding="utf-8")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--examples", type=int, default=1000)
    parser.add_argument("--scale", type=int, metavar="N", help="measure N examples and their reports instead")
    parser.add_argument("--screenshot", type=Path, help="with --scale: keep a screenshot of the HTML report")
    parser.add_argument("--write", type=Path, help="replace the figures section of this Markdown file")
    args = parser.parse_args()
    command = "nice .venv/bin/python benchmarks/eval_throughput.py " + shlex.join(sys.argv[1:])

    if args.scale:
        block = "\n".join([*scale(args.scale, args.screenshot), "", f"Command: `{command.strip()}`"])
        print(block)
        if args.write:
            replace_section(args.write, SCALE_START, SCALE_END, block)
        return 0

    _, logs = set_up_telemetry()
    from otel_llm.demo.fake_server import FakeOpenAIServer
    from otel_llm.instrumentation.openai import OpenAIInstrumentor

    sys.path.insert(0, str(ROOT))
    examples = build_examples(args.examples)
    local = answer_for(examples)
    results = [("in-process target", 1, timed_run(examples, local, 1, logs))]

    def respond(body: dict) -> str:
        return local(next(m["content"] for m in reversed(body["messages"]) if m["role"] == "user"))

    with FakeOpenAIServer(responder=respond) as server:
        os.environ["EVAL_APP_BASE_URL"] = server.base_url
        from tests.evaluation.eval_app import answer

        OpenAIInstrumentor().instrument()
        answer(examples[0].input)  # warm the client and connection
        started = time.perf_counter()
        for example in examples:
            answer(example.input)
        bare = {"seconds": time.perf_counter() - started, "examples": len(examples), "scores": 0}
        results.append(("openai SDK -> fake server, no evaluation (baseline)", 1, bare))
        for concurrency in (1, 4):
            results.append(
                ("openai SDK -> fake server", concurrency, timed_run(examples, answer, concurrency, logs))
            )
        OpenAIInstrumentor().uninstrument()

    lines = [
        f"Measured {datetime.now(UTC):%Y-%m-%d} on {platform.machine()}, {os.cpu_count()} CPUs "
        f"(load average {os.getloadavg()[0]:.1f} at the end), Python {platform.python_version()}; "
        f"{args.examples} examples, 8 deterministic evaluators "
        f"(exact_match, contains, regex, numeric_match, json_valid, string_similarity, rouge_l, bleu).",
        "",
        "| scenario | threads | wall time (s) | examples/s | scores/s |",
        "|---|---:|---:|---:|---:|",
    ]
    for name, threads, result in results:
        scores = f"{result['scores'] / result['seconds']:.0f}" if result["scores"] else "-"
        lines.append(
            f"| {name} | {threads} | {result['seconds']:.2f} | {result['examples'] / result['seconds']:.0f} "
            f"| {scores} |"
        )
    lines += ["", "| evaluator | µs per call |", "|---|---:|"]
    lines += [f"| {name} | {micros:.1f} |" for name, micros in per_evaluator(examples, local)]
    lines += ["", f"Command: `{command.strip()}`"]
    block = "\n".join(lines)
    print(block)
    if args.write:
        replace_section(args.write, START, END, block)
    return 0


if __name__ == "__main__":
    sys.exit(main())

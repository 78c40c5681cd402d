"""Generate docs/coverage.md: provider x operation x mode (sync/async/stream) x feature, from the test suite.

Runs the provider test suites with ``src/otel_llm/testing/coverage.py`` (tests mark their cell with
``@pytest.mark.covers(...)``), then writes a matrix in which a cell shows a feature only when at
least one test of it passed and none failed. Usage::

    .venv/bin/python benchmarks/coverage_matrix.py            # run the suites, write docs/coverage.md
    .venv/bin/python benchmarks/coverage_matrix.py --frameworks   # agent SDKs: docs/agent-coverage.md
    .venv/bin/python benchmarks/coverage_matrix.py --json results.json   # from an earlier plugin run
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from collections import defaultdict
from pathlib import Path

from otel_llm.instrumentation.registry import REGISTRY

ROOT = Path(__file__).resolve().parent.parent
PROVIDER_SUITES = tuple(entry.name for entry in REGISTRY)  # each instrumented library's tests/<name>/
FRAMEWORK_SUITES = ("openai_agents", "pydantic_ai", "smolagents", "haystack", "dspy")
"""Agent SDK suites (``--frameworks``): their tests mark the framework as ``provider``."""
MODES = ("sync", "async", "stream", "async_stream")
BASIC = "basic"  # a test that covers a cell without a named feature


def run_suites(suites: list[str], output: Path) -> str:
    paths = [f"tests/{suite}" for suite in suites if (ROOT / "tests" / suite).is_dir()]
    command = [
        sys.executable, "-m", "pytest", "-p", "otel_llm.testing.coverage", f"--coverage-matrix-json={output}",
        "-q", "-p", "no:cacheprovider", *paths,
    ]  # fmt: skip
    subprocess.run(command, cwd=ROOT, check=False)
    plugin = "-p otel_llm.testing.coverage --coverage-matrix-json=<file>"
    return " ".join([f"python -m pytest {plugin} -q", *paths])


def tally(results: dict[str, dict]) -> dict[tuple[str, str, str, str], dict[str, int]]:
    """(provider, operation, mode, feature) -> {"passed": n, "failed": n, ...}."""
    counts: dict[tuple[str, str, str, str], dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for entry in results.values():
        for cell in entry["cells"]:
            key = (cell["provider"], cell["operation"], cell["mode"] or "sync", cell["feature"] or BASIC)
            counts[key][entry["outcome"]] += 1
    return counts


def _cell_text(features: dict[str, dict[str, int]]) -> str:
    shown = []
    for feature in sorted(features, key=lambda f: (f != BASIC, f)):
        outcome = features[feature]
        if outcome.get("failed"):
            shown.append(f"✗ {feature}")
        elif outcome.get("passed"):
            shown.append(f"✓ {feature} ({outcome['passed']})")
    return "<br>".join(shown)


def render(
    counts: dict[tuple[str, str, str, str], dict[str, int]], command: str, subject: str = "provider"
) -> str:
    grid: dict[tuple[str, str], dict[str, dict[str, dict[str, int]]]] = defaultdict(lambda: defaultdict(dict))
    for (provider, operation, mode, feature), outcome in counts.items():
        grid[(provider, operation)][mode][feature] = outcome
    passed = sum(o.get("passed", 0) for o in counts.values())
    failed = sum(o.get("failed", 0) for o in counts.values())
    lines = [
        f"# {subject.capitalize()} coverage matrix",
        "",
        "Generated from the test suite by `benchmarks/coverage_matrix.py` (do not edit by hand).",
        "A cell lists the features whose tests passed, with the number of passing test cases (recorded",
        "scenarios count once per content-capture mode); `basic` is a plain call; `✗` marks a feature",
        "with a failing test. Command:",
        "",
        f"    {command}",
        "",
        f"Test cases counted: {passed} passed, {failed} failed.",
        "",
        f"| {subject} | operation | sync | async | stream | async stream |",
        "|---|---|---|---|---|---|",
    ]
    for (provider, operation), modes in sorted(grid.items()):
        cells = [_cell_text(modes.get(mode, {})) or "–" for mode in MODES]
        lines.append(f"| {provider} | {operation} | " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", type=Path, help="read this plugin output instead of running the suites")
    parser.add_argument("--output", type=Path, help="default: docs/coverage.md (docs/agent-coverage.md)")
    parser.add_argument("--frameworks", action="store_true", help="the agent SDK suites instead")
    parser.add_argument("suites", nargs="*")
    args = parser.parse_args()
    subject = "framework" if args.frameworks else "provider"
    args.suites = args.suites or list(FRAMEWORK_SUITES if args.frameworks else PROVIDER_SUITES)
    args.output = args.output or ROOT / "docs" / ("agent-coverage.md" if args.frameworks else "coverage.md")
    if args.json:
        results_file, command = args.json, f"(plugin output {args.json.name})"
    else:
        results_file = Path(tempfile.mkstemp(suffix=".json")[1])
        command = run_suites(args.suites, results_file)
    counts = tally(json.loads(results_file.read_text()))
    args.output.write_text(render(counts, command, subject))
    print(f"wrote {args.output}")


if __name__ == "__main__":
    main()

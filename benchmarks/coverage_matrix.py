"""Generate docs/coverage.md: provider x operation x mode (sync/async/stream) x feature, from the test suite.

Runs the provider test suites with ``src/otel_llm/testing/coverage.py`` (tests mark their cell with
``@pytest.mark.covers(...)``), then writes a matrix in which a cell shows a feature only when at
least one test of it passed and none failed. Usage::

    .venv/bin/python benchmarks/coverage_matrix.py            # run the suites, write docs/coverage.md
    .venv/bin/python benchmarks/coverage_matrix.py --frameworks \
        --python langchain,llamaindex=.venv-compat/frameworks/bin/python   # docs/agent-coverage.md
    .venv/bin/python benchmarks/coverage_matrix.py --json a.json --json b.json   # earlier plugin runs

The suites come from ``otel_llm.instrumentation.registry``: docs/coverage.md has a table of the providers
and protocols (MCP) and one of the frameworks (LangChain/LangGraph, LlamaIndex, the agent SDKs);
``--frameworks`` writes the framework table alone to docs/agent-coverage.md.
``--python SUITES=INTERPRETER`` runs those suites with another interpreter: LangChain's and LlamaIndex's
OpenAI integrations pin openai < 3, so their tests run in the framework virtualenv (as in tests/run).
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from collections import defaultdict
from pathlib import Path

from otel_llm.instrumentation.registry import REGISTRY, Kind, of_kind

ROOT = Path(__file__).resolve().parent.parent
# each instrumented library's tests/<name>/
PROVIDER_SUITES = tuple(entry.name for entry in of_kind(Kind.PROVIDER) + of_kind(Kind.PROTOCOL))
FRAMEWORK_SUITES = tuple(entry.name for entry in of_kind(Kind.FRAMEWORK))
"""Framework suites (``--frameworks``): their tests mark the framework as ``provider``."""
MODES = ("sync", "async", "stream", "async_stream")
BASIC = "basic"  # a test that covers a cell without a named feature


def run_suites(suites: list[str], output: Path, python: str = sys.executable) -> str:
    paths = [f"tests/{suite}" for suite in suites if (ROOT / "tests" / suite).is_dir()]
    command = [
        python, "-m", "pytest", "-p", "otel_llm.testing.coverage", f"--coverage-matrix-json={output}",
        "-q", "-p", "no:cacheprovider", *paths,
    ]  # fmt: skip
    subprocess.run(command, cwd=ROOT, check=False)
    plugin = "-p otel_llm.testing.coverage --coverage-matrix-json=<file>"
    shown = "python" if python == sys.executable else python
    return " ".join([f"{shown} -m pytest {plugin} -q", *paths])


def interpreters(suites: list[str], overrides: list[str]) -> dict[str, list[str]]:
    """interpreter -> its suites, from ``--python SUITE[,SUITE]=INTERPRETER`` (default: this one)."""
    chosen = {}
    for override in overrides:
        names, _, python = override.partition("=")
        chosen.update((name, python) for name in names.split(","))
    groups: dict[str, list[str]] = defaultdict(list)
    for suite in suites:
        groups[chosen.get(suite, sys.executable)].append(suite)
    return groups


_KINDS = {entry.name: entry.kind for entry in REGISTRY}


def suite_kind(nodeid: str) -> Kind:
    """The registry kind of the suite a test belongs to (``tests/<name>/...``)."""
    parts = nodeid.split("/")
    return _KINDS.get(parts[1] if len(parts) > 2 else "", Kind.PROVIDER)


def tally(
    results: dict[str, dict], frameworks: bool | None = None
) -> dict[tuple[str, str, str, str], dict[str, int]]:
    """(provider, operation, mode, feature) -> {"passed": n, "failed": n, ...}; with ``frameworks``
    True or False, only the tests of framework suites or of the others."""
    counts: dict[tuple[str, str, str, str], dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for nodeid, entry in results.items():
        if frameworks is not None and (suite_kind(nodeid) is Kind.FRAMEWORK) is not frameworks:
            continue
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
    counts: dict[tuple[str, str, str, str], dict[str, int]],
    command: str,
    subject: str = "provider",
    frameworks: dict[tuple[str, str, str, str], dict[str, int]] | None = None,
) -> str:
    everything = [*counts.values(), *(frameworks or {}).values()]
    passed = sum(o.get("passed", 0) for o in everything)
    failed = sum(o.get("failed", 0) for o in everything)
    lines = [
        "# Coverage matrix" if frameworks else f"# {subject.capitalize()} coverage matrix",
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
        *_table(counts, subject),
    ]
    if frameworks:
        lines += ["", "## Frameworks", "", *_table(frameworks, "framework")]
    return "\n".join(lines) + "\n"


def _table(counts: dict[tuple[str, str, str, str], dict[str, int]], subject: str) -> list[str]:
    grid: dict[tuple[str, str], dict[str, dict[str, dict[str, int]]]] = defaultdict(lambda: defaultdict(dict))
    for (provider, operation, mode, feature), outcome in counts.items():
        grid[(provider, operation)][mode][feature] = outcome
    lines = [f"| {subject} | operation | sync | async | stream | async stream |", "|---|---|---|---|---|---|"]
    for (provider, operation), modes in sorted(grid.items()):
        cells = [_cell_text(modes.get(mode, {})) or "–" for mode in MODES]
        lines.append(f"| {provider} | {operation} | " + " | ".join(cells) + " |")
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--json", type=Path, action="append", help="read plugin output(s) instead of running the suites"
    )
    parser.add_argument(
        "--python", action="append", default=[], metavar="SUITES=INTERPRETER", help="run SUITES with it"
    )
    parser.add_argument("--output", type=Path, help="default: docs/coverage.md (docs/agent-coverage.md)")
    parser.add_argument("--frameworks", action="store_true", help="only the framework suites")
    parser.add_argument("--save-json", type=Path, help="also keep the results and commands here (for --json)")
    parser.add_argument("suites", nargs="*", help="default: every suite (with --json: none)")
    args = parser.parse_args()
    subject = "framework" if args.frameworks else "provider"
    if not args.suites and not args.json:
        args.suites = list(FRAMEWORK_SUITES if args.frameworks else PROVIDER_SUITES + FRAMEWORK_SUITES)
    args.output = args.output or ROOT / "docs" / ("agent-coverage.md" if args.frameworks else "coverage.md")
    results: dict[str, dict] = {}
    commands: list[str] = []
    for path in args.json or ():  # a --save-json file, or the plugin's own output
        saved = json.loads(path.read_text())
        if set(saved) == {"commands", "results"}:
            commands += saved["commands"]
            results.update(saved["results"])
        else:
            commands.append(f"(plugin output {path.name})")
            results.update(saved)
    for python, suites in interpreters(args.suites, args.python).items():
        results_file = Path(tempfile.mkstemp(suffix=".json")[1])
        commands.append(run_suites(suites, results_file, python))
        results.update(json.loads(results_file.read_text()))
    if args.save_json:
        args.save_json.write_text(json.dumps({"commands": commands, "results": results}))
    command = "\n    ".join(dict.fromkeys(commands))  # a suite run again replaces its earlier results
    if args.frameworks:
        text = render(tally(results, frameworks=True), command, subject)
    else:
        text = render(tally(results, frameworks=False), command, subject, tally(results, frameworks=True))
    args.output.write_text(text)
    print(f"wrote {args.output}")


if __name__ == "__main__":
    main()

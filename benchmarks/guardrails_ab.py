"""Before/after latency of the pattern-class checks and the default input policy: the working tree against
a git revision.

    nice .venv/bin/python benchmarks/guardrails_ab.py HEAD --pairs 3

The revision's ``src/`` is exported with ``git archive`` (read-only) into a temporary folder. Each pair
runs one process per side, alternating, so that both see the machine in the same phase; each process
measures the same 2 KB prompt and rules as ``benchmarks/guardrails.py`` (interleaved, CPU p50) and
the ``sum(range(10**7))`` yardstick beside them. Prints a Markdown table.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys

from ab import ROOT, alternate

ROWS = (
    "pii",
    "all pattern checks, detectors only",
    "all, through GuardrailEngine.evaluate (no-op API)",
    "Policy.default() on inputs (no-op API)",
)


def measure() -> dict[str, float]:
    """CPU p50 in ms of the rows, with whichever ``otel_llm`` is first on ``sys.path``."""
    sys.path.insert(0, str(ROOT / "benchmarks"))
    import guardrails as bench
    from otel_llm.guardrails import Policy
    from otel_llm.guardrails.detectors import create

    prompt = bench.two_kb_prompt()
    detectors = [create(spec["detector"], spec.get("options")) for spec in bench.PATTERN_RULES]
    policy = Policy.from_dict({"id": "ab", "rules": [dict(s, action="warn") for s in bench.PATTERN_RULES]})

    def all_detectors(text: str) -> None:
        for detector in detectors:
            detector.detect(text)

    speed = bench.machine_speed()
    default = Policy.default()
    functions = [
        detectors[0].detect,
        all_detectors,
        lambda text: policy.engine.evaluate([text], "input"),
        lambda text: default.engine.evaluate([text], "input"),
    ]
    samples = bench.timed_interleaved(functions, prompt, bench.RUNS)
    result = {row: statistics.median(cpu) * 1000 for row, (_, cpu) in zip(ROWS, samples, strict=True)}
    return {**result, "yardstick s": (speed + bench.machine_speed()) / 2}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("revision", nargs="?", default="HEAD")
    parser.add_argument("--pairs", type=int, default=3)
    parser.add_argument("--measure", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.measure:
        print(json.dumps(measure()))
        return
    lines = ["| pair | code | yardstick s | " + " | ".join(f"{row} (ms)" for row in ROWS) + " |"]
    lines.append("|" + "---|" * (3 + len(ROWS)))
    for pair, name, result in alternate(__file__, args.revision, args.pairs):
        values = " | ".join(f"{result[row]:.3f}" for row in ROWS)
        lines.append(f"| {pair} | {name} | {result['yardstick s']:.2f} | {values} |")
    print("\n".join(lines))


if __name__ == "__main__":
    main()

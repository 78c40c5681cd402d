"""Import cost of one instrumentor: otel-llm modules loaded and otel-llm's own import time.

    .venv/bin/python benchmarks/import_cost.py [--revision REV] [--runs 9] [--module MODULE]

Runs ``python -X importtime -c "import otel_llm.instrumentation.openai"`` (or of ``--module``, such as
``otel_llm.instrumentation.pydantic_ai``) in fresh interpreters (with
the working tree's ``src/``, or that of ``--revision``, exported as ``benchmarks/ab.py`` does
does) and reports the number of ``otel_llm`` modules loaded, whether the OTel SDK was, and the sum of
the ``otel_llm`` modules' self times (min and median over the runs) beside the whole import's time.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

from ab import export

ROOT = Path(__file__).resolve().parents[1]
MODULE = "otel_llm.instrumentation.openai"
PROBE = (
    "import {module}, sys; print(sum(1 for m in sys.modules if m.startswith('otel_llm')),"
    " 'opentelemetry.sdk' in sys.modules)"
)


def one_run(source: Path, module: str = MODULE) -> tuple[int, bool, float, float]:
    environment = {**os.environ, "PYTHONPATH": str(source)}
    result = subprocess.run(
        [sys.executable, "-X", "importtime", "-c", PROBE.format(module=module)],
        capture_output=True,
        text=True,
        env=environment,
        check=True,
    )
    modules, sdk = result.stdout.split()
    own = total = 0
    for line in result.stderr.splitlines():
        if not line.startswith("import time:") or "self [us]" in line:
            continue
        self_us, cumulative, name = (part.strip() for part in line.removeprefix("import time:").split("|"))
        if name.startswith("otel_llm"):
            own += int(self_us)
        if not line.split("|")[2].startswith("  "):  # a top-level import
            total += int(cumulative)
    return int(modules), sdk == "True", own / 1000, total / 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--revision")
    parser.add_argument("--runs", type=int, default=9)
    parser.add_argument("--module", default=MODULE, help="the instrumentor module to import")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        source = export(args.revision, Path(folder)) if args.revision else ROOT / "src"
        one_run(source, args.module)  # writes the bytecode caches
        runs = [one_run(source, args.module) for _ in range(args.runs)]
    own = [run[2] for run in runs]
    total = [run[3] for run in runs]
    code, modules, sdk = args.revision or "working tree", runs[0][0], "yes" if runs[0][1] else "no"
    own_ms = f"{min(own):.1f} / {statistics.median(own):.1f}"
    total_ms = f"{min(total):.1f} / {statistics.median(total):.1f}"
    label = "" if args.module == MODULE else f"`{args.module.rsplit('.', 1)[1]}` | "
    print(f"| {label}{code} | {modules} | {sdk} | {own_ms} | {total_ms} |")


if __name__ == "__main__":
    main()

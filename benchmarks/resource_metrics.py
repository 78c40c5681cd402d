"""What the process and GPU metrics cost the app: CPU time per collection, and per minute of export.

Each collection reads every instrument of ``otel_llm.monitoring`` once (what a periodic metric reader
does at each export). The GPU readings go through the real nvidia-ml-py bindings: against the machine's
driver where there is one, else against the fake ``libnvidia-ml.so.1`` of the tests (``--fake-nvml``).

Usage: ``python benchmarks/resource_metrics.py [--collections 2000] [--fake-nvml]``.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _cpu_per_collection(kinds: set[str], collections: int, rounds: int) -> list[float]:
    from opentelemetry.sdk.metrics import MeterProvider
    from opentelemetry.sdk.metrics.export import InMemoryMetricReader

    from otel_llm import monitoring

    reader = InMemoryMetricReader()
    provider = MeterProvider(metric_readers=[reader])
    started = monitoring.start(provider, kinds)
    try:
        reader.get_metrics_data()  # warm up
        per_round = []
        for _ in range(rounds):
            begin = time.thread_time()
            for _ in range(collections):
                reader.get_metrics_data()
            per_round.append((time.thread_time() - begin) / collections)
        return per_round
    finally:
        started.stop()
        provider.shutdown()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--collections", type=int, default=2000)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--fake-nvml", action="store_true", help="GPU readings from the tests' fake NVML")
    args = parser.parse_args(argv)
    if args.fake_nvml:
        sys.path.insert(0, str(ROOT))
        from tests.monitoring import fake_nvml

        library = fake_nvml.build(Path(tempfile.mkdtemp()))
        fake_nvml.preload(library)
    print(
        f"{time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}, Python {platform.python_version()}, "
        f"{os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f}; "
        f"{args.rounds} rounds of {args.collections} collections; thread CPU time"
    )
    print("| metrics | CPU per collection, median (min-max) | CPU per minute at a 60 s export | at 10 s |")
    print("|---|---|---|---|")
    for label, kinds in (("process", {"process"}), ("GPU", {"gpu"}), ("process + GPU", {"process", "gpu"})):
        rounds = _cpu_per_collection(kinds, args.collections, args.rounds)
        median = statistics.median(rounds)
        spread = f"{min(rounds) * 1e6:.0f}-{max(rounds) * 1e6:.0f} µs"
        per_minute = f"{median * 1e3:.2f} ms | {median * 6e3:.2f} ms"
        print(f"| {label} | {median * 1e6:.0f} µs ({spread}) | {per_minute} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())

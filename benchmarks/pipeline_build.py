"""Build cost of the stack's binaries: a cold build and a cached lookup.

Cold: an empty otel-llm cache and an empty Go build cache (GOCACHE), so every package compiles;
the Go module cache is kept, so downloads are not counted (they depend on the network).
Cached: ``collector_binary()`` and ``jaeger_binary()`` when the binaries are in the cache.

    .venv/bin/python benchmarks/pipeline_build.py [--cold]

Prints one JSON object: seconds per step, CPU count and load average at the start.
"""

from __future__ import annotations

import argparse
import json
import os
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from otel_llm.stack import binaries


def timed(step: Callable[[], Path]) -> float:
    started = time.monotonic()
    step()
    return round(time.monotonic() - started, 3)


def measure(cold: bool) -> dict[str, object]:
    result: dict[str, object] = {"cpus": os.cpu_count(), "load_average_at_start": os.getloadavg()}
    if cold:
        with tempfile.TemporaryDirectory(prefix="otel-llm-cold-") as scratch:
            os.environ["OTEL_LLM_CACHE_DIR"] = str(Path(scratch) / "otel-llm")
            os.environ["GOCACHE"] = str(Path(scratch) / "go-build")
            result["cold_collector_s"] = timed(binaries.collector_binary)
            result["cold_jaeger_s"] = timed(binaries.jaeger_binary)
            result["cached_collector_s"] = timed(binaries.collector_binary)
            result["cached_jaeger_s"] = timed(binaries.jaeger_binary)
    else:
        result["cached_collector_s"] = timed(binaries.collector_binary)
        result["cached_jaeger_s"] = timed(binaries.jaeger_binary)
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cold", action="store_true", help="build from an empty Go build cache (minutes)")
    print(json.dumps(measure(parser.parse_args().cold), indent=2))


if __name__ == "__main__":
    main()

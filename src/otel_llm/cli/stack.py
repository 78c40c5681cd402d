"""``otel-llm stack build | up | down | status``: the local collector, Jaeger, Prometheus, Alertmanager."""

from __future__ import annotations

import argparse
import time

from otel_llm.stack import binaries, jaeger_ui, local
from otel_llm.stack.layout import state_dir
from otel_llm.stack.ports import PORT_SPECS, PortBusy, PortPlan


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "stack",
        help="run the local pipeline: otelcol-llm collector, Jaeger, Prometheus and Alertmanager",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog="Ports: " + ", ".join(f"{spec.env}={spec.default}" for spec in PORT_SPECS.values()),
    )
    actions = parser.add_subparsers(dest="action", required=True)
    actions.add_parser("build", help="build (or reuse from the cache) otelcol-llm and Jaeger")
    up = actions.add_parser("up", help="build/find binaries, start every service, wait until healthy")
    up.add_argument("--timeout", type=float, default=60.0, help="seconds to wait for each service")
    actions.add_parser("down", help="stop the processes `up` started")
    actions.add_parser("status", help="show which services run and where")
    parser.set_defaults(func=handler)


def handler(args: argparse.Namespace) -> int:
    return {"build": _build, "up": _up, "down": _down, "status": _status}[args.action](args)


def _build(args: argparse.Namespace) -> int:
    for name, find in (("otelcol-llm", binaries.collector_binary), ("jaeger", binaries.jaeger_binary)):
        started = time.monotonic()
        try:
            path = find()
        except RuntimeError as error:
            print(f"otel-llm stack build failed: {error}")
            return 1
        print(f"{name}: {path} ({time.monotonic() - started:.1f}s)")
    return 0


def _print_endpoints(endpoints: local.Endpoints) -> None:
    width = max(len(key) for key in endpoints.as_dict())
    for key, url in endpoints.as_dict().items():
        print(f"  {key:<{width}}  {url}")


def _up(args: argparse.Namespace) -> int:
    try:
        endpoints = local.up(PortPlan.from_env(), timeout=args.timeout)
    except PortBusy as error:
        print(f"otel-llm stack up: {error}")
        return 1
    except (RuntimeError, FileNotFoundError) as error:  # ProcessFailed, BinaryNotFound, build failures
        print(f"otel-llm stack up failed: {error}")
        return 1
    print(f"stack is up (state: {state_dir()})")
    _print_endpoints(endpoints)
    print(_ui_note(endpoints.jaeger_ui))
    print(f"send telemetry with OTEL_EXPORTER_OTLP_ENDPOINT={endpoints.otlp_http} (OTLP/HTTP), or")
    print(f"  OTEL_EXPORTER_OTLP_ENDPOINT={endpoints.otlp_grpc} and OTEL_EXPORTER_OTLP_PROTOCOL=grpc")
    return 0


def _ui_note(jaeger_ui_url: str) -> str:
    assets = jaeger_ui.ui_assets()
    if assets is not None:
        return f"Jaeger UI: {jaeger_ui_url} serves the jaeger-ui build in {assets}"
    return (
        f"Jaeger UI: this Jaeger has no UI assets, so {jaeger_ui_url} shows Jaeger's placeholder page (its "
        f"API works: {jaeger_ui_url}/api/services); set {jaeger_ui.ASSETS_ENV} to a jaeger-ui build "
        "(docs/pipeline.md)"
    )


def _down(args: argparse.Namespace) -> int:
    for name, was_running in local.down().items():
        print(f"{name}: {'stopped' if was_running else 'not running'}")
    return 0


def _status(args: argparse.Namespace) -> int:
    pids = local.status()
    for name, pid in pids.items():
        print(f"{name}: {'running (pid ' + str(pid) + ')' if pid else 'not running'}")
    if any(pids.values()):
        _print_endpoints(local.stack_endpoints())
    return 0 if all(pids.values()) else 3

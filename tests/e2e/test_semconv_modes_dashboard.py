"""The dashboard in the latest and duplicate semconv modes (docs/semconv-modes.md), against the real collector
and Prometheus with the recording rules loaded: every panel's query returns data, and the duplicate mode
counts each call once. (The default mode: ``test_monitoring.test_dashboard_query_returns_data``.)

Each mode gets a pipeline of its own (local.yaml's collector and a Prometheus), fed by the e2e workload run
with ``OTEL_SEMCONV_STABILITY_OPT_IN`` set. The rule files are collector-config's; the recording rules'
evaluation interval (1m) is shortened to the scrape interval in the copy Prometheus loads, so the recorded
series appear within seconds.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml

from otel_llm.config import SEMCONV_OPT_IN_ENV
from otel_llm.stack.binaries import collector_binary
from otel_llm.stack.layout import collector_config_dir
from otel_llm.stack.local import SERVICE_PORTS
from otel_llm.stack.ports import PortPlan
from otel_llm.stack.processes import ManagedProcess
from otel_llm.stack.services import RULE_FILES, SEMCONV_MODE_RULES, collector_service, prometheus_service

from ..monitoring import fake_nvml
from .conftest import FAST_PIPELINE, Processes
from .helpers import Prometheus, dashboard_queries_split, eventually, run_workload, workload_env

# test id -> OTEL_SEMCONV_STABILITY_OPT_IN (tests/semconv_modes.py's values of these modes)
MODES = {"latest": "gen_ai_latest_experimental", "dup": "http,gen_ai_latest_experimental/dup"}
ROUNDS = 4
GPT_4O_MINI_CALLS = 5 * ROUNDS  # the workload's successful gpt-4o-mini chats (test_local_pipeline.py)
SCRAPE = "1s"


@dataclass(frozen=True)
class ModePipeline:
    mode: str
    prometheus: Prometheus
    job: str


def _rule_files(state: Path) -> list[Path]:
    """collector-config's rule files, the semconv recording rules evaluated every scrape."""
    directory = collector_config_dir()
    files = []
    for name in RULE_FILES:
        path = directory / name
        if name == SEMCONV_MODE_RULES:
            rules = yaml.safe_load(path.read_text())
            for group in rules["groups"]:
                group["interval"] = SCRAPE
            path = state / Path(name).name
            path.write_text(yaml.safe_dump(rules, sort_keys=False))
        files.append(path)
    return files


def _trace_sink(plan: PortPlan, state: Path, binary: Path) -> ManagedProcess:
    """An otelcol-llm that takes the traces in Jaeger's place (OTLP/gRPC on ``jaeger_otlp_grpc``) and drops
    them: the collector under test then exports its spans as it does to Jaeger."""
    config = {
        "receivers": {"otlp": {"protocols": {"grpc": {"endpoint": plan.address("jaeger_otlp_grpc")}}}},
        "exporters": {"debug": {"verbosity": "basic"}},
        "extensions": {"health_check": {"endpoint": plan.address("jaeger_health")}},
        "service": {
            "extensions": ["health_check"],
            "pipelines": {"traces": {"receivers": ["otlp"], "exporters": ["debug"]}},
            "telemetry": {"metrics": {"level": "none"}},
        },
    }
    path = state / "trace-sink.yaml"
    path.write_text(yaml.safe_dump(config))
    argv = [str(binary), "--config", str(path)]
    return ManagedProcess("trace-sink", argv, state, plan.url("jaeger_health", "/"))


@pytest.fixture(scope="module", params=list(MODES))
def mode_pipeline(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[ModePipeline]:
    """The panels read Prometheus only: the collector's traces go to a sink instead of a Jaeger."""
    mode = request.param
    processes = Processes()  # this mode's, stopped when its tests are done
    state = tmp_path_factory.mktemp(f"semconv-{mode}")
    names = (*SERVICE_PORTS["collector"], *SERVICE_PORTS["prometheus"], "jaeger_otlp_grpc", "jaeger_health")
    own = PortPlan.ephemeral(names)
    binary = collector_binary()
    try:
        processes.start(_trace_sink(own, state, binary))
        processes.start(collector_service(own, state, "local.yaml", env=FAST_PIPELINE, binary=binary))
        processes.start(
            prometheus_service(
                own, state, scrape_interval=SCRAPE, rule_files=_rule_files(state), alerting=False
            )
        )
        Prometheus(own.url("prometheus")).wait_scraping()
        job = f"e2e-semconv-{mode}"
        nvml = fake_nvml.build(state).parent
        env = {
            **workload_env(own.url("otlp_http"), job),
            "LD_LIBRARY_PATH": str(nvml),
            SEMCONV_OPT_IN_ENV: MODES[mode],
        }
        run_workload(env, "--rounds", str(ROUNDS), "--interval", "1")
        yield ModePipeline(mode, Prometheus(own.url("prometheus")), job)
    finally:
        processes.stop_all()


# the host row reads the hostmetrics receiver's system.* series, which no semconv mode changes (and which
# local.yaml does not collect): test_hostmetrics.py proves it
MODE_QUERIES = dashboard_queries_split()[0]


@pytest.mark.e2e
@pytest.mark.parametrize(("title", "expr"), MODE_QUERIES, ids=[title for title, _ in MODE_QUERIES])
def test_dashboard_query_returns_data(mode_pipeline: ModePipeline, title: str, expr: str) -> None:
    def finite_values() -> list[float]:
        values = [float(row["value"][1]) for row in mode_pipeline.prometheus.query(expr)]
        return [value for value in values if math.isfinite(value)]

    assert eventually(finite_values, timeout=20), f"{mode_pipeline.mode}, {title}: no data for {expr}"


@pytest.mark.e2e
def test_the_panels_names_count_each_call_once(mode_pipeline: ModePipeline) -> None:
    """The app sent the latest names; the panels' names hold each call once: recorded copies in the latest
    mode, the native series (nothing recorded over them) in the duplicate mode."""
    selector = f'{{job="{mode_pipeline.job}",gen_ai_request_model="gpt-4o-mini"}}'

    def value(promql: str) -> float | None:
        rows = mode_pipeline.prometheus.query(promql)
        return float(rows[0]["value"][1]) if rows else None

    latest = f"sum(gen_ai_client_inference_duration_seconds_count{selector})"
    assert eventually(lambda: value(latest) == GPT_4O_MINI_CALLS, timeout=20)
    assert eventually(
        lambda: (value(f"sum(gen_ai_client_inference_usage_input_tokens_total{selector})") or 0) > 0
    )
    panel = f"sum(gen_ai_client_operation_duration_seconds_count{selector})"
    assert eventually(lambda: value(panel) == GPT_4O_MINI_CALLS, timeout=20)

    # one panel series per native series: a copy recorded beside a native series would double the count.
    # Read until both are present: a 1s scrape that times out on a loaded machine marks every series
    # stale for one evaluation, and the recorded copies with them.
    def series(prefix: str) -> float | None:
        return value(f"count(gen_ai_client_{prefix}_duration_seconds_count{selector})")

    def one_panel_series_per_native() -> bool:
        operation = series("operation")
        return operation is not None and operation == series("inference")

    assert eventually(one_panel_series_per_native, timeout=20)
    tokens = f"sum by (gen_ai_token_type) (gen_ai_client_token_usage_count{selector})"

    def token_counts() -> dict[str, float]:
        rows = mode_pipeline.prometheus.query(tokens)
        return {row["metric"]["gen_ai_token_type"]: float(row["value"][1]) for row in rows}

    expected = {"input": GPT_4O_MINI_CALLS, "output": GPT_4O_MINI_CALLS}
    assert eventually(lambda: token_counts() == expected, timeout=20)

"""otel_llm.stack without processes: port plans, links, cache keys, pid files."""

from __future__ import annotations

import argparse
import json
import os
import socket
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import yaml

from otel_llm.stack import PORT_SPECS, PortPlan, binaries, jaeger_trace_url, jaeger_ui, stack_endpoints
from otel_llm.stack.binaries import collector_binary_path, content_key
from otel_llm.stack.ports import port_in_use
from otel_llm.stack.processes import ManagedProcess
from otel_llm.stack.services import alertmanager_config, prometheus_config


def test_default_ports_do_not_collide() -> None:
    ports = [spec.default for spec in PORT_SPECS.values()]
    assert len(ports) == len(set(ports))
    assert PortPlan.from_env({})["otlp_grpc"] == 4317 and PortPlan.from_env({})["jaeger_otlp_grpc"] == 14317


def test_port_variables_override_defaults_and_reach_the_config_env() -> None:
    plan = PortPlan.from_env({"OTEL_LLM_OTLP_GRPC_PORT": "5317", "OTEL_LLM_JAEGER_OTLP_GRPC_PORT": "15317"})
    env = plan.config_env()
    assert (env["OTEL_LLM_OTLP_GRPC_PORT"], env["OTEL_LLM_JAEGER_ENDPOINT"]) == ("5317", "127.0.0.1:15317")
    assert env["OTEL_LLM_OTLP_HTTP_PORT"] == "4318"


def test_ephemeral_plan_has_distinct_ports() -> None:
    ports = list(PortPlan.ephemeral().ports.values())
    assert len(ports) == len(PORT_SPECS) == len(set(ports))


def test_jaeger_trace_url_uses_the_recorded_plan(tmp_path: Path) -> None:
    (tmp_path / "stack.json").write_text(
        json.dumps({"ports": {**PortPlan.from_env({}).ports, "jaeger_ui": 26686}, "host": "127.0.0.1"})
    )
    assert jaeger_trace_url(0xABC, tmp_path) == f"http://127.0.0.1:26686/trace/{0xABC:032x}"
    assert jaeger_trace_url("ABCDEF", tmp_path) == "http://127.0.0.1:26686/trace/abcdef"
    assert jaeger_trace_url("ABCDEF", tmp_path, api=True) == "http://127.0.0.1:26686/api/traces/abcdef"
    assert stack_endpoints(tmp_path).otlp_grpc == "http://127.0.0.1:4317"


def test_cache_key_follows_the_manifest_content(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "one").mkdir()
    (tmp_path / "two").mkdir()
    first, copy = tmp_path / "one" / "builder-config.yaml", tmp_path / "two" / "builder-config.yaml"
    first.write_text("x: 1\n")
    copy.write_text("x: 1\n")
    key = content_key([first])
    assert len(key) == 16 and content_key([copy]) == key
    copy.write_text("x: 2\n")
    assert content_key([copy]) != key
    monkeypatch.setenv("OTEL_LLM_CACHE_DIR", str(tmp_path / "cache"))
    assert collector_binary_path().parent == tmp_path / "cache" / "bin"


def test_prometheus_config_scrapes_the_targets_with_the_rules(tmp_path: Path) -> None:
    config = yaml.safe_load(prometheus_config(["127.0.0.1:9999"], "1s", [tmp_path / "alerts.yaml"]))
    assert config["scrape_configs"][0]["static_configs"] == [{"targets": ["127.0.0.1:9999"]}]
    assert config["rule_files"] == [str(tmp_path / "alerts.yaml")]
    assert config["global"]["scrape_interval"] == "1s"
    assert "alerting" not in config
    alerting = yaml.safe_load(prometheus_config(["127.0.0.1:9999"], "1s", [], ["127.0.0.1:9093"]))
    assert alerting["alerting"] == {"alertmanagers": [{"static_configs": [{"targets": ["127.0.0.1:9093"]}]}]}
    assert [job["job_name"] for job in alerting["scrape_configs"]] == ["otelcol-llm"]
    both = yaml.safe_load(prometheus_config(["127.0.0.1:9999"], "1s", [], self_targets=["127.0.0.1:8888"]))
    assert both["scrape_configs"][1] == {
        "job_name": "otelcol-llm-self",
        "static_configs": [{"targets": ["127.0.0.1:8888"]}],
    }


def test_alertmanager_routes_every_alert_to_the_webhook_when_one_is_given() -> None:
    config = yaml.safe_load(alertmanager_config("http://127.0.0.1:5001/hook", group_wait="1s"))
    assert config["route"]["receiver"] == "otel-llm" and config["route"]["group_wait"] == "1s"
    hook = {"url": "http://127.0.0.1:5001/hook", "send_resolved": True}
    assert config["receivers"] == [{"name": "otel-llm", "webhook_configs": [hook]}]
    assert yaml.safe_load(alertmanager_config(None))["receivers"] == [{"name": "otel-llm"}]


def test_tests_run_stops_no_service_of_the_user() -> None:
    script = (Path(__file__).resolve().parents[1] / "run").read_text()
    assert not [word for word in ("systemctl", "pkill", "killall", "kill ") if word in script]


def test_managed_process_stops_only_its_own_pid(tmp_path: Path) -> None:
    sleeper = ManagedProcess("sleeper", [sys.executable, "-c", "import time; time.sleep(60)"], tmp_path, "")
    pid = sleeper.start()
    assert sleeper.running_pid() == pid
    stranger = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        # a pid file pointing at a process with another executable is not ours to stop
        record = json.loads(sleeper.pid_file.read_text())
        impostor = ManagedProcess("impostor", ["/bin/true"], tmp_path, "")
        impostor.pid_file.write_text(json.dumps({"pid": stranger.pid, "executable": "/bin/true"}))
        assert impostor.running_pid() is None and impostor.stop() is False
        assert stranger.poll() is None
        assert record["pid"] == pid
        assert sleeper.stop() is True and sleeper.running_pid() is None and not sleeper.pid_file.exists()
    finally:
        stranger.kill()
        stranger.wait()


def test_concurrent_callers_build_a_missing_binary_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("OTEL_LLM_CACHE_DIR", str(tmp_path))
    monkeypatch.delenv("OTEL_LLM_COLLECTOR_BIN", raising=False)
    builds: list[Path] = []

    def slow_build(target: Path) -> Path:
        builds.append(target)
        time.sleep(0.3)
        target.write_text("binary")
        return target

    monkeypatch.setattr(binaries, "build_collector", slow_build)
    with ThreadPoolExecutor(max_workers=3) as pool:
        found = list(pool.map(lambda _: binaries.collector_binary(), range(3)))
    assert builds == [binaries.collector_binary_path()] and found == builds * 3


def test_stack_up_on_a_busy_port_says_which_port_and_variable_in_one_line(tmp_path: Path) -> None:
    plan = PortPlan.ephemeral()
    env = {
        **{key: value for key, value in os.environ.items() if not key.startswith("OTEL_LLM_")},
        "OTEL_LLM_STATE_DIR": str(tmp_path),
        **{PORT_SPECS[name].env: str(port) for name, port in plan.ports.items()},
    }
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", plan["otlp_grpc"]))
        taken.listen()
        result = subprocess.run(
            [sys.executable, "-m", "otel_llm.cli.main", "stack", "up"],
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
        )
    assert result.returncode == 1
    assert result.stdout == (
        f"otel-llm stack up: port {plan['otlp_grpc']} (collector OTLP/gRPC receiver (apps send here)) is in "
        f"use on 127.0.0.1: set OTEL_LLM_OTLP_GRPC_PORT to a free port\n"
    )
    assert not (tmp_path / "jaeger.pid").exists()  # nothing was started


def test_a_port_in_time_wait_is_free_and_a_listening_one_is_not() -> None:
    with socket.socket() as server:
        server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as Go's listeners (all three services)
        server.bind(("127.0.0.1", 0))
        server.listen()
        port = server.getsockname()[1]
        assert port_in_use("127.0.0.1", port)
        with socket.create_connection(("127.0.0.1", port)) as client:
            accepted, _ = server.accept()
            accepted.close()  # the server side closes first: its end of the connection enters TIME_WAIT
            client.recv(1)
    assert not port_in_use("127.0.0.1", port)


def test_cli_version_and_help_texts_carry_no_rest_markup() -> None:
    from otel_llm import __version__
    from otel_llm.cli.main import build_parser

    version = subprocess.run(
        [sys.executable, "-m", "otel_llm.cli.main", "--version"], capture_output=True, text=True, check=True
    )
    assert version.stdout == f"otel-llm {__version__}\n"
    pending = [build_parser()]
    helps = []
    while pending:
        parser = pending.pop()
        helps.append(parser.format_help())
        for action in parser._actions:
            if isinstance(action, argparse._SubParsersAction):
                pending += action.choices.values()
    assert len(helps) >= 8  # otel-llm, demo, eval (run, compare, online), stack (build, up, down, status)
    assert [text for text in helps if "``" in text or ":func:" in text or "`" in text] == []


def test_jaeger_ui_config_links_prometheus_with_the_span_tag_kept_for_jaeger(tmp_path: Path) -> None:
    plan = PortPlan.from_env({"OTEL_LLM_PROMETHEUS_PORT": "29090"})
    config = jaeger_ui.ui_config(plan)
    (menu,) = config["menu"]
    assert menu["items"][0] == {"label": "Prometheus alerts", "url": "http://127.0.0.1:29090/alerts"}
    panels = dict.fromkeys(title.rsplit(" [", 1)[0] for title, _ in jaeger_ui.dashboard_queries())
    assert [item["label"] for item in menu["items"][1:]] == list(panels)  # one per panel, in order
    model, evaluation = config["linkPatterns"]
    assert (model["type"], model["key"]) == ("tags", "gen_ai.request.model")
    # Jaeger substitutes #{tag} itself; the rest of the query is URL-encoded PromQL
    assert model["url"].startswith("http://127.0.0.1:29090/graph?g0.expr=histogram_quantile%280.95")
    assert "%3D%22#{gen_ai.request.model}%22" in model["url"]
    assert evaluation["key"] == "gen_ai.evaluation.name" and "#{gen_ai.evaluation.name}" in evaluation["url"]
    written = jaeger_ui.write_ui_config(plan, tmp_path)
    assert json.loads(written.read_text()) == config


def test_jaeger_ui_assets_must_be_a_directory_with_index_html(tmp_path: Path) -> None:
    assert jaeger_ui.ui_assets({}) is None
    with pytest.raises(jaeger_ui.UIAssetsError, match=r"OTEL_LLM_JAEGER_UI_ASSETS=.* holds no index\.html"):
        jaeger_ui.ui_assets({"OTEL_LLM_JAEGER_UI_ASSETS": str(tmp_path)})
    (tmp_path / "index.html").write_text("<html></html>")
    assert jaeger_ui.ui_assets({"OTEL_LLM_JAEGER_UI_ASSETS": str(tmp_path)}) == tmp_path.resolve()

"""One live alert: Prometheus evaluates our GenAIHighErrorRate rule on the real pipeline's metrics,
Debian's Alertmanager routes it, and a webhook receiver on loopback gets it.

The rules are ``alerts.yaml`` with its timings shortened (groups evaluated every second, no ``for``
delay), so the alert fires within the test; ``promtool test rules`` covers the real timings.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
import yaml

from otel_llm.stack.layout import collector_config_dir
from otel_llm.stack.ports import PortPlan
from otel_llm.stack.services import ALERT_RULES, alertmanager_service, prometheus_service

from .conftest import Processes
from .helpers import Prometheus, eventually, run_workload, workload_env

pytestmark = pytest.mark.e2e


class WebhookReceiver:
    """An HTTP server on loopback that keeps the JSON bodies POSTed to it (Alertmanager's webhooks)."""

    def __init__(self) -> None:
        self.bodies: list[dict[str, Any]] = []
        received = self.bodies

        class Handler(BaseHTTPRequestHandler):
            disable_nagle_algorithm = True  # no wait for a delayed ACK between headers and body
            def log_message(self, *args: Any) -> None:
                return None

            def do_POST(self) -> None:
                received.append(json.loads(self.rfile.read(int(self.headers["Content-Length"]))))
                self.send_response(200)
                self.end_headers()

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}/alerts"

    def alerts(self, alertname: str, **labels: str) -> list[dict[str, Any]]:
        return [
            alert
            for body in list(self.bodies)
            for alert in body["alerts"]
            if alert["labels"].get("alertname") == alertname
            and all(alert["labels"].get(key) == value for key, value in labels.items())
        ]

    def __enter__(self) -> WebhookReceiver:
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()


@pytest.fixture
def webhook() -> Iterator[WebhookReceiver]:
    with WebhookReceiver() as receiver:
        yield receiver


def fast_rules(directory: Path) -> Path:
    """alerts.yaml with every group evaluated each second and every alert firing without delay."""
    rules = yaml.safe_load((collector_config_dir() / ALERT_RULES).read_text())
    for group in rules["groups"]:
        group["interval"] = "1s"
        for rule in group["rules"]:
            if "alert" in rule:
                rule["for"] = "0s"
    path = directory / "alerts-fast.yaml"
    path.write_text(yaml.safe_dump(rules, sort_keys=False))
    return path


def test_error_rate_alert_reaches_a_webhook_through_alertmanager(
    own_collector: PortPlan, processes: Processes, webhook: WebhookReceiver, tmp_path
) -> None:
    alerting = PortPlan.ephemeral(["prometheus", "alertmanager"])
    alertmanager = processes.start(alertmanager_service(alerting, tmp_path, webhook.url, group_wait="1s"))
    prometheus = processes.start(
        prometheus_service(
            alerting,
            tmp_path,
            targets=[own_collector.address("prometheus_exporter")],
            scrape_interval="1s",
            rule_files=[fast_rules(tmp_path)],
        )
    )
    Prometheus(alerting.url("prometheus")).wait_scraping()
    # every call to the missing model fails: its error ratio is 1, well above the rule's 5%
    env = workload_env(own_collector.url("otlp_http"), "e2e-alerting")
    # spread over several scrapes: rate() sees a counter rise only between two scraped samples
    # 20 calls over 10 s: a rate well above the rule's minimum volume of one call a minute
    run_workload(env, "--rounds", "20", "--interval", "0.5", "--kinds", "fail,chat")
    (alert, *_) = eventually(
        lambda: webhook.alerts("GenAIHighErrorRate", gen_ai_request_model="gpt-unavailable"), timeout=120
    )
    assert alert["status"] == "firing"
    assert alert["labels"] == {
        "alertname": "GenAIHighErrorRate",
        "severity": "warning",
        "gen_ai_provider_name": "openai",
        "gen_ai_request_model": "gpt-unavailable",
    }
    assert alert["annotations"]["summary"] == "openai/gpt-unavailable: 100% of calls fail"
    (body,) = [body for body in webhook.bodies if alert in body["alerts"]][:1]
    assert body["receiver"] == "otel-llm"
    # the healthy model does not alert
    assert webhook.alerts("GenAIHighErrorRate", gen_ai_request_model="gpt-4o-mini") == []
    prometheus.stop()
    alertmanager.stop()

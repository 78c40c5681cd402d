"""What the stack's Jaeger serves at its UI port: a jaeger-ui build of the user's, and our UI config.

Jaeger compiled from its Go module carries no UI assets (they are built from the jaeger-ui repository
with Node, and that build is not published on a package registry); without assets it serves a
placeholder page, while its HTTP API works. ``OTEL_LLM_JAEGER_UI_ASSETS`` names a directory holding a
jaeger-ui build (its ``index.html`` and ``static/``), which Jaeger then serves
(``jaeger_query.ui.assets_path``).

The UI config (``jaeger_query.ui.config_file``, written per stack) adds an "otel-llm" menu linking to
Prometheus: its alerts page and one graph per panel of our Grafana dashboard; and tag links from a
span's model and evaluation name to their latency and score graphs.
"""

from __future__ import annotations

import json
import os
import urllib.parse
from pathlib import Path
from typing import Any

from otel_llm.stack.layout import collector_config_dir
from otel_llm.stack.ports import PortPlan

ASSETS_ENV = "OTEL_LLM_JAEGER_UI_ASSETS"
CONFIG_ENV = "OTEL_LLM_JAEGER_UI_CONFIG"
"""Variables jaeger.yaml reads for ``ui.assets_path`` and ``ui.config_file``."""
DASHBOARD = "grafana/dashboards/otel-llm-genai.json"
PANEL_VARIABLES = {
    "$__rate_interval": "5m",
    "$__range": "1h",
    "$provider": ".*",
    "$model": ".*",
    "$service": ".*",
    "$environment": ".*",
}
"""Grafana's variables in the dashboard queries, filled in for a plain Prometheus graph."""
MENU_LABEL = "otel-llm"


class UIAssetsError(RuntimeError):
    """``OTEL_LLM_JAEGER_UI_ASSETS`` does not name a jaeger-ui build."""


def ui_assets(environ: dict[str, str] | None = None) -> Path | None:
    """The jaeger-ui build directory the user named, or None (Jaeger then serves its placeholder)."""
    value = (os.environ if environ is None else environ).get(ASSETS_ENV)
    if not value:
        return None
    path = Path(value).expanduser().resolve()
    if not (path / "index.html").is_file():
        raise UIAssetsError(f"{ASSETS_ENV}={value} holds no index.html; name a jaeger-ui build directory")
    return path


def dashboard_queries() -> list[tuple[str, str]]:
    """(panel title [refId], PromQL with Grafana's variables filled in) for every target of every panel."""
    dashboard = json.loads((collector_config_dir() / DASHBOARD).read_text())
    queries = []
    for panel in dashboard["panels"]:
        for target in panel.get("targets", ()):  # rows have none
            expr = target["expr"]
            for variable, value in PANEL_VARIABLES.items():
                expr = expr.replace(variable, value)
            if "$" in expr:
                raise ValueError(f"unhandled variable in {panel['title']!r}: {expr}")
            queries.append((f"{panel['title']} [{target['refId']}]", expr))
    return queries


def prometheus_graph(prometheus: str, expr: str, range_input: str = "1h", table: bool = False) -> str:
    """Prometheus' graph page of ``expr`` (its Table tab with ``table``)."""
    tab = "1" if table else "0"
    query = urllib.parse.urlencode({"g0.expr": expr, "g0.tab": tab, "g0.range_input": range_input})
    return f"{prometheus}/graph?{query}"


def _tag_link(prometheus: str, tag: str, expr: str, text: str) -> dict[str, str]:
    """A Jaeger link pattern on span tag ``tag``; ``#{tag}`` in ``expr`` becomes the tag's value."""
    placeholder = "TAG_VALUE_PLACEHOLDER"
    url = prometheus_graph(prometheus, expr.replace(f"#{{{tag}}}", placeholder))
    return {"type": "tags", "key": tag, "url": url.replace(placeholder, f"#{{{tag}}}"), "text": text}


def ui_config(plan: PortPlan) -> dict[str, Any]:
    """Jaeger UI config: the otel-llm menu (Prometheus alerts and dashboard graphs) and tag links."""
    prometheus = plan.url("prometheus")
    panels: dict[str, str] = {}
    for title, expr in dashboard_queries():
        panels.setdefault(title.rsplit(" [", 1)[0], expr)  # a panel's first query stands for it
    items = [{"label": "Prometheus alerts", "url": f"{prometheus}/alerts"}]
    items += [{"label": title, "url": prometheus_graph(prometheus, expr)} for title, expr in panels.items()]
    model_latency = (
        "histogram_quantile(0.95, sum by (le) (rate(gen_ai_client_operation_duration_seconds_bucket"
        '{gen_ai_request_model="#{gen_ai.request.model}"}[5m])))'
    )
    mean_score = (
        'sum(rate(otel_llm_evaluation_score_sum{gen_ai_evaluation_name="#{gen_ai.evaluation.name}"}[5m])) / '
        'sum(rate(otel_llm_evaluation_score_count{gen_ai_evaluation_name="#{gen_ai.evaluation.name}"}[5m]))'
    )
    return {
        "menu": [{"label": MENU_LABEL, "items": items}],
        "linkPatterns": [
            _tag_link(prometheus, "gen_ai.request.model", model_latency, "p95 latency of this model"),
            _tag_link(prometheus, "gen_ai.evaluation.name", mean_score, "mean score of this evaluation"),
        ],
    }


def write_ui_config(plan: PortPlan, state_dir: Path) -> Path:
    """Write :func:`ui_config` for ``plan`` into ``state_dir``; returns the file Jaeger reads."""
    path = state_dir / "jaeger-ui-config.json"
    path.write_text(json.dumps(ui_config(plan), indent=1))
    return path

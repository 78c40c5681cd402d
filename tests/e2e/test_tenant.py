"""Per-tenant budgets: the collector turns the app's tenant resource attribute into the metric label
``tenant`` (``transform/tenant`` in local.yaml and gateway.yaml), which the tenant alerts of slo.yaml sum by.
"""

from __future__ import annotations

import httpx
import pytest

from otel_llm.stack.ports import PortPlan

from .helpers import eventually, run_workload, workload_env

pytestmark = pytest.mark.e2e


def exported(plan: PortPlan, metric: str) -> list[str]:
    """The sample lines of ``metric`` on the collector's prometheus exporter page."""
    page = httpx.get(plan.url("prometheus_exporter", "/metrics"), timeout=10).text
    return [line for line in page.splitlines() if line.startswith(metric + "{")]


def test_the_tenant_resource_attribute_becomes_the_tenant_label(own_collector: PortPlan) -> None:
    env = workload_env(own_collector.url("otlp_http"), "e2e-tenant")
    env["OTEL_RESOURCE_ATTRIBUTES"] = "tenant.id=acme,deployment.environment.name=test"
    run_workload(env, "--kinds", "chat")
    lines = eventually(lambda: exported(own_collector, "gen_ai_client_token_usage_sum"), timeout=30)
    assert lines and all('tenant="acme"' in line for line in lines), lines
    cost = eventually(lambda: exported(own_collector, "otel_llm_client_operation_cost_total"), timeout=30)
    assert all('tenant="acme"' in line for line in cost), cost

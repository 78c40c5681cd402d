"""The stack's web UIs in a real browser (Debian's Chromium, headless, through Selenium).

- Prometheus' UI opened on one of the dashboard's queries renders the workload's series.
- Jaeger's root page is what it is: without UI assets, Jaeger's own placeholder page (a Jaeger built
  from its Go module has no UI); with ``OTEL_LLM_JAEGER_UI_ASSETS`` pointing at a directory, Jaeger
  serves that directory with our UI config injected. The directory used here,
  ``jaeger_ui_plumbing/``, is our own test page, not the Jaeger UI: it checks the plumbing only.

Screenshots are kept under ``test-artifacts/screenshots/`` (``$OTEL_LLM_TEST_ARTIFACTS``).
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from selenium.common.exceptions import StaleElementReferenceException
from selenium.webdriver.common.by import By

from otel_llm.stack.jaeger_ui import MENU_LABEL, dashboard_queries, prometheus_graph, ui_config
from otel_llm.stack.ports import PortPlan
from otel_llm.stack.services import jaeger_service

from . import browser
from .conftest import LocalPipeline, Processes
from .helpers import eventually

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.skipif(browser.missing() is not None, reason=browser.missing() or ""),
]

PLUMBING_ASSETS = Path(__file__).with_name("jaeger_ui_plumbing")
PLACEHOLDER_TEXT = "This is not the Jaeger UI you are looking for"


@pytest.fixture
def chromium(tmp_path: Path) -> Iterator:
    with browser.chromium(tmp_path / "chromium-profile") as driver:
        yield driver


def test_prometheus_ui_renders_a_dashboard_query(local_pipeline: LocalPipeline, chromium) -> None:
    expr = next(expr for title, expr in dashboard_queries() if title.startswith("Requests by provider"))
    console = prometheus_graph(local_pipeline.prometheus.base_url, expr, table=True)

    def rendered_rows() -> dict[str, float] | None:
        chromium.get(console)
        rows = eventually(lambda: chromium.find_elements(By.CSS_SELECTOR, "table tbody tr"), timeout=20)
        try:
            cells = [row.text.rsplit(" ", 1) for row in rows]
            values = {cell[0]: float(cell[1]) for cell in cells if len(cell) == 2}
        except (StaleElementReferenceException, ValueError):  # re-rendered or still loading: read again
            return None
        return values if any(math.isfinite(v) and v > 0 for v in values.values()) else None

    series = '{gen_ai_provider_name="openai",gen_ai_request_model="gpt-4o-mini"}'
    values = eventually(rendered_rows, timeout=60, interval=2)
    assert series in values, values
    assert chromium.find_element(By.CSS_SELECTOR, "textarea").get_attribute("value") == expr
    browser.screenshot(chromium, "prometheus-console-requests")
    # the Graph tab draws the same series (its legend names them)
    chromium.get(prometheus_graph(local_pipeline.prometheus.base_url, expr, "2m"))
    legend = eventually(lambda: chromium.find_elements(By.CSS_SELECTOR, ".rickshaw_legend"), 20)
    assert series in legend[0].text
    assert chromium.find_elements(By.CSS_SELECTOR, ".rickshaw_graph svg path")  # the lines drawn
    browser.screenshot(chromium, "prometheus-graph-requests")


def test_jaeger_without_ui_assets_serves_its_placeholder(local_pipeline: LocalPipeline, chromium) -> None:
    chromium.get(local_pipeline.jaeger.base_url)
    assert PLACEHOLDER_TEXT in eventually(lambda: chromium.find_element(By.TAG_NAME, "body").text, 20)
    browser.screenshot(chromium, "jaeger-placeholder")
    # the placeholder is the page, not the API: the API the UI would use answers
    services = httpx.get(f"{local_pipeline.jaeger.base_url}/api/services", timeout=10).json()["data"]
    assert "e2e-local" in services


def test_jaeger_serves_the_ui_assets_it_is_given_with_our_ui_config(
    binaries: tuple[Path, Path], processes: Processes, tmp_path: Path, chromium
) -> None:
    plan = PortPlan.ephemeral()
    processes.start(jaeger_service(plan, tmp_path, binaries[1], ui_assets=PLUMBING_ASSETS))
    chromium.get(plan.url("jaeger_ui", "/search"))  # any path of the single-page app serves index.html
    assert chromium.title == "otel-llm UI plumbing check (not the Jaeger UI)"
    # Jaeger replaced JAEGER_VERSION with its own version object (empty strings in a plain `go build`)
    version = eventually(lambda: chromium.find_element(By.ID, "version").text, 20)
    assert set(json.loads(version.removeprefix("Jaeger version "))) >= {"gitVersion", "buildDate"}
    links = {link.text: link.get_attribute("href") for link in chromium.find_elements(By.CSS_SELECTOR, "a")}
    (menu,) = ui_config(plan)["menu"]
    assert links == {f"{MENU_LABEL} / {item['label']}": item["url"] for item in menu["items"]}
    assert links[f"{MENU_LABEL} / Prometheus alerts"] == plan.url("prometheus", "/alerts")
    browser.screenshot(chromium, "jaeger-ui-plumbing")

"""The HTML report in a real browser: headless Chromium (Debian's) shows 10,000 examples, filters,
searches, sorts, pages, shows explanations in the cells and never runs user text."""

from __future__ import annotations

import pytest

from otel_llm.evaluation.html_report import write_html
from otel_llm.evaluation.model import Score
from otel_llm.evaluation.results import EvaluationRun, ExampleResult

from . import browser

pytestmark = pytest.mark.skipif(
    not browser.available(), reason="needs chromium, chromium-driver and selenium"
)

HOSTILE = (
    '<img src=x onerror="document.title=\'owned\'"></script><script>document.title="owned"</script> [/INST]'
)


def big_run(count: int = 10_000) -> EvaluationRun:
    """Every 4th example fails exact_match with a reason; every 10th fails contains; #7 is hostile."""
    examples = []
    for i in range(count):
        exact = i % 4 != 0
        contains = i % 10 != 0
        scores = [
            Score(
                "exact_match",
                float(exact),
                "pass" if exact else "fail",
                None if exact else f"wanted yes, got no #{i}",
                exact,
            ),
            Score("contains", float(contains), "pass" if contains else "fail", None, contains),
        ]
        text = HOSTILE if i == 7 else f"question {i}"
        examples.append(
            ExampleResult(
                id=f"id-{i:05d}",
                input=text,
                expected="yes",
                output="yes" if exact else "no",
                scores=scores,
                duration_s=0.001 * (i % 50),
                metadata={"lang": "de" if i % 2 else "en"},
                passed=exact and contains,
                weighted_score=(exact + contains) / 2,
            )
        )
    return EvaluationRun(
        "browser", None, None, ["exact_match", "contains"], examples, "2026-12-02T00:00:00+00:00", 1.0
    )


@pytest.fixture(scope="module")
def page(tmp_path_factory):
    path = write_html(big_run(), tmp_path_factory.mktemp("report") / "report.html")
    with browser.headless_chromium() as driver:
        driver.get(path.as_uri())
        yield driver


def info(driver) -> str:
    return driver.find_element("id", "page-info").text


def rows(driver) -> list[list[str]]:
    """The text of each cell of the rows shown, as rendered (one script call, not one per cell)."""
    return driver.execute_script(
        "return [...document.querySelectorAll('#examples-body tr')]"
        ".map((row) => [...row.cells].map((cell) => cell.innerText))"
    )


def choose(driver, select_id: str, value: str) -> None:
    from selenium.webdriver.support.ui import Select

    Select(driver.find_element("id", select_id)).select_by_value(value)


def test_the_report_loads_10000_rows_a_page_at_a_time(page):
    assert page.execute_script("return document.body.dataset.ready") == "true"
    assert info(page) == "1-50 of 10000, page 1 of 200"
    first = rows(page)
    assert len(first) == 50
    assert first[0][:2] == ["id-00000", "fail 0.000"]
    page.find_element("id", "next").click()
    assert info(page) == "51-100 of 10000, page 2 of 200"
    assert rows(page)[0][0] == "id-00050"
    page.find_element("id", "prev").click()


def test_explanations_are_in_the_cells_not_in_tooltips(page):
    cell = page.find_elements("css selector", "#examples-body tr")[4].find_elements("tag name", "td")[5]
    why = cell.find_element("css selector", ".why")
    assert why.is_displayed() and why.text == "wanted yes, got no #4"
    assert cell.text == "0.000 fail\nwanted yes, got no #4" and not cell.get_attribute("title")


def test_filter_search_and_sort(page):
    choose(page, "filter", "failed")
    assert info(page) == "1-50 of 3000 (filtered from 10000), page 1 of 60"  # 2500 + 1000 - 500 fail
    choose(page, "filter", "e1")  # failed `contains`
    assert info(page) == "1-50 of 1000 (filtered from 10000), page 1 of 20"
    assert all(row[6].startswith("0.000 fail") for row in rows(page))
    choose(page, "filter", "all")
    search = page.find_element("id", "search")
    search.send_keys("got no #1234")
    assert info(page) == "0-0 of 0 (filtered from 10000), page 1 of 1"  # 1234 % 4 != 0: it passed
    search.clear()
    search.send_keys("got no #1236")
    assert [row[0] for row in rows(page)] == ["id-01236"]
    search.clear()
    search.send_keys("lang")  # metadata is searched too
    assert info(page).endswith("of 10000, page 1 of 200")
    search.clear()
    page.execute_script("document.getElementById('search').dispatchEvent(new Event('input'))")
    header = page.find_element("css selector", 'th[data-key="duration"]')
    header.click()
    assert header.text == "usage ▲" and rows(page)[0][8] == "0.00s"
    header.click()
    assert header.text == "usage ▼" and rows(page)[0][8] == "0.05s"  # 0.049 s
    page.find_element("css selector", 'th[data-key="id"]').click()
    assert rows(page)[0][0] == "id-00000"


def test_user_text_is_shown_never_run(page):
    search = page.find_element("id", "search")
    search.send_keys("onerror")
    shown = rows(page)
    assert [row[0] for row in shown] == ["id-00007"]
    assert shown[0][2] == HOSTILE
    assert page.title == "browser"  # neither the injected script nor the onerror handler ran
    assert page.find_elements("css selector", "#examples-body img, #examples-body script") == []
    search.clear()
    page.execute_script("document.getElementById('search').dispatchEvent(new Event('input'))")


def test_segments_summary_and_charts_are_rendered(page, tmp_path):
    charts = page.find_elements("css selector", ".chart svg")
    assert len(charts) == 3 and all(chart.size["width"] == 220 for chart in charts)
    assert page.find_element(
        "css selector", 'svg[aria-label="score distribution of contains"]'
    ).is_displayed()
    page.save_screenshot(str(tmp_path / "report.png"))
    assert (tmp_path / "report.png").stat().st_size > 10_000

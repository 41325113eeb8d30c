"""The monitoring pages in a real browser (Debian Chromium, headless, Selenium).

/targets filters and sorts; the comparison chart draws one bar group per region
(read from the ECharts instance); /tasks/2023 filters by 牵头单位; region pages
render with no request to an outside host and no console error. Screenshots go
to test-artifacts/.
"""

from __future__ import annotations

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select, WebDriverWait

from tests.test_browser import browser, console_errors, outside_requests, requested_urls  # noqa: F401

pytestmark = [pytest.mark.browser, pytest.mark.live]


def open_page(driver, url: str, ready: str) -> None:
    driver.get_log("browser")
    driver.get_log("performance")
    driver.get(url)
    WebDriverWait(driver, 20).until(lambda d: d.execute_script(f"return {ready}"))


def test_targets_filter_and_sort(browser, live_url, artifacts_dir):  # noqa: F811
    open_page(browser, live_url + "/targets", "document.querySelectorAll('#im-targets tbody tr').length > 0")
    total = len(browser.find_elements(By.CSS_SELECTOR, "#im-targets tbody tr"))
    browser.save_screenshot(str(artifacts_dir / "targets.png"))
    assert browser.find_elements(By.CSS_SELECTOR, "form.im-filters button") == []  # noscript
    Select(browser.find_element(By.NAME, "region")).select_by_value("321300")  # applies at once
    WebDriverWait(browser, 20).until(lambda d: "region=321300" in d.current_url)
    regions = browser.execute_script(
        "return Array.from(document.querySelectorAll('#im-targets tbody tr')).map(r => r.dataset.region)")
    assert regions and set(regions) == {"321300"} and len(regions) < total
    browser.find_element(By.CSS_SELECTOR, 'th a[data-sort="status"]').click()
    WebDriverWait(browser, 20).until(lambda d: "sort=status" in d.current_url)
    order = ["已达成", "进展正常", "滞后", "无实际值", "无基期值"]
    statuses = browser.execute_script(
        "return Array.from(document.querySelectorAll('#im-targets tbody tr')).map(r => r.dataset.status)")
    assert [order.index(s) for s in statuses] == sorted(order.index(s) for s in statuses)
    assert outside_requests(requested_urls(browser)) == []
    assert console_errors(browser) == []


def test_targets_indicator_search_narrows_the_grouped_list(browser, live_url, artifacts_dir):  # noqa: F811
    open_page(browser, live_url + "/targets?region=321300",
              "document.querySelectorAll('#im-targets tbody tr').length > 0")
    options = "return Array.from(document.querySelectorAll('#im-indicator optgroup option'))"
    before = browser.execute_script(options + ".length")
    search = browser.find_element(By.ID, "im-indicator-search")
    assert search.is_displayed()
    search.send_keys("研发投入强度")  # a plan's wording, not the indicator's name
    shown = browser.execute_script(options + ".map(o => [o.parentNode.label, o.value, o.text])")
    assert 0 < len(shown) < before
    assert ["研发投入", "rd_intensity", "全社会研发投入占地区生产总值比重"] in shown
    assert "找到" in browser.find_element(By.ID, "im-indicator-matches").text
    browser.save_screenshot(str(artifacts_dir / "targets_search.png"))
    search.send_keys("\n")  # Enter takes the first match
    WebDriverWait(browser, 20).until(lambda d: "indicator=" in d.current_url)
    assert "region=321300" in browser.current_url
    chosen = Select(browser.find_element(By.ID, "im-indicator")).first_selected_option
    assert chosen.get_attribute("value") == shown[0][1]
    search = browser.find_element(By.ID, "im-indicator-search")
    search.send_keys("火星")
    assert "没有名称含" in browser.find_element(By.ID, "im-indicator-matches").text
    assert console_errors(browser) == []


def test_region_status_chip_leads_to_its_rows(browser, live_url):  # noqa: F811
    open_page(browser, live_url + "/regions/321300", "document.querySelectorAll('.im-card').length > 0")
    chip = browser.find_element(By.CSS_SELECTOR, "a.im-chip")
    status = chip.get_attribute("data-status")
    chip.click()
    WebDriverWait(browser, 20).until(lambda d: "status=" in d.current_url)
    assert browser.current_url.endswith("#im-targets")
    statuses = browser.execute_script(
        "return Array.from(document.querySelectorAll('.im-card')).map(c => c.dataset.status)")
    assert statuses and set(statuses) == {status}
    top = browser.execute_script("return document.getElementById('im-targets').getBoundingClientRect().top")
    assert abs(top) < 5  # scrolled to the rows
    assert console_errors(browser) == []


def test_comparison_chart_draws_one_bar_group_per_region(browser, live_url, artifacts_dir):  # noqa: F811
    open_page(browser, live_url + "/targets?indicator=rd_intensity",
              "window.imCharts && window.imCharts.length > 0")
    option = browser.execute_script(
        "const o = window.imCharts[0].getOption();"
        "return {categories: o.xAxis[0].data, series: o.series.map(s => [s.name, s.data]),"
        "        legend: o.legend[0].data.map(d => d.name || d)};")
    assert option["categories"] == ["江苏省", "连云港市", "宿迁市", "宿州市"]
    assert [name for name, _ in option["series"]] == ["基期值", "目标值", "实际值"]
    assert all(len(data) == 4 for _, data in option["series"])
    # The legend names only the series that have a bar (no imported actuals: no 实际值).
    with_bars = [name for name, data in option["series"]
                 if any(v not in (None, "-") for v in data)]
    assert "目标值" in with_bars and option["legend"] == with_bars
    canvas = browser.execute_script(
        "const c = document.querySelector('#im-compare-0 canvas'); return c ? c.width : 0")
    assert canvas > 0
    browser.save_screenshot(str(artifacts_dir / "targets_rd_intensity.png"))
    assert outside_requests(requested_urls(browser)) == []
    assert console_errors(browser) == []


def test_tasks_filter_by_lead_unit(browser, live_url, artifacts_dir):  # noqa: F811
    open_page(browser, live_url + "/tasks/2023", "document.querySelectorAll('#im-tasks tbody tr').length === 98")
    browser.save_screenshot(str(artifacts_dir / "tasks_2023.png"))
    Select(browser.find_element(By.ID, "im-lead")).select_by_value("市市场监管局")
    browser.find_element(By.CSS_SELECTOR, "form.im-filters button").click()
    WebDriverWait(browser, 20).until(lambda d: "lead=" in d.current_url)
    leads = browser.execute_script(
        "return Array.from(document.querySelectorAll('#im-tasks tbody tr')).map(r => r.dataset.lead)")
    assert 0 < len(leads) < 98 and all("市市场监管局" in lead.split("|") for lead in leads)
    assert console_errors(browser) == []


@pytest.mark.parametrize("adcode", ["321300", "320000", "341300"])
def test_region_page_renders_offline_without_errors(browser, live_url, artifacts_dir, adcode):  # noqa: F811
    open_page(browser, live_url + f"/regions/{adcode}",
              "document.readyState === 'complete' && document.querySelectorAll('.im-card').length > 0")
    cards = browser.find_elements(By.CSS_SELECTOR, ".im-card")
    assert cards and cards[0].is_displayed()
    browser.save_screenshot(str(artifacts_dir / f"region_{adcode}.png"))
    assert outside_requests(requested_urls(browser)) == []
    assert console_errors(browser) == []


PHONE_PAGES = ("/", "/targets", "/plans/002_29b2058011f3f7c1/tasks", "/regions/321300",
               "/targets?indicator=hitech_enterprises", "/regions/321300?status=无实际值")


@pytest.mark.parametrize("path", PHONE_PAGES)
def test_phone_width_needs_no_horizontal_scrolling(browser, live_url, artifacts_dir, path):  # noqa: F811
    size = browser.get_window_size()
    browser.set_window_size(390, 844)
    try:
        open_page(browser, live_url + path, "document.readyState === 'complete'")
        width = browser.execute_script("return window.innerWidth")
        WebDriverWait(browser, 20).until(lambda d: d.execute_script(
            "return document.querySelectorAll('table.im-table:not(.im-labelled)').length === 0"))
        scroll = browser.execute_script("return document.scrollingElement.scrollWidth")
        name = path.strip("/").replace("/", "_").replace("?", "_").replace("=", "_")
        browser.save_screenshot(str(artifacts_dir / f"phone_{name}.png"))
        assert width <= 390 and scroll <= 390, (width, scroll)
        cards = browser.execute_script(
            "const td = document.querySelector('table.im-table td[data-label]');"
            "return td ? getComputedStyle(td).display : 'none-found'")
        assert cards in ("block", "none-found")
        charts = browser.execute_script(
            "return (window.imCharts || []).map(c => c.getDom().getBoundingClientRect().right)")
        assert all(right <= 390 for right in charts)
        titles = browser.execute_script(  # a long title breaks into lines, not cut off
            "return (window.imCharts || []).map(c => { const t = c.getOption().title[0];"
            " return [t.text, t.textStyle.width, t.textStyle.overflow,"
            " c.getDom().clientWidth]; })")
        assert all(w is not None and w <= dom and how == "break" for _, w, how, dom in titles), titles
        assert console_errors(browser) == []
    finally:
        browser.set_window_size(size["width"], size["height"])

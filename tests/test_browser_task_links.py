"""Reviewing task ↔ target links in a real browser (Debian Chromium, headless): an editor
signs in, opens a task's 审核对应, removes a link the rules found and adds one from the
plan's targets, each with a reason; the page then shows the change to a visitor, with
no console error and nothing loaded from outside. Screenshots go to the artifacts folder."""

from __future__ import annotations

import pytest
from conftest import ADMIN_TOKEN
from selenium.common.exceptions import StaleElementReferenceException
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select, WebDriverWait

from tests.test_browser import (
    console_errors,
    outside_requests,
    requested_urls,
    serving,
    start_chromium,
)
from web import create_app
from web.monitor_data import task_links

pytestmark = [pytest.mark.browser, pytest.mark.live]


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    base = tmp_path_factory.mktemp("browser-task-links")
    app = create_app({"testing": True, "store_url": str(base / "store.gpkg"),
                      "admin_tokens": f"tester:{ADMIN_TOKEN}"})
    with app.test_request_context():
        plan_id = next(iter(task_links()))
    with serving(app) as url:
        yield url, f"/plans/{plan_id}/tasks"


def after_post(driver):
    """A wait across the page load a form's post ends in: elements of the page being left
    go stale on the way, which is no failure."""
    return WebDriverWait(driver, 10, ignored_exceptions=(StaleElementReferenceException,))


def served_targets(driver, no: int) -> set[str]:
    row = driver.find_element(By.ID, f"task-{no}")
    return {a.get_attribute("data-target")
            for a in row.find_elements(By.CSS_SELECTOR, "a[data-target]")}


def review(driver, no: int):
    """Open the review controls of task ``no``; the <details> element."""
    box = driver.find_element(By.CSS_SELECTOR, f"#task-{no} details.im-review")
    driver.execute_script("arguments[0].scrollIntoView({block: 'center'});", box)
    box.find_element(By.TAG_NAME, "summary").click()
    return box


def test_an_editor_removes_and_adds_a_link_in_the_browser(served, tmp_path, artifacts_dir):
    url, page = served
    driver = start_chromium(tmp_path / "profile")
    driver.set_window_size(1400, 1000)
    try:
        driver.get(url + "/admin/login?next=" + page)
        driver.find_element(By.NAME, "token").send_keys(ADMIN_TOKEN)
        driver.find_element(By.CSS_SELECTOR, "form button").click()
        WebDriverWait(driver, 10).until(lambda d: d.find_elements(By.ID, "im-tasks"))
        driver.get_log("browser")
        driver.get_log("performance")
        before = served_targets(driver, 4)
        removed = sorted(before)[0]

        box = review(driver, 4)
        form = next(f for f in box.find_elements(By.CSS_SELECTOR, "form.im-decide")
                    if f.find_element(By.NAME, "target_id").get_attribute("value") == removed)
        form.find_element(By.NAME, "reason").send_keys("浏览器测试：移除")
        form.find_element(By.CSS_SELECTOR, "button[value=remove]").click()
        after_post(driver).until(lambda d: removed not in served_targets(d, 4))

        box = review(driver, 43)
        add = box.find_element(By.CSS_SELECTOR, "form.im-add")
        Select(add.find_element(By.NAME, "target_id")).select_by_value(
            "sq-rd-intensity-2025-target")
        add.find_element(By.NAME, "reason").send_keys("浏览器测试：添加")
        driver.save_screenshot(str(artifacts_dir / "task_links_review_form.png"))
        add.find_element(By.CSS_SELECTOR, "button").click()
        after_post(driver).until(
            lambda d: "sq-rd-intensity-2025-target" in served_targets(d, 43))
        assert "浏览器测试：添加" in driver.find_element(By.ID, "task-43").text
        log = driver.find_element(By.ID, "im-decisions").find_element(
            By.XPATH, "following-sibling::table").text
        assert "浏览器测试：移除" in log and "tester" in log
        driver.save_screenshot(str(artifacts_dir / "task_links_reviewed.png"))
        assert not console_errors(driver)
        assert not outside_requests(requested_urls(driver))

        driver.delete_all_cookies()  # a visitor sees the decisions, and no review form
        driver.get(url + page)
        assert removed not in served_targets(driver, 4) and before - {removed} <= \
            served_targets(driver, 4)
        assert "sq-rd-intensity-2025-target" in served_targets(driver, 43)
        assert not driver.find_elements(By.CSS_SELECTOR, "details.im-review")
    finally:
        driver.quit()

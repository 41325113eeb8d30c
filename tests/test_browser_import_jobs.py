"""The large-file import in a real browser: sign in, upload through the form, watch the
job page poll until the import is done (Debian Chromium, headless)."""

from __future__ import annotations

import pytest
from conftest import ADMIN_TOKEN
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select, WebDriverWait

from tests.test_browser import (
    console_errors,
    outside_requests,
    requested_urls,
    serving,
    start_chromium,
)
from tests.test_import_jobs import make_app
from tests.test_stream_import import carriers_csv

pytestmark = [pytest.mark.browser, pytest.mark.live]
ROWS = 4000


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    base = tmp_path_factory.mktemp("browser-jobs")
    with serving(make_app(str(base / "store.gpkg"), base / "uploads")) as url:
        yield url, base


def test_a_csv_uploaded_through_the_form_is_followed_to_done(served, tmp_path, artifacts_dir):
    url, base = served
    path = tmp_path / "宿迁载体.csv"
    path.write_bytes(carriers_csv(ROWS))
    driver = start_chromium(tmp_path / "profile")
    try:
        driver.get(url + "/admin/login?next=/admin/")
        driver.find_element(By.NAME, "token").send_keys(ADMIN_TOKEN)
        driver.find_element(By.CSS_SELECTOR, "form button").click()
        WebDriverWait(driver, 10).until(lambda d: d.find_elements(By.ID, "large-form"))
        form = driver.find_element(By.ID, "large-form")
        form.find_element(By.NAME, "file").send_keys(str(path))
        Select(form.find_element(By.NAME, "datum")).select_by_visible_text("WGS84")
        driver.get_log("browser")
        driver.get_log("performance")
        form.find_element(By.TAG_NAME, "button").click()
        WebDriverWait(driver, 10).until(lambda d: "/admin/jobs/" in d.current_url)
        driver.save_screenshot(str(artifacts_dir / "import_job_started.png"))
        state = WebDriverWait(driver, 30).until(lambda d: d.execute_script(
            "var s = document.getElementById('job-state');"
            "return s && ['done', 'rejected', 'interrupted'].indexOf(s.dataset.state) >= 0"
            " ? s.dataset.state : null"))
        driver.save_screenshot(str(artifacts_dir / "import_job_done.png"))
        body = driver.find_element(By.TAG_NAME, "body").text
        assert state == "done", body
        assert "已完成" in body and f"{ROWS:,} / {ROWS:,}" in body and "版本 1" in body
        assert driver.find_element(By.ID, "job-progress").get_attribute("value") == str(ROWS)
        driver.find_element(By.LINK_TEXT, "查看版本列表").click()
        WebDriverWait(driver, 10).until(lambda d: "宿迁载体.csv" in d.page_source)
        assert console_errors(driver) == []
        assert outside_requests(requested_urls(driver)) == []
    finally:
        driver.quit()
    assert list((base / "uploads").iterdir()) == []

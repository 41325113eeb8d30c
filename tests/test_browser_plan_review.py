"""Uploading, reviewing and publishing a plan in a real browser (Debian Chromium, headless):
upload a DOCX plan → accept a section, pick an indicator from the suggestions, reject a
target, correct an entity's county by dragging its marker, add a place by selecting its
name in the text, accept a row of its task table and a partnership, place a partner the
knowledge base does not hold on the map → publish → its targets on /targets and its
region page, its entities on the map and in the API, its tasks on /plans/<id>/tasks, its
partnerships on the partners layers → rollback removes them. Screenshots go to the
artifacts folder."""

from __future__ import annotations

import pytest
from conftest import ADMIN_TOKEN
from plan_review_data import TITLE, plan_docx
from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support.ui import Select, WebDriverWait

from tests.test_browser import (
    console_errors,
    outside_requests,
    requested_urls,
    serving,
    start_chromium,
)
from web import create_app

pytestmark = [pytest.mark.browser, pytest.mark.live]
REGION = "320300"
JSON = {"Accept": "application/json"}


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    base = tmp_path_factory.mktemp("browser-plans")
    app = create_app({"testing": True, "store_url": str(base / "store.gpkg"),
                      "admin_tokens": f"tester:{ADMIN_TOKEN}"})
    with serving(app) as url:
        yield url, app


def card(driver, text: str):
    """The candidate card whose summary contains ``text``."""
    for li in driver.find_elements(By.CSS_SELECTOR, "li.cand"):
        if text in li.find_element(By.CLASS_NAME, "sum").text:
            return li
    raise AssertionError(f"no candidate card for {text!r}")


def wait_status(driver, text: str, status: str) -> None:
    WebDriverWait(driver, 10).until(
        lambda d: card(d, text).get_attribute("class").endswith("st-" + status))


def drag_marker_to(driver, lon: float, lat: float) -> None:
    """Drag the placing marker with the mouse to (lon, lat) on the review map."""
    marker = driver.find_element(By.CSS_SELECTOR, "#review-map .leaflet-marker-icon")
    offset = driver.execute_script(
        "var m = document.querySelector('#review-map .leaflet-marker-icon').getBoundingClientRect();"
        "var map = document.getElementById('review-map').getBoundingClientRect();"
        "var p = window.innomapReviewMap.latLngToContainerPoint([arguments[1], arguments[0]]);"
        "return [map.left + p.x - (m.left + m.width / 2), map.top + p.y - (m.bottom)];",
        lon, lat)
    ActionChains(driver).click_and_hold(marker).move_by_offset(5, 5) \
        .move_by_offset(offset[0] - 5, offset[1] - 5).release().perform()


def select_text(driver, text: str) -> None:
    """Select ``text`` in the plan's reading text as a user would, and let go of the mouse."""
    driver.execute_script(
        "var want = arguments[0];"
        "var spans = document.querySelectorAll('#text .ptext span');"
        "for (var i = 0; i < spans.length; i++) {"
        "  var node = spans[i].firstChild, at = node ? node.data.indexOf(want) : -1;"
        "  if (at < 0) continue;"
        "  var range = document.createRange(); range.setStart(node, at);"
        "  range.setEnd(node, at + want.length);"
        "  var sel = window.getSelection(); sel.removeAllRanges(); sel.addRange(range);"
        "  spans[i].dispatchEvent(new MouseEvent('mouseup', {bubbles: true})); return;"
        "}", text)


def test_a_plan_is_uploaded_reviewed_published_and_rolled_back(served, tmp_path,
                                                                 artifacts_dir):
    url, app = served
    path = tmp_path / "徐州市十五五科技创新规划.docx"
    path.write_bytes(plan_docx())
    driver = start_chromium(tmp_path / "profile")
    driver.set_window_size(1500, 1100)
    try:
        driver.get(url + "/admin/login?next=/admin/plans/")
        driver.find_element(By.NAME, "token").send_keys(ADMIN_TOKEN)
        driver.find_element(By.CSS_SELECTOR, "form button").click()
        WebDriverWait(driver, 10).until(lambda d: d.find_elements(By.ID, "plan-upload"))
        driver.find_element(By.CSS_SELECTOR, "#plan-upload input[type=file]").send_keys(str(path))
        driver.get_log("browser")
        driver.get_log("performance")
        driver.find_element(By.CSS_SELECTOR, "#plan-upload button").click()
        WebDriverWait(driver, 30).until(lambda d: d.find_elements(By.ID, "review-map"))
        driver.save_screenshot(str(artifacts_dir / "plan_review_uploaded.png"))
        assert TITLE in driver.title
        total = int(driver.find_element(By.ID, "progress-m").text)

        # accept a section: the three targets of 总体目标
        driver.find_element(By.CSS_SELECTOR,
                            "h3.section[data-section$='（一）总体目标'] button").click()
        wait_status(driver, "技术合同成交额力争", "accepted")
        assert driver.find_element(By.ID, "progress-n").text == "3"
        # reject one target
        card(driver, "技术合同成交额力争").find_element(By.CSS_SELECTOR, "[data-act=rejected]").click()
        wait_status(driver, "技术合同成交额力争", "rejected")
        # the plan's territory (全市) does not hide the indicator; the reviewer picks it
        # again from the suggestions
        assert "→ 高新技术企业数" in card(driver, "全市高新技术企业：2500").text
        card(driver, "全市高新技术企业：2500").find_element(By.CSS_SELECTOR, "[data-act=edit]").click()
        field = driver.find_element(By.NAME, "indicator_name")
        options = driver.execute_script("return Array.from(document.querySelectorAll("
                                        "'#indicator-names option')).map(o => o.value)")
        assert "高新技术企业数" in options
        field.clear()
        field.send_keys("高新技术企业数", Keys.ESCAPE)
        driver.find_element(By.CSS_SELECTOR, "#editor button[type=submit]").click()
        WebDriverWait(driver, 10).until(lambda d: not d.find_element(By.ID, "editor").is_displayed())
        assert "→ 高新技术企业数" in card(driver, "全市高新技术企业：2500").text

        # correct an entity's county by dragging its marker into 铜山区
        zone = card(driver, "徐州高新技术产业开发区")
        assert "区县未定" in zone.text
        zone.find_element(By.CSS_SELECTOR, "[data-act=locate]").click()
        Select(driver.find_element(By.NAME, "precision")).select_by_value("approximate")
        drag_marker_to(driver, 117.53, 34.31)
        WebDriverWait(driver, 10).until(
            lambda d: "320312" in card(d, "徐州高新技术产业开发区").text)
        driver.save_screenshot(str(artifacts_dir / "plan_review_dragged.png"))
        driver.find_element(By.CSS_SELECTOR,
                            "h3.section[data-section$='（一）建设创新载体'] button").click()
        wait_status(driver, "徐州高新技术产业开发区", "accepted")

        # add a place the extraction missed by selecting its name in the text
        select_text(driver, "云龙软件园")
        driver.switch_to.alert.accept()  # 添加为创新载体
        Select(driver.find_element(By.NAME, "type")).select_by_value("industrial_park")
        Select(driver.find_element(By.NAME, "precision")).select_by_value("approximate")
        driver.find_element(By.CSS_SELECTOR, "#editor button[type=submit]").click()
        WebDriverWait(driver, 10).until(
            lambda d: int(d.find_element(By.ID, "progress-m").text) == total + 1)
        driver.refresh()
        WebDriverWait(driver, 10).until(lambda d: d.find_elements(By.ID, "review-map"))
        card(driver, "云龙软件园").find_element(By.CSS_SELECTOR, "[data-act=locate]").click()
        drag_marker_to(driver, 117.25, 34.25)
        WebDriverWait(driver, 10).until(lambda d: "320303" in card(d, "云龙软件园").text)
        accept_task_and_partnerships(driver)
        driver.save_screenshot(str(artifacts_dir / "plan_review_reviewed.png"))
        audit = driver.find_element(By.ID, "audit").text
        assert "tester" in audit and "拒绝" in audit and "添加" in audit and "编辑" in audit
        assert console_errors(driver) == []
        assert outside_requests(requested_urls(driver)) == []

        # publish
        driver.find_element(By.CSS_SELECTOR, "#publish-form button").click()
        WebDriverWait(driver, 60).until(lambda d: d.find_elements(By.ID, "done"))
        driver.save_screenshot(str(artifacts_dir / "plan_review_published.png"))
        plan_id = fetch(driver, url, "/admin/plans/")["publications"][0]["plan_id"]
        shown = served_plan(driver, url, plan_id)
        assert shown["targets"] == {("rd_intensity", 2030), ("hitech_enterprises", 2030)}
        assert shown["entities"] == {"徐州高新技术产业开发区": "320312",
                                     "铜山智能装备产业园": "320312",
                                     "贾汪生物医药研究院": "320305", "云龙软件园": "320303"}
        assert shown["region_page"] and shown["on_map"] and shown["on_targets"]
        assert shown["tasks"] == {(1, "市科技局")} and shown["tasks_page"]
        assert shown["partnerships"] == {("东南大学", "战略合作"), ("哈尔滨工业大学", "战略合作")}
        assert shown["new_partner"] == ("approximate", "黑龙江省哈尔滨市", REGION)
        driver.get(url + f"/plans/{plan_id}/tasks")
        assert "组织科技型中小企业评价入库" in driver.find_element(By.TAG_NAME, "body").text
        driver.save_screenshot(str(artifacts_dir / "plan_review_published_tasks.png"))

        # roll back
        driver.get(url + "/admin/plans/")
        driver.find_element(By.CSS_SELECTOR, "button.rollback").click()
        WebDriverWait(driver, 60).until(lambda d: "已由版本" in d.page_source)
        gone = served_plan(driver, url, plan_id)
        assert gone == {"targets": set(), "entities": {}, "region_page": False,
                        "on_map": False, "on_targets": False, "tasks": set(),
                        "tasks_page": False, "partnerships": set(), "new_partner": None}
    finally:
        driver.quit()


def accept_task_and_partnerships(driver) -> None:
    """Accept a task row and a partner the knowledge base holds; pan the map to a partner
    it does not hold, drag its marker there, say where it is, and accept it."""
    accept = "[data-act=accepted]"
    card(driver, "组织科技型中小企业评价入库").find_element(By.CSS_SELECTOR, accept).click()
    wait_status(driver, "组织科技型中小企业评价入库", "accepted")
    card(driver, "东南大学（").find_element(By.CSS_SELECTOR, accept).click()
    wait_status(driver, "东南大学（", "accepted")
    driver.execute_script("window.innomapReviewMap.setView([45.7, 126.6], 9, {animate: false})")
    card(driver, "哈尔滨工业大学（").find_element(By.CSS_SELECTOR, "[data-act=locate]").click()
    Select(driver.find_element(By.NAME, "precision")).select_by_value("approximate")
    before = card(driver, "哈尔滨工业大学（").get_attribute("data-version")
    drag_marker_to(driver, 126.63, 45.74)
    WebDriverWait(driver, 10).until(
        lambda d: card(d, "哈尔滨工业大学（").get_attribute("data-version") != before)
    driver.find_element(By.NAME, "location").send_keys("黑龙江省哈尔滨市")
    driver.find_element(By.CSS_SELECTOR, "#editor button[type=submit]").click()
    WebDriverWait(driver, 10).until(
        lambda d: "黑龙江省哈尔滨市" in card(d, "哈尔滨工业大学（").text)
    card(driver, "哈尔滨工业大学（").find_element(By.CSS_SELECTOR, accept).click()
    wait_status(driver, "哈尔滨工业大学（", "accepted")


def fetch(driver, url: str, path: str, as_json: bool = True):
    """``path`` fetched by the page as a user's browser would (JSON, or the text)."""
    import json

    text = driver.execute_async_script(
        "var done = arguments[1]; fetch(arguments[0], {headers: {Accept: 'application/json'}})"
        ".then(r => r.text()).then(done);", url + path)
    return json.loads(text) if as_json else text


def served_plan(driver, url: str, plan_id: str) -> dict:
    """What the public pages and the API show of the published plan, read in the browser."""
    def items(collection: str, query: str = "") -> list[dict]:
        answer = fetch(driver, url, f"/api/collections/{collection}/items?limit=1000{query}")
        return [f["properties"] for f in answer.get("features", ())]

    targets = items("targets", f"&region_adcode={REGION}")
    mine = [p for p in targets if p["plan_id"] == plan_id]
    places = {p["name"]: p["county_adcode"] for p in items("entities")
              if p["plan_id"] == plan_id}
    partner = [(p["precision"], p["location"], p["region_adcodes"]) for p in items("partners")
               if p["name"] == "哈尔滨工业大学"]

    def page(path: str) -> str:
        return fetch(driver, url, path, as_json=False)

    return {"targets": {(p["indicator_id"], p["year"]) for p in mine}, "entities": places,
            "region_page": TITLE in page(f"/regions/{REGION}"),
            "on_map": "云龙软件园" in page(f"/maps/{REGION}"),
            "on_targets": TITLE in page("/targets"),
            "tasks": {(p["no"], p["lead"]) for p in items(f"tasks-{plan_id}")},
            "tasks_page": "组织科技型中小企业评价入库" in page(f"/plans/{plan_id}/tasks"),
            "partnerships": {(p["partner_name"], p["kind"]) for p in items("partnerships")
                             if p["plan_id"] == plan_id},
            "new_partner": partner[0] if partner else None}

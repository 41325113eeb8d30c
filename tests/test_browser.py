"""The maps in a real browser: Debian Chromium, headless, driven by Selenium.

One browser session for the module. A click on a county opens its popup; a
hostile name shows as text and runs nothing; the time control steps. Every page
of the index is opened in tests/test_browser_maps.py (drawn offline, no error,
fits its window). Screenshots go to test-artifacts/.
"""

from __future__ import annotations

import contextlib
import json
import re
import threading
import time
import urllib.parse
import urllib.request

import pytest
from selenium import webdriver
from selenium.common.exceptions import NoAlertPresentException
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support.ui import WebDriverWait

pytestmark = [pytest.mark.browser, pytest.mark.live]

CHROMIUM = "/usr/bin/chromium"
CHROMEDRIVER = "/usr/bin/chromedriver"
FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--window-size=1400,900")
LOOPBACK = {"127.0.0.1", "localhost", "::1", "[::1]"}


def start_chromium(profile_dir, downloads_dir=None) -> webdriver.Chrome:
    """Headless Debian Chromium with browser and network logs (one per test module)."""
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in FLAGS:
        options.add_argument(flag)
    options.add_argument(f"--user-data-dir={profile_dir}")
    options.set_capability("goog:loggingPrefs", {"browser": "ALL", "performance": "ALL"})
    if downloads_dir is not None:
        options.add_experimental_option("prefs", {
            "download.default_directory": str(downloads_dir),
            "download.prompt_for_download": False})
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    driver.set_page_load_timeout(30)
    return driver


@pytest.fixture(scope="module")
def browser(tmp_path_factory):
    driver = start_chromium(tmp_path_factory.mktemp("chromium"))
    try:
        yield driver
    finally:
        driver.quit()


@contextlib.contextmanager
def serving(app):
    """``app`` on a loopback thread server; yields its base URL."""
    from werkzeug.serving import make_server

    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(timeout=10)
        server.server_close()


@pytest.fixture(scope="module")
def fake_url():
    """The tiny-fixture app (with a hostile entity name) on a loopback thread server."""
    from tests.test_maps import make_fake_app

    with serving(make_fake_app()) as url:
        yield url


def open_map(driver, url: str) -> None:
    """Load ``url`` (fresh logs) and wait until the region layer has drawn."""
    driver.get_log("browser")
    driver.get_log("performance")
    driver.get(url)
    WebDriverWait(driver, 20).until(lambda d: d.execute_script(
        "return document.querySelectorAll('path.im-region').length > 0"))


def requested_urls(driver) -> list[str]:
    urls = []
    for entry in driver.get_log("performance"):
        message = json.loads(entry["message"])["message"]
        if message["method"] == "Network.requestWillBeSent":
            urls.append(message["params"]["request"]["url"])
    return urls


def outside_requests(urls: list[str]) -> list[str]:
    out = []
    for url in urls:
        parts = urllib.parse.urlsplit(url)
        if parts.scheme in ("data", "about", "blob", "chrome", "chrome-untrusted"):
            continue  # in-page data and the browser's own pages: no network
        if parts.hostname not in LOOPBACK:
            out.append(url)
    return out


def console_errors(driver) -> list[dict]:
    return [e for e in driver.get_log("browser") if e["level"] == "SEVERE"]


def county_count(catalog, path: str) -> int:
    """How many unit shapes a map page should draw: every county of the region in the
    national unit table (a map draws the whole region, whatever the plans cover)."""
    from geo.boundaries import load_units

    units = load_units(catalog.context.data_dir / "boundaries")
    counties = units[units["level"] == "county"]
    code = path.rstrip("/").rsplit("/", 1)[1]
    if code.endswith("0000"):
        return int((counties["province_adcode"] == code).sum())
    return int((counties["city_adcode"] == code).sum())


def index_map_links(live_url: str) -> list[str]:
    with urllib.request.urlopen(live_url + "/") as response:
        html = response.read().decode()
    return sorted(set(re.findall(r'href="(/maps/[^"]+)"', html)))


def test_province_choropleth_draws_every_county_with_its_class(browser, live_url, catalog):
    open_map(browser, live_url + "/maps/320000?indicator=carriers.total&scheme=natural_breaks")
    fills = browser.execute_script(
        "return Array.from(document.querySelectorAll('path.im-region'))"
        ".map(p => p.getAttribute('fill'))")
    legend = browser.execute_script(
        "return Array.from(document.querySelectorAll('.leaflet-control .im-legend .im-swatch'))"
        ".map(s => getComputedStyle(s).backgroundColor)")
    assert len(fills) == county_count(catalog, "/maps/320000")
    assert len(set(fills)) > 1 and len(legend) >= 2  # classes in the map and its legend


def shown_popup(browser):
    """The open popup, once it has faded in and its title is visible text."""
    def title_visible(driver):
        for popup in driver.find_elements(By.CSS_SELECTOR, ".leaflet-popup-content"):
            titles = popup.find_elements(By.TAG_NAME, "h3")
            if titles and titles[0].is_displayed() and titles[0].text:
                return popup
        return False

    return WebDriverWait(browser, 10).until(title_visible)


def test_click_on_a_county_opens_its_popup(browser, live_url, catalog, artifacts_dir):
    open_map(browser, live_url + "/maps/321300")
    counties = catalog.frame("boundaries-county")
    names = set(counties.loc[counties["city_adcode"] == "321300", "name"])
    # A point inside some county that is not covered by a marker or a control.
    target = browser.execute_script("""
        const map = window[Object.keys(window).find(k => /^map_[0-9a-f]+$/.test(k))];
        const box = map.getContainer().getBoundingClientRect();
        for (const path of document.querySelectorAll('path.im-region')) {
          const r = path.getBoundingClientRect();
          for (const [fx, fy] of [[.5, .5], [.4, .6], [.6, .4], [.3, .3], [.7, .7]]) {
            const x = r.left + r.width * fx, y = r.top + r.height * fy;
            if (document.elementFromPoint(x, y) === path)
              return [x - box.left - box.width / 2, y - box.top - box.height / 2];
          }
        }
        return null;""")
    assert target is not None
    container = browser.find_element(By.CSS_SELECTOR, ".folium-map")
    ActionChains(browser).move_to_element_with_offset(
        container, int(target[0]), int(target[1])).click().perform()
    popup = shown_popup(browser)
    title = popup.find_element(By.TAG_NAME, "h3").text
    assert title in names
    time.sleep(0.3)  # the popup fades in
    browser.save_screenshot(str(artifacts_dir / "maps_321300_popup.png"))


def test_hostile_name_shows_as_text_and_runs_nothing(browser, fake_url, artifacts_dir):
    evil = "<img src=x onerror=alert(1)>"
    open_map(browser, fake_url + "/maps/320700")
    search = browser.find_element(By.CSS_SELECTOR, ".im-search input")
    search.send_keys(evil, Keys.ENTER)
    popup = shown_popup(browser)
    assert popup.find_element(By.TAG_NAME, "h3").text == evil
    assert f"引文{evil}" in popup.text
    browser.save_screenshot(str(artifacts_dir / "maps_escaping.png"))
    with pytest.raises(NoAlertPresentException):
        assert browser.switch_to.alert.text is None  # reading an alert raises when none is open
    assert browser.execute_script("return document.querySelectorAll('img[src=\"x\"]').length") == 0
    assert not [u for u in requested_urls(browser) if u.endswith("/x")]
    assert console_errors(browser) == []


def test_time_control_steps_from_baseline_to_target(browser, fake_url):
    open_map(browser, fake_url + "/maps/320700?indicator=rd")
    browser.execute_script("""
        const range = document.getElementById('im-step-range');
        range.value = 0;
        range.dispatchEvent(new Event('change'));""")
    WebDriverWait(browser, 10).until(lambda d: "year=2020" in d.current_url)
    WebDriverWait(browser, 10).until(lambda d: d.execute_script(
        "return document.querySelectorAll('path.im-region').length > 0"))
    title = browser.find_element(By.CSS_SELECTOR, ".im-legend h2").text
    assert "基期值（2020年）" in title
    assert console_errors(browser) == []


CSP_PAGES = ["/", "/maps/320000", "/maps/320700?indicator=carriers.total&scheme=natural_breaks",
             "/maps/corridor/lyg-hgs-corridor", "/api/?f=html", "/api/collections?f=html",
             "/api/collections/entities/items?f=html&limit=5", "/admin/login", "/no-such-page"]


@pytest.mark.parametrize("path", CSP_PAGES)
def test_every_page_works_under_its_content_security_policy(browser, live_url, path):
    with urllib.request.urlopen(live_url + "/healthz") as response:
        assert response.headers["X-Content-Type-Options"] == "nosniff"
    browser.get_log("browser")
    browser.get(live_url + path)
    WebDriverWait(browser, 20).until(
        lambda d: d.execute_script("return document.readyState") == "complete")
    if path.startswith("/maps/"):
        WebDriverWait(browser, 20).until(lambda d: d.execute_script(
            "return document.querySelectorAll('path.im-region').length > 0"))
    # The policy is in force: an inline script without this page's nonce does not run.
    ran = browser.execute_script(
        "const s = document.createElement('script'); s.textContent = 'window.__injected = 1';"
        "document.head.appendChild(s); return window.__injected === 1;")
    assert ran is False, path
    entries = browser.get_log("browser")
    violations = [e["message"] for e in entries if "Content Security Policy" in e["message"]]
    assert len(violations) == 1 and "inline script" in violations[0], violations  # ours above
    errors = [e["message"] for e in entries if e["level"] == "SEVERE"
              and "Content Security Policy" not in e["message"] and "404" not in e["message"]]
    assert errors == [], path

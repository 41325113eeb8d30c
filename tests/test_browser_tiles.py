"""A map over 500,000 imported carriers, in headless Debian Chromium.

The page embeds counts per county (never the carriers); zoomed in, it draws the
carriers from their vector tiles, and a click on one opens its popup, read from
the feature API. Screenshots go to test-artifacts/.
"""

from __future__ import annotations

import time
import urllib.request

import folium
import geopandas as gpd
import numpy as np
import pytest
from selenium.common.exceptions import TimeoutException
from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

from tests.test_browser import console_errors, open_map, serving, shown_popup, start_chromium
from tests.test_stored_layers import COUNTIES, seeded_carriers
from tests.test_tiles import app_with

pytestmark = [pytest.mark.browser, pytest.mark.live, pytest.mark.slow]
N = 500_000
MAP = "const map = window[Object.keys(window).find(k => /^map_[0-9a-f]+$/.test(k))]"
COUNTS_JS = MAP + """;
const out = {};
map.eachLayer(l => {
  const n = l.feature && l.feature.properties && l.feature.properties.n;
  const m = n && /^(.+)：([\\d,]+) 个$/.exec(n);
  if (m) out[m[1]] = Number(m[2].replace(/,/g, ''));
});
return out;"""
TILE_FEATURES_JS = MAP + """;
const grid = (map.imTiled || [])[0];
if (!grid) return null;
let points = 0, cells = 0;
Object.values(grid.layer._vectorTiles || {}).forEach(t => {
  Object.values(t._features || {}).forEach(f => {
    if (f.feature.properties.cluster) cells += 1; else points += 1;
  });
});
return {points: points, cells: cells, loading: grid.layer.isLoading()};"""


@pytest.fixture(scope="module")
def rows():
    return seeded_carriers(N, seed=11)


@pytest.fixture(scope="module")
def app(tmp_path_factory, rows):
    return app_with(tmp_path_factory, rows)


@pytest.fixture(scope="module")
def site(app):
    with serving(app) as url:
        yield url


@pytest.fixture(scope="module")
def browser(tmp_path_factory):
    driver = start_chromium(tmp_path_factory.mktemp("chromium"))
    driver.set_window_size(1400, 900)
    yield driver
    driver.quit()


def lonely(rows, gap=0.0008) -> int:
    """The row of a carrier with no other within ``gap`` degrees (a clean click)."""
    lon, lat = rows["lon"].to_numpy(), rows["lat"].to_numpy()
    for i in range(0, len(rows), 997):
        near = (np.abs(lon - lon[i]) < gap) & (np.abs(lat - lat[i]) < gap)
        if near.sum() == 1:
            return i
    raise AssertionError("no lonely carrier")


def test_the_page_embeds_counts_not_carriers(site):
    with urllib.request.urlopen(site + "/maps/321300") as response:
        html = response.read()
    assert len(html) < 2_000_000 and html.count(b"big.csv") == 0


def test_counts_at_zoom_7_points_at_zoom_14_and_a_popup(browser, site, rows, artifacts_dir):
    start = time.monotonic()
    open_map(browser, site + "/maps/321300")
    first_render = time.monotonic() - start
    browser.execute_script(MAP + "; map.setView([33.9, 118.5], 7, {animate: false});")
    counts = browser.execute_script(COUNTS_JS)
    per_county = rows["county_adcode"].value_counts()
    assert sorted(counts.values()) == sorted(per_county.tolist()) and sum(counts.values()) == N
    assert browser.execute_script(TILE_FEATURES_JS)["points"] == 0  # below the tiles' zoom
    badges = [int(b.text.removesuffix(" 个").replace(",", "")) for b in
              browser.find_elements(By.CSS_SELECTOR, ".im-tile-count span")]
    assert sorted(badges) == sorted(per_county.tolist())  # each county's count, on screen
    legend = browser.execute_script("return [...document.querySelectorAll("
                                    "'.im-symbol-list li')].map(li => li.textContent)")
    assert [t for t in legend if "导入的创新载体" in t] == [f"导入的创新载体（{N:,}）"]
    browser.save_screenshot(str(artifacts_dir / "tiles_zoom7.png"))

    i = lonely(rows)
    lon, lat = float(rows.loc[i, "lon"]), float(rows.loc[i, "lat"])
    browser.execute_script(MAP + f"; map.setView([{lat}, {lon}], 14, {{animate: false}});")
    WebDriverWait(browser, 30).until(lambda d: (lambda s: s and s["points"] > 0 and
                                                not s["loading"])(
        d.execute_script(TILE_FEATURES_JS)))
    assert browser.execute_script(TILE_FEATURES_JS)["cells"] == 0
    assert browser.find_elements(By.CSS_SELECTOR, ".im-tile-count") == []
    browser.save_screenshot(str(artifacts_dir / "tiles_zoom14.png"))
    x, y = browser.execute_script(MAP + f"; const p = map.latLngToContainerPoint([{lat}, {lon}]);"
                                  " return [p.x, p.y];")
    box = browser.find_element(By.CSS_SELECTOR, ".leaflet-container")
    size = box.size
    ActionChains(browser).move_to_element_with_offset(
        box, x - size["width"] / 2, y - size["height"] / 2).click().perform()
    popup = shown_popup(browser)
    assert popup.find_element(By.TAG_NAME, "h3").text == rows.loc[i, "name"]
    assert rows.loc[i, "source"] in popup.text
    browser.save_screenshot(str(artifacts_dir / "tiles_popup.png"))
    assert console_errors(browser) == []
    assert first_render < 20, first_render
    assert set(COUNTIES) >= set(per_county.index)


OVERLAY_JS = "return JSON.parse(document.getElementById('im-tiled-layers').textContent)[0].overlay"
SWITCH_JS = """
const label = [...document.querySelectorAll('.leaflet-control-layers-overlays label')]
  .find(l => l.textContent.trim() === arguments[0]);
label.querySelector('input').click();"""
ON_MAP_JS = MAP + "; return map.hasLayer(map.imTiled[0].layer);"


def badge_count(browser) -> int:
    return len(browser.find_elements(By.CSS_SELECTOR, ".im-tile-count span"))


def test_switching_the_layer_off_hides_its_tiles_and_badges(browser, site):
    open_map(browser, site + "/maps/321300")
    browser.execute_script(MAP + "; map.setView([33.9, 118.5], 7, {animate: false});")
    overlay = browser.execute_script(OVERLAY_JS)
    assert badge_count(browser) == len(COUNTIES)
    browser.execute_script(SWITCH_JS, overlay)
    assert badge_count(browser) == 0 and not browser.execute_script(ON_MAP_JS)
    browser.execute_script(MAP + "; map.setView([33.9, 118.5], 14, {animate: false});")
    assert badge_count(browser) == 0 and not browser.execute_script(ON_MAP_JS)  # stays off
    browser.execute_script(SWITCH_JS, overlay)
    assert browser.execute_script(ON_MAP_JS) and badge_count(browser) == 0  # z14: points
    browser.execute_script(MAP + "; map.setView([33.9, 118.5], 7, {animate: false});")
    assert badge_count(browser) == len(COUNTIES) and browser.execute_script(ON_MAP_JS)


NAIVE_WAIT = 30  # seconds the naive page is given to load
FRAME_JS = "const done = arguments[arguments.length - 1]; requestAnimationFrame(() => done(1));"


def naive_page(app, rows) -> str:
    """The Folium way to put every carrier on a map, at its fastest: one GeoJson of
    circle markers on a canvas (no DOM element a marker), Leaflet served by us."""
    from web.assets import vendor_url

    points = gpd.GeoDataFrame(rows[["name"]], geometry=gpd.points_from_xy(rows.lon, rows.lat),
                              crs=4326)
    m = folium.Map(location=[33.8, 118.5], zoom_start=9, tiles=None, prefer_canvas=True)
    with app.test_request_context():
        m.default_js = [("leaflet", vendor_url("leaflet", "leaflet.js"))]
        m.default_css = [("leaflet_css", vendor_url("leaflet", "leaflet.css"))]
    folium.GeoJson(points.to_json(), marker=folium.CircleMarker(radius=3, weight=0,
                                                               fill_opacity=0.8)).add_to(m)
    return m.get_root().render()


def first_render(browser, url: str, drawn: str | None = None) -> float:
    """Seconds from navigation to the first frame after the page drew (``drawn``: a JS
    condition polled until true), the same for both pages."""
    start = time.monotonic()
    browser.get(url)
    if drawn:
        WebDriverWait(browser, 60, poll_frequency=0.05).until(
            lambda d: d.execute_script("return " + drawn))
    browser.execute_async_script(FRAME_JS)
    return time.monotonic() - start


def test_first_render_beats_a_naive_page_of_every_carrier(browser, app, site, rows, tmp_path,
                                                          artifacts_dir):
    page = tmp_path / "naive.html"
    page.write_text(naive_page(app, rows).replace('src="/', f'src="{site}/')
                    .replace('href="/', f'href="{site}/'), encoding="utf-8")
    ours = first_render(browser, site + "/maps/321300",
                        "document.querySelectorAll('path.im-region').length > 0")
    naive_browser = start_chromium(tmp_path / "naive-chromium")  # a hung tab is thrown away
    naive_browser.set_window_size(1400, 900)
    naive_browser.set_page_load_timeout(NAIVE_WAIT)
    try:
        naive = first_render(naive_browser, page.as_uri())
        naive_browser.save_screenshot(str(artifacts_dir / "tiles_naive_page.png"))
    except TimeoutException:
        naive = float("inf")  # not even loaded after NAIVE_WAIT seconds
    finally:
        naive_browser.quit()
    print(f"first render: tiled map {ours:.2f} s, naive page of {N:,} markers {naive:.2f} s")
    assert ours < min(naive, NAIVE_WAIT), (ours, naive)

"""A map over 500,000 imported carriers, in headless Debian Chromium.

The page embeds counts per county (never the carriers); zoomed in, it draws the
carriers from their vector tiles, and a click on one opens its popup, read from
the feature API. Screenshots go to test-artifacts/.
"""

from __future__ import annotations

import time
import urllib.request

import numpy as np
import pytest
from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

from store import open_store
from tests.test_browser import console_errors, open_map, serving, shown_popup, start_chromium
from tests.test_stored_layers import COUNTIES, seeded_carriers
from web import create_app

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
def site(tmp_path_factory, rows):
    path = tmp_path_factory.mktemp("half-million") / "store.gpkg"
    open_store(path).add_import("carriers", rows, user="t", filename="big.csv", sha256="0")
    app = create_app({"testing": True, "store_url": str(path)})
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

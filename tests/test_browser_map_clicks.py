"""A click on a map opens what lies under the cursor, in headless Debian Chromium.

On the province map a corridor (宁杭科技创新走廊) runs through 溧水区: a click on its line
inside 溧水区 opens 溧水区 while corridors are off (they are, until the user turns them
on); switched on, the corridor's popup offers 溧水区 one button away. Screenshots go to
test-artifacts/.
"""

from __future__ import annotations

import pytest
from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

from tests.test_browser import open_map, shown_popup, start_chromium

pytestmark = [pytest.mark.browser, pytest.mark.live]

MAP = "const map = window[Object.keys(window).find(k => /^map_[0-9a-f]+$/.test(k))]"
LISHUI = "320117"  # 溧水区, under 宁杭科技创新走廊


@pytest.fixture(scope="module")
def browser(tmp_path_factory):
    driver = start_chromium(tmp_path_factory.mktemp("chromium"))
    driver.set_window_size(1400, 900)
    try:
        yield driver
    finally:
        driver.quit()


def _on_a_corridor_inside(catalog, adcode: str):
    """(name, point): the county's name and a point of a corridor line inside it."""
    counties = catalog.frame("boundaries-county")
    shape = counties.loc[counties["adcode"] == adcode].geometry.iloc[0]
    corridors = catalog.frame("corridors")
    lines = corridors[corridors.geometry.intersects(shape)].geometry.intersection(shape)
    line = max((g for g in lines if g.length), key=lambda g: g.length)
    point = line.interpolate(0.5, normalized=True)
    assert shape.contains(point)
    return counties.loc[counties["adcode"] == adcode, "name"].iloc[0], point


def _click_at(browser, lat: float, lon: float) -> str:
    x, y = browser.execute_script(
        MAP + "; const p = map.latLngToContainerPoint([arguments[0], arguments[1]]);"
        "return [p.x - map.getSize().x / 2, p.y - map.getSize().y / 2];", lat, lon)
    container = browser.find_element(By.CSS_SELECTOR, ".folium-map")
    ActionChains(browser).move_to_element_with_offset(container, int(x), int(y)).click().perform()
    return shown_popup(browser).find_element(By.TAG_NAME, "h3").text


@pytest.mark.parametrize("overlays_on", [False, True])
def test_click_inside_lishui_opens_lishui(browser, live_url, catalog, artifacts_dir,
                                          overlays_on):
    name, point = _on_a_corridor_inside(catalog, LISHUI)
    open_map(browser, live_url + "/maps/320000")
    if overlays_on:  # every overlay switched on: the corridor areas lie over 溧水区
        browser.execute_script(
            "document.querySelectorAll('.leaflet-control-layers-overlays input:not(:checked)')"
            ".forEach(function (box) { box.click(); });")
    browser.execute_script(MAP + "; map.setView([arguments[0], arguments[1]], map.getZoom(), "
                           "{animate: false});", point.y, point.x)
    layers = browser.execute_script(MAP + "; const on = []; map.eachLayer(l => { if (l.feature"
                                    " && l.feature.properties.k) on.push(l.feature.properties.n);"
                                    " }); return on;")
    assert bool(layers) == overlays_on  # corridors are drawn only when switched on
    title = _click_at(browser, point.y, point.x)
    browser.save_screenshot(str(artifacts_dir / f"click_lishui_{int(overlays_on)}.png"))
    if not overlays_on:
        assert title == name
        return
    # switched on, the corridor under the cursor answers, and names the county beneath
    assert title != name
    under = browser.find_element(By.CSS_SELECTOR, ".leaflet-popup-content .im-under button")
    assert under.text == f"此处区划：{name}"
    under.click()
    WebDriverWait(browser, 10).until(lambda d: [h.text for h in d.find_elements(
        By.CSS_SELECTOR, ".leaflet-popup-content h3") if h.is_displayed()] == [name])


# A cluster on the map now whose markers stand at one place: its screen point (from the
# map's centre), its child count and the names of its markers.
SAME_PLACE_CLUSTER_JS = MAP + """;
let found = null;
map.eachLayer(l => {
  if (found || !(l instanceof L.MarkerCluster) || !l._icon) return;
  const b = l.getBounds();
  if (b.getNorthEast().distanceTo(b.getSouthWest()) > 300) return;
  if (l.getAllChildMarkers().some(m => !m.feature)) return;
  const p = map.latLngToContainerPoint(l.getLatLng());
  found = {x: p.x - map.getSize().x / 2, y: p.y - map.getSize().y / 2,
           names: l.getAllChildMarkers().map(m => m.feature.properties.n).sort()};
});
return found;"""


def test_click_on_a_cluster_at_one_place_lists_its_carriers(browser, live_url, artifacts_dir):
    open_map(browser, live_url + "/maps/321300")
    cluster = browser.execute_script(SAME_PLACE_CLUSTER_JS)
    assert cluster and len(cluster["names"]) >= 2, "no cluster of one place on 宿迁's map"
    zoom = browser.execute_script(MAP + "; return map.getZoom();")
    container = browser.find_element(By.CSS_SELECTOR, ".folium-map")
    ActionChains(browser).move_to_element_with_offset(
        container, int(cluster["x"]), int(cluster["y"])).click().perform()
    listed = WebDriverWait(browser, 10).until(lambda d: d.find_elements(
        By.CSS_SELECTOR, ".leaflet-popup-content .im-cluster-list li button"))
    assert sorted(b.get_attribute("textContent") for b in listed) == cluster["names"]
    assert browser.execute_script(MAP + "; return map.getZoom();") == zoom  # no zoom in
    browser.save_screenshot(str(artifacts_dir / "cluster_list.png"))
    first = listed[0].get_attribute("textContent")
    listed[0].click()
    WebDriverWait(browser, 10).until(lambda d: [h.text for h in d.find_elements(
        By.CSS_SELECTOR, ".leaflet-popup-content h3") if h.is_displayed()] == [first])

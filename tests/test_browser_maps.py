"""How the map pages behave for a reader, in headless Debian Chromium.

One browser for the module. Every map and corridor page linked from the index
fits its window after load, after a zoom and after a search (Leaflet's size is
the container's, the whole region is in view); at a phone's 390×844 the map
takes the width and the panel opens and closes; a click in the middle of 南京
opens 南京's popup, not an overlay's; the symbol legend lists exactly the
families drawn; search respects the position's precision and lists ambiguous
candidates; the print panel builds the export URL, shows progress and the
server's refusal; the permalink restores view and layers. Screenshots go to
test-artifacts/.
"""

from __future__ import annotations

import json
import re
import urllib.error
import urllib.parse
import urllib.request

import pytest
import shapely
from selenium.common.exceptions import TimeoutException
from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support.ui import WebDriverWait

from tests.test_browser import (
    console_errors,
    county_count,
    index_map_links,
    open_map,
    outside_requests,
    serving,
    shown_popup,
    start_chromium,
)

pytestmark = [pytest.mark.browser, pytest.mark.live]

MAP = "const map = window[Object.keys(window).find(k => /^map_[0-9a-f]+$/.test(k))]"
DESKTOP = (1400, 900)
PHONE = (390, 844)
SCREENSHOTS = {"/maps/320000": "province", "/maps/320700": "city",
               "/maps/341300": "city_anhui", "/maps/corridor/lyg-hgs-corridor": "corridor",
               "/maps/corridor/js-coastal": "corridor_belt"}

# Leaflet's size against its container's, and which drawn shapes lie outside the
# view: the region's units (p.a), or on a corridor page the corridor's parts (p.k).
FIT_JS = MAP + """;
const box = map.getContainer(), size = map.getSize(), rect = box.getBoundingClientRect();
const corridorPage = location.pathname.includes('/corridor/');
const view = map.getBounds().pad(0.002), outside = [], offscreen = [];
let shapes = 0;
map.eachLayer(l => {
  if (!l.feature || !l.getBounds) return;
  const p = l.feature.properties;
  if (corridorPage ? p.k === undefined : p.a === undefined) return;
  shapes += 1;
  if (!view.contains(l.getBounds())) outside.push(p.n);
  const el = l.getElement && l.getElement();
  if (el) {
    const r = el.getBoundingClientRect();
    if (r.left < rect.left - 1 || r.right > rect.right + 1 || r.top < rect.top - 1 ||
        r.bottom > rect.bottom + 1) offscreen.push(p.n);
  }
});
// Markers drawn where they belong on screen (icon box less its anchor margins).
const misplaced = [];
map.eachLayer(l => {
  if (!(l instanceof L.Marker) || !l._icon) return;
  const r = l._icon.getBoundingClientRect(), cs = getComputedStyle(l._icon);
  const want = map.latLngToContainerPoint(l.getLatLng());
  const x = r.left - rect.left - parseFloat(cs.marginLeft || 0);
  const y = r.top - rect.top - parseFloat(cs.marginTop || 0);
  if (Math.abs(x - want.x) > 2 || Math.abs(y - want.y) > 2) misplaced.push([x, y, want.x, want.y]);
});
return {size: [size.x, size.y], box: [box.clientWidth, box.clientHeight], shapes: shapes,
        outside: outside, offscreen: offscreen, zoom: map.getZoom(),
        misplaced: misplaced.slice(0, 3)};"""


@pytest.fixture(scope="module")
def browser(tmp_path_factory):
    driver = start_chromium(tmp_path_factory.mktemp("chromium"),
                            downloads_dir=tmp_path_factory.mktemp("downloads"))
    try:
        yield driver
    finally:
        driver.quit()


@pytest.fixture()
def desktop(browser):
    browser.set_window_size(*DESKTOP)
    return browser


def fit(browser) -> dict:
    return browser.execute_script(FIT_JS)


def assert_sized(browser, where: str) -> None:
    state = fit(browser)
    assert state["size"] == state["box"], f"{where}: Leaflet {state['size']} ≠ box {state['box']}"


def assert_whole_region(browser, where: str) -> None:
    try:  # markers slide into place for a moment after a zoom (cluster animation)
        WebDriverWait(browser, 3).until(lambda d: fit(d)["misplaced"] == [])
    except TimeoutException:
        pass
    state = fit(browser)
    assert state["size"] == state["box"], f"{where}: Leaflet {state['size']} ≠ box {state['box']}"
    assert state["shapes"] > 0, where
    assert state["outside"] == [] and state["offscreen"] == [], (where, state)
    assert state["misplaced"] == [], (where, state)


def settle(browser) -> None:
    """Wait until no zoom or pan animation runs."""
    WebDriverWait(browser, 10).until(lambda d: d.execute_script(
        MAP + "; return !map._animatingZoom && !(map._panAnim && map._panAnim._inProgress);"))


def click_zoom(browser, which: str) -> None:
    before = browser.execute_script(MAP + "; return map.getZoom();")
    browser.find_element(By.CSS_SELECTOR, f".leaflet-control-zoom-{which}").click()
    WebDriverWait(browser, 10).until(lambda d: d.execute_script(
        MAP + "; return map.getZoom();") != before)
    settle(browser)


def network(browser) -> tuple[list[str], list[tuple[int, str]]]:
    """URLs requested since the last call, and the responses that failed (status ≥ 400)."""
    urls, failed = [], []
    for entry in browser.get_log("performance"):
        message = json.loads(entry["message"])["message"]
        if message["method"] == "Network.requestWillBeSent":
            urls.append(message["params"]["request"]["url"])
        if message["method"] == "Network.responseReceived":
            response = message["params"]["response"]
            if response["status"] >= 400:
                failed.append((response["status"], response["url"]))
    return urls, failed


def search(browser, text: str) -> None:
    box = browser.find_element(By.CSS_SELECTOR, ".im-search input")
    box.clear()
    box.send_keys(text, Keys.ENTER)


def first_unit_name(browser) -> str:
    """A name to search on a page: the largest unit, or on a corridor page the corridor."""
    return browser.execute_script(MAP + """;
        const corridorPage = location.pathname.includes('/corridor/');
        let name = null;
        map.eachLayer(l => {
          const p = l.feature && l.feature.properties;
          if (!name && p && (corridorPage ? p.k === 'corridor' : p.a !== undefined)) name = p.n;
        });
        return name;""")


def test_every_page_draws_offline_and_fits_after_load_zoom_and_search(
        desktop, live_url, catalog, artifacts_dir):
    browser = desktop
    links = index_map_links(live_url)
    assert any("/corridor/" in u for u in links) and "/maps/320000" in links
    for path in links:
        open_map(browser, live_url + path)
        if "/corridor/" not in path:
            drawn = browser.execute_script(
                "return document.querySelectorAll('path.im-region').length")
            # a cooperation network shows its one region; a region map its counties
            expected = 1 if "/partners/" in path else county_count(catalog, path)
            assert drawn == expected, path
        assert_whole_region(browser, f"{path} after load")
        click_zoom(browser, "in")
        assert_sized(browser, f"{path} zoomed in")
        click_zoom(browser, "out")
        assert_whole_region(browser, f"{path} zoomed back out")
        name = first_unit_name(browser)
        search(browser, name)
        assert shown_popup(browser).find_element(By.TAG_NAME, "h3").text == name
        settle(browser)
        assert_sized(browser, f"{path} after searching {name}")
        if path in SCREENSHOTS:
            browser.save_screenshot(str(artifacts_dir / f"page_{SCREENSHOTS[path]}_search.png"))
        browser.find_element(By.CSS_SELECTOR, ".im-home-view a").click()
        assert_whole_region(browser, f"{path} back to the whole map")
        if path in SCREENSHOTS:
            browser.save_screenshot(str(artifacts_dir / f"page_{SCREENSHOTS[path]}.png"))
        assert console_errors(browser) == [], path
        urls, failed = network(browser)
        assert outside_requests(urls) == [] and failed == [], path  # the favicon among them


def test_hiding_the_panel_gives_the_map_the_width(desktop, live_url):
    open_map(desktop, live_url + "/maps/320700")
    width = fit(desktop)["box"][0]
    desktop.find_element(By.ID, "im-panel-toggle").click()
    WebDriverWait(desktop, 5).until(lambda d: fit(d)["box"][0] > width + 100)
    WebDriverWait(desktop, 5).until(lambda d: fit(d)["size"] == fit(d)["box"])
    assert_whole_region(desktop, "panel hidden")
    desktop.find_element(By.ID, "im-panel-toggle").click()
    WebDriverWait(desktop, 5).until(lambda d: fit(d)["box"][0] == width)
    WebDriverWait(desktop, 5).until(lambda d: fit(d)["size"] == fit(d)["box"])
    assert_whole_region(desktop, "panel shown again")


def panel_shown(browser) -> bool:
    return browser.execute_script("""
        const p = document.getElementById('im-panel'), r = p.getBoundingClientRect();
        return getComputedStyle(p).display !== 'none' && r.height > 100 && r.top >= 0 &&
               r.bottom <= window.innerHeight + 1;""")


@pytest.mark.parametrize("path", ["/maps/320700", "/maps/corridor/lyg-hgs-corridor"])
def test_phone_map_takes_the_width_and_the_panel_opens_and_closes(browser, live_url, path,
                                                                  artifacts_dir):
    browser.set_window_size(*PHONE)
    try:
        open_map(browser, live_url + path)
        viewport = browser.execute_script("return window.innerWidth")
        assert viewport <= PHONE[0]
        assert fit(browser)["box"][0] >= 0.9 * viewport
        assert_whole_region(browser, f"{path} on a phone")
        assert not panel_shown(browser)
        name = "phone_corridor" if "corridor" in path else "phone_city"
        browser.save_screenshot(str(artifacts_dir / f"page_{name}.png"))
        browser.find_element(By.ID, "im-panel-toggle").click()
        WebDriverWait(browser, 5).until(panel_shown)
        assert browser.find_element(By.ID, "im-layers-box").get_attribute("open") is None
        browser.save_screenshot(str(artifacts_dir / f"page_{name}_panel.png"))
        browser.find_element(By.ID, "im-panel-close").click()
        WebDriverWait(browser, 5).until(lambda d: not panel_shown(d))
        assert_whole_region(browser, f"{path} on a phone, panel closed")
        assert console_errors(browser) == []
    finally:
        browser.set_window_size(*DESKTOP)


# From the pixel of (lat, lon) outwards: the first point where no marker, label or
# control sits (an overlay's fill that took clicks would be found here too).
FREE_POINT_JS = MAP + """;
const c = map.latLngToContainerPoint([arguments[0], arguments[1]]);
const box = map.getContainer().getBoundingClientRect();
for (let r = 0; r <= 60; r += 3) {
  for (let a = 0; a < 360; a += (r ? 30 : 360)) {
    const x = c.x + r * Math.cos(a * Math.PI / 180), y = c.y + r * Math.sin(a * Math.PI / 180);
    const el = document.elementFromPoint(box.left + x, box.top + y);
    const covered = '.leaflet-marker-pane, .leaflet-control-container, .leaflet-tooltip-pane';
    if (!el || el.closest(covered)) continue;
    const ll = map.containerPointToLatLng([x, y]);
    return {x: x - map.getSize().x / 2, y: y - map.getSize().y / 2, lat: ll.lat, lon: ll.lng,
            what: el.getAttribute('class') || el.tagName};
  }
}
return null;"""


@pytest.mark.parametrize("level", ["county", "city"])
def test_click_in_the_middle_of_nanjing_opens_nanjing(desktop, live_url, catalog, level):
    cities = catalog.frame("boundaries-city")
    nanjing = cities.loc[cities["adcode"] == "320100"].geometry.iloc[0]
    centre = nanjing.centroid if nanjing.contains(nanjing.centroid) else \
        nanjing.representative_point()
    open_map(desktop, live_url + f"/maps/320000?level={level}")
    desktop.execute_script(  # the outlines start switched off: switch every overlay on
        "document.querySelectorAll('.leaflet-control-layers-overlays input:not(:checked)')"
        ".forEach(function (box) { box.click(); });")
    assert desktop.execute_script(  # the 苏南 regions are drawn over 南京
        "return Array.from(document.querySelectorAll('path.im-area')).length") >= 4
    point = desktop.execute_script(FREE_POINT_JS, centre.y, centre.x)
    assert point is not None, "no free point near the centre of 南京"
    assert "im-region" in point["what"], point   # what a click there reaches
    container = desktop.find_element(By.CSS_SELECTOR, ".folium-map")
    ActionChains(desktop).move_to_element_with_offset(
        container, int(point["x"]), int(point["y"])).click().perform()
    title = shown_popup(desktop).find_element(By.TAG_NAME, "h3").text
    if level == "city":
        assert title == "南京市"
    else:
        counties = catalog.frame("boundaries-county")
        hit = counties[counties.contains(shapely.Point(point["lon"], point["lat"]))]
        assert hit["city_adcode"].iloc[0] == "320100" and title == hit["name"].iloc[0]


def drawn_overlays(html: str) -> list[dict]:
    """The carrier and corridor overlays a page adds to its map, from its own script."""
    decoder = json.JSONDecoder()
    out = []
    for m in re.finditer(r"var (\w+) = innomap\.(entities|corridor)\(\s*", html):
        data, end = decoder.raw_decode(html, m.end())
        options, _ = decoder.raw_decode(html, end + html[end:].index("{", 0))
        shown = f"{m.group(1)}.addTo(" in html
        out.append({"factory": m.group(2), "features": len(data["features"]),
                    "options": options, "shown": shown})
    return out


def family_label(overlay: dict) -> str:
    """The family an overlay's options name (the corridor's own default: 走廊)."""
    style = overlay["options"].get("style") or {}
    family = style.get("family")
    if isinstance(family, dict):
        return family["label"]
    if isinstance(family, str) and style.get("family_label"):
        return style["family_label"]
    return style.get("label") or "走廊"


def layer_boxes(browser):
    """The checkboxes of the layer list in the panel."""
    return browser.find_elements(By.CSS_SELECTOR,
                                 "#im-layers input.leaflet-control-layers-selector")


def legend_families(browser) -> list[str]:
    return browser.execute_script(
        "return Array.from(document.querySelectorAll('.im-symbols li .im-symbol-label'))"
        ".map(s => s.textContent)")


@pytest.mark.parametrize("path", ["/maps/320000", "/maps/320700",
                                  "/maps/corridor/lyg-hgs-corridor"])
def test_symbol_legend_lists_every_family_drawn_and_nothing_else(desktop, live_url, path):
    with urllib.request.urlopen(live_url + path) as response:
        overlays = drawn_overlays(response.read().decode())
    expected = {family_label(o) for o in overlays if o["shown"] and o["features"]}
    assert expected
    open_map(desktop, live_url + path)
    listed = legend_families(desktop)
    assert sorted(listed) == sorted(expected)
    # Switch one family's layers off in the layer list: it leaves the legend.
    label = listed[-1]
    boxes = layer_boxes(desktop)
    names = [b.find_element(By.XPATH, "following-sibling::span").text.strip() for b in boxes]
    for box, name in zip(boxes, names):
        if re.sub(r"（\d+）$", "", name) == label or (name.startswith("走廊：")
                                                     and label.startswith("走廊")):
            box.click()
    try:
        WebDriverWait(desktop, 5).until(lambda d: label not in legend_families(d))
    except Exception:
        raise AssertionError((label, listed, names)) from None
    assert sorted(legend_families(desktop)) == sorted(expected - {label})


def test_partial_name_lists_candidates_and_opens_the_chosen(desktop, live_url):
    open_map(desktop, live_url + "/maps/320700")
    search(desktop, "海洋大学")
    buttons = WebDriverWait(desktop, 5).until(
        lambda d: d.find_elements(By.CSS_SELECTOR, ".im-candidates button.im-candidate"))
    texts = [b.text for b in buttons]
    assert any(t.startswith("江苏海洋大学 ") for t in texts)
    assert any(t.startswith("江苏海洋大学国家大学科技园") for t in texts)
    assert not desktop.find_elements(By.CSS_SELECTOR, ".leaflet-popup")  # nothing taken yet
    next(b for b in buttons if b.text.startswith("江苏海洋大学国家大学科技园")).click()
    title = shown_popup(desktop).find_element(By.TAG_NAME, "h3").text
    assert title == "江苏海洋大学国家大学科技园"


def test_a_county_centre_zooms_to_its_county_not_to_a_street(desktop, artifacts_dir):
    from tests.test_maps import EVIL, make_fake_app

    with serving(make_fake_app()) as url:
        open_map(desktop, url + "/maps/320700")
        search(desktop, EVIL)   # placed at the centre of 320707 (county_centroid)
        shown_popup(desktop)
        settle(desktop)
        state = desktop.execute_script(MAP + """;
            const b = map.getBounds();
            let county = null;
            map.eachLayer(l => {
              if (l.feature && l.feature.properties.a === '320707') county = l;
            });
            return {zoom: map.getZoom(), inView: b.contains(county.getBounds()),
                    scale: document.querySelector('.leaflet-control-scale-line').textContent};""")
        desktop.save_screenshot(str(artifacts_dir / "page_search_county_centre.png"))
    assert state["zoom"] <= 11 and state["inView"], state
    assert not re.fullmatch(r"\d+ m|1 km", state["scale"]), state


def test_grades_and_families_from_the_feature_properties(desktop, live_url):
    """The properties the map core provides (g, style.family) drive symbols and zooms."""
    open_map(desktop, live_url + "/maps/320700")
    result = desktop.execute_script(MAP + """;
        const point = (lon, lat, g, n) => ({type: 'Feature', geometry: {type: 'Point',
          coordinates: [lon, lat]}, properties: {n: n, s: [n], g: g, p: '<h3>' + n + '</h3>'}});
        const layer = innomap.entities({type: 'FeatureCollection', features: [
            point(119.22, 34.60, 'site', '测试精确点'),
            point(119.23, 34.61, 'county_centroid', '测试县区中心点'),
            point(119.24, 34.62, 'city_centroid', '测试城市中心点')]},
          {style: {family: {id: 'test', label: '测试族', shape: 'star', color: '#123456'}}});
        layer.addTo(map);
        const hollow = Array.from(layer.getLayers())
          .map(m => m.getElement().classList.contains('im-hollow'));
        const zooms = innomap.searchable.filter(i => i.names[0].startsWith('测试')).map(i => {
          const t = innomap.search.target(i, []);
          return [i.names[0], t.zoom || t.maxZoom];
        });
        const part = (k, geometry) => ({type: 'Feature', geometry: geometry,
          properties: {n: k, k: k, l: '标注' + k, p: '<h3>' + k + '</h3>'}});
        innomap.corridor({type: 'FeatureCollection', features: [
            part('centre_line', {type: 'LineString', coordinates: [[119.2, 34.5], [119.3, 34.7]]}),
            part('node', {type: 'Point', coordinates: [119.25, 34.6]})]}, {}).addTo(map);
        const labels = Array.from(document.querySelectorAll('.im-part-label'))
          .map(t => t.textContent);
        return {hollow: hollow, zooms: zooms, labels: labels};""")
    assert result["hollow"] == [False, True, True]
    zooms = dict(result["zooms"])
    assert zooms["测试精确点"] > zooms["测试县区中心点"] > zooms["测试城市中心点"]
    assert zooms["测试县区中心点"] <= 11
    assert sorted(result["labels"]) == ["标注centre_line", "标注node"]  # parts named on the map
    WebDriverWait(desktop, 5).until(lambda d: "测试族" in legend_families(d))
    note = desktop.find_element(By.CSS_SELECTOR, ".im-symbols .im-hollow-note").text
    assert "示意位置" in note


def print_form(browser):
    return browser.find_element(By.ID, "im-print-form")


def choose(form, name: str, value: str) -> None:
    form.find_element(By.CSS_SELECTOR, f"select[name={name}] option[value='{value}']").click()


def test_print_panel_builds_the_export_and_offers_the_file(desktop, live_url, artifacts_dir):
    open_map(desktop, live_url + "/maps/320700?indicator=carriers.total&k=3")
    form = print_form(desktop)
    choose(form, "size", "A4")
    choose(form, "orientation", "portrait")
    choose(form, "dpi", "150")
    form.find_element(By.NAME, "title").send_keys("连云港市创新载体分布（测试）")
    form.find_element(By.CSS_SELECTOR, "input[name=note_kind][value=internal]").click()
    form.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
    status = desktop.find_element(By.ID, "im-print-status")
    link = WebDriverWait(desktop, 90).until(
        lambda d: d.find_elements(By.CSS_SELECTOR, "#im-print-status a.im-print-file"))[0]
    assert link.get_attribute("href").startswith("blob:")
    assert link.get_attribute("download").endswith(".png")
    desktop.save_screenshot(str(artifacts_dir / "page_print_panel.png"))
    url = urllib.parse.urlsplit(desktop.find_element(By.ID, "im-print").get_attribute(
        "data-last-url"))
    query = urllib.parse.parse_qs(url.query)
    assert url.path == "/export/320700.png"
    assert {k: v[0] for k, v in query.items()} == {
        "indicator": "carriers.total", "k": "3", "size": "A4", "orientation": "portrait",
        "dpi": "150", "title": "连云港市创新载体分布（测试）", "note": "内部用图"}
    assert "已生成" in status.text
    assert console_errors(desktop) == []


def server_reason(url: str) -> tuple[int, str]:
    request = urllib.request.Request(url, headers={"Accept": "application/json"})
    try:
        urllib.request.urlopen(request)
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read())["description"]
    raise AssertionError(f"{url} was accepted")


def test_print_panel_shows_the_servers_refusal(desktop, live_url):
    open_map(desktop, live_url + "/maps/320700")
    desktop.execute_script(
        "document.querySelector('#im-print-form select[name=dpi] option[value=\"600\"]')"
        ".value = '9999';")
    form = print_form(desktop)
    choose(form, "dpi", "9999")
    form.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
    status = desktop.find_element(By.ID, "im-print-status")
    WebDriverWait(desktop, 30).until(lambda d: "生成失败" in status.text)
    url = desktop.find_element(By.ID, "im-print").get_attribute("data-last-url")
    code, reason = server_reason(live_url + url)
    assert code == 400 and f"HTTP {code}" in status.text and reason in status.text
    assert "im-error" in status.get_attribute("class")


def test_an_approval_number_is_required_when_chosen(desktop, live_url):
    open_map(desktop, live_url + "/maps/320700")
    form = print_form(desktop)
    form.find_element(By.CSS_SELECTOR, "input[name=note_kind][value=approval]").click()
    form.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
    status = desktop.find_element(By.ID, "im-print-status")
    assert "审图号" in status.text and desktop.find_element(By.ID, "im-print").get_attribute(
        "data-last-url") is None
    form.find_element(By.NAME, "approval").send_keys("GS(2024)1234号")
    assert desktop.execute_script(
        "return innomap.print.exportUrl(document.getElementById('im-print'),"
        " document.getElementById('im-print-form')).url").endswith(
        "note=" + urllib.parse.quote_plus("审图号：GS(2024)1234号"))


def test_permalink_restores_indicator_view_and_layers(desktop, live_url):
    open_map(desktop, live_url + "/maps/320700?indicator=carriers.university")
    click_zoom(desktop, "in")
    desktop.execute_script(MAP + "; map.panBy([120, -60], {animate: false});")
    boxes = layer_boxes(desktop)
    names = [b.find_element(By.XPATH, "following-sibling::span").text.strip() for b in boxes]
    hidden = next(i for i, n in enumerate(names) if n.startswith("高校"))
    expected = [b.is_selected() and i != hidden for i, b in enumerate(boxes)]
    boxes[hidden].click()
    view = desktop.execute_script(MAP + "; const c = map.getCenter();"
                                  " return [map.getZoom(), c.lat, c.lng];")
    link = desktop.find_element(By.ID, "im-link").get_attribute("value")
    assert link == desktop.current_url and "#map=" in link
    desktop.get("about:blank")
    open_map(desktop, link)
    again = desktop.execute_script(MAP + "; const c = map.getCenter();"
                                   " return [map.getZoom(), c.lat, c.lng];")
    assert again[0] == view[0]
    assert abs(again[1] - view[1]) < 1e-3 and abs(again[2] - view[2]) < 1e-3
    boxes = layer_boxes(desktop)
    assert [b.is_selected() for b in boxes] == expected
    selected = desktop.find_element(By.CSS_SELECTOR, "select[name=indicator] option:checked")
    assert selected.get_attribute("value") == "carriers.university"


def test_changing_the_indicator_keeps_the_view(desktop, live_url):
    open_map(desktop, live_url + "/maps/320700")
    click_zoom(desktop, "in")
    zoom = desktop.execute_script(MAP + "; return map.getZoom();")
    desktop.find_element(
        By.CSS_SELECTOR, "select[name=indicator] option[value='carriers.university']").click()
    WebDriverWait(desktop, 20).until(lambda d: "indicator=carriers.university" in d.current_url)
    WebDriverWait(desktop, 20).until(lambda d: d.execute_script(
        "return document.querySelectorAll('path.im-region').length > 0"))
    assert desktop.execute_script(MAP + "; return map.getZoom();") == zoom


@pytest.mark.parametrize("path", ["/", "/maps/320700", "/maps/corridor/lyg-hgs-corridor"])
def test_pages_name_an_icon_that_is_served(live_url, path):
    with urllib.request.urlopen(live_url + path) as response:
        html = response.read().decode()
    icons = re.findall(r'<link rel="icon" href="([^"]+)"', html)
    assert icons
    for href in icons + ["/favicon.ico"]:
        with urllib.request.urlopen(urllib.parse.urljoin(live_url + path, href)) as response:
            assert response.status == 200 and response.headers.get_content_maintype() == "image"


def test_corridor_carrier_list_opens_each_carrier(desktop, live_url):
    open_map(desktop, live_url + "/maps/corridor/lyg-hgs-corridor")
    buttons = desktop.find_elements(By.CSS_SELECTOR, ".im-members button.im-member")
    assert len(buttons) >= 2
    for button in (buttons[0], buttons[-1]):
        name = button.text
        button.click()
        WebDriverWait(desktop, 10).until(lambda d, name=name: name in [  # last popup fades out
            h.text for h in d.find_elements(By.CSS_SELECTOR, ".leaflet-popup-content h3")])


def test_corridor_part_names_do_not_cover_each_other(desktop, live_url):
    open_map(desktop, live_url + "/maps/corridor/lyg-hgs-corridor")
    for zoom in (0, 1):
        if zoom:
            desktop.execute_script("innomap.maps[0].zoomIn(1, {animate: false})")
        WebDriverWait(desktop, 10).until(lambda d: d.execute_script(
            "return document.querySelectorAll('.im-part-label').length >= 4"))
        desktop.execute_script("return new Promise(r => requestAnimationFrame(() => r()))")
        boxes = desktop.execute_script(
            "return Array.from(document.querySelectorAll('.im-part-label')).map(e => {"
            " const r = e.getBoundingClientRect();"
            " return [e.textContent, r.left, r.top, r.right, r.bottom]; })")
        names = [b[0] for b in boxes]
        assert any(n.startswith("一道") for n in names) and "南片区" in names
        for i, (a, *one) in enumerate(boxes):
            for b, *other in boxes[i + 1:]:
                apart = (one[2] <= other[0] or other[2] <= one[0]
                         or one[3] <= other[1] or other[3] <= one[1])
                assert apart, (a, b, zoom)

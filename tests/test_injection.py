"""No data is ever template source: hostile names show literally on every page.

Carriers are imported through the web form and metrics written to the store with
names that are Jinja, JavaScript-template or mathtext code; every page that shows
names must answer 200 and show them as written. A name planted in the knowledge base
(a plan's entity name and quote) must never reach a Jinja compile.
"""

from __future__ import annotations

import csv
import html
import io
import json
import os
import re
import xml.etree.ElementTree as ET
from pathlib import Path
from urllib.parse import quote, urlencode

import folium
import jinja2
import pandas as pd
import pytest
from conftest import ADMIN_TOKEN

from store import open_store
from web import create_app, services
from web.folium_render import UnsafeElement, render_parts
from web.map_elements import DataLayer, MapControls, offline_map

PID = str(os.getpid())
NAMES = ["企业{{7*7}}", "{% for x in range(3) %}x{% endfor %}", "${7*7}",
         "企业{{ cycler.__init__.__globals__.os.getpid() }}", "引号{{'\"", "$x^2$"]
EVALUATED = ["企业49", "xxx", f"企业{PID}"]  # what the names would show if run
METRIC = "指标{{7*7}}"
CITY, COUNTY = "321300", "321322"  # 宿迁市, 沭阳县
SHUYANG = (118.7724, 34.1270)  # a point in 沭阳县
CORRIDOR = "lyg-hgs-corridor"  # 花果山大道科技创新走廊 (连云港)
ON_CORRIDOR = (119.245, 34.604)  # the middle of its extent
AUTH = {"Authorization": f"Bearer {ADMIN_TOKEN}", "Accept": "application/json"}


def carriers_csv() -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["名称", "类型", "经度", "纬度"])
    for lon, lat in (SHUYANG, ON_CORRIDOR):
        for i, name in enumerate(NAMES):
            writer.writerow([name, "enterprise", f"{lon + i * 0.004:.4f}", f"{lat:.4f}"])
    return out.getvalue().encode()


@pytest.fixture(scope="module")
def hostile_app(tmp_path_factory):
    """An app whose carriers came through the import form with hostile names, and whose
    store holds a metric with a hostile id, unit and source."""
    path = tmp_path_factory.mktemp("hostile-store") / "innomap.gpkg"
    metrics = pd.DataFrame({"region_adcode": [COUNTY, "321302"],
                            "indicator_id": [METRIC, METRIC], "year": [2023, 2023],
                            "value": [1.5, 2.5], "unit": [NAMES[1]] * 2,
                            "source": [f"{n} 第 2 行" for n in NAMES[:2]]})
    open_store(path).add_import("metrics", metrics, user="tests", filename="m.csv", sha256="0")
    app = create_app({"testing": True, "store_url": str(path),
                      "admin_tokens": f"tester:{ADMIN_TOKEN}"})
    form = {"file": (io.BytesIO(carriers_csv()), "载体{{7*7}}.csv"), "kind": "carriers",
            "datum": "WGS84", "commit": "1"}
    answer = app.test_client().post("/admin/import", data=form, headers=AUTH)
    assert answer.status_code == 201, answer.get_data(as_text=True)
    return app


@pytest.fixture()
def client(hostile_app):
    return hostile_app.test_client()


def page(client, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200, (url, response.get_data(as_text=True)[:500])
    return response.get_data(as_text=True)


def layer_data(text: str) -> list[dict]:
    """The GeoJSON each map layer is built from (``var x = innomap.<factory>(data, …)``)."""
    decoder = json.JSONDecoder()
    return [decoder.raw_decode(text, m.end())[0]
            for m in re.finditer(r"= innomap\.\w+\(\s*", text)]


def shown_texts(text: str) -> set[str]:
    """Every property string of every map feature, HTML-unescaped (popups, tooltips)."""
    out = set()
    for data in layer_data(text):
        for feature in data.get("features", []):
            for value in feature["properties"].values():
                if isinstance(value, str):
                    out.add(value)
                    out.add(html.unescape(re.sub(r"<[^>]+>", "\n", value)))
    return {line for value in out for line in value.split("\n")} | out


def assert_never_evaluated(text: str) -> None:
    for evaluated in EVALUATED:
        assert evaluated not in text


def test_the_import_kept_the_names_as_written(hostile_app):
    stored = open_store(services(hostile_app).settings.store_url).rows("carriers")
    assert sorted(stored["name"]) == sorted(NAMES * 2)


def test_the_map_page_shows_the_names_literally(client):
    text = page(client, f"/maps/{CITY}")
    shown = shown_texts(text)
    for name in NAMES:
        assert name in shown, name
    assert_never_evaluated(text)


@pytest.mark.parametrize("url", [f"/maps/corridor/{CORRIDOR}", f"/maps/partners/{CITY}"])
def test_corridor_and_partner_maps_answer(client, url):
    """They draw the plans' carriers, not imported ones (planted names: see below)."""
    assert_never_evaluated(page(client, url))


def test_popups_hold_the_names_as_escaped_html(client):
    popups = [f["properties"]["p"] for data in layer_data(page(client, f"/maps/{CITY}"))
              for f in data.get("features", []) if "p" in f["properties"]]
    quoted = [p for p in popups if "引号" in p]
    assert quoted and all("<h3>引号{{&#39;&#34;</h3>" in p for p in quoted)


def test_a_hostile_metric_is_a_map_with_its_name_literally(client):
    indicator = f"imported.{METRIC}"
    text = page(client, f"/maps/{CITY}?{urlencode({'indicator': indicator})}")
    assert METRIC in html.unescape(text)
    regions = layer_data(text)[0]
    assert {f["properties"]["a"] for f in regions["features"]} >= {COUNTY}
    assert_never_evaluated(text)
    assert "指标49" not in text


def test_the_region_page_answers(client):
    text = page(client, f"/regions/{CITY}")
    assert_never_evaluated(text)


def test_api_html_items_show_the_names_escaped(client):
    text = page(client, "/api/collections/imported-carriers/items?f=html&limit=100")
    assert "引号{{&#39;&#34;" in text
    unescaped = html.unescape(text)
    for name in NAMES:
        assert name in unescaped
    assert_never_evaluated(text)


def svg_texts(svg: bytes) -> list[str]:
    root = ET.fromstring(svg)
    return ["".join(el.itertext()) for el in root.iter("{http://www.w3.org/2000/svg}text")]


@pytest.mark.parametrize("title", ["$x^2$ 与 {{7*7}}", "${7*7} 企业{{7*7}}", "$\\frac$"])
def test_export_svg_prints_title_and_legend_as_written(client, title):
    query = urlencode({"indicator": f"imported.{METRIC}", "title": title})
    response = client.get(f"/export/{CITY}.svg?{query}")
    assert response.status_code == 200, response.get_data(as_text=True)[:300]
    texts = svg_texts(response.data)
    assert title in texts
    assert any(METRIC in t for t in texts)  # the legend's title names the indicator
    assert_never_evaluated("\n".join(texts))


# -- no data reaches a Jinja compile ---------------------------------------------------

PLANTED = "植入{{7*7}}"
MATH = "$x^2$ $\\frac$"  # mathtext, and mathtext that does not parse


@pytest.fixture()
def compiled(monkeypatch):
    """Every source Jinja compiles while the test runs."""
    sources: list[str] = []
    original = jinja2.Environment.compile

    def recording(self, source, *args, **kwargs):
        sources.append(source if isinstance(source, str) else "")
        return original(self, source, *args, **kwargs)

    monkeypatch.setattr(jinja2.Environment, "compile", recording)
    return sources


@pytest.fixture()
def planted(catalog, replace_frame):
    """The knowledge base with a plan's carrier and target renamed and requoted."""
    carriers = catalog.frames["carriers"].copy()
    lyg = carriers.index[carriers["city_adcode"] == "320700"]
    carriers.loc[lyg, "name"] = carriers.loc[lyg, "name"] + PLANTED
    carriers.loc[lyg, "quote"] = PLANTED + carriers.loc[lyg, "quote"].fillna("")
    replace_frame("carriers", carriers)
    links = catalog.frames["partnerships"].copy()
    ours = links.index[links["region_adcode"] == "320700"]
    links.loc[ours, "quote"] = PLANTED + links.loc[ours, "quote"].fillna("")
    replace_frame("partnerships", links)
    targets = catalog.frames["targets"].copy()
    here = targets.index[targets["region_adcode"] == "320700"]
    targets.loc[here, "quote"] = PLANTED + MATH + targets.loc[here, "quote"].fillna("")
    replace_frame("targets", targets)
    return len(lyg), len(ours), len(here)


def test_the_recorder_sees_brancas_second_compile(compiled):
    """The check below could fail: branca's own render compiles element output."""
    m = offline_map([], [], ((34, 119), (35, 120)), [])
    DataLayer("entities", {"type": "FeatureCollection", "features": [
        {"type": "Feature", "geometry": None, "properties": {"n": PLANTED}}]},
        name="x").add_to(m)
    m.get_root().render()
    assert any(PLANTED in s for s in compiled)


@pytest.mark.parametrize("url", ["/maps/320700", f"/maps/corridor/{CORRIDOR}",
                                 "/maps/partners/320700", "/regions/320700",
                                 "/export/320700.svg", f"/export/corridor/{CORRIDOR}.svg",
                                 "/api/collections/carriers/items?f=html&limit=1000"])
def test_a_planted_plan_quote_reaches_no_jinja_compile(app, planted, compiled, url):
    assert all(planted)
    response = app.test_client().get(url)
    assert response.status_code == 200
    assert not [s for s in compiled if "植入" in s]
    text = response.get_data(as_text=True) if not url.endswith(".svg") else \
        "\n".join(svg_texts(response.data))
    if not url.startswith("/export/"):
        assert "植入" in html.unescape(text) or "\\u690d\\u5165" in text  # shown somewhere
    assert "植入49" not in text


def test_the_report_pdf_prints_planted_quotes_as_written(app, planted, compiled):
    from pdfminer.high_level import extract_text

    response = app.test_client().get("/regions/320700/report.pdf")
    assert response.status_code == 200
    text = extract_text(io.BytesIO(response.data)).replace("\n", "")
    assert PLANTED + MATH in text
    assert not [s for s in compiled if "植入" in s]


# -- the renderer -------------------------------------------------------------------

def benign_map() -> folium.Map:
    tiles = [{"url": "/tiles/{z}/{x}/{y}.png", "attribution": "底图", "name": "底图"}]
    m = offline_map([], [], ((34, 119), (35, 120)), tiles)
    DataLayer("entities", {"type": "FeatureCollection", "features": []}, name="甲").add_to(m)
    DataLayer("entities", {"type": "FeatureCollection", "features": []}, name="乙",
              show=False).add_to(m)
    folium.LayerControl().add_to(m)
    MapControls({"legend": None}, [("innomap", "/static/x.js?a=1&b=2")],
                [("innomap_css", "/static/x.css")]).add_to(m)
    return m


def test_for_plain_data_the_renderer_writes_what_branca_writes():
    """Same map, same script and div as branca's own render (the oracle), without its
    second compile; links are HTML-escaped and the page gives the charset itself."""
    m = benign_map()
    parts = render_parts(m)
    figure = m.get_root()
    figure.render()
    def norm(text):
        return re.sub(r"\s+", " ", text).strip()
    assert norm(parts.script) == norm(figure.script.render())
    assert norm(parts.html) == norm(figure.html.render())
    theirs = norm(figure.header.render()).replace("&b=", "&amp;b=")
    assert norm(parts.header) == theirs.split("/> ", 1)[1]  # less branca's meta charset
    assert parts.script.count(".addTo(") == 3  # the tiles, 甲 and the control; not 乙


def test_the_renderer_refuses_elements_it_cannot_draw_safely():
    m = offline_map([], [], ((34, 119), (35, 120)), [])
    folium.GeoJson({"type": "FeatureCollection", "features": []}).add_to(m)
    with pytest.raises(UnsafeElement, match="GeoJson"):
        render_parts(m)
    runtime = offline_map([], [], ((34, 119), (35, 120)), [])
    runtime.add_child(folium.MacroElement())
    runtime._children[next(reversed(runtime._children))]._template_str = "{{ 1 }}"
    with pytest.raises(UnsafeElement, match="fixed template"):
        render_parts(runtime)


def test_every_html_template_autoescapes(app):
    root = Path(app.root_path) / "templates"
    names = [p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file()]
    assert names and all(n.endswith(".html") for n in names)
    assert all(app.jinja_env.autoescape(n) for n in names)
    rendered = app.jinja_env.from_string("{{ x }}").render(x="<b>{{7*7}}</b>")
    assert rendered == "&lt;b&gt;{{7*7}}&lt;/b&gt;"


@pytest.mark.parametrize("url", ["/maps/corridor/" + quote("{{7*7}}", safe=""),
                                 "/maps/partners/" + quote("{% for x in range(3) %}", safe="")])
def test_a_hostile_path_is_named_literally_in_the_404(client, url):
    response = client.get(url)
    assert response.status_code == 404
    text = html.unescape(response.get_data(as_text=True))
    assert "{{7*7}}" in text or "{% for x in range(3) %}" in text
    assert_never_evaluated(text)


def test_query_strings_are_echoed_escaped_on_api_html(client):
    query = urlencode({"f": "html", "limit": 2, "name": "{{7*7}}<b>"})
    text = page(client, f"/api/collections/imported-carriers/items?{query}")
    assert "<b>" not in text.split("</head>")[1]


# -- in a real browser -----------------------------------------------------------------

POPUP_TITLES = """
const map = window[Object.keys(window).find(k => /^map_[0-9a-f]+$/.test(k))];
const titles = [];
map.eachLayer(l => {
  const p = l.feature && l.feature.properties;
  if (!p || p.a !== undefined || !l.getPopup || !l.getPopup()) return;
  l.openPopup();
  const el = l.getPopup().getElement();
  const h3 = el && el.querySelector('h3');
  if (h3) titles.push(h3.textContent);
  l.closePopup();
});
return titles;"""
OPEN_POPUP = POPUP_TITLES.split("const titles")[0] + """
map.eachLayer(l => { if (l.feature && l.feature.properties.n === arguments[0]) l.openPopup(); });"""


@pytest.mark.browser
@pytest.mark.live
def test_chromium_shows_hostile_names_as_text_in_popups(hostile_app, tmp_path, artifacts_dir):
    from selenium.common.exceptions import StaleElementReferenceException
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait
    from test_browser import console_errors, open_map, serving, start_chromium

    driver = start_chromium(tmp_path / "chromium")
    try:
        with serving(hostile_app) as url:
            driver.set_window_size(1400, 900)
            open_map(driver, f"{url}/maps/{CITY}")
            titles = driver.execute_script(POPUP_TITLES)
            driver.execute_script(OPEN_POPUP, NAMES[4])
            # the popup may be redrawn while it opens: a stale element is read again
            WebDriverWait(driver, 10, ignored_exceptions=(StaleElementReferenceException,)).until(
                lambda d: NAMES[4] in d.find_element(
                By.CSS_SELECTOR, ".leaflet-popup-content h3").text)
            driver.save_screenshot(str(artifacts_dir / "page_hostile_names.png"))
            assert not console_errors(driver)
    finally:
        driver.quit()
    for name in NAMES:
        assert name in titles, name
    assert_never_evaluated("\n".join(titles))


def test_names_imported_by_the_command_show_literally(tmp_path):
    from web import cli

    path = tmp_path / "载体{{7*7}}.csv"
    path.write_bytes(carriers_csv())
    store = tmp_path / "cli.gpkg"
    assert cli.main(["import", "carriers", str(path), "--store", str(store), "--user", "li",
                     "--datum", "WGS84"]) == 0
    app = create_app({"testing": True, "store_url": str(store)})
    text = page(app.test_client(), f"/maps/{CITY}")
    assert set(NAMES) <= shown_texts(text)
    assert_never_evaluated(text)


@pytest.mark.parametrize("args", [{"indicator": "{{7*7}}"}, {"level": "{% for x in range(3) %}x{% endfor %}"},
                                  {"breaks": "{{7*7}}", "scheme": "user_defined"}])
def test_a_hostile_query_string_is_a_400_that_names_it_literally(client, args):
    response = client.get(f"/maps/{CITY}?{urlencode(args)}")
    assert response.status_code == 400
    text = html.unescape(response.get_data(as_text=True))
    assert any(value in text for value in args.values() if value != "user_defined")
    assert_never_evaluated(text)


def test_the_import_preview_page_shows_the_names_escaped(hostile_app):
    form = {"file": (io.BytesIO(carriers_csv()), "载体{{7*7}}.csv"), "kind": "carriers",
            "datum": "WGS84"}
    headers = {"Authorization": AUTH["Authorization"], "Accept": "text/html"}
    response = hostile_app.test_client().post("/admin/import", data=form, headers=headers)
    assert response.status_code == 200
    text = response.get_data(as_text=True)
    assert "引号{{&#39;&#34;" in text and "载体{{7*7}}.csv" in html.unescape(text)
    assert_never_evaluated(text)


def test_the_export_pdf_prints_the_title_as_written(client):
    from pdfminer.high_level import extract_text

    title = "$x^2$ 企业{{7*7}}"
    response = client.get(f"/export/{CITY}.pdf?{urlencode({'title': title})}")
    assert response.status_code == 200
    assert title in extract_text(io.BytesIO(response.data))

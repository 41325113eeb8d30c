"""The interactive maps, tested by structure: Folium objects and the rendered HTML."""

from __future__ import annotations

import html
import json
import re
from html.parser import HTMLParser
from urllib.parse import parse_qsl

import folium
import geopandas as gpd
import mapclassify
import numpy as np
import pandas as pd
import prcoords
import pytest
import shapely
from shapely.geometry import LineString, Point, box

from layers.base import Layer
from layers.corridors import CorridorsLayer
from layers.entities import EntitiesLayer
from layers.imported import ImportedMetrics
from layers.targets import TargetsLayer, with_progress
from mapcore.spec import build_map
from tests.conftest import ROOT
from web import create_app, services
from web.basemaps import basemap_tiles
from web.folium_map import build_folium
from web.folium_render import render_parts
from web.map_elements import DataLayer, MapControls

LYG = "320700"  # 连云港市
LYG_PLAN = "003_4e3fe20dd1e81567"
EVIL = "<img src=x onerror=alert(1)>"
VALUES = {"320703": 2.0, "320706": 3.0, "320707": 5.0, "320722": 9.0}  # 4 of 6 counties


def fake_targets() -> pd.DataFrame:
    rows = [(a, "rd", 2025, v, "target", f"{a}研发投入强度达到{v}%") for a, v in VALUES.items()]
    rows += [("320703", "rd", 2020, 1.0, "baseline", "2020年为1%"),
             ("320706", "rd", 2020, 2.0, "baseline", "2020年为2%")]
    frame = pd.DataFrame(rows, columns=["region_adcode", "indicator_id", "year", "value",
                                        "kind", "quote"])
    return frame.assign(indicator_name="研发投入强度", unit="%", plan_id=LYG_PLAN,
                        section="二、发展目标", subject="", entity_id="", source="table",
                        value_max=np.nan, qualifier="")


def fake_entities() -> gpd.GeoDataFrame:
    base = dict(province_adcode="320000", city_adcode=LYG, plan_id=LYG_PLAN,
                section="三、创新布局", parent_id="")
    rows = [
        dict(id="hhu", name="江苏海洋大学", aliases="淮海工学院", type="university",
             county_adcode="320706", precision="site", quote="支持江苏海洋大学建设",
             geometry=Point(119.19, 34.60)),
        dict(id="evil", name=EVIL, aliases=f"别名{EVIL}", type="high_tech_zone",
             county_adcode="320707", precision="county_centroid", quote=f"引文{EVIL}",
             geometry=Point(119.10, 34.84)),
        dict(id="park", name="中华药港", aliases="", type="high_tech_zone",
             county_adcode="320706", precision="approximate", quote="建设中华药港",
             geometry=Point(119.25, 34.60)),
        dict(id="belt", name="沿海示范带", aliases="", type="innovation_region",
             county_adcode="", precision="approximate", quote="建设沿海示范带",
             geometry=box(119.2, 34.5, 119.4, 34.7)),
    ]
    return gpd.GeoDataFrame([{**base, **r} for r in rows], crs=4326)


def fake_corridors() -> gpd.GeoDataFrame:
    """Parts as the corridors layer has them; the buffer lists members and listed carriers."""
    line = LineString([(119.15, 34.58), (119.30, 34.62)])
    parts = [("corridor", "花果山大道科技创新走廊", line), ("centre_line", "花果山大道", line),
             ("buffer", "花果山大道科技创新走廊缓冲区", line.buffer(0.01)),
             ("node", "科技研发核心区", Point(119.2, 34.6))]
    frame = gpd.GeoDataFrame({
        "id": [f"hgs-{p}" for p, _, _ in parts], "name": [n for _, n, _ in parts],
        "corridor_id": "lyg-hgs-corridor", "part": [p for p, _, _ in parts],
        "type": "corridor", "precision": "approximate", "buffer_m": np.nan,
        "members": "", "carriers": "", "plan_id": LYG_PLAN, "section": "三、创新布局",
        "quote": "打造花果山大道科技创新走廊", "note": "",
    }, geometry=[g for _, _, g in parts], crs=4326)
    buffer = frame["part"] == "buffer"
    frame.loc[buffer, ["buffer_m", "members", "carriers"]] = [1000.0, "hhu|park", "hhu|park|evil"]
    return frame


class Fixed(Layer):
    """A layer in place of a registered one, serving a fixed frame."""

    def __init__(self, base: type[Layer], frame):
        self.id, self.title, self.description = base.id, base.title, base.description
        for name in ("id_field", "map_role", "map_reason", "values_format", "family",
                     "indicator_prefix", "indicator_label", "popup_fields",
                     "map_default_visible"):
            setattr(self, name, getattr(base, name))
        self._frame = frame

    def load(self, ctx):
        frame = self._frame
        if not isinstance(frame, gpd.GeoDataFrame):
            frame = gpd.GeoDataFrame(frame, geometry=[None] * len(frame), crs=4326)
        return frame


class FixedTargets(Fixed):
    """Fixed targets with the progress columns the targets layer adds to its rows."""

    def load(self, ctx):
        frame = super().load(ctx)
        indicators = pd.DataFrame({"higher_is_better": {"rd": True}})
        return with_progress(frame, ctx.layer("imported-metrics"), indicators)


def fake_imported() -> pd.DataFrame:
    return pd.DataFrame({"id": ["m1"], "region_adcode": ["320703"], "indicator_id": [EVIL],
                         "year": [2023], "value": [1.0], "unit": ["%"],
                         "source": ["x.csv 第 2 行"], "version": [1]})


def fake_layers(targets=None) -> list[Layer]:
    """The plan layers as tiny fixtures (including a hostile name)."""
    targets = fake_targets() if targets is None else targets
    return [FixedTargets(TargetsLayer, targets.assign(id=[f"t{i}" for i in range(len(targets))])),
            Fixed(EntitiesLayer, fake_entities()), Fixed(CorridorsLayer, fake_corridors()),
            Fixed(ImportedMetrics, fake_imported())]


def make_fake_app(targets=None, **settings):
    """An app whose plan layers are tiny fixtures, injected through create_app."""
    return create_app({"testing": True, **settings}, layers=fake_layers(targets))


@pytest.fixture(scope="module")
def fake_app():
    return make_fake_app()


@pytest.fixture()
def fake(fake_app):
    return fake_app.test_client()


def build(app, url: str, basemap: str = "none"):
    """The map page's parts: the folium Map and the spec's legend, classes, choice."""
    path, _, query = url.partition("?")
    resources = services(app).maps
    spec = build_map(resources, path.removeprefix("/maps/"), dict(parse_qsl(query)))
    m = build_folium(spec, resources, ([], []), basemap_tiles(basemap, "k123"),
                     gcj02=basemap == "amap")
    return {"map": m, "legend": spec.legend, "classes": spec.classes, "choice": spec.choice,
            "indicators": spec.options, "spec": spec}


def data_layers(m: folium.Map, factory: str) -> list[DataLayer]:
    return [c for c in m._children.values() if isinstance(c, DataLayer)
            and c.factory == factory]


def lyg_counties(app) -> list[str]:
    counties = services(app).catalog.frame("boundaries-county")
    return sorted(counties.loc[counties["city_adcode"] == LYG, "adcode"])


class LegendParser(HTMLParser):
    """Class items of the legend: (lower, upper) per class, and the no-data item text."""

    def __init__(self):
        super().__init__()
        self.classes, self.no_data, self._in_no_data = [], "", False

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "li" and "data-lower" in attrs:
            self.classes.append((float(attrs["data-lower"]), float(attrs["data-upper"])))
        self._in_no_data = tag == "li" and attrs.get("class") == "im-nodata" or \
            (self._in_no_data and tag != "li")

    def handle_data(self, data):
        if self._in_no_data:
            self.no_data += data


def test_every_map_is_linked_from_the_index_and_opens(client, catalog):
    html = client.get("/").get_data(as_text=True)
    links = set(re.findall(r'href="(/maps/[^"]+)"', html))
    counties = catalog.frame("boundaries-county")
    expected = {"/maps/320000"} | {f"/maps/{c}" for c in counties["city_adcode"].unique()}
    assert expected <= links
    assert len(expected) == 15  # the province, 13 Jiangsu cities, 宿州
    for link in sorted(links):
        assert client.get(link).status_code == 200, link


def test_region_map_has_its_layers(fake_app):
    page = build(fake_app, f"/maps/{LYG}?indicator=rd&kind=target")
    m = page["map"]
    regions, = data_layers(m, "regions")
    assert sorted(f["properties"]["a"] for f in regions.data["features"]) == \
        lyg_counties(fake_app)
    assert len(data_layers(m, "labels")) == 1
    entity_layers = {layer.layer_name: layer for layer in data_layers(m, "entities")}
    # the university and zone families; the belt's outline; the plan's partnership lines
    assert len(entity_layers) == 4
    markers = [layer for layer in entity_layers.values() if not layer.options["outline"]]
    styles = [(layer.options["style"]["shape"], layer.options["style"]["color"])
              for layer in markers]
    assert len(set(s[0] for s in styles)) == 2 and len(set(s[1] for s in styles)) == 2
    outlines = [layer for layer in entity_layers.values() if layer.options["outline"]]
    assert len(outlines) == 2 and not any(layer.show for layer in outlines)  # off until asked
    corridor, = data_layers(m, "corridor")
    assert [f["properties"]["k"] for f in corridor.data["features"]] == \
        ["buffer", "corridor", "centre_line", "node"]  # drawn bottom up
    kinds = [type(c) for c in m._children.values()]
    assert folium.LayerControl in kinds and MapControls in kinds
    assert not any(isinstance(c, folium.TileLayer) for c in m._children.values())


@pytest.mark.parametrize("scheme,k,classifier", [
    ("equal_interval", 3, lambda y: mapclassify.EqualInterval(y, k=3)),
    ("quantiles", 2, lambda y: mapclassify.Quantiles(y, k=2)),
    ("user_defined", 5, lambda y: mapclassify.UserDefined(y, bins=[4, 6])),
])
def test_legend_breaks_are_the_classifier_breaks(fake, scheme, k, classifier):
    extra = "&breaks=4,6" if scheme == "user_defined" else ""
    html = fake.get(f"/maps/{LYG}?indicator=rd&kind=target&scheme={scheme}&k={k}{extra}")
    assert html.status_code == 200
    legend = LegendParser()
    legend.feed(html.get_data(as_text=True))
    y = np.array(sorted(VALUES.values()))
    bins = classifier(y).bins
    assert [upper for _, upper in legend.classes] == pytest.approx(list(bins))
    assert legend.classes[0][0] == pytest.approx(y.min())
    no_data = len(lyg_counties(fake.application)) - len(VALUES)
    assert "无数据" in legend.no_data and f"（{no_data}）" in legend.no_data


def test_region_fills_follow_their_classes(fake_app):
    page = build(fake_app, f"/maps/{LYG}?indicator=rd&kind=target&scheme=user_defined"
                           "&breaks=4,6")
    regions, = data_layers(page["map"], "regions")
    fills = {f["properties"]["a"]: f["properties"]["c"] for f in regions.data["features"]}
    colours = [e.color for e in page["legend"].entries]
    assert fills["320703"] == fills["320706"] == colours[0]  # 2, 3 <= 4
    assert fills["320707"] == colours[1] and fills["320722"] == colours[2]
    assert fills["320723"] == page["legend"].no_data.color


def test_popups_carry_citations(fake_app):
    page = build(fake_app, f"/maps/{LYG}?indicator=rd&kind=gap")
    regions, = data_layers(page["map"], "regions")
    popup = {f["properties"]["a"]: f["properties"]["p"] for f in regions.data["features"]}
    assert "连云港市“十四五”科技创新规划" in popup["320703"]
    assert "2020年为1%" in popup["320703"] and "320703研发投入强度达到2.0%" in popup["320703"]
    assert "1 个百分点" in popup["320703"]  # gap 2.0 − 1.0
    assert "无数据" in popup["320707"]  # a target but no baseline: no gap
    assert popup["320703"].count("<blockquote>") == 2  # baseline and target quotes


def test_a_quote_shared_by_baseline_and_target_is_cited_once():
    shared = make_fake_app(fake_targets().assign(quote="研发投入强度（%） 1 2"))
    page = build(shared, f"/maps/{LYG}?indicator=rd&kind=gap")
    regions, = data_layers(page["map"], "regions")
    popup = next(f["properties"]["p"] for f in regions.data["features"]
                 if f["properties"]["a"] == "320703")
    assert popup.count("<blockquote>") == 1
    entity_popups = [f["properties"]["p"] for layer in data_layers(page["map"], "entities")
                     for f in layer.data["features"]]
    hhu = next(p for p in entity_popups if "江苏海洋大学" in p)
    types = pd.read_csv(ROOT / "data" / "kb" / "entity_types.csv").set_index("id")["label"]
    for text in (types.get("university", "university"), "海州区", "精确位置", "支持江苏海洋大学建设",
                 "连云港市“十四五”科技创新规划", "淮海工学院"):
        assert text in hhu, text


def test_hostile_names_are_escaped(fake):
    body = fake.get(f"/maps/{LYG}").get_data(as_text=True)
    assert "<img src=x" not in body
    assert "\\u0026lt;img src=x onerror=alert(1)\\u0026gt;" in body  # popup/tooltip: escaped


def test_derived_carrier_counts_use_the_same_machinery(fake_app):
    page = build(fake_app, f"/maps/{LYG}")  # default: the carriers count
    assert page["choice"].indicator.id == "carriers.total"
    offered = {i.id for i in page["indicators"]}
    assert {"carriers.total", "carriers.university", "rd"} <= offered
    assert "carriers.lab" not in offered  # no county has one
    regions, = data_layers(page["map"], "regions")
    classes = page["classes"]
    assert classes.no_data_count == 0 and sum(classes.counts) == len(lyg_counties(fake_app))
    popups = {f["properties"]["a"]: f["properties"]["p"] for f in regions.data["features"]}
    assert "江苏海洋大学、中华药港" in popups["320706"]
    universities = build(fake_app, f"/maps/{LYG}?indicator=carriers.university")
    regions, = data_layers(universities["map"], "regions")
    popup = next(f["properties"]["p"] for f in regions.data["features"]
                 if f["properties"]["a"] == "320706")
    assert "江苏海洋大学" in popup and "中华药港" not in popup


def test_pages_load_nothing_from_outside(fake, client):
    body = fake.get(f"/maps/{LYG}").get_data(as_text=True)
    urls = re.findall(r'(?:src|href)="([^"]+)"', body)
    assert urls and all(u.startswith(("/", "?", "#", "data:")) for u in urls), urls
    assert not re.search(r"https?://", body)
    for url in (u for u in urls if u.startswith(("/vendor/", "/static/"))):
        response = client.get(url)
        try:
            assert response.status_code == 200 and len(response.data) > 500, url
        finally:
            response.close()


def test_amap_basemap_shifts_every_overlay_to_gcj02(fake_app):
    plain = build(fake_app, f"/maps/{LYG}")
    shifted = build(fake_app, f"/maps/{LYG}", basemap="amap")
    assert any(isinstance(c, folium.TileLayer) for c in shifted["map"]._children.values())

    def first_point(page, factory):
        layer = data_layers(page["map"], factory)[0]
        return shapely.get_coordinates(shapely.geometry.shape(
            layer.data["features"][0]["geometry"]))[0]

    for factory in ("regions", "entities", "corridor"):
        lon, lat = first_point(plain, factory)
        expected = prcoords.wgs_gcj((lat, lon))  # an independent GCJ-02 implementation
        assert first_point(shifted, factory) == pytest.approx(
            [expected[1], expected[0]], abs=2e-4), factory
        assert np.hypot(*(first_point(shifted, factory) - [lon, lat])) > 0.002


@pytest.mark.parametrize("query", [
    "k=x", "k=0", "k=10", "scheme=jenks", "indicator=nope", "kind=sideways",
    "indicator=rd&kind=level", "scheme=user_defined", "scheme=user_defined&breaks=3,1",
    "scheme=user_defined&breaks=a,b", "breaks=1,2", "year=abc", "level=town",
    "indicator=carriers.total&kind=gap",
])
def test_bad_query_parameters_are_400(fake, query):
    response = fake.get(f"/maps/{LYG}?{query}", headers={"Accept": "application/json"})
    assert response.status_code == 400
    assert response.get_json()["description"]


@pytest.mark.parametrize("path", ["/maps/999999", "/maps/32070", "/maps/320703",
                                  "/maps/corridor/nope", "/vendor/leaflet/0.1/leaflet.js",
                                  "/vendor/jquery/1/jquery.js"])
def test_unknown_things_are_404(fake, path):
    assert fake.get(path, headers={"Accept": "application/json"}).status_code == 404


def test_corridor_page(fake):
    response = fake.get("/maps/corridor/lyg-hgs-corridor")
    body = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "花果山大道科技创新走廊" in body and "打造花果山大道科技创新走廊" in body
    members = re.findall(r"<li>(.*?)</li>", re.search(
        r'<ul class="im-members">(.*?)</ul>', body, re.S).group(1), re.S)
    assert len(members) == 3
    assert any("江苏海洋大学" in m and "缓冲区内" in m for m in members)
    assert any("&lt;img src=x" in m and "缓冲区外" in m for m in members)


def test_time_steps_link_baseline_and_target(fake):
    body = fake.get(f"/maps/{LYG}?indicator=rd").get_data(as_text=True)
    steps = re.findall(r'data-year="(\d+)"\s+href="\?([^"]+)"', body)
    assert [y for y, _ in steps] == ["2020", "2025"]
    assert "kind=baseline" in steps[0][1] and "kind=target" in steps[1][1]
    page = fake.get(f"/maps/{LYG}?{steps[0][1].replace('&amp;', '&')}")
    assert page.status_code == 200 and "基期值（2020年）" in page.get_data(as_text=True)


def test_geometry_is_rounded_and_sent_once(fake_app):
    page = build(fake_app, "/maps/320000")
    regions, = data_layers(page["map"], "regions")
    coords = json.dumps([f["geometry"] for f in regions.data["features"]])
    decimals = {len(x.split(".")[1]) for x in re.findall(r"\d+\.\d+", coords)}
    assert max(decimals) <= 3
    labels, = data_layers(page["map"], "labels")
    assert labels.data["features"] == []  # labels reuse the region layer's data


def test_imported_data_is_mapped_with_its_source(client):
    """The session app holds a sample import: metrics and a carrier in 宿迁."""
    body = client.get("/maps/321300?indicator=imported.rd_intensity").get_data(as_text=True)
    assert "sample.csv 第 2 行" in body and "sample.csv 第 3 行" in body
    assert "样例科技有限公司" in body and "carriers.csv 第 2 行" in body
    page = build(client.application, "/maps/321300")
    names = [layer.layer_name for layer in data_layers(page["map"], "entities")]
    assert "导入的创新载体（1）" in names


@pytest.mark.parametrize("basemap,key,host", [("osm", "", "tile.openstreetmap.org"),
                                              ("tianditu", "k123", "tianditu.gov.cn")])
def test_tile_basemaps_are_opt_in(fake_app, basemap, key, host):
    page = build(fake_app, f"/maps/{LYG}", basemap=basemap)
    tiles = [c.tiles for c in page["map"]._children.values() if isinstance(c, folium.TileLayer)]
    assert tiles and all(host in t for t in tiles)
    assert basemap != "tianditu" or all("tk=k123" in t for t in tiles)
    plain = build(fake_app, f"/maps/{LYG}")  # overlays stay in WGS84 for these
    first = data_layers(page["map"], "regions")[0].data["features"][0]["geometry"]
    assert first == data_layers(plain["map"], "regions")[0].data["features"][0]["geometry"]


def test_search_covers_names_and_aliases(fake_app):
    page = build(fake_app, f"/maps/{LYG}")
    searchable = {name for layer in data_layers(page["map"], "entities")
                  for f in layer.data["features"] for name in f["properties"]["s"]}
    assert {"江苏海洋大学", "淮海工学院", EVIL, f"别名{EVIL}"} <= searchable


def test_bad_basemap_setting_is_refused():
    from web.settings import Settings

    with pytest.raises(ValueError, match="map_basemap"):
        Settings(map_basemap="google")
    with pytest.raises(ValueError, match="tianditu_key"):
        Settings(map_basemap="tianditu")


def test_pages_are_gzipped_when_accepted(fake):
    import gzip

    plain = fake.get(f"/maps/{LYG}")
    packed = fake.get(f"/maps/{LYG}", headers={"Accept-Encoding": "gzip, deflate"})
    assert "Content-Encoding" not in plain.headers
    assert packed.headers["Content-Encoding"] == "gzip"
    assert "Accept-Encoding" in packed.headers["Vary"]
    assert len(packed.data) < len(plain.data) / 3
    text = gzip.decompress(packed.data).decode()
    assert "连云港市" in text and text.count("path") == plain.get_data(as_text=True).count("path")


def test_imported_indicator_names_are_escaped_in_the_layer_list(fake_app):
    page = build(fake_app, f"/maps/{LYG}?indicator=imported.{EVIL}")
    parts = render_parts(page["map"])  # as the page renders it
    html = parts.header + parts.html + parts.script
    regions, = data_layers(page["map"], "regions")
    assert "&lt;img src=x" in regions.layer_name and "<img" not in regions.layer_name
    assert "<img src=x" not in html


def test_county_labels_sit_inside_their_polygons(fake_app):
    page = build(fake_app, "/maps/320000")
    regions, = data_layers(page["map"], "regions")
    for f in regions.data["features"]:
        lat, lon = f["properties"]["lp"]
        assert shapely.geometry.shape(f["geometry"]).contains(Point(lon, lat)), \
            f["properties"]["n"]
        assert f["properties"]["l"]


def _download_links(body: str) -> list[str]:
    section = re.search(r'<section class="im-downloads".*?</section>', body, re.S)
    assert section, "no download section on the page"
    return [html.unescape(u) for u in re.findall(r'href="([^"]+)"', section.group(0))]


@pytest.mark.parametrize("page", ["/maps/321300?indicator=carriers.total&scheme=quantiles&k=3",
                                  "/maps/corridor/lyg-hgs-corridor"])
def test_map_pages_offer_static_downloads_of_the_same_map(client, page):
    links = _download_links(client.get(page).get_data(as_text=True))
    assert [u.split("?")[0].rsplit(".", 1)[1] for u in links] == ["png", "svg", "pdf"]
    map_id = page.split("?")[0].removeprefix("/maps/")
    assert all(u.startswith(f"/export/{map_id}.") for u in links)
    if "?" in page:
        assert all("indicator=carriers.total" in u and "k=3" in u for u in links)
    svg = client.get(links[1])
    assert svg.status_code == 200 and svg.mimetype == "image/svg+xml"

"""Report-ready carrier maps: every carrier numbered on the map, a key table beside it,
symbols that would overprint grouped under one ring and one list of numbers."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

import geopandas as gpd
import pytest
import shapely

from geo.cartography import MapDrawing, Overlay, Page, Symbol, render_map
from mapcore.spec import build_map
from web import services
from web.export import export_state

SVG_NS = "{http://www.w3.org/2000/svg}"
SUQIAN = "321300"


def svg_texts(data: bytes) -> list[str]:
    return ["".join(t.itertext()) for t in ET.fromstring(data).iter(f"{SVG_NS}text")]


@pytest.fixture(scope="module")
def suqian_svg(app):
    response = app.test_client().get(f"/export/{SUQIAN}.svg?indicator=carriers.total")
    assert response.status_code == 200
    return svg_texts(response.data)


@pytest.fixture(scope="module")
def suqian_carriers(app):
    spec = build_map(services(app).maps, SUQIAN, {"indicator": "carriers.total"})
    return [f.name for f in spec.features("points")]


def test_suqian_export_numbers_every_carrier_on_the_map(suqian_svg, suqian_carriers):
    assert len(suqian_carriers) >= 30
    written = set()
    for text in suqian_svg:  # number labels: "7" or a group's "12、13、14"
        if re.fullmatch(r"\d+(、\d+)*", text):
            written |= {int(n) for n in text.split("、")}
    assert set(range(1, len(suqian_carriers) + 1)) <= written


def test_suqian_key_lists_every_carrier_once_with_type_and_precision(suqian_svg,
                                                                     suqian_carriers):
    assert "载体编号表" in suqian_svg
    for name in suqian_carriers:  # a carrier at several sites reads "名称（3处）"
        assert any(text == name or text.startswith(f"{name}（") for text in suqian_svg), name
    # each precision the key prints is a grade label of data/kb/precision_grades.csv
    assert "县区代表点（示意位置）" in suqian_svg and "城市代表点（示意位置）" in suqian_svg


def _drawing(points: list[tuple[str, float, float]]) -> MapDrawing:
    units = gpd.GeoDataFrame({"adcode": ["000001"], "color": ["#eeeeee"], "label": [""]},
                             geometry=[shapely.box(118.0, 33.0, 119.0, 34.0)], crs="EPSG:4326")
    frame = gpd.GeoDataFrame({"id": [p[0] for p in points], "name": [p[0] for p in points],
                              "type": "科技园区", "precision": "大致位置"},
                             geometry=[shapely.Point(p[1], p[2]) for p in points],
                             crs="EPSG:4326")
    return MapDrawing(title="测试", subtitle="", units=units, extent=(118.0, 33.0, 119.0, 34.0),
                      overlays=[Overlay("points", frame, Symbol("园区", "s", "#e69f00", 5.5))])


def test_overprinting_symbols_are_one_group_with_consecutive_numbers(app):
    # 一园 and 二园 at one spot (listed in reverse), 三园 far away to the south
    drawing = _drawing([("二园", 118.5, 33.8), ("一园", 118.5, 33.8), ("三园", 118.5, 33.2)])
    rendered = render_map(drawing, Page("A4", "landscape", 72), "svg", export_state(app).font)
    key = {e.name: e for e in rendered.key}
    assert [e.number for e in rendered.key] == [1, 2, 3]
    # north first; inside a group by name
    assert (key["一园"].number, key["二园"].number, key["三园"].number) == (1, 2, 3)
    assert key["一园"].group == key["二园"].group == 1 and key["三园"].group == 3
    texts = svg_texts(rendered.data)
    assert "1、2" in texts and "3" in texts
    assert {"一园", "二园", "三园", "大致位置"} <= set(texts)


def test_far_apart_symbols_are_numbered_alone(app):
    drawing = _drawing([("甲园", 118.2, 33.5), ("乙园", 118.8, 33.5)])
    rendered = render_map(drawing, Page("A4", "portrait", 72), "svg", export_state(app).font)
    assert [(e.name, e.group) for e in rendered.key] == [("甲园", 1), ("乙园", 2)]
    assert not any("、" in t for t in svg_texts(rendered.data))


def test_too_many_carriers_for_a_key_are_grouped_and_counted(app):
    response = app.test_client().get("/export/320000.svg?indicator=carriers.total")
    texts = svg_texts(response.data)
    spec = build_map(services(app).maps, "320000", {"indicator": "carriers.total"})
    assert len(spec.features("points")) > 100  # more than a key beside an A4 map holds
    assert "载体编号表" not in texts
    counts = [int(t[:-1]) for t in texts if re.fullmatch(r"\d+个", t)]
    assert counts and all(n >= 2 for n in counts)
    assert sum(counts) <= len(spec.features("points"))


def test_a_carrier_at_several_sites_has_one_number_at_each_and_says_so_in_the_key(app):
    drawing = _drawing([("甲基地", 118.2, 33.8), ("乙园", 118.8, 33.2)])
    frame = drawing.overlays[0].frame
    frame.loc[frame["name"] == "甲基地", "geometry"] = shapely.MultiPoint(
        [(118.2, 33.8), (118.8, 33.8), (118.2, 33.2)])
    rendered = render_map(drawing, Page("A4", "landscape", 72), "svg", export_state(app).font)
    key = {e.name: e for e in rendered.key}
    assert (key["甲基地"].sites, key["乙园"].sites) == (3, 1)
    texts = svg_texts(rendered.data)
    number = str(key["甲基地"].number)
    assert texts.count(number) >= 3  # written beside each of its three sites
    assert "甲基地（3处）" in texts and "乙园" in texts and "乙园（1处）" not in texts


def test_a_map_without_an_indicator_still_explains_its_areas(app):
    drawing = _drawing([])
    drawing.overlays.clear()
    assert drawing.legend is None
    rendered = render_map(drawing, Page("A4", "landscape", 72), "svg", export_state(app).font)
    assert rendered.legend_labels == ("行政区划",)
    assert "行政区划" in svg_texts(rendered.data)

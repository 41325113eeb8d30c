"""The map core: one description per map, drawn alike by the interactive page and the
export; one carrier rule; every layer on the surfaces its role promises."""

from __future__ import annotations

from urllib.parse import parse_qsl

import geopandas as gpd
import pytest
import shapely

from layers.base import Layer
from mapcore.drawing import to_drawing
from mapcore.errors import UnknownMap
from mapcore.spec import build_map, map_ids
from web import create_app, services
from web.basemaps import basemap_tiles
from web.folium_map import build_folium
from web.map_elements import DataLayer

LYG = "320700"


def folium_layers(spec, resources) -> list[DataLayer]:
    m = build_folium(spec, resources, ([], []), basemap_tiles("none"))
    return [c for c in m._children.values() if isinstance(c, DataLayer)]


def page_contents(spec, resources) -> dict:
    """What the interactive page embeds: unit fills, feature ids per overlay, families."""
    layers = folium_layers(spec, resources)
    regions = next(layer for layer in layers if layer.factory == "regions")
    overlays = [layer for layer in layers if layer.factory in ("entities", "corridor")
                and layer.show]
    return {"units": {f["properties"]["a"]: f["properties"]["c"]
                      for f in regions.data["features"]},
            "features": [sorted(f["properties"]["id"] for f in layer.data["features"])
                         for layer in overlays],
            "families": [layer.options["style"]["label"] for layer in overlays]}


def drawing_contents(spec, resources) -> dict:
    drawing = to_drawing(resources, spec)
    return {"units": dict(zip(drawing.units["adcode"], drawing.units["color"])),
            "features": [sorted(o.frame["id"]) for o in drawing.overlays],
            "symbols": [s.label for s in drawing.symbols], "legend": drawing.legend}


def linked_maps(client) -> list[str]:
    """Map ids of every map page linked from the index."""
    import re

    html = client.get("/").get_data(as_text=True)
    return sorted({m.removeprefix("/maps/") for m in re.findall(r'href="(/maps/[^"]+)"', html)})


def test_every_offered_map_is_linked_from_the_index(client, app):
    assert set(linked_maps(client)) == {m for m, _ in map_ids(services(app).maps)}


CHOICES = ["", "indicator=rd_intensity", "indicator=carriers.university&scheme=quantiles&k=3"]


@pytest.mark.parametrize("query", CHOICES)
def test_page_and_export_show_the_same_map(app, client, query):
    """For every map linked from the index: same units, fills, classes, features, legend."""
    resources = services(app).maps
    args = dict(parse_qsl(query))
    for map_id in linked_maps(client):
        try:
            spec = build_map(resources, map_id, args if not map_id.startswith("corridor/")
                             else {})
        except Exception as exc:  # an indicator a region has no values for is still a map
            raise AssertionError(f"{map_id}?{query}: {exc}") from exc
        page, drawn = page_contents(spec, resources), drawing_contents(spec, resources)
        assert page["units"] == drawn["units"], map_id
        assert len(page["units"]) == len(spec.units) > 0
        assert page["features"] == drawn["features"], map_id
        entries = [e["label"] for e in spec.legend_entries()]
        assert drawn["symbols"] == entries, map_id
        assert set(page["families"]) == set(entries), map_id  # visible overlays' entries
        assert len({e["family"] for e in spec.legend_entries() if e["role"] == "points"}) <= 8
        if spec.legend is not None:
            assert drawn["legend"].entries == spec.legend.entries


def test_rendered_exports_list_the_pages_families(app):
    """The legend actually drawn in the file names the families the page's legend lists."""
    from mapcore.export import parse_export, render_export
    from web.export import export_state

    resources = services(app).maps
    for map_id in ("320000", LYG, "corridor/lyg-hgs-corridor"):
        spec = build_map(resources, map_id, {})
        rendered = render_export(resources, parse_export(map_id, "png", {"dpi": "72"}),
                                 export_state(app).font)
        entries = [e["label"] for e in spec.legend_entries()]
        assert [label for label in rendered.legend_labels if label in entries] == entries
        assert rendered.legend_labels[-len(entries) - 1:-1] == tuple(entries) or \
            rendered.legend_labels[-len(entries):] == tuple(entries), map_id


def test_one_carrier_rule_for_every_county(app, catalog):
    """The carriers counted for a county are exactly the markers the page and the export
    attribute to it."""
    resources = services(app).maps
    metrics = catalog.frame("county-metrics").set_index("adcode")
    seen = set()
    for map_id, _ in map_ids(resources):
        if "/" in map_id:  # corridors and networks: their units are no region's counties
            continue
        spec = build_map(resources, map_id, {"level": "county"})
        markers = [f for layer in folium_layers(spec, resources) if layer.factory == "entities"
                   and not layer.options["outline"] for f in layer.data["features"]]
        drawing = to_drawing(resources, spec)
        drawn = gpd.GeoDataFrame(
            {"id": [i for o in drawing.overlays if o.kind == "points" for i in o.frame["id"]],
             "county": [c for o in drawing.overlays if o.kind == "points"
                        for c in o.frame["county"]]})
        for adcode in spec.units["adcode"]:
            # a county no plan is about (the rest of a province's map) counts nothing
            ids = metrics.loc[adcode, "entity_ids"] if adcode in metrics.index else ""
            counted = {i for i in ids.split("|") if i}
            on_page = {f["properties"]["id"] for f in markers
                       if f["properties"]["cty"] == adcode}
            in_export = set(drawn.loc[drawn["county"] == adcode, "id"])
            assert counted == on_page == in_export, (map_id, adcode)
            seen.add(adcode)
    assert seen >= set(catalog.frame("boundaries-county")["adcode"])


def test_every_layer_is_on_the_surfaces_its_role_promises(app, client):
    resources = services(app).maps
    collections = {c["id"] for c in client.get("/api/collections").get_json()["collections"]}
    openapi = client.get("/api/openapi").get_data(as_text=True)
    on_maps = set()
    for map_id, _ in map_ids(resources):
        spec = build_map(resources, map_id, {})
        on_maps |= {o.layer_id for o in spec.overlays if o.features}
        if spec.choice.indicator is not None:
            on_maps.add(spec.choice.indicator.source.layer.id)
        on_maps.add("boundaries-county" if spec.choice.level == "county" else "boundaries-city")
    for layer in services(app).catalog.layers.values():
        assert layer.id in collections and f"/collections/{layer.id}/items" in openapi
        if layer.map_role in ("points", "areas", "lines", "corridor"):
            frame = services(app).catalog.frame(layer.id)
            assert layer.id in on_maps or frame.empty, layer.id
        elif layer.map_role == "values":
            assert any(i.source.layer.id == layer.id for i in spec_indicators(resources)) \
                or services(app).catalog.frame(layer.id).empty, layer.id
        elif layer.map_role == "none":
            assert layer.map_reason, layer.id


def spec_indicators(resources):
    from mapcore.values import indicators

    return list(indicators(resources).values())


class ToyLayer(Layer):
    """A new layer as ARCHITECTURE.md describes it: one class, one registry entry."""

    id = "toy-points"
    title = "示例图层"
    description = "一个示例点图层"
    map_role = "points"
    family = "platform"
    popup_fields = (("kind", "类别"),)

    def load(self, ctx):
        return gpd.GeoDataFrame({"id": ["toy-1"], "name": ["示例平台"], "kind": ["示例"],
                                 "precision": ["site"]},
                                geometry=[shapely.Point(119.22, 34.60)], crs="EPSG:4326")


def test_a_new_layer_reaches_map_export_and_api_with_one_registry_entry(sample_store):
    app = create_app({"testing": True, "store_url": str(sample_store)}, layers=[ToyLayer()])
    client = app.test_client()
    page = client.get(f"/maps/{LYG}").get_data(as_text=True)
    assert "示例平台" in page and "toy-1" in page
    resources = services(app).maps
    assert "示例图层（1）" in [o.title for o in build_map(resources, LYG, {}).overlays]
    drawing = to_drawing(resources, build_map(resources, LYG, {}))
    assert any("toy-1" in list(o.frame["id"]) for o in drawing.overlays)
    assert client.get("/api/collections/toy-points/items").get_json()["numberMatched"] == 1
    other = build_map(resources, "320100", {})  # 南京: the point is not there
    assert not any(o.layer_id == "toy-points" for o in other.overlays)


def test_unknown_maps_and_counties_are_refused(app):
    resources = services(app).maps
    for map_id in ("999999", "32070", "320703", "corridor/nope"):
        with pytest.raises(UnknownMap):
            build_map(resources, map_id, {})


def test_a_map_with_no_values_at_its_level_says_why_and_switches(app):
    resources = services(app).maps
    from mapcore.values import indicators

    city_only = next(i for i in indicators(resources).values()
                     if i.adcodes and all(a.endswith("00") for a in i.adcodes)
                     and set(i.adcodes) & {"320700", "321300"})
    spec = build_map(resources, "320000", {"indicator": city_only.id})
    assert spec.choice.level == "city" and "已切换到设区市层级" in spec.notice
    assert (spec.units["shown"] != "无数据").any()
    kept = build_map(resources, "320000", {"indicator": city_only.id, "level": "county"})
    assert kept.choice.level == "county" and "没有县（市、区）数值" in kept.notice


def test_corridor_page_and_export_name_its_structure(app, catalog):
    """一道 / 两区 / 多节点 are labelled on the page and in the SVG export, in the plan's words,
    and the carriers the plan names 沿线 are members even outside the buffer."""
    client = app.test_client()
    page = client.get("/maps/corridor/lyg-hgs-corridor").get_data(as_text=True)
    svg = client.get("/export/corridor/lyg-hgs-corridor.svg").get_data(as_text=True)
    nodes = catalog.frame("corridors")
    nodes = nodes[(nodes["corridor_id"] == "lyg-hgs-corridor") & (nodes["part"] == "node")]
    labels = ["一道：花果山大道", "南片区", "北片区", *(f"节点：{n}" for n in nodes["name"])]
    assert len(labels) == 7
    for label in labels:
        assert label in page and label in svg, label
    assert "“一道”即花果山大道" in page and "“两区”即以港城大道为分界线" in page
    spec = build_map(services(app).maps, "corridor/lyg-hgs-corridor", {})
    members = {m["name"]: m for m in spec.members}
    assert members["中华药港"]["named"] and not members["中华药港"]["inside"]
    assert all(m["named"] or m["inside"] for m in spec.members)
    assert "示意位置" in page and "Schematic" not in page


@pytest.mark.parametrize("query,word", [
    ("year=２０２５", "year"), ("year=2025.0", "year"), ("k=1_5", "k"), ("k=٣", "k"),
    ("scheme=user_defined&breaks=-1e308,1e308", "breaks"),
    ("scheme=user_defined&breaks=1_0,2", "breaks"), ("scheme=user_defined&breaks=nan,1", "breaks"),
    ("indicator=rd_intensity&year=99999999999999999999999", "year"),
])
def test_map_parameters_take_plain_ascii_numbers_only(client, query, word):
    for path in ("/maps/320700", "/export/320700.png"):
        response = client.get(f"{path}?{query}", headers={"Accept": "application/json"})
        assert response.status_code == 400, (path, query)
        assert word in response.get_json()["description"]

"""A :class:`mapcore.spec.MapSpec` as a print drawing (:class:`geo.cartography.MapDrawing`).

Only translation: the units, legend and overlays are the spec's, so the export shows
what the interactive map shows. Symbol shapes become matplotlib markers here.
"""

from __future__ import annotations

import geopandas as gpd
import shapely

from geo.map_drawing import MapDrawing, Overlay, Symbol, map_crs
from mapcore.overlays import corridor_legend
from mapcore.resources import Family
from mapcore.spec import MapSpec

# Symbol family shapes as matplotlib markers.
MARKERS = {"circle": "o", "square": "s", "triangle": "^", "diamond": "D", "star": "*",
           "hexagon": "h", "triangle-down": "v", "cross": "P", "line": "_"}
SIZES = {"star": 7.5}
KINDS = {"points": "points", "corridor": "corridor", "areas": "areas", "lines": "lines"}


def symbol(family: Family, role: str) -> Symbol:
    return Symbol(family.label, MARKERS.get(family.shape, "o"), family.color,
                  SIZES.get(family.shape, 5.5), "points" if role == "points" else role)


def _overlay_frame(overlay) -> gpd.GeoDataFrame:
    features = overlay.features
    rows = [dict(f.rows) for f in features]
    return gpd.GeoDataFrame(
        {"id": [f.id for f in features], "name": [f.name for f in features],
         "hollow": [f.hollow for f in features], "label": [f.label for f in features],
         "part": [f.part for f in features], "county": [f.county for f in features],
         "type": [r.get("类型") or overlay.family.label for r in rows],
         "precision": [r.get("位置精度", "") for r in rows],
         "keyed": [f.weight == 1 for f in features],
         **_part_styles(features)},
        geometry=[f.geometry for f in features], crs="EPSG:4326")


def _part_styles(features) -> dict[str, list]:
    """Columns of each corridor part's style (the page's): none for other features."""
    if not any(f.style for f in features):
        return {}
    return {key: [f.style.get(column) for f in features]
            for key, column in (("color", "color"), ("width", "weight"), ("dash", "dash"),
                                ("fill", "fill"))}


PART_KINDS = {"zone": "part-area", "buffer": "part-area", "node": "part-node"}


def legend_symbols(spec: MapSpec) -> list[Symbol]:
    """The spec's symbol legend (what is drawn), as print symbols."""
    return [Symbol(e["label"], MARKERS.get(e["shape"], "o"), e["color"],
                   SIZES.get(e["shape"], 5.5), e["role"]) for e in spec.legend_entries()]


def part_symbols(spec: MapSpec) -> list[Symbol]:
    """A corridor's own map: its parts, as the page's legend lists them."""
    return [Symbol(e["label"], color=e["color"], kind=PART_KINDS.get(e["part"], "part-line"),
                   width=e["weight"], dash=e["dash"], fill=e["fill"])
            for e in corridor_legend(spec.overlays)]


def source_note(resources, spec: MapSpec) -> str:
    """Plans the map rests on, the boundary source, the data datum and the projection."""
    plans = [resources.plans[p] for p in sorted(spec.plan_ids) if p in resources.plans]
    titles = "、".join(f"《{p.title}》" + (f"（{p.doc_number}）" if p.doc_number else "")
                       for p in plans) or "无（本图未使用规划数据）"
    m = resources.manifest
    epsg = map_crs((spec.extent[0] + spec.extent[2]) / 2).to_epsg()
    meridian = 75 + 3 * (epsg - 4534)
    return (f"资料来源：{titles}。行政区划：{m['source']} {m['source_version']}"
            f"（{m['source_datum']} 已转换为 {m['datum']}）。数据坐标系：WGS84（RFC 7946 经纬度）；"
            f"投影：CGCS2000 3度带高斯-克吕格，中央经线 {meridian}°E（EPSG:{epsg}）。"
            f"空心符号为示意位置（县、市中心），非实际地址。")


def to_drawing(resources, spec: MapSpec, title: str = "", note: str = "") -> MapDrawing:
    """The print drawing of ``spec``; ``title`` replaces the map's title, ``note`` (e.g.
    a 审图号 or 内部用图) is written before the source note."""
    units = spec.units.assign(label=spec.units["short_name"])
    provinces = resources.units("coarse", levels=("province",))
    overlays = [Overlay(KINDS[o.role], _overlay_frame(o), symbol(o.family, o.role))
                for o in spec.overlays if o.features and o.visible]
    lead = f"{note}。" if note else ""
    # A locator shows where a map lies in the provinces; a map wider than them has none.
    if not shapely.box(*provinces.total_bounds).buffer(0.5).contains(spec.area):
        provinces = None
    return MapDrawing(
        title=title or spec.title, subtitle=spec.subtitle, units=units, extent=spec.extent,
        legend=spec.legend, outlines=spec.outlines, context=spec.context, overlays=overlays,
        symbols=legend_symbols(spec), parts=part_symbols(spec), locator=provinces,
        locator_highlight=spec.area if provinces is not None else None,
        note=lead + source_note(resources, spec))

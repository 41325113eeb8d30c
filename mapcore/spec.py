"""The plain description of one map: :class:`MapSpec`, built by :func:`build_map`.

Map ids: the adcode of any province or city of the country maps the region by its
counties (or by its cities where it has none);
``corridor/<id>`` maps one corridor with its carriers and the counties around it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

import geopandas as gpd
import pandas as pd
import shapely

from geo import thematic
from layers.boundaries import plan_units
from layers.map_roles import ROLES
from mapcore import partners, progress
from mapcore.choice import DEFAULT_SCHEME, LEVEL_LABELS, Choice, default_indicator, parse_choice
from mapcore.errors import UnknownMap
from mapcore.overlays import (
    MapFeature,
    Overlay,
    corridor_names,
    corridor_overlay,
    corridor_structure,
    point_overlays,
    region_overlays,
)
from mapcore.resources import Family, MapResources
from mapcore.units import classify_units, level_with_data, unit_rows
from mapcore.values import MapIndicator, indicators

CORRIDOR_PREFIX = "corridor/"
CONTEXT_PAD = 0.5  # share of a region's extent around it whose provinces are context
CORRIDOR_PAD = 0.03  # degrees around a corridor's parts


@dataclass
class MapSpec:
    """Everything a map shows, in WGS84, for every renderer.

    ``units`` has one row per unit with ``adcode``, ``name``, ``short_name``,
    ``value``, ``color``, ``shown`` (the value as text), ``rows`` and ``citations``
    (popup), ``entity_ids`` (carriers counted) and the fine display geometry.
    """

    map_id: str
    title: str
    subtitle: str
    choice: Choice
    levels: tuple[str, ...]
    units: gpd.GeoDataFrame
    legend: object | None
    classes: object | None
    overlays: list[Overlay]
    extent: tuple[float, float, float, float]
    area: object
    outlines: gpd.GeoDataFrame
    context: gpd.GeoDataFrame
    region: dict | None = None
    notice: str = ""
    structure: list[dict] = field(default_factory=list)
    options: list[MapIndicator] = field(default_factory=list)
    members: list[dict] = field(default_factory=list)

    @property
    def is_corridor(self) -> bool:
        return self.map_id.startswith(CORRIDOR_PREFIX)

    @property
    def plan_ids(self) -> set[str]:
        """Every plan a value or a drawn feature of the map is cited from."""
        ids = set().union(*self.units["plan_ids"]) if len(self.units) else set()
        for overlay in self.overlays:
            ids |= overlay.plan_ids
        return ids

    def features(self, role: str | None = None) -> list[MapFeature]:
        return [f for o in self.overlays if role in (None, o.role) for f in o.features]

    def families(self) -> list[Family]:
        """The symbol families drawn, in legend order (each once)."""
        seen = {o.family.id: o.family for o in self.overlays if o.features}
        return sorted(seen.values(), key=lambda f: f.order)

    def legend_entries(self, visible_only: bool = True) -> list[dict]:
        """The symbol legend: one entry per family of markers and corridors drawn, then
        one per outline or line layer; each with label, shape, colour and role."""
        shown = [o for o in self.overlays if o.features and (o.visible or not visible_only)]
        shown.sort(key=lambda o: (ROLES[o.role].legend_rank, o.family.order))
        entries: dict[str, dict] = {}
        for o in shown:
            entries.setdefault(o.legend_label, {
                "label": o.legend_label, "family": o.family.id, "shape": o.family.shape,
                "color": o.family.color, "role": o.role})
        return list(entries.values())


def map_ids(resources: MapResources) -> list[tuple[str, str]]:
    """(map id, title) of every map the service offers: each province holding a plan's
    region and each city whose counties the plans are about (``plan_units``), then
    corridors and networks.

    Every other province and city of the country has its map too (``build_map``),
    without a link from the index."""
    units = plan_units(resources.unit_table(), [p.region_adcode for p in
                                                resources.plans.values()])
    parents = set(units.loc[units["level"] == "county", "city_adcode"])
    out = []
    for province in units[units["level"] == "province"].sort_values("adcode").itertuples():
        out.append((province.adcode, province.name))
        cities = units[(units["level"] == "city")
                       & (units["province_adcode"] == province.adcode)]
        out += [(c.adcode, c.name) for c in cities.sort_values("adcode").itertuples()
                if c.adcode in parents]
    for _layer, frame in corridor_frames(resources):
        out += [(CORRIDOR_PREFIX + cid, name) for cid, name in corridor_names(frame)]
    out += [(partners.PREFIX + adcode, f"{name}创新合作网络")
            for adcode, name in partners.partner_regions(resources)]
    return out


def corridor_frames(resources: MapResources) -> list[tuple[object, gpd.GeoDataFrame]]:
    """(layer, frame) of every layer with ``map_role == "corridor"`` that has rows."""
    out = []
    for layer in resources.layers_with_role("corridor"):
        frame = resources.catalog.frames.get(layer.id)
        if frame is not None and not frame.empty:
            out.append((layer, frame))
    return out


def build_map(resources: MapResources, map_id: str, args: Mapping | None = None) -> MapSpec:
    """The description of map ``map_id`` for the query ``args``.

    Raises UnknownMap for a map the service does not have, InvalidChoice for bad args.
    """
    args = args or {}
    if map_id.startswith(partners.PREFIX):
        return partners.partners_spec(resources, map_id.removeprefix(partners.PREFIX), MapSpec,
                                      "规划所列合作高校院所与合作关系（每条线一项合作）")
    if map_id.startswith(CORRIDOR_PREFIX):
        return _corridor_spec(resources, map_id[len(CORRIDOR_PREFIX):], args)
    return _region_spec(resources, map_id, args)


def _region(resources: MapResources, adcode: str) -> dict:
    if not (len(adcode) == 6 and adcode.isdigit()):
        raise UnknownMap(f"行政区划代码应为 6 位数字，收到 {adcode!r}")
    region = resources.boundaries.unit(adcode)
    if region is None:
        raise UnknownMap(f"没有行政区划代码为 {adcode} 的地图")
    if region["level"] == "county":
        raise UnknownMap(f"{region['name']}（{adcode}）是县级单位：请打开其所在设区市的地图")
    region["geometry"] = resources.units("fine", adcodes=[adcode]).geometry.iloc[0]
    return region


def _region_units(resources: MapResources, region: dict) -> gpd.GeoDataFrame:
    """Fine display units of the region's province (the region's are among them)."""
    return resources.units("fine", provinces=[region["province_adcode"]])


def _levels(resources: MapResources, region: dict) -> tuple[str, ...]:
    fine = _region_units(resources, region)
    levels = tuple(lvl for lvl in ("county", "city") if not unit_rows(fine, region, lvl).empty)
    if not levels:
        raise UnknownMap(f"{region['name']}（{region['adcode']}）下没有可显示的区划")
    return levels


def _region_spec(resources: MapResources, adcode: str, args: Mapping) -> MapSpec:
    region = _region(resources, adcode)
    levels = _levels(resources, region)
    fine = _region_units(resources, region)
    available = indicators(resources)
    adcodes_at = {lvl: set(unit_rows(fine, region, lvl)["adcode"]) for lvl in levels}
    choice = parse_choice(args, available, levels,
                          lambda lvl: default_indicator(available, adcodes_at[lvl]))
    choice, notice = level_with_data(choice, levels, adcodes_at)
    units, legend, classes = classify_units(resources, unit_rows(fine, region, choice.level),
                                            choice)
    area = region["geometry"]
    overlays = region_overlays(resources, area, choice.indicator is not None)
    on_map = set().union(*adcodes_at.values())
    options = sorted((i for i in available.values() if i.adcodes & on_map
                      or i == choice.indicator), key=lambda i: (not i.derived, i.name))
    title = f"{region['name']} · {choice.indicator.name}" if choice.indicator \
        else f"{region['name']} 创新布局"
    outlines = unit_rows(fine, region, "city") if region["level"] == "province" else \
        fine[fine["adcode"] == adcode]
    return MapSpec(map_id=adcode, title=title,
                   subtitle=subtitle(choice, legend, carriers=bool(overlays)),
                   choice=choice, levels=levels, units=units, legend=legend, classes=classes,
                   overlays=overlays, extent=tuple(shapely.bounds(area)), area=area,
                   outlines=outlines, context=_context(resources, region, area), region=region,
                   notice=notice, options=options)


def _context(resources: MapResources, region: dict, area) -> gpd.GeoDataFrame:
    """Grey surroundings: the other provinces, and the other cities of a city's province."""
    west, south, east, north = shapely.bounds(area)
    pad = max(east - west, north - south) * CONTEXT_PAD
    box = (west - pad, south - pad, east + pad, north + pad)
    provinces = resources.units("coarse", box=box, levels=("province",))
    frames = [provinces[provinces["adcode"] != region["adcode"]]]
    if region["level"] == "city":
        cities = resources.units("coarse", provinces=[region["province_adcode"]],
                                 levels=("city",))
        frames.append(cities[cities["adcode"] != region["adcode"]])
    return pd.concat(frames)


def subtitle(choice: Choice, legend, carriers: bool = True) -> str:
    """What the map shows, in one line; ``carriers``: whether anything is drawn over the
    units (a region no plan speaks of shows its divisions only)."""
    level = LEVEL_LABELS.get(choice.level, choice.level)
    if legend is None:
        return f"行政区划（{level}）与创新载体" if carriers else f"行政区划（{level}）"
    if choice.kind == progress.KIND:
        year = f"{choice.year}年目标" if choice.year else "各地最新目标年份"
        return f"进展状态：完成率对比时序进度 · {year} · 统计单元：{level}"
    if choice.indicator.derived:
        what = "载体数量"
    else:
        year = f"{choice.year}年" if choice.year else "各地最新年份"
        what = f"{thematic.VALUE_KIND_LABELS[choice.kind]} · {year}"
    count = f"（{len(legend.entries)}级）" if legend.entries else ""
    return f"{what} · {thematic.SCHEME_LABELS[choice.scheme]}{count} · 统计单元：{level}"


def _corridor_spec(resources: MapResources, corridor_id: str, args: Mapping) -> MapSpec:
    found = [(layer, frame, dict(corridor_names(frame))) for layer, frame in
             corridor_frames(resources)]
    found = [(layer, frame, names) for layer, frame, names in found if corridor_id in names]
    if not found:
        raise UnknownMap(f"没有编号为 {corridor_id!r} 的走廊")
    layer, frame, names = found[0]
    parts = frame[frame["corridor_id"] == corridor_id]
    west, south, east, north = parts.total_bounds
    pad = max(east - west, north - south) * 0.25 + CORRIDOR_PAD
    box = shapely.box(west - pad, south - pad, east + pad, north + pad)
    fine = resources.units("fine", box=tuple(shapely.bounds(box)))
    counties = fine[(fine["level"] == "county") & fine.intersects(box)].sort_values("adcode")
    choice = Choice(None, "target", None, DEFAULT_SCHEME, 5, None, "county")
    units, legend, classes = classify_units(resources, counties, choice)
    overlays = [corridor_overlay(resources, layer, parts, names[corridor_id])]
    named, inside = _split(parts.get("carriers", [])), _split(parts.get("members", []))
    members = []
    for points_layer in resources.layers_with_role("points"):
        rows = _listed(resources, points_layer, named | inside)
        if rows is not None:
            overlays += point_overlays(resources, points_layer, rows)
            members += _members(rows, points_layer, named, inside)
    cities = fine[(fine["level"] == "city") & fine.intersects(box)]
    coarse = resources.units("coarse", box=tuple(shapely.bounds(box.buffer(pad))),
                             levels=("city",))
    far = coarse[~coarse["adcode"].isin(cities["adcode"])]
    return MapSpec(map_id=CORRIDOR_PREFIX + corridor_id, title=names[corridor_id],
                   subtitle="走廊组成与沿线创新载体", choice=choice, levels=("county",),
                   units=units, legend=legend, classes=classes, overlays=overlays,
                   extent=tuple(shapely.bounds(box)), area=box, outlines=cities, context=far,
                   members=members, structure=corridor_structure(resources, parts))


def _split(values) -> set[str]:
    return {i for v in values if isinstance(v, str) for i in v.split("|") if i}


def _listed(resources, layer, ids: set[str]) -> gpd.GeoDataFrame | None:
    """The rows of a point layer whose id is among ``ids`` (None if there are none)."""
    frame = resources.catalog.frames.get(layer.id)
    if frame is None or frame.empty or not ids:
        return None
    rows = frame[frame[layer.id_field].astype(str).isin(ids) & frame.geometry.notna()]
    return None if rows.empty else rows.sort_values("name" if "name" in rows else layer.id_field)


def _members(rows, layer, named: set[str], inside: set[str]) -> list[dict]:
    """The corridor's carriers with membership both ways: named by the plan as 沿线,
    and inside the buffer."""
    out = []
    for r in rows.itertuples():
        rid = str(getattr(r, layer.id_field))
        out.append({"id": rid, "name": getattr(r, "name", rid),
                    "type": getattr(r, "type_label", "") or getattr(r, "type", ""),
                    "family": getattr(r, "family", layer.family),
                    "named": rid in named, "inside": rid in inside})
    return out

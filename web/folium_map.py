"""A :class:`mapcore.spec.MapSpec` as an interactive Folium map (drawn by our own JS).

Only rendering: what the map shows is the spec's. Geometry is rounded to the display
precision of the map's extent and, with the 高德 basemap, shifted to GCJ-02; texts
become escaped HTML here.
"""

from __future__ import annotations

import folium
import numpy as np
import shapely

from geo.datum import geometry_wgs84_to_gcj02
from mapcore.choice import LEVEL_LABELS
from mapcore.overlays import corridor_legend
from mapcore.spec import MapSpec
from mapcore.units import legend_title
from web.map_elements import DataLayer, MapControls, offline_map, popup_html, text_html

# Display resolution and coordinate decimals by the extent a page shows.
RESOLUTION = {"wide": ("medium", 3), "city": ("fine", 4)}
WIDE_DEGREES = 1.0  # a map wider than this is seen at province zoom
MAX_OPEN_LAYER_LIST = 14  # more overlays than this: the layer list opens on hover
CLUSTER_OVER = 8  # a family with more markers than this is clustered


def _resolution(spec: MapSpec) -> tuple[str, int]:
    """Boundaries and decimals: a province or a wide corridor coarser than a city."""
    if spec.region is not None:
        return RESOLUTION["wide" if spec.region["level"] == "province" else "city"]
    west, south, east, north = spec.extent
    return RESOLUTION["wide" if max(east - west, north - south) > WIDE_DEGREES else "city"]


def _display(geoms, decimals: int, gcj02: bool):
    geoms = np.asarray(list(geoms), dtype=object)
    if gcj02:
        geoms = np.asarray([geometry_wgs84_to_gcj02(g) if g is not None else None
                            for g in geoms], dtype=object)
    return shapely.transform(geoms, lambda xy: np.round(xy, decimals))


def _feature(geom, properties: dict) -> dict:
    return {"type": "Feature", "geometry": shapely.geometry.mapping(geom),
            "properties": properties}


def _label_point(geom) -> tuple[float, float]:
    """A point well inside the polygon (pole of inaccessibility), as (lat, lon)."""
    polygon = max(getattr(geom, "geoms", [geom]), key=lambda g: g.area)
    point = shapely.ops.polylabel(polygon, tolerance=0.002)
    return round(point.y, 4), round(point.x, 4)


def _units_layer(spec: MapSpec, resources, decimals: int, gcj02: bool,
                 region_urls: dict) -> DataLayer:
    """The choropleth; largest units first, so that their labels win where they overlap."""
    resolution = _resolution(spec)[0]
    shapes = resources.units(resolution, adcodes=spec.units["adcode"]).set_index("adcode").geometry
    units = spec.units.iloc[np.argsort(-shapely.area(spec.units.geometry.values),
                                       kind="stable")]
    geoms = _display([shapes.get(a, g) for a, g in zip(units["adcode"], units.geometry)],
                     decimals, gcj02)
    features = []
    for unit, geom in zip(units.itertuples(), geoms):
        rows = list(unit.rows)
        features.append(_feature(geom, {
            "a": unit.adcode, "n": unit.name, "c": unit.color,
            "t": text_html(f"{unit.name}：{unit.shown}"), "l": text_html(unit.short_name),
            "lp": _label_point(geom),
            "p": popup_html(unit.name, rows, unit.citations, region_urls.get(unit.adcode))}))
    title = legend_title(spec.choice)
    level = LEVEL_LABELS[spec.choice.level]
    name = f"{level}：{title}" if spec.choice.indicator else level
    return DataLayer("regions", {"type": "FeatureCollection", "features": features},
                     name=name, options={"plain": spec.choice.indicator is None})


def _overlay_properties(f) -> dict:
    """What the page's script reads of an overlay feature (see innomap-maps.js)."""
    props = {"id": f.id, "n": f.name, "s": list(f.search), "g": f.grade, "h": f.hollow,
             "f": f.family, "cty": f.county, "k": f.part,
             "t": text_html(f"{f.name}（{dict(f.rows).get('组成', '')}）" if f.part else f.name),
             "p": popup_html(f.name, f.rows, f.citations)}
    if f.label:
        props["l"] = text_html(f.label)  # a permanent label (corridor parts)
    if f.weight != 1:
        props["w"] = f.weight  # a count marker: the legend counts what it stands for
    if f.style:
        props["st"] = f.style  # a corridor part: drawn as in print
    return props


def _overlay_layer(overlay, decimals: int, gcj02: bool) -> DataLayer:
    geoms = _display([f.geometry for f in overlay.features], decimals, gcj02)
    features = [_feature(geom, _overlay_properties(f)) for f, geom in zip(overlay.features, geoms)]
    family = overlay.family
    style = {"label": overlay.legend_label, "color": family.color, "shape": family.shape,
             "family": family.id, "role": overlay.role}
    factory = "corridor" if overlay.role == "corridor" else "entities"
    options = {"style": style, "cluster": overlay.role == "points" and
               len(features) > CLUSTER_OVER, "outline": overlay.role in ("areas", "lines"),
               "over": overlay.role == "corridor" and not any(f.label for f in overlay.features)}
    return DataLayer(factory, {"type": "FeatureCollection", "features": features},
                     name=overlay.title, options=options, show=overlay.visible)


def build_folium(spec: MapSpec, resources, assets: tuple[list, list], tiles: list[dict],
                 gcj02: bool = False, region_urls: dict | None = None):
    """The folium Map of ``spec``: units, their labels, overlays, controls."""
    js, css = assets
    decimals = _resolution(spec)[1]
    west, south, east, north = spec.extent
    m = offline_map([], [], ((south, west), (north, east)), tiles)
    regions = _units_layer(spec, resources, decimals, gcj02, region_urls or {})
    regions.add_to(m)
    DataLayer("labels", {"type": "FeatureCollection", "features": []},
              name=f"{LEVEL_LABELS[spec.choice.level]}名称",
              options={"from": regions.get_name()}).add_to(m)
    for overlay in spec.overlays:
        if overlay.features:
            _overlay_layer(overlay, decimals + 1, gcj02).add_to(m)
    overlays = sum(isinstance(c, DataLayer) for c in m._children.values())
    folium.LayerControl(collapsed=overlays > MAX_OPEN_LAYER_LIST).add_to(m)
    legend = "im-legend" if spec.legend is not None or not spec.is_corridor \
        or corridor_legend(spec.overlays) else None
    MapControls({"legend": legend, "families": spec.legend_entries(visible_only=False)},
                js, css).add_to(m)
    return m

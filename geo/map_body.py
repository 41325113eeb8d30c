"""The map body of a static map: context, units, outlines and overlays in the map CRS.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from matplotlib.collections import LineCollection, PatchCollection
from matplotlib.colors import to_rgba
from matplotlib.patches import PathPatch, Rectangle
from matplotlib.path import Path as MplPath
from pyproj import CRS, Transformer

from geo.map_drawing import (
    CONTEXT_EDGE,
    CONTEXT_FILL,
    DIVIDER_COLOR,
    OUTLINE_EDGE,
    UNIT_EDGE,
    ZONE_FILLS,
    MapDrawing,
    Symbol,
    dashes,
)

# -- map body -------------------------------------------------------------------------

def draw_map(ax, drawing: MapDrawing, crs: CRS, s: float) -> None:
    """Draw context, units, outlines and overlays of ``drawing`` on ``ax`` in ``crs``."""
    ax.set_axis_off()
    frame = Rectangle((0, 0), 1, 1, transform=ax.transAxes, fill=False, lw=0.8 * s,
                      edgecolor="#333333", zorder=10)
    ax.add_artist(frame)
    if drawing.context is not None and len(drawing.context):
        draw_polygons(ax, drawing.context.to_crs(crs), CONTEXT_FILL, CONTEXT_EDGE, 0.4 * s, 1)
    units = drawing.units.to_crs(crs)
    draw_polygons(ax, units, list(units["color"]), UNIT_EDGE, 0.5 * s, 2)
    if drawing.outlines is not None and len(drawing.outlines):
        draw_polygons(ax, drawing.outlines.to_crs(crs), "none", OUTLINE_EDGE, 1.0 * s, 3)
    for overlay in drawing.overlays:
        if not len(overlay.frame):
            continue
        frame = overlay.frame.to_crs(crs)
        if overlay.kind == "points":
            draw_points(ax, frame, overlay.symbol, s)
        elif overlay.kind == "corridor":
            _corridor(ax, frame, overlay.symbol.color, s)
        else:
            _outlines(ax, frame, overlay.symbol, s)


def polygon_path(geometry) -> MplPath:
    """A matplotlib path of a (multi)polygon: exteriors counter-clockwise, holes clockwise."""
    rings = []
    for polygon in getattr(shapely.orient_polygons(geometry), "geoms", [geometry]):
        polygon = shapely.orient_polygons(polygon)
        rings.append(np.asarray(polygon.exterior.coords)[:, :2])
        rings.extend(np.asarray(r.coords)[:, :2] for r in polygon.interiors)
    vertices = np.concatenate(rings)
    codes = np.concatenate([[MplPath.MOVETO] + [MplPath.LINETO] * (len(r) - 2)
                            + [MplPath.CLOSEPOLY] for r in rings])
    return MplPath(vertices, codes)


def draw_polygons(ax, frame: gpd.GeoDataFrame, facecolor, edgecolor, width, zorder) -> None:
    """Draw the (multi)polygons of ``frame`` (map CRS) as one patch collection."""
    shapes = [g for g in frame.geometry if g is not None and not g.is_empty
              and g.geom_type in ("Polygon", "MultiPolygon")]
    patches = [PathPatch(polygon_path(g)) for g in shapes]
    if isinstance(facecolor, list):
        facecolor = [c for c, g in zip(facecolor, frame.geometry)
                     if g is not None and not g.is_empty]
    ax.add_collection(PatchCollection(patches, facecolors=facecolor, edgecolors=edgecolor,
                                      linewidths=width, zorder=zorder), autolim=False)


def draw_lines(ax, frame: gpd.GeoDataFrame, color, width, zorder, dashes="solid") -> None:
    """Draw the (multi)lines of ``frame`` (map CRS) as one line collection."""
    segments = []
    for geometry in frame.geometry:
        for line in getattr(geometry, "geoms", [geometry]):
            if line.geom_type == "LineString":
                segments.append(np.asarray(line.coords)[:, :2])
    ax.add_collection(LineCollection(segments, colors=color, linewidths=width,
                                     linestyles=dashes, capstyle="round", zorder=zorder),
                      autolim=False)


def _corridor(ax, frame: gpd.GeoDataFrame, colour: str, s: float) -> None:
    """Corridor parts, each in its own style where the frame gives one (``color``,
    ``width``, ``dash``, ``fill``): zones and buffer filled faintly, lines, nodes as
    hexagons; else zones in two fills, lines in ``colour``."""
    kinds = frame.geometry.geom_type
    styled = "color" in frame.columns
    zones = frame[kinds.isin(["Polygon", "MultiPolygon"])]
    for i, (_, zone) in enumerate(zones.iterrows()):
        buffer = zone.get("part") == "buffer"
        if styled:
            edge, width = zone["color"], float(zone["width"]) * 0.5
            face, line = to_rgba(zone["color"], float(zone["fill"])), dashes(zone["dash"],
                                                                              zone["width"])
        else:
            edge, width = colour, 0.8 if buffer else 1.0
            face = "none" if buffer else to_rgba(ZONE_FILLS[i % len(ZONE_FILLS)], 0.35)
            line = ":" if buffer else "--"
        ax.add_collection(PatchCollection(
            [PathPatch(polygon_path(zone.geometry))], facecolors=[face], edgecolors=edge,
            linestyles=line, linewidths=width * s, zorder=4), autolim=False)
    lines = frame[kinds.isin(["LineString", "MultiLineString"])]
    for _, row in lines.iterrows():
        one = lines.loc[[row.name]]
        if styled:
            draw_lines(ax, one, row["color"], float(row["width"]) * 0.5 * s, 4,
                       dashes=dashes(row["dash"], row["width"]))
        elif row.get("part") == "divider":
            draw_lines(ax, one, DIVIDER_COLOR, 1.6 * s, 4, dashes=(0, (4, 2)))
        else:
            draw_lines(ax, one, colour, 2.4 * s, 4)
    nodes = frame[kinds == "Point"]
    if len(nodes):
        edge = list(nodes["color"]) if styled else colour
        ax.scatter(nodes.geometry.x, nodes.geometry.y, s=(4.5 * s) ** 2, c="white",
                   marker="h", edgecolors=edge, linewidths=1.4 * s, zorder=7)


def draw_points(ax, frame: gpd.GeoDataFrame, symbol: Symbol, s: float) -> None:
    """Markers of one family: filled where the position is a site or approximate,
    hollow where it is only a county or city centre."""
    points = frame.explode(index_parts=False)
    points = points[points.geometry.geom_type == "Point"]
    hollow = points["hollow"].astype(bool) if "hollow" in points else \
        pd.Series(False, index=points.index)
    for is_hollow, part in ((False, points[~hollow.values]), (True, points[hollow.values])):
        if len(part):
            ax.scatter(part.geometry.x, part.geometry.y, marker=symbol.marker,
                       s=(symbol.size * s) ** 2, zorder=5 if is_hollow else 6,
                       facecolors="none" if is_hollow else symbol.color,
                       edgecolors=symbol.color if is_hollow else "white",
                       linewidths=(1.2 if is_hollow else 0.6) * s)


def _outlines(ax, frame: gpd.GeoDataFrame, symbol: Symbol, s: float) -> None:
    """Areas and lines of context overlays: dashed outlines, points as hollow markers."""
    kinds = frame.geometry.geom_type
    areas = frame[kinds.isin(["Polygon", "MultiPolygon"])]
    if len(areas):
        draw_polygons(ax, areas, "none", symbol.color, 0.9 * s, 4)
    lines = frame[kinds.isin(["LineString", "MultiLineString"])]
    if len(lines):
        draw_lines(ax, lines, symbol.color, 1.2 * s, 4)
    points = frame[kinds.isin(["Point", "MultiPoint"])]
    if len(points):
        draw_points(ax, points.assign(hollow=True), symbol, s)


def fit_extent(ax, extent, project: Transformer) -> None:
    """Show the lon/lat box ``extent`` (projected by ``project``) filling ``ax``."""
    lon0, lat0, lon1, lat1 = extent
    lons = np.linspace(lon0, lon1, 9)
    lats = np.linspace(lat0, lat1, 9)
    grid_lon, grid_lat = np.meshgrid(lons, lats)
    x, y = project.transform(grid_lon.ravel(), grid_lat.ravel())
    set_equal_limits(ax, (min(x), min(y), max(x), max(y)), pad=0.03)


def set_equal_limits(ax, bounds, pad: float) -> None:
    """Show ``bounds`` (plus ``pad`` of its size) filling the axes at one scale in x and y."""
    minx, miny, maxx, maxy = bounds
    cx, cy = (minx + maxx) / 2, (miny + maxy) / 2
    w, h = (maxx - minx) * (1 + 2 * pad), (maxy - miny) * (1 + 2 * pad)
    box = ax.get_position()
    fig_w, fig_h = ax.figure.get_size_inches()
    ratio = (box.width * fig_w) / (box.height * fig_h)
    w, h = max(w, h * ratio), max(h, w / ratio)
    ax.set_xlim(cx - w / 2, cx + w / 2)
    ax.set_ylim(cy - h / 2, cy + h / 2)



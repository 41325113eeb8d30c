"""Labels of a static map: unit names inside their polygons without overlap, clear of
symbols, and the names of labelled overlay features.
"""

from __future__ import annotations

import math

import geopandas as gpd
import matplotlib as mpl
import numpy as np
import shapely
from matplotlib.transforms import Bbox
from pyproj import CRS
from shapely.ops import polylabel

from geo.fonts import CjkFont
from geo.map_drawing import MapDrawing

# -- labels ---------------------------------------------------------------------------

def place_labels(ax, units: gpd.GeoDataFrame, font: CjkFont, s: float,
                  taken: list) -> tuple[str, ...]:
    """Write each unit's label inside its visible polygon, largest first, avoiding
    overlaps with other labels and with the boxes already ``taken`` (symbols; display
    extents x0, y0, x1, y1)."""
    if "label" not in units.columns:
        return ()
    renderer = ax.figure.canvas.get_renderer()
    (x0, x1), (y0, y1) = ax.get_xlim(), ax.get_ylim()
    view = shapely.box(x0, y0, x1, y1)  # what the frame shows: a name outside is cut
    visible = units.geometry.intersection(view)
    order = visible.area.sort_values(ascending=False).index
    placed = []
    for i in order:
        text, geometry = units.at[i, "label"], visible[i]
        if not text or geometry is None or geometry.is_empty or geometry.area == 0:
            continue
        geometry = _polygonal(geometry)
        if geometry is None:
            continue
        colour = _ink(units.at[i, "color"]) if "color" in units.columns else "#1a1a1a"
        for size in (7.5 * s, 6.0 * s):
            artist = _try_label(ax, renderer, text, geometry, taken, font, size, colour)
            if artist is not None:
                placed.append(text)
                break
    return tuple(placed)


def _polygonal(geometry):
    """The polygon part of a clipped geometry, or None."""
    if geometry.geom_type in ("Polygon", "MultiPolygon"):
        return geometry
    parts = [g for g in getattr(geometry, "geoms", []) if g.geom_type == "Polygon"]
    return shapely.MultiPolygon(parts) if parts else None


def symbol_boxes(ax, drawing: MapDrawing, crs: CRS, s: float) -> list:
    """Display boxes around the carrier symbols, so labels keep clear of them."""
    points = drawing.points()
    if points is None or not len(points):
        return []
    points = points.explode(index_parts=False).to_crs(crs)
    points = points[points.geometry.geom_type == "Point"]
    xy = ax.transData.transform(np.column_stack([points.geometry.x, points.geometry.y]))
    half = 6.0 * s * ax.figure.dpi / 72 / 2 * 1.3
    return [(x - half, y - half, x + half, y + half) for x, y in xy]


def _ink(fill: str) -> str:
    """Dark text on light fills, white text on dark ones (relative luminance < 0.35)."""
    r, g, b = (_linear(c) for c in mpl.colors.to_rgb(fill))
    return "#ffffff" if 0.2126 * r + 0.7152 * g + 0.0722 * b < 0.35 else "#1a1a1a"


def _linear(c: float) -> float:
    return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4


def _try_label(ax, renderer, text, geometry, taken, font, size, colour):
    """Place ``text`` at the first anchor where its box is free and inside ``geometry``."""
    artist = ax.text(0, 0, text, ha="center", va="center", zorder=7, color=colour,
                     fontproperties=font.properties(size), clip_on=True,
                     parse_math=False)
    extent = artist.get_window_extent(renderer)
    half_w, half_h = extent.width * 1.08 / 2, extent.height * 1.15 / 2
    shapely.prepare(geometry)
    for x, y in _anchors(geometry):
        cx, cy = ax.transData.transform((x, y))
        box = Bbox.from_extents(cx - half_w, cy - half_h, cx + half_w, cy + half_h)
        if not _overlaps_any(box, taken) and _box_inside(ax, box, geometry):
            artist.set_position((x, y))
            taken.append(tuple(box.extents))
            return artist
    artist.remove()
    return None


def _overlaps_any(box, taken: list) -> bool:
    if not taken:
        return False
    boxes = np.array(taken)
    return bool(((boxes[:, 0] < box.x1) & (boxes[:, 2] > box.x0)
                 & (boxes[:, 1] < box.y1) & (boxes[:, 3] > box.y0)).any())


def _anchors(geometry):
    """Candidate label points: the pole of inaccessibility, then a few inner points."""
    biggest = max(getattr(geometry, "geoms", [geometry]), key=lambda g: g.area)
    pole = polylabel(biggest, tolerance=math.sqrt(biggest.area) / 50)
    yield pole.x, pole.y
    minx, miny, maxx, maxy = biggest.bounds
    for fx, fy in ((0.5, 0.35), (0.5, 0.65), (0.35, 0.5), (0.65, 0.5)):
        x, y = minx + fx * (maxx - minx), miny + fy * (maxy - miny)
        if shapely.contains_xy(geometry, x, y):
            yield x, y
    yield from _inner_grid(biggest, (pole.x, pole.y))


def _box_inside(ax, box, geometry) -> bool:
    """True when the label box (display units), trimmed by a tenth, lies in the polygon."""
    inverse = ax.transData.inverted()
    (x0, y0), (x1, y1) = inverse.transform([(box.x0, box.y0), (box.x1, box.y1)])
    dx, dy = (x1 - x0) * 0.1, (y1 - y0) * 0.1
    xs = np.array([x0 + dx, x1 - dx, x0 + dx, x1 - dx, (x0 + x1) / 2, (x0 + x1) / 2,
                   x0 + dx, x1 - dx])
    ys = np.array([y0 + dy, y0 + dy, y1 - dy, y1 - dy, y0 + dy, y1 - dy,
                   (y0 + y1) / 2, (y0 + y1) / 2])
    return bool(shapely.contains_xy(geometry, xs, ys).all())


def feature_labels(ax, drawing: MapDrawing, crs: CRS, font: CjkFont, s: float,
                    taken: list) -> tuple[str, ...]:
    """Names of labelled overlay features (corridor parts), beside their shapes where
    they overlap no symbol or label already placed (points first, then lines, then
    areas, whose labels can move furthest); their boxes join ``taken`` so that later
    labels keep clear of them. A name with no free place still goes at its first."""
    renderer = ax.figure.canvas.get_renderer()
    parts = []
    for overlay in drawing.overlays:
        if "label" not in overlay.frame.columns:
            continue
        rows = overlay.frame[overlay.frame["label"].fillna("") != ""]
        parts += zip(rows["label"], rows.to_crs(crs).geometry)
    parts.sort(key=lambda part: _MOBILITY.get(part[1].geom_type, 2))
    placed = []
    for label, geometry in parts:
        artist = ax.text(0, 0, label, zorder=9, color="#67000d",
                         fontproperties=font.properties(7 * s), clip_on=True,
                         parse_math=False,
                         bbox={"boxstyle": "round,pad=0.15", "facecolor": "white",
                               "edgecolor": "none", "alpha": 0.75})
        pad = 0.3 * 7 * s * ax.figure.dpi / 72  # the white box around the text
        taken.append(_free_place(artist, renderer, _label_anchors(geometry), taken, pad))
        placed.append(label)
    return tuple(placed)


# Which labelled parts choose first: a point's label has the fewest places to go.
_MOBILITY = {"Point": 0, "MultiPoint": 0, "LineString": 1, "MultiLineString": 1}
# Where a label may sit beside its anchor: (ha, va).
_SIDES = (("left", "bottom"), ("right", "bottom"), ("left", "top"), ("right", "top"))


def _free_place(artist, renderer, anchors, taken: list, pad: float) -> tuple:
    """Move ``artist`` to the first anchor and side whose box (grown by ``pad`` display
    units) overlaps nothing taken (else to the first); the box it ends in."""
    first = None
    for x, y in anchors:
        for ha, va in _SIDES:
            artist.set_position((x, y))
            artist.set_ha(ha)
            artist.set_va(va)
            x0, y0, x1, y1 = artist.get_window_extent(renderer).extents
            box = (x0 - pad, y0 - pad, x1 + pad, y1 + pad)
            first = first or (x, y, ha, va, box)
            if not _overlaps_any(Bbox.from_extents(*box), taken):
                return box
    x, y, ha, va, box = first
    artist.set_position((x, y))
    artist.set_ha(ha)
    artist.set_va(va)
    return box


def _label_anchors(geometry):
    """Where a part's name may go: a point itself; along a line from its middle out;
    an area's inner point, then points of a grid inside it."""
    if geometry.geom_type in ("LineString", "MultiLineString"):
        line = max(getattr(geometry, "geoms", [geometry]), key=lambda g: g.length)
        for at in (0.5, 0.62, 0.38, 0.75, 0.25, 0.88, 0.12):
            point = line.interpolate(at, normalized=True)
            yield point.x, point.y
        return
    point = geometry.representative_point()
    yield point.x, point.y
    if geometry.geom_type in ("Polygon", "MultiPolygon"):
        yield from _inner_grid(geometry, (point.x, point.y))


def _inner_grid(geometry, centre, steps: int = 7):
    """Points of a ``steps`` × ``steps`` grid inside ``geometry``, nearest ``centre`` first."""
    minx, miny, maxx, maxy = geometry.bounds
    xs, ys = np.meshgrid(np.linspace(minx, maxx, steps + 2)[1:-1],
                         np.linspace(miny, maxy, steps + 2)[1:-1])
    xs, ys = xs.ravel(), ys.ravel()
    inside = shapely.contains_xy(geometry, xs, ys)
    xs, ys = xs[inside], ys[inside]
    order = np.argsort((xs - centre[0]) ** 2 + (ys - centre[1]) ** 2)
    return zip(xs[order].tolist(), ys[order].tolist())

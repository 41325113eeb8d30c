"""Print-ready static maps: a choropleth with its cartographic furniture, as PNG/SVG/PDF.

Framework-free. The caller describes what to draw in a :class:`MapDrawing`
(WGS84 frames, colours already chosen by :mod:`geo.thematic`); :func:`render_map`
projects everything to the CGCS2000 3-degree Gauss-Krüger zone of the map's
centre and draws title, subtitle, legend (with the 无数据 class), a scale bar
true at the bar's latitude, a north arrow pointing at true north, an inset
locator map, county labels inside their polygons without overlap, carrier
symbols, corridor lines and the source note.

Only matplotlib's object API is used (``Figure`` plus a backend canvas; never
``pyplot``), so renders in different threads share no figure state. The output
options SVG and PDF need (text kept as text, TrueType fonts embedded) are
rcParams read while saving; they are set in an ``rc_context`` held under one
lock, so concurrent saves never see each other's settings.
"""

from __future__ import annotations

import io
import math
import threading
from dataclasses import dataclass, field

import geopandas as gpd
import matplotlib as mpl
import numpy as np
import pandas as pd
import shapely
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.backends.backend_pdf import FigureCanvasPdf
from matplotlib.backends.backend_svg import FigureCanvasSVG
from matplotlib.collections import LineCollection, PatchCollection
from matplotlib.figure import Figure
from matplotlib.font_manager import findfont, get_font
from matplotlib.lines import Line2D
from matplotlib.patches import FancyArrow, PathPatch, Patch, Rectangle
from matplotlib.path import Path as MplPath
from matplotlib.transforms import Bbox
from pyproj import CRS, Proj, Transformer
from shapely.ops import polylabel

from geo.fonts import CjkFont

PAPER_MM = {"A4": (210.0, 297.0), "A3": (297.0, 420.0)}
ORIENTATIONS = ("portrait", "landscape")
DPI_RANGE = (72, 600)
FORMATS = {"png": "image/png", "svg": "image/svg+xml", "pdf": "application/pdf"}
MM_PER_INCH = 25.4
WGS84 = "EPSG:4326"
NICE_KM = (1, 2, 5, 10, 20, 25, 50, 100, 200, 250, 500)
STANDARD_STEPS = (1, 1.2, 1.5, 2, 2.5, 3, 4, 5, 6, 8, 10)
# Output settings read at save time: text stays text in SVG, fonts are embedded
# as TrueType (Type 42) in PDF; fixed ids and no dates make files reproducible.
OUTPUT_RC = {"svg.fonttype": "none", "pdf.fonttype": 42, "svg.hashsalt": "innomap"}
_SAVE_LOCK = threading.Lock()
CONTEXT_FILL = "#f2f2f2"
CONTEXT_EDGE = "#b3b3b3"
UNIT_EDGE = "#ffffff"
OUTLINE_EDGE = "#4d4d4d"
HIGHLIGHT = "#d7301f"
HIGHLIGHT_FILL = "#fcbba1"  # the map's area on the locator: light fill, red outline
HOLLOW_LABEL = "空心：示意位置（县、市中心）"
DIVIDER_COLOR = "#333333"
ZONE_FILLS = ("#fdd0a2", "#c6dbef")  # the two zones of a corridor, told apart


@dataclass(frozen=True)
class Page:
    """Paper size, orientation and resolution of an export.

    Raises ValueError naming the parameter when a value is not offered.
    """

    size: str = "A4"
    orientation: str = "landscape"
    dpi: int = 300

    def __post_init__(self):
        if self.size not in PAPER_MM:
            raise ValueError(f"size must be one of {', '.join(PAPER_MM)}, got {self.size!r}")
        if self.orientation not in ORIENTATIONS:
            raise ValueError(f"orientation must be portrait or landscape, "
                             f"got {self.orientation!r}")
        if not isinstance(self.dpi, int) or not DPI_RANGE[0] <= self.dpi <= DPI_RANGE[1]:
            raise ValueError(f"dpi must be an integer {DPI_RANGE[0]}–{DPI_RANGE[1]}, "
                             f"got {self.dpi!r}")

    @property
    def mm(self) -> tuple[float, float]:
        """(width, height) of the page in millimetres."""
        short, long = PAPER_MM[self.size]
        return (long, short) if self.orientation == "landscape" else (short, long)

    @property
    def pixels(self) -> tuple[int, int]:
        """(width, height) of the PNG: paper size × dpi, rounded to whole pixels."""
        return tuple(round(v / MM_PER_INCH * self.dpi) for v in self.mm)

    @property
    def scale(self) -> float:
        """Type and line scale: 1 on A4, √2 on A3."""
        return min(self.mm) / PAPER_MM["A4"][0]


@dataclass(frozen=True)
class Symbol:
    """How one symbol family is drawn and named in the legend.

    ``kind`` is ``points`` (a marker), ``lines`` or ``areas`` (an outline).
    """

    label: str
    marker: str = "o"
    color: str = "#000000"
    size: float = 5.0
    kind: str = "points"


@dataclass(frozen=True)
class Overlay:
    """Features drawn alike on top of the units, in WGS84.

    ``kind``: ``points`` (markers; rows with ``hollow`` True drawn hollow),
    ``areas`` (dashed outlines), ``lines`` or ``corridor`` (zones, lines and nodes
    of a corridor). Rows with a non-empty ``label`` get it written beside them.
    """

    kind: str
    frame: gpd.GeoDataFrame
    symbol: Symbol


@dataclass
class MapDrawing:
    """Everything a static map shows; every frame is in WGS84 (EPSG:4326).

    ``units`` are the classified polygons with columns ``color`` (hex fill)
    and ``label`` (the name written inside, or empty). ``extent`` is the
    lon/lat box the map must show. ``overlays`` are drawn in order above the
    units; ``symbols`` are their legend entries. ``locator`` are the polygons of
    the inset map and ``locator_highlight`` the area outlined in red on it.
    """

    title: str
    subtitle: str
    units: gpd.GeoDataFrame
    extent: tuple[float, float, float, float]
    legend: object | None = None
    outlines: gpd.GeoDataFrame | None = None
    context: gpd.GeoDataFrame | None = None
    overlays: list[Overlay] = field(default_factory=list)
    symbols: list[Symbol] = field(default_factory=list)
    locator: gpd.GeoDataFrame | None = None
    locator_highlight: object | None = None
    note: str = ""

    def points(self) -> gpd.GeoDataFrame | None:
        """Every point feature of the point overlays (for label avoidance)."""
        frames = [o.frame for o in self.overlays if o.kind == "points" and len(o.frame)]
        return pd.concat(frames) if frames else None


@dataclass(frozen=True)
class ScaleBar:
    """The scale bar as drawn: its labelled length and end points in the map CRS."""

    km: float
    start: tuple[float, float]
    end: tuple[float, float]


@dataclass(frozen=True)
class Rendered:
    """An export: the file bytes and what was drawn, for checks and headers."""

    data: bytes
    mimetype: str
    crs: CRS
    scale_bar: ScaleBar
    legend_labels: tuple[str, ...]
    labels_placed: tuple[str, ...]
    scale_denominator: int
    contents: dict = field(default_factory=dict)


def map_crs(lon: float) -> CRS:
    """The CGCS2000 3-degree Gauss-Krüger zone (EPSG:4534–4554) nearest ``lon``.

    Parameters
    ----------
    lon : float
        Longitude of the map's centre, 73.5–136.5 °E.

    Returns
    -------
    pyproj.CRS
        E.g. EPSG:4549 (central meridian 120°E) for Jiangsu, EPSG:4548 for 宿州.

    Raises
    ------
    ValueError
        If ``lon`` is outside China's 3-degree zones.

    Examples
    --------
    >>> map_crs(119.4).to_epsg()
    4549
    """
    meridian = 3 * round(lon / 3)
    if not 75 <= meridian <= 135:
        raise ValueError(f"longitude {lon} is outside the CGCS2000 3-degree zones")
    return CRS.from_epsg(4534 + (meridian - 75) // 3)


def render_map(drawing: MapDrawing, page: Page, fmt: str, font: CjkFont) -> Rendered:
    """Draw ``drawing`` on ``page`` and save it as ``fmt`` (png, svg or pdf).

    Parameters
    ----------
    drawing : MapDrawing
        What to draw, in WGS84.
    page : Page
        Paper, orientation and dpi; a PNG is exactly ``page.pixels`` in size.
    fmt : str
        One of :data:`FORMATS`.
    font : CjkFont
        The font every text is drawn with.

    Returns
    -------
    Rendered

    Raises
    ------
    ValueError
        Unknown format.
    """
    if fmt not in FORMATS:
        raise ValueError(f"format must be one of {', '.join(FORMATS)}, got {fmt!r}")
    crs = map_crs((drawing.extent[0] + drawing.extent[2]) / 2)
    figure, parts = _compose(drawing, page, fmt, crs, font)
    data = _save(figure, page, fmt)
    return Rendered(data=data, mimetype=FORMATS[fmt], crs=crs, contents=contents(drawing),
                    **parts)


def contents(drawing: MapDrawing) -> dict:
    """What a drawing shows, for checks: unit fills by adcode, feature ids by overlay."""
    units = drawing.units
    fills = dict(zip(units["adcode"], units["color"])) if "adcode" in units else {}
    features = [sorted(map(str, o.frame["id"])) if "id" in o.frame else []
                for o in drawing.overlays]
    return {"units": fills, "features": features,
            "symbols": [symbol.label for symbol in drawing.symbols]}



# -- layout ---------------------------------------------------------------------------

def _compose(drawing: MapDrawing, page: Page, fmt: str, crs: CRS, font: CjkFont):
    figure = Figure(figsize=_figsize(page, fmt), dpi=page.dpi)
    FigureCanvasAgg(figure)  # a canvas to measure text with while laying out labels
    frames = _Layout(page)
    s = page.scale
    figure.text(frames.left, 1 - frames.mm_y(9), drawing.title, va="baseline",
                fontproperties=font.properties(17 * s))
    figure.text(frames.left, 1 - frames.mm_y(15), drawing.subtitle, va="baseline",
                color="#333333", fontproperties=font.properties(10 * s))
    ax = figure.add_axes(frames.map_rect)
    project = Transformer.from_crs(WGS84, crs, always_xy=True)
    _draw_map(ax, drawing, crs, s)
    _fit_extent(ax, drawing.extent, project)
    denominator = _standard_scale(ax, crs)
    taken = _symbol_boxes(ax, drawing, crs, s)
    labels = _place_labels(ax, drawing.units.to_crs(crs), font, s, taken)
    labels += _feature_labels(ax, drawing, crs, font, s, taken)
    bar = _scale_bar(ax, crs, font, s)
    _north_arrow(ax, crs, font, s)
    legend_labels = _legends(figure, frames.legend_rect, drawing, font, s)
    _locator(figure, frames.inset_rect, drawing, crs)
    _note(figure, frames, drawing.note, font, s)
    figure.text(frames.right, 1 - frames.mm_y(15), f"比例尺 1:{denominator:,}",
                ha="right", va="baseline", color="#333333",
                fontproperties=font.properties(9 * s))
    return figure, {"scale_bar": bar, "legend_labels": legend_labels,
                    "labels_placed": labels, "scale_denominator": denominator}


def _figsize(page: Page, fmt: str) -> tuple[float, float]:
    """Figure size in inches: the paper; for PNG whole pixels, nudged against truncation."""
    if fmt != "png":
        return tuple(v / MM_PER_INCH for v in page.mm)
    px = page.pixels
    return tuple((p + 0.01) / page.dpi for p in px)


class _Layout:
    """Figure-fraction rectangles of the page regions, from millimetre margins."""

    MARGIN = 10.0
    TITLE = 20.0
    NOTE = 12.0

    def __init__(self, page: Page):
        self.w, self.h = page.mm
        s = page.scale
        m = self.MARGIN * s
        self.left, self.right = m / self.w, 1 - m / self.w
        top = self.TITLE * s
        bottom = (self.NOTE + self.MARGIN * 0.6) * s
        self.note_top = bottom - 2 * s
        if page.orientation == "landscape":
            panel = 72 * s
            self.map_rect = self._rect(m, bottom, self.w - 2 * m - panel - 4 * s,
                                       self.h - top - bottom)
            px = self.w - m - panel
            inset_h = min(panel * 0.8, (self.h - top - bottom) * 0.45)
            self.inset_rect = self._rect(px, self.h - top - inset_h, panel, inset_h)
            self.legend_rect = self._rect(px, bottom, panel, self.h - top - inset_h - bottom
                                          - 4 * s)
        else:
            panel = 66 * s
            self.map_rect = self._rect(m, bottom + panel + 4 * s, self.w - 2 * m,
                                       self.h - top - bottom - panel - 4 * s)
            inset_w = panel * 1.1
            self.inset_rect = self._rect(self.w - m - inset_w, bottom, inset_w, panel)
            self.legend_rect = self._rect(m, bottom, self.w - 2 * m - inset_w - 4 * s, panel)

    def _rect(self, x, y, w, h):
        return (x / self.w, y / self.h, w / self.w, h / self.h)

    def mm_y(self, mm: float) -> float:
        return mm / self.h


# -- map body -------------------------------------------------------------------------

def _draw_map(ax, drawing: MapDrawing, crs: CRS, s: float) -> None:
    ax.set_axis_off()
    frame = Rectangle((0, 0), 1, 1, transform=ax.transAxes, fill=False, lw=0.8 * s,
                      edgecolor="#333333", zorder=10)
    ax.add_artist(frame)
    if drawing.context is not None and len(drawing.context):
        _polygons(ax, drawing.context.to_crs(crs), CONTEXT_FILL, CONTEXT_EDGE, 0.4 * s, 1)
    units = drawing.units.to_crs(crs)
    _polygons(ax, units, list(units["color"]), UNIT_EDGE, 0.5 * s, 2)
    if drawing.outlines is not None and len(drawing.outlines):
        _polygons(ax, drawing.outlines.to_crs(crs), "none", OUTLINE_EDGE, 1.0 * s, 3)
    for overlay in drawing.overlays:
        if not len(overlay.frame):
            continue
        frame = overlay.frame.to_crs(crs)
        if overlay.kind == "points":
            _points(ax, frame, overlay.symbol, s)
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


def _polygons(ax, frame: gpd.GeoDataFrame, facecolor, edgecolor, width, zorder) -> None:
    shapes = [g for g in frame.geometry if g is not None and not g.is_empty
              and g.geom_type in ("Polygon", "MultiPolygon")]
    patches = [PathPatch(polygon_path(g)) for g in shapes]
    if isinstance(facecolor, list):
        facecolor = [c for c, g in zip(facecolor, frame.geometry)
                     if g is not None and not g.is_empty]
    ax.add_collection(PatchCollection(patches, facecolors=facecolor, edgecolors=edgecolor,
                                      linewidths=width, zorder=zorder), autolim=False)


def _lines(ax, frame: gpd.GeoDataFrame, color, width, zorder, dashes="solid") -> None:
    segments = []
    for geometry in frame.geometry:
        for line in getattr(geometry, "geoms", [geometry]):
            if line.geom_type == "LineString":
                segments.append(np.asarray(line.coords)[:, :2])
    ax.add_collection(LineCollection(segments, colors=color, linewidths=width,
                                     linestyles=dashes, capstyle="round", zorder=zorder),
                      autolim=False)


def _corridor(ax, frame: gpd.GeoDataFrame, colour: str, s: float) -> None:
    """Corridor parts: the buffer faint, zones in two fills with dashed edges, lines
    in red, nodes as dots; names of the parts written beside them."""
    kinds = frame.geometry.geom_type
    zones = frame[kinds.isin(["Polygon", "MultiPolygon"])]
    for i, (_, zone) in enumerate(zones.iterrows()):
        buffer = zone.get("part") == "buffer"
        patch = [PathPatch(polygon_path(zone.geometry))]
        ax.add_collection(PatchCollection(
            patch, facecolors="none" if buffer else ZONE_FILLS[i % len(ZONE_FILLS)],
            alpha=None if buffer else 0.35, edgecolors=colour,
            linestyles=":" if buffer else "--", linewidths=(0.8 if buffer else 1.0) * s,
            zorder=4), autolim=False)
    lines = frame[kinds.isin(["LineString", "MultiLineString"])]
    divider = lines["part"] == "divider" if "part" in lines else pd.Series(False, lines.index)
    if len(lines[~divider]):
        _lines(ax, lines[~divider], colour, 2.4 * s, 4)
    if len(lines[divider]):
        _lines(ax, lines[divider], DIVIDER_COLOR, 1.6 * s, 4, dashes=(0, (4, 2)))
    nodes = frame[kinds == "Point"]
    if len(nodes):
        ax.scatter(nodes.geometry.x, nodes.geometry.y, s=(4.5 * s) ** 2, c="white",
                   marker="h", edgecolors=colour, linewidths=1.4 * s, zorder=7)


def _points(ax, frame: gpd.GeoDataFrame, symbol: Symbol, s: float) -> None:
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
        _polygons(ax, areas, "none", symbol.color, 0.9 * s, 4)
    lines = frame[kinds.isin(["LineString", "MultiLineString"])]
    if len(lines):
        _lines(ax, lines, symbol.color, 1.2 * s, 4)
    points = frame[kinds.isin(["Point", "MultiPoint"])]
    if len(points):
        _points(ax, points.assign(hollow=True), symbol, s)


def _fit_extent(ax, extent, project: Transformer) -> None:
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


# -- labels ---------------------------------------------------------------------------

def _place_labels(ax, units: gpd.GeoDataFrame, font: CjkFont, s: float,
                  taken: list) -> tuple[str, ...]:
    """Write each unit's label inside its visible polygon, largest first, avoiding
    overlaps with other labels and with the boxes already ``taken`` (symbols; display
    extents x0, y0, x1, y1)."""
    if "label" not in units.columns:
        return ()
    renderer = ax.figure.canvas.get_renderer()
    view = shapely.box(*ax.get_xlim(), *ax.get_ylim()).buffer(0)
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


def _symbol_boxes(ax, drawing: MapDrawing, crs: CRS, s: float) -> list:
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
                     fontproperties=font.properties(size), clip_on=True)
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


# -- scale bar and north arrow --------------------------------------------------------

def _scale_bar(ax, crs: CRS, font: CjkFont, s: float) -> ScaleBar:
    """A km scale bar in the lower left, its length corrected by the point scale factor."""
    x0, x1 = ax.get_xlim()
    y0, y1 = ax.get_ylim()
    start = (x0 + 0.05 * (x1 - x0), y0 + 0.05 * (y1 - y0))
    to_lonlat = Transformer.from_crs(crs, WGS84, always_xy=True)
    lon, lat = to_lonlat.transform(*start)
    k = Proj(crs).get_factors(lon, lat).parallel_scale
    km = _nice_km((x1 - x0) / 1000 / k / 5)
    length = km * 1000 * k
    end = (start[0] + length, start[1])
    height = 0.012 * (y1 - y0)
    for i, colour in enumerate(("#1a1a1a", "#ffffff", "#1a1a1a", "#ffffff")):
        ax.add_patch(Rectangle((start[0] + i * length / 4, start[1]), length / 4, height,
                               facecolor=colour, edgecolor="#1a1a1a", lw=0.6 * s, zorder=8))
    props = font.properties(7.5 * s)
    for fraction, text in ((0, "0"), (0.5, _km_text(km / 2)), (1, f"{_km_text(km)} km")):
        ax.text(start[0] + fraction * length, start[1] + height * 1.6, text, ha="center",
                va="bottom", fontproperties=props, zorder=8)
    return ScaleBar(km=float(km), start=start, end=end)


def _nice_km(target: float) -> float:
    fitting = [v for v in NICE_KM if v <= target]
    return fitting[-1] if fitting else NICE_KM[0]


def _km_text(km: float) -> str:
    return f"{km:g}"


def _north_arrow(ax, crs: CRS, font: CjkFont, s: float) -> None:
    """An arrow to true north (turned by the grid convergence) in the upper right."""
    x0, x1 = ax.get_xlim()
    y0, y1 = ax.get_ylim()
    bx, by = x1 - 0.06 * (x1 - x0), y1 - 0.16 * (y1 - y0)
    to_lonlat = Transformer.from_crs(crs, WGS84, always_xy=True)
    to_map = Transformer.from_crs(WGS84, crs, always_xy=True)
    lon, lat = to_lonlat.transform(bx, by)
    nx, ny = to_map.transform(lon, lat + 0.05)
    angle = math.atan2(nx - bx, ny - by)
    length = 0.08 * (y1 - y0)
    dx, dy = length * math.sin(angle), length * math.cos(angle)
    ax.add_patch(FancyArrow(bx, by, dx, dy, width=length * 0.12, head_width=length * 0.38,
                            head_length=length * 0.4, length_includes_head=True,
                            color="#1a1a1a", zorder=8))
    ax.text(bx + dx * 1.12, by + dy * 1.12, "北", ha="center", va="bottom", zorder=8,
            fontproperties=font.properties(9 * s))


def scale_denominator(ax, crs: CRS) -> float:
    """1:n at the map's centre: ground metres per metre of paper."""
    x0, x1 = ax.get_xlim()
    y0, y1 = ax.get_ylim()
    lon, lat = Transformer.from_crs(crs, WGS84, always_xy=True).transform(
        (x0 + x1) / 2, (y0 + y1) / 2)
    k = Proj(crs).get_factors(lon, lat).parallel_scale
    paper_m = ax.get_position().width * ax.figure.get_figwidth() * MM_PER_INCH / 1000
    return (x1 - x0) / k / paper_m


def standard_scale(denominator: float) -> int:
    """The first standard scale at least ``denominator``: 1, 1.2, 1.5, 2, 2.5, 3, 4, 5,
    6 or 8 times a power of ten.

    >>> standard_scale(789_262)
    800000
    """
    power = 10 ** math.floor(math.log10(denominator))
    for step in STANDARD_STEPS:
        if step * power >= denominator * (1 - 1e-9):
            return int(round(step * power))
    return int(10 * power)


def _standard_scale(ax, crs: CRS) -> int:
    """Widen the view around its centre to the next standard scale; return it.

    The scale is then one number in every format of the same map (PNG, SVG, PDF).
    """
    exact = scale_denominator(ax, crs)
    target = standard_scale(exact)
    factor = target / exact
    for get, set_ in ((ax.get_xlim, ax.set_xlim), (ax.get_ylim, ax.set_ylim)):
        low, high = get()
        centre, half = (low + high) / 2, (high - low) / 2 * factor
        set_(centre - half, centre + half)
    return target


def _feature_labels(ax, drawing: MapDrawing, crs: CRS, font: CjkFont, s: float,
                    taken: list) -> tuple[str, ...]:
    """Names of labelled overlay features (corridor parts), beside their shapes."""
    placed = []
    for overlay in drawing.overlays:
        if "label" not in overlay.frame.columns:
            continue
        rows = overlay.frame[overlay.frame["label"].fillna("") != ""]
        for label, geometry in zip(rows["label"], rows.to_crs(crs).geometry):
            anchor = _label_anchor(geometry)
            ax.text(anchor.x, anchor.y, label, ha="left", va="bottom", zorder=9,
                    color="#67000d", fontproperties=font.properties(7 * s), clip_on=True,
                    bbox={"boxstyle": "round,pad=0.15", "facecolor": "white",
                          "edgecolor": "none", "alpha": 0.75})
            placed.append(label)
    return tuple(placed)


def _label_anchor(geometry):
    """Where a part's name goes: a point itself, a line's middle, an area's inner point."""
    if geometry.geom_type in ("LineString", "MultiLineString"):
        line = max(getattr(geometry, "geoms", [geometry]), key=lambda g: g.length)
        return line.interpolate(0.5, normalized=True)
    return geometry.representative_point()


# -- legend, inset, note --------------------------------------------------------------

def _legends(figure: Figure, rect, drawing: MapDrawing, font: CjkFont,
             s: float) -> tuple[str, ...]:
    """The class legend (with 无数据) on top; carriers and corridors below it, in as
    many columns and as small a type (down to 6 pt) as the panel needs."""
    ax = figure.add_axes(rect)
    ax.set_axis_off()
    width_pt = rect[2] * figure.get_figwidth() * 72
    legend = drawing.legend
    handles, labels = [], []
    if legend is not None:
        for entry in (*legend.entries, legend.no_data):
            handles.append(Patch(facecolor=entry.color, edgecolor="#808080", lw=0.5 * s))
            labels.append(entry.label)
    title_props = font.properties(10 * s)
    title = "\n".join(wrap_measured(_legend_title(legend), title_props, width_pt))
    first = ax.legend(handles, labels, loc="upper left", frameon=False, title=title,
                      prop=font.properties(8.5 * s), title_fontproperties=title_props,
                      alignment="left", handlelength=2.2, borderaxespad=0)
    ax.add_artist(first)
    more_handles, more_labels = _symbol_entries(drawing, s)
    if more_handles:
        _second_legend(ax, first, more_handles, more_labels, font, s, width_pt)
    return tuple(labels + more_labels)


def _symbol_entries(drawing: MapDrawing, s: float):
    handles, labels = [], []
    for symbol in drawing.symbols:
        if symbol.kind == "points":
            handles.append(Line2D([], [], marker=symbol.marker, ls="", color=symbol.color,
                                  markeredgecolor="white", markersize=symbol.size * s))
        else:
            handles.append(Line2D([], [], color=symbol.color, lw=2.0 * s,
                                  ls="-" if symbol.kind == "corridor" else "--"))
        labels.append(symbol.label)
    points = drawing.points()
    if points is not None and "hollow" in points and points["hollow"].astype(bool).any():
        handles.append(Line2D([], [], marker="o", ls="", markerfacecolor="none",
                              markeredgecolor="#333333", markersize=5 * s))
        labels.append(HOLLOW_LABEL)
    return handles, labels


def _second_legend(ax, first, handles, labels, font, s, width_pt) -> None:
    renderer = ax.figure.canvas.get_renderer()
    to_axes = ax.transAxes.inverted()
    top = to_axes.transform(first.get_window_extent(renderer))[0][1] - 0.03
    for size, columns in ((8.0, 1), (7.0, 2), (6.5, 2), (6.0, 2), (6.0, 3)):
        second = ax.legend(handles, labels, loc="upper left", frameon=False,
                           title="创新载体与走廊", bbox_to_anchor=(0, top), ncols=columns,
                           prop=font.properties(size * s),
                           title_fontproperties=font.properties(9 * s), alignment="left",
                           handlelength=1.6, columnspacing=0.8, borderaxespad=0)
        box = second.get_window_extent(renderer)
        bottom = to_axes.transform(box)[0][1]
        if bottom >= 0 and box.width <= width_pt * ax.figure.dpi / 72:
            return
        second.remove()
    ax.legend(handles, labels, loc="upper left", frameon=False, bbox_to_anchor=(0, top),
              ncols=3, prop=font.properties(5.5 * s), handlelength=1.4, borderaxespad=0)


def wrap_measured(text: str, props, width_pt: float) -> list[str]:
    """Break ``text`` into lines no wider than ``width_pt`` points in font ``props``."""
    widths = _char_widths(text, props)
    lines = []
    for paragraph in text.splitlines() or [""]:
        line, used = "", 0.0
        for ch in paragraph:
            if used + widths[ch] > width_pt and line:
                lines.append(line)
                line, used = "", 0.0
            line += ch
            used += widths[ch]
        lines.append(line)
    return lines


def _char_widths(text: str, props) -> dict[str, float]:
    """Advance width in points of every character of ``text`` in font ``props``."""
    font = get_font(findfont(props))
    font.set_size(props.get_size_in_points(), 72)
    widths = {}
    for ch in set(text) - {"\n"}:
        font.set_text(ch, 0.0)
        widths[ch] = font.get_width_height()[0] / 64.0
    return widths


def _legend_title(legend) -> str:
    if legend is None:
        return "图例"
    unit = f"（{legend.unit}）" if legend.unit else ""
    return f"{legend.title}{unit}"


def _locator(figure: Figure, rect, drawing: MapDrawing, crs: CRS) -> None:
    if drawing.locator is None or not len(drawing.locator):
        return
    ax = figure.add_axes(rect)
    ax.set_xticks([])
    ax.set_yticks([])
    for spine in ax.spines.values():
        spine.set_edgecolor("#808080")
    locator = drawing.locator.to_crs(crs)
    _polygons(ax, locator, "#ffffff", "#808080", 0.5, 1)
    if drawing.locator_highlight is not None:
        shape = gpd.GeoSeries([drawing.locator_highlight], crs=WGS84).to_crs(crs)
        _polygons(ax, gpd.GeoDataFrame(geometry=shape), HIGHLIGHT_FILL, HIGHLIGHT, 1.2, 2)
    set_equal_limits(ax, locator.total_bounds, pad=0.04)


def _note(figure: Figure, frames: _Layout, note: str, font: CjkFont, s: float) -> None:
    props = font.properties(6.5 * s)
    width_pt = (frames.right - frames.left) * figure.get_figwidth() * 72
    figure.text(frames.left, frames.note_top / frames.h,
                "\n".join(wrap_measured(note, props, width_pt)), va="top", ha="left",
                color="#333333", linespacing=1.35, fontproperties=props)


# -- output ---------------------------------------------------------------------------

def _save(figure: Figure, page: Page, fmt: str) -> bytes:
    buffer = io.BytesIO()
    if fmt == "png":
        FigureCanvasAgg(figure).print_png(buffer, metadata={"Software": "innomap"})
        return buffer.getvalue()
    canvas = FigureCanvasSVG(figure) if fmt == "svg" else FigureCanvasPdf(figure)
    metadata = {"Date": None} if fmt == "svg" else {"CreationDate": None,
                                                    "Creator": "innomap"}
    with _SAVE_LOCK, mpl.rc_context(OUTPUT_RC):
        canvas.print_figure(buffer, format=fmt, dpi=72, metadata=metadata)
    return buffer.getvalue()

"""The furniture of a static map: scale bar and standard scale, north arrow, legends,
locator inset and source note.
"""

from __future__ import annotations

import math

import geopandas as gpd
from matplotlib.colors import to_rgba
from matplotlib.figure import Figure
from matplotlib.font_manager import findfont, get_font
from matplotlib.lines import Line2D
from matplotlib.patches import FancyArrow, Patch, Rectangle
from pyproj import CRS, Proj, Transformer

from geo.fonts import CjkFont
from geo.map_body import draw_polygons, set_equal_limits
from geo.map_drawing import (
    HIGHLIGHT,
    HIGHLIGHT_FILL,
    HOLLOW_LABEL,
    MM_PER_INCH,
    NICE_KM,
    STANDARD_STEPS,
    WGS84,
    MapDrawing,
    ScaleBar,
    dashes,
)

# -- scale bar and north arrow --------------------------------------------------------

def scale_bar(ax, crs: CRS, font: CjkFont, s: float) -> ScaleBar:
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


def north_arrow(ax, crs: CRS, font: CjkFont, s: float) -> None:
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


def standard_scale_view(ax, crs: CRS) -> int:
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


# -- legend, inset, note --------------------------------------------------------------

UNITS_LABEL = "行政区划"  # the legend's only class when a map shows no indicator

def legends(figure: Figure, rect, drawing: MapDrawing, font: CjkFont,
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
    elif len(drawing.units):  # no indicator: the units themselves are what the map shows
        handles.append(Patch(facecolor=drawing.units["color"].iloc[0], edgecolor="#333333",
                             lw=0.5 * s))
        labels.append(UNITS_LABEL)
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
    for symbol in [*drawing.parts, *drawing.symbols]:
        if symbol.kind.startswith("part-"):
            handles.append(_part_handle(symbol, s))
        elif symbol.kind == "points":
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


def _part_handle(symbol, s: float):
    """A corridor part's legend swatch, drawn as the part is drawn on the map."""
    if symbol.kind == "part-area":
        return Patch(facecolor=to_rgba(symbol.color, symbol.fill), edgecolor=symbol.color,
                     lw=symbol.width * 0.5 * s, linestyle=dashes(symbol.dash, symbol.width))
    if symbol.kind == "part-node":
        return Line2D([], [], marker="h", ls="", markerfacecolor="white",
                      markeredgecolor=symbol.color, markeredgewidth=1.4 * s,
                      markersize=6 * s)
    return Line2D([], [], color=symbol.color, lw=symbol.width * 0.5 * s,
                  ls=dashes(symbol.dash, symbol.width))


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


def text_width(text: str, props) -> float:
    """Advance width in points of one line of ``text`` in font ``props``."""
    widths = _char_widths(text, props)
    return sum(widths[ch] for ch in text)


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


def locator(figure: Figure, rect, drawing: MapDrawing, crs: CRS) -> None:
    """The inset map: the provinces, the map's own area outlined in red."""
    if drawing.locator is None or not len(drawing.locator):
        return
    ax = figure.add_axes(rect)
    ax.set_xticks([])
    ax.set_yticks([])
    for spine in ax.spines.values():
        spine.set_edgecolor("#808080")
    locator = drawing.locator.to_crs(crs)
    draw_polygons(ax, locator, "#ffffff", "#808080", 0.5, 1)
    if drawing.locator_highlight is not None:
        shape = gpd.GeoSeries([drawing.locator_highlight], crs=WGS84).to_crs(crs)
        draw_polygons(ax, gpd.GeoDataFrame(geometry=shape), HIGHLIGHT_FILL, HIGHLIGHT, 1.2, 2)
    set_equal_limits(ax, locator.total_bounds, pad=0.04)


def draw_note(figure: Figure, frames, note: str, font: CjkFont, s: float) -> None:
    """The source note under the map, wrapped to the page's width."""
    props = font.properties(6.5 * s)
    width_pt = (frames.right - frames.left) * figure.get_figwidth() * 72
    figure.text(frames.left, frames.note_top / frames.h,
                "\n".join(wrap_measured(note, props, width_pt)), va="top", ha="left",
                color="#333333", linespacing=1.35, fontproperties=props)



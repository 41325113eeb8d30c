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

import matplotlib as mpl
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.backends.backend_pdf import FigureCanvasPdf
from matplotlib.backends.backend_svg import FigureCanvasSVG
from matplotlib.figure import Figure
from matplotlib.text import Text
from pyproj import CRS, Transformer

from geo.fonts import CjkFont
from geo.map_body import draw_map, fit_extent, polygon_path, set_equal_limits
from geo.map_drawing import (
    _SAVE_LOCK,
    DPI_RANGE,
    FORMATS,
    MM_PER_INCH,
    OUTPUT_RC,
    PAPER_MM,
    WGS84,
    MapDrawing,
    Overlay,
    Page,
    Rendered,
    ScaleBar,
    Symbol,
    map_crs,
)
from geo.map_furniture import (
    draw_note,
    legends,
    locator,
    north_arrow,
    scale_bar,
    scale_denominator,
    standard_scale,
    standard_scale_view,
    text_width,
    wrap_measured,
)
from geo.map_key import (
    KEY_MAX,
    KeyEntry,
    KeyLayout,
    draw_counts,
    draw_key,
    draw_numbers,
    key_layout,
    keyed_points,
    number_points,
)
from geo.map_labels import feature_labels, place_labels, symbol_boxes

# The public names of static map drawing, wherever they are defined.
__all__ = ["DPI_RANGE", "FORMATS", "PAPER_MM", "MapDrawing", "Overlay", "Page", "Rendered",
           "ScaleBar", "Symbol", "contents", "map_crs", "polygon_path", "render_map",
           "scale_denominator", "set_equal_limits", "standard_scale", "wrap_measured"]




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
    s = page.scale
    keyed = keyed_points(drawing)
    key = _key_layout(keyed, page, font)
    frames = _Layout(page, key)
    figure.text(frames.left, 1 - frames.mm_y(9), drawing.title, va="baseline",
                fontproperties=font.properties(17 * s))
    figure.text(frames.left, 1 - frames.mm_y(15), drawing.subtitle, va="baseline",
                color="#333333", fontproperties=font.properties(10 * s))
    ax = figure.add_axes(frames.map_rect)
    project = Transformer.from_crs(WGS84, crs, always_xy=True)
    draw_map(ax, drawing, crs, s)
    fit_extent(ax, drawing.extent, project)
    denominator = standard_scale_view(ax, crs)
    taken = symbol_boxes(ax, drawing, crs, s)
    part_labels = feature_labels(ax, drawing, crs, font, s, taken)
    entries: list[KeyEntry] = []
    groups = number_points(ax, keyed, crs, _symbol_radius_px(figure, s)) \
        if keyed is not None else []
    if key is None:
        draw_counts(ax, groups, font, s, taken)
    else:
        draw_numbers(ax, groups, font, s, taken)
        entries = [e for g in groups for e in g["entries"]]
        draw_key(figure, frames.key_rect, entries, key, font, _measure(font))
    labels = place_labels(ax, drawing.units.to_crs(crs), font, s, taken)
    labels += part_labels
    bar = scale_bar(ax, crs, font, s)
    north_arrow(ax, crs, font, s)
    legend_labels = legends(figure, frames.legend_rect, drawing, font, s)
    locator(figure, frames.inset_rect, drawing, crs)
    draw_note(figure, frames, drawing.note, font, s)
    figure.text(frames.right, 1 - frames.mm_y(15), f"比例尺 1:{denominator:,}",
                ha="right", va="baseline", color="#333333",
                fontproperties=font.properties(9 * s))
    literal_texts(figure)
    return figure, {"scale_bar": bar, "legend_labels": legend_labels,
                    "labels_placed": labels, "scale_denominator": denominator,
                    "key": tuple(entries)}


def _measure(font: CjkFont):
    """``width_of(text, size)``: a text's width in points in ``font``."""
    return lambda text, size: text_width(text, font.properties(size))


def _symbol_radius_px(figure: Figure, s: float) -> float:
    """Half a carrier symbol on the page, in display pixels (symbols are ~6 pt)."""
    return 6.0 * s * figure.dpi / 72 / 2


def _key_layout(keyed, page: Page, font: CjkFont) -> KeyLayout | None:
    """How the key of ``keyed`` carriers is set on ``page`` (None: no key): beside the
    map on landscape paper, below it on portrait paper, never more than the space the
    map can spare."""
    if keyed is None or len(keyed) > KEY_MAX:
        return None
    w, h = page.mm
    s = page.scale
    sizing = [KeyEntry(i + 1, n, t, p, 0) for i, (n, t, p) in
              enumerate(zip(keyed["name"], keyed["key_type"], keyed["key_precision"]))]
    pt = 72 / MM_PER_INCH
    if page.orientation == "landscape":
        width, height = w * 0.3, h - (_Layout.TITLE + _Layout.NOTE + _Layout.MARGIN) * s
    else:
        width, height = w - 2 * _Layout.MARGIN * s, h * 0.3
    return key_layout(sizing, font, s, width * pt, height * pt, _measure(font))


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

    def __init__(self, page: Page, key: KeyLayout | None = None):
        self.w, self.h = page.mm
        s = page.scale
        m = self.MARGIN * s
        self.left, self.right = m / self.w, 1 - m / self.w
        top = self.TITLE * s
        bottom = (self.NOTE + self.MARGIN * 0.6) * s
        self.note_top = bottom - 2 * s
        key_mm = (key.width_pt if page.orientation == "landscape" else key.height_pt) \
            * MM_PER_INCH / 72 + 5 * s if key is not None else 0.0
        self.key_rect = None
        if page.orientation == "landscape":
            panel = 72 * s
            map_w = self.w - 2 * m - panel - 4 * s - key_mm
            self.map_rect = self._rect(m, bottom, map_w, self.h - top - bottom)
            if key is not None:
                self.key_rect = self._rect(m + map_w + 5 * s, bottom, key_mm - 5 * s,
                                           self.h - top - bottom)
            px = self.w - m - panel
            inset_h = min(panel * 0.8, (self.h - top - bottom) * 0.45)
            self.inset_rect = self._rect(px, self.h - top - inset_h, panel, inset_h)
            self.legend_rect = self._rect(px, bottom, panel, self.h - top - inset_h - bottom
                                          - 4 * s)
        else:
            panel = 66 * s
            lift = bottom + panel + 4 * s + key_mm
            self.map_rect = self._rect(m, lift, self.w - 2 * m, self.h - top - lift)
            if key is not None:
                self.key_rect = self._rect(m, bottom + panel + 4 * s, self.w - 2 * m,
                                           key_mm - 5 * s)
            inset_w = panel * 1.1
            self.inset_rect = self._rect(self.w - m - inset_w, bottom, inset_w, panel)
            self.legend_rect = self._rect(m, bottom, self.w - 2 * m - inset_w - 4 * s, panel)

    def _rect(self, x, y, w, h):
        return (x / self.w, y / self.h, w / self.w, h / self.h)

    def mm_y(self, mm: float) -> float:
        return mm / self.h


def literal_texts(figure: Figure) -> Figure:
    """Every text of ``figure`` printed as written: never read as mathtext.

    Names, titles and quotes are data: a carrier called ``$x^2$`` must print its dollar
    signs, and a stray ``$\\frac`` must not fail the render.

    Parameters
    ----------
    figure : matplotlib.figure.Figure
        A figure whose texts (titles, labels, legend entries, table cells) are drawn.

    Returns
    -------
    Figure
        The same figure, for chaining.
    """
    for text in figure.findobj(Text):
        text.set_parse_math(False)
    return figure


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

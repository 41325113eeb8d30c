"""What a static map shows (:class:`MapDrawing`), on what paper (:class:`Page`), and
what a rendering returns (:class:`Rendered`); the colours of the cartographic furniture.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field

import geopandas as gpd
import pandas as pd
from pyproj import CRS

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

    ``kind`` is ``points`` (a marker), ``lines`` or ``areas`` (an outline), or a
    corridor part: ``part-line``, ``part-area`` or ``part-node``, with the part's
    stroke ``width`` (screen px; print draws half as many points), ``dash`` (screen
    px, "8 6"; "" solid) and ``fill`` opacity.
    """

    label: str
    marker: str = "o"
    color: str = "#000000"
    size: float = 5.0
    kind: str = "points"
    width: float = 2.0
    dash: str = ""
    fill: float = 0.0


@dataclass(frozen=True)
class Overlay:
    """Features drawn alike on top of the units, in WGS84.

    ``kind``: ``points`` (markers; rows with ``hollow`` True drawn hollow),
    ``areas`` (dashed outlines), ``lines`` or ``corridor`` (zones, lines and nodes
    of a corridor; rows may carry their part's ``color``, ``width``, ``dash`` and
    ``fill`` as :class:`Symbol` has them). Rows with a non-empty ``label`` get it
    written beside them. Point
    rows may carry ``type`` and ``precision`` (texts of the key table) and ``keyed``
    (False: a count marker, not one carrier, so not numbered).
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
    #: A corridor's parts as its page lists them (kinds ``part-…``), legend before symbols.
    parts: list[Symbol] = field(default_factory=list)
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
    #: The key table of numbered carriers (``geo.map_key.KeyEntry``), in number order.
    key: tuple = ()




def dashes(dash: str, width: float):
    """A screen dash pattern ("8 6" px at ``width`` px) as a matplotlib line style."""
    if not dash:
        return "solid"
    return (0, tuple(float(v) / max(width, 0.5) for v in dash.split()))


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

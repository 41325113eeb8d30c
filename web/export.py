"""Static map export: ``/export/<map>.<fmt>``, download links for the map pages.

The same maps as the interactive pages, as print-ready files:

- ``/export/320000.png`` – 江苏省; ``/export/<city adcode>.<fmt>`` – a city
  (320700 连云港, 321300 宿迁, 341300 宿州, …);
- ``/export/corridor/<id>.<fmt>`` – a corridor (e.g. 花果山大道科技创新走廊);

with ``fmt`` png, svg or pdf and the query parameters ``indicator``, ``kind``
(baseline|target|gap|cagr), ``year``, ``scheme`` (quantiles|natural_breaks|
equal_interval|user_defined), ``k``, ``breaks`` (comma-separated, for
user_defined), ``level`` (county|city), ``size`` (A4|A3), ``orientation``
(portrait|landscape) and ``dpi`` (72–600). The thematic arguments mean what
they mean on ``/maps/…``: they are parsed by :func:`web.maps.parse_choice`,
values come from the same value sources, and classes, colours and legend from
:mod:`geo.thematic`. Drawing is :mod:`geo.cartography`. ``innomap export``
(:mod:`web.cli`) gives the same bytes.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Mapping
from urllib.parse import urlencode

import geopandas as gpd
import pandas as pd
import shapely
from flask import Blueprint, Response, current_app

from geo import thematic
from geo.boundaries import load_boundaries, read_manifest
from geo.cartography import FORMATS, MapDrawing, Page, Rendered, Symbol, map_crs, render_map
from geo.fonts import CjkFont, find_cjk_font
from layers.boundaries import display_boundaries
from layers.plans import load_plans
from web import maps
from web.errors import InvalidParameter, NotFound

EXTENSION = "innomap.export"
PROVINCE_MAP = "320000"
CORRIDOR_PREFIX = "corridor/"
PAGE_DEFAULTS = {"size": "A4", "orientation": "landscape", "dpi": "300"}
THEMATIC_ARGS = ("indicator", "kind", "year", "scheme", "k", "breaks", "level")
PAGE_ARGS = ("size", "orientation", "dpi")
CACHE_ENTRIES = 24
CACHE_MAX_BYTES = 16_000_000
BASE_FILL = "#eef2f5"
# The interactive map's symbol names as matplotlib markers.
MARKERS = {"circle": "o", "square": "s", "triangle": "^", "diamond": "D", "star": "*",
           "hexagon": "h", "triangle-down": "v", "cross": "P"}

bp = Blueprint("export", __name__)


# -- request -------------------------------------------------------------------------

@dataclass(frozen=True)
class ExportRequest:
    """One export: which map, the map page's thematic choice (raw), and what paper.

    The thematic arguments are validated against the catalog by the interactive
    maps' own :func:`web.maps.parse_choice` when the map is built.
    """

    map_id: str
    fmt: str
    page: Page
    choice_args: tuple[tuple[str, str], ...] = ()

    @property
    def key(self) -> tuple:
        return (self.map_id, self.fmt, self.page, self.choice_args)

    @property
    def args(self) -> dict[str, str]:
        return dict(self.choice_args)

    def filename(self) -> str:
        args = self.args
        parts = [self.map_id.replace("/", "-"), args.get("indicator"), args.get("kind"),
                 args.get("year"), self.page.size, self.page.orientation,
                 f"{self.page.dpi}dpi"]
        text = "-".join(p for p in parts if p)
        return "innomap-" + "".join(c if c.isascii() and (c.isalnum() or c in "-_.")
                                    else "_" for c in text) + f".{self.fmt}"


def parse_request(map_id: str, fmt: str, args: Mapping[str, str]) -> ExportRequest:
    """Validate format and page; keep the thematic arguments for the map to check.

    Raises InvalidParameter naming the bad parameter.
    """
    if fmt not in FORMATS:
        raise InvalidParameter(f"format must be one of {', '.join(FORMATS)}, got {fmt!r}")
    values = {**PAGE_DEFAULTS, **{k: str(v) for k, v in args.items() if v not in (None, "")}}
    try:
        page = Page(values["size"], values["orientation"], _int("dpi", values["dpi"]))
    except ValueError as exc:
        raise InvalidParameter(str(exc)) from None
    choice = tuple(sorted((k, v) for k, v in values.items() if k in THEMATIC_ARGS))
    return ExportRequest(map_id=map_id, fmt=fmt, page=page, choice_args=choice)


def _int(name: str, raw) -> int:
    try:
        return int(str(raw))
    except ValueError:
        raise InvalidParameter(f"{name} must be an integer, got {raw!r}") from None


# -- data per app --------------------------------------------------------------------

class ExportState:
    """What exports share for the life of an app: font, display boundaries, cache."""

    def __init__(self, data_dir: Path, font: CjkFont, context=None):
        self.data_dir = Path(data_dir)
        self.font = font
        boundaries = (partial(display_boundaries, context) if context is not None
                      else partial(load_boundaries, self.data_dir / "boundaries"))
        self.boundaries = boundaries("fine")
        # Surroundings and the locator are small or grey: the coarse version will do.
        self.coarse = boundaries("coarse")
        self.types = maps.entity_types(self.data_dir)
        self.manifest = read_manifest(self.data_dir / "boundaries")
        self.plans = load_plans(self.data_dir)
        self._cache: OrderedDict[tuple, Rendered] = OrderedDict()
        self._lock = threading.Lock()
        self._indicators: tuple[tuple, dict] = ((), {})

    def cached(self, key: tuple, make) -> Rendered:
        """The rendering for ``key``, made once and kept in a small LRU cache."""
        with self._lock:
            if key in self._cache:
                self._cache.move_to_end(key)
                return self._cache[key]
        rendered = make()
        if len(rendered.data) <= CACHE_MAX_BYTES:
            with self._lock:
                self._cache[key] = rendered
                while len(self._cache) > CACHE_ENTRIES:
                    self._cache.popitem(last=False)
        return rendered

    def indicators(self, catalog) -> dict:
        """:func:`available_indicators`, recomputed only when a value layer changes."""
        key = data_key(catalog)
        with self._lock:
            if self._indicators[0] == key:
                return self._indicators[1]
        found = available_indicators(catalog)
        with self._lock:
            self._indicators = (key, found)
        return found

    def level(self, level: str, coarse: bool = False) -> gpd.GeoDataFrame:
        frame = self.coarse if coarse else self.boundaries
        return frame[frame["level"] == level]


@bp.record_once
def _setup(state) -> None:
    from web import services

    app = state.app
    svc = services(app)
    app.extensions[EXTENSION] = ExportState(svc.settings.data_dir, find_cjk_font(),
                                            svc.catalog.context)
    svc.add_link("静态地图导出", "江苏省地图（PNG，A4 横向 300 dpi）",
                           f"/export/{PROVINCE_MAP}.png")


def export_state(app=None) -> ExportState:
    return (app or current_app).extensions[EXTENSION]


# -- what a map shows ----------------------------------------------------------------

@dataclass
class MapArea:
    """A map's extent, its unit levels (default first) and the boundaries drawn (WGS84)."""

    title: str
    extent_shape: object
    units: dict[str, gpd.GeoDataFrame]
    outlines: gpd.GeoDataFrame
    context: gpd.GeoDataFrame
    corridor: gpd.GeoDataFrame | None = None


def map_area(state: ExportState, catalog, map_id: str) -> MapArea:
    """The area of map ``map_id``; NotFound if the service has no such map.

    As on the interactive maps: a province or a city by its counties, a
    province without county boundaries by its cities; ``corridor/<id>``.
    """
    if map_id.startswith(CORRIDOR_PREFIX):
        return _corridor_area(state, catalog, map_id[len(CORRIDOR_PREFIX):])
    match = state.boundaries[state.boundaries["adcode"] == map_id]
    if match.empty or match["level"].iloc[0] not in ("province", "city"):
        raise NotFound(f"no map {map_id!r}: use {PROVINCE_MAP} (江苏省), a city adcode "
                       f"such as 320700, or corridor/<id>")
    region = match.iloc[0]
    key = "province_adcode" if region["level"] == "province" else "city_adcode"
    inside = state.boundaries[(state.boundaries[key] == map_id)
                              & (state.boundaries["adcode"] != map_id)]
    units = {lvl: inside[inside["level"] == lvl].sort_values("adcode")
             for lvl in ("county", "city") if (inside["level"] == lvl).any()}
    if not units:
        raise NotFound(f"no map {map_id!r}: it has no units to show")
    same_level = state.level(region["level"], coarse=True)
    outlines = units.get("city", match) if region["level"] == "province" else match
    return MapArea(region["name"], match.geometry.iloc[0], units, outlines,
                   same_level[same_level["adcode"] != map_id])


def _corridor_area(state: ExportState, catalog, corridor_id: str) -> MapArea:
    rows = corridor_rows(catalog, corridor_id)
    if rows is None or rows.empty:
        raise NotFound(f"no corridor {corridor_id!r}")
    minx, miny, maxx, maxy = rows.total_bounds
    pad = max(maxx - minx, maxy - miny) * 0.25 + 0.03
    box = shapely.box(minx - pad, miny - pad, maxx + pad, maxy + pad)
    counties, cities = state.level("county"), state.level("city")
    near_cities = cities[cities.intersects(box)]
    far_cities = state.level("city", coarse=True)
    return MapArea(corridor_name(rows, corridor_id), box,
                   {"county": counties[counties.intersects(box)].sort_values("adcode")},
                   near_cities, far_cities[~far_cities["adcode"].isin(near_cities["adcode"])],
                   corridor=rows)


def _corridor_key(corridors) -> str | None:
    return next((c for c in ("corridor_id", "entity_id", "id") if c in corridors.columns),
                None)


def corridor_rows(catalog, corridor_id: str | None = None) -> gpd.GeoDataFrame | None:
    """The parts of corridor ``corridor_id`` (every corridor when None)."""
    corridors = catalog.frames.get("corridors")
    if corridors is None or corridors.empty or _corridor_key(corridors) is None:
        return None
    if corridor_id is None:
        return corridors
    return corridors[corridors[_corridor_key(corridors)].astype(str) == corridor_id]


def corridor_name(rows: gpd.GeoDataFrame, corridor_id: str) -> str:
    """The corridor's name: its own row's name, else the first name given."""
    key = _corridor_key(rows)
    own = rows[rows.get("id", rows[key]).astype(str) == corridor_id]
    for frame in (own, rows):
        for column in ("corridor_name", "name"):
            names = [n for n in frame.get(column, []) if isinstance(n, str) and n]
            if names:
                return names[0]
    return corridor_id


def available_indicators(catalog) -> dict:
    """Every indicator of the interactive maps' value sources, by id."""
    found: dict = {}
    for source in maps.VALUE_SOURCES:
        for indicator in source.indicators(catalog):
            found.setdefault(indicator.id, indicator)
    return found


def parse_map_choice(state: ExportState, area: MapArea, catalog, args: Mapping[str, str]):
    """The thematic choice, parsed and defaulted exactly as the interactive map does."""
    available = state.indicators(catalog)
    adcodes_at = {lvl: set(units["adcode"]) for lvl, units in area.units.items()}
    return maps.parse_choice(
        args, available, tuple(area.units),
        lambda lvl: maps._default_indicator(available, adcodes_at[lvl]))


def classified_units(area: MapArea, catalog, choice):
    """(units with colour, legend, cited plan ids): classes, colours and legend as on
    the interactive map (:mod:`geo.thematic`)."""
    units = area.units[choice.level]
    if choice.indicator is None:
        return units.assign(color=BASE_FILL), None, set()
    table = choice.indicator.source.table(catalog, choice.indicator, choice.kind, choice.year)
    joined = units.merge(table.drop(columns=["unit"], errors="ignore"), how="left",
                         left_on="adcode", right_on="region_adcode")
    joined["value"] = joined["value"].astype(float)
    try:
        classes = thematic.classify(joined["value"], choice.scheme, choice.k, choice.breaks)
    except ValueError as exc:
        raise InvalidParameter(str(exc)) from None
    derived = choice.indicator.derived
    colours = thematic.class_colors(classes, "count" if derived else choice.kind)
    unit = choice.indicator.unit if derived else thematic.value_unit(choice.kind,
                                                                     choice.indicator.unit)
    legend = thematic.legend(classes, colours, maps._legend_title(choice), unit)
    plan_ids = {s.get("plan_id") for sources in joined["sources"] if isinstance(sources, list)
                for s in sources} - {None, ""}
    return joined.assign(color=thematic.value_colors(classes, colours)), legend, plan_ids


def carriers_in(catalog, shape) -> gpd.GeoDataFrame | None:
    """Carrier entities inside ``shape`` as points (areas and multipoints by an inner point)."""
    entities = catalog.frames.get("entities")
    if entities is None or entities.empty:
        return None
    entities = entities[entities.geometry.notna()]
    points = entities[~entities.geometry.geom_type.isin(["LineString", "MultiLineString"])]
    points = points.assign(geometry=points.geometry.representative_point())
    return points[points.within(shape)]


def carrier_symbols(state: ExportState, carriers) -> dict[str, Symbol]:
    """Label, shape and colour per type: the knowledge base's, else the interactive
    map's fallback for the n-th type shown (same order, same colours)."""
    if carriers is None or carriers.empty:
        return {}
    known = state.types
    symbols = {}
    for i, kind in enumerate(sorted(carriers["type"].dropna().unique())):
        style = known.get(kind, {})
        shape = style.get("shape") or maps.TYPE_SHAPES[i % len(maps.TYPE_SHAPES)]
        colour = style.get("color") or maps.TYPE_COLORS[i % len(maps.TYPE_COLORS)]
        symbols[kind] = Symbol(style.get("label", kind), MARKERS.get(shape, "o"), colour,
                               7.5 if shape == "star" else 5.5)
    return symbols


def build_drawing(state: ExportState, catalog, req: ExportRequest) -> MapDrawing:
    """Everything the export of ``req`` shows; NotFound/InvalidParameter on bad input."""
    area = map_area(state, catalog, req.map_id)
    choice = parse_map_choice(state, area, catalog, req.args)
    units, legend, plan_ids = classified_units(area, catalog, choice)
    units = units.assign(label=units["short_name"])
    carriers = carriers_in(catalog, area.extent_shape)
    corridors = area.corridor if area.corridor is not None else _corridors_in(catalog, area)
    for frame in (carriers, corridors):
        if frame is not None and "plan_id" in frame:
            plan_ids |= set(frame["plan_id"].dropna()) - {""}
    extent = tuple(gpd.GeoSeries([area.extent_shape]).total_bounds)
    provinces = state.level("province", coarse=True)
    return MapDrawing(
        title=f"{area.title} · {choice.indicator.name}" if choice.indicator
        else f"{area.title} 创新布局",
        subtitle=_subtitle(choice, legend),
        units=units, extent=extent, legend=legend, outlines=area.outlines,
        context=pd.concat([provinces, area.context]),
        carriers=carriers, symbols=carrier_symbols(state, carriers), corridors=corridors,
        locator=provinces, locator_highlight=area.extent_shape,
        note=source_note(state, plan_ids, extent),
        corridor_label=area.title if area.corridor is not None else "科技创新走廊")


def _corridors_in(catalog, area: MapArea):
    rows = corridor_rows(catalog)
    return None if rows is None else rows[rows.intersects(area.extent_shape)]


def _subtitle(choice, legend) -> str:
    level = maps.LEVEL_LABELS.get(choice.level, choice.level)
    if legend is None:
        return f"行政区划（{level}）与创新载体"
    if choice.indicator.derived:
        what = "载体数量"
    else:
        year = f"{choice.year}年" if choice.year else "各地最新年份"
        what = f"{thematic.VALUE_KIND_LABELS[choice.kind]} · {year}"
    count = f"（{len(legend.entries)}级）" if legend.entries else ""
    return f"{what} · {thematic.SCHEME_LABELS[choice.scheme]}{count} · 统计单元：{level}"


def source_note(state: ExportState, plan_ids: set, extent) -> str:
    """Plan titles the map rests on, the boundary source, the data datum and the projection."""
    plans = [state.plans[p] for p in sorted(plan_ids) if p in state.plans]
    titles = "、".join(f"《{p.title}》" + (f"（{p.doc_number}）" if p.doc_number else "")
                       for p in plans) or "无（本图未使用规划数据）"
    m = state.manifest
    epsg = map_crs((extent[0] + extent[2]) / 2).to_epsg()
    meridian = 75 + 3 * (epsg - 4534)
    return (f"资料来源：{titles}。行政区划：{m['source']} {m['source_version']}"
            f"（{m['source_datum']} 已转换为 {m['datum']}）。数据坐标系：WGS84（RFC 7946 经纬度）；"
            f"投影：CGCS2000 3度带高斯-克吕格，中央经线 {meridian}°E（EPSG:{epsg}）。"
            f"空心符号为示意位置（县、市中心），非实际地址。")


def data_key(catalog) -> tuple:
    """Identifies the data a rendering rests on: changes when any layer is reloaded."""
    return (id(catalog), catalog.generation)


def export_map(state: ExportState, catalog, req: ExportRequest) -> Rendered:
    """Render (or take from the cache) the export ``req`` for the current data."""
    return state.cached(req.key + data_key(catalog), lambda: render_map(build_drawing(state, catalog, req),
                                                    req.page, req.fmt, state.font))


# -- HTTP ----------------------------------------------------------------------------

def _respond(map_id: str, fmt: str) -> Response:
    from flask import request

    from web import services

    req = parse_request(map_id, fmt, request.args)
    rendered = export_map(export_state(), services().catalog, req)
    response = Response(rendered.data, mimetype=rendered.mimetype)
    response.headers["Content-Disposition"] = f'attachment; filename="{req.filename()}"'
    response.headers["X-Map-CRS"] = f"EPSG:{rendered.crs.to_epsg()}"
    return response


@bp.get("/export/<map_id>.<fmt>")
def export_region(map_id: str, fmt: str):
    return _respond(map_id, fmt)


@bp.get("/export/corridor/<corridor_id>.<fmt>")
def export_corridor(corridor_id: str, fmt: str):
    return _respond(CORRIDOR_PREFIX + corridor_id, fmt)


def export_links(map_id: str, query_args: Mapping[str, str] | None = None
                 ) -> list[tuple[str, str]]:
    """Download links of a map page: (label, url) for PNG, SVG and PDF.

    ``map_id`` is ``320000``, a city adcode or ``corridor/<id>``; the thematic
    arguments of ``query_args`` (indicator, kind, year, scheme, k, breaks) are
    kept, page arguments (size, orientation, dpi) too when given.
    """
    args = {k: v for k, v in (query_args or {}).items()
            if k in THEMATIC_ARGS + PAGE_ARGS and v not in (None, "")}
    query = f"?{urlencode(args)}" if args else ""
    size = args.get("size", PAGE_DEFAULTS["size"])
    orientation = "横向" if args.get("orientation", PAGE_DEFAULTS["orientation"]) == \
        "landscape" else "纵向"
    dpi = args.get("dpi", PAGE_DEFAULTS["dpi"])
    return [(f"下载 PNG 图片（{size} {orientation} {dpi} dpi）", f"/export/{map_id}.png{query}"),
            (f"下载 SVG 矢量图（{size} {orientation}）", f"/export/{map_id}.svg{query}"),
            (f"下载 PDF 打印版（{size} {orientation}）", f"/export/{map_id}.pdf{query}")]

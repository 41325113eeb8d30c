"""Static map export: ``/export/<map>.<fmt>``, download links for the map pages.

The same maps as the interactive pages, as print-ready files:

- ``/export/320000.png`` – 江苏省; ``/export/<city adcode>.<fmt>`` – a city
  (320700 连云港, 321300 宿迁, 341300 宿州, …);
- ``/export/corridor/<id>.<fmt>`` – a corridor (e.g. 花果山大道科技创新走廊);

with ``fmt`` png, svg or pdf and the query parameters ``indicator``, ``kind``
(baseline|target|gap|cagr), ``year``, ``scheme`` (quantiles|natural_breaks|
equal_interval|user_defined), ``k``, ``breaks`` (comma-separated, for
user_defined), ``size`` (A4|A3), ``orientation`` (portrait|landscape) and
``dpi`` (72–600). Values, classes, colours and legend come from
:mod:`geo.thematic`, as on the interactive maps; drawing is
:mod:`geo.cartography`. ``innomap export`` (:mod:`web.cli`) gives the same bytes.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import dataclass
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
from layers.plans import load_plans
from web.errors import InvalidParameter, NotFound

EXTENSION = "innomap.export"
PROVINCE_MAP = "320000"
CORRIDOR_PREFIX = "corridor/"
DEFAULTS = {"kind": "target", "scheme": "quantiles", "k": "5", "size": "A4",
            "orientation": "landscape", "dpi": "300"}
THEMATIC_ARGS = ("indicator", "kind", "year", "scheme", "k", "breaks")
PAGE_ARGS = ("size", "orientation", "dpi")
VALUE_LAYERS = ("targets", "county-metrics")
CACHE_ENTRIES = 24
CACHE_MAX_BYTES = 16_000_000
BASE_FILL = "#eef2f5"
# Carrier symbols by entity type; types not listed get a grey circle.
SYMBOLS = {
    "high_tech_zone": Symbol("高新区", "s", "#6a3d9a", 6.5),
    "development_zone": Symbol("开发区", "s", "#cab2d6", 6.0),
    "park": Symbol("园区", "D", "#b15928", 5.0),
    "science_park": Symbol("科技园区", "D", "#b15928", 5.0),
    "university": Symbol("高校", "^", "#1f78b4", 5.5),
    "research_institute": Symbol("科研院所", "v", "#33a02c", 5.5),
    "platform": Symbol("创新平台", "o", "#e31a1c", 4.5),
    "lab": Symbol("实验室", "P", "#ff7f00", 5.5),
    "incubator": Symbol("孵化载体", "h", "#fb9a99", 5.0),
    "enterprise": Symbol("企业", "*", "#000000", 6.0),
}
OTHER_SYMBOL = Symbol("其他载体", "o", "#666666", 4.0)

bp = Blueprint("export", __name__)


# -- request -------------------------------------------------------------------------

@dataclass(frozen=True)
class ExportRequest:
    """One export, validated: which map, what values, which classes, what paper."""

    map_id: str
    fmt: str
    page: Page
    indicator: str | None = None
    kind: str = "target"
    year: int | None = None
    scheme: str = "quantiles"
    k: int = 5
    breaks: tuple[float, ...] | None = None

    @property
    def key(self) -> tuple:
        return (self.map_id, self.fmt, self.page, self.indicator, self.kind, self.year,
                self.scheme, self.k, self.breaks)

    def filename(self) -> str:
        parts = [self.map_id.replace("/", "-"), self.indicator, self.kind if self.indicator
                 else None, str(self.year) if self.year else None, self.page.size,
                 self.page.orientation, f"{self.page.dpi}dpi"]
        return "innomap-" + "-".join(p for p in parts if p) + f".{self.fmt}"


def parse_request(map_id: str, fmt: str, args: Mapping[str, str]) -> ExportRequest:
    """Validate the export parameters; InvalidParameter names the bad one."""
    if fmt not in FORMATS:
        raise InvalidParameter(f"format must be one of {', '.join(FORMATS)}, got {fmt!r}")
    values = {**DEFAULTS, **{k: v for k, v in args.items() if v not in (None, "")}}
    kind, scheme = values["kind"], values["scheme"]
    if kind not in thematic.VALUE_KINDS:
        raise InvalidParameter(f"kind must be one of {', '.join(thematic.VALUE_KINDS)}, "
                               f"got {kind!r}")
    if scheme not in thematic.SCHEMES:
        raise InvalidParameter(f"scheme must be one of {', '.join(thematic.SCHEMES)}, "
                               f"got {scheme!r}")
    breaks = _floats("breaks", values.get("breaks"))
    if scheme == "user_defined" and not breaks:
        raise InvalidParameter("scheme user_defined needs breaks, e.g. breaks=1,2.5,4")
    try:
        page = Page(values["size"], values["orientation"], _int("dpi", values["dpi"]))
    except ValueError as exc:
        raise InvalidParameter(str(exc)) from None
    year = _int("year", values["year"]) if "year" in values else None
    if year is not None and not 1949 <= year <= 2100:
        raise InvalidParameter(f"year must be a year such as 2025, got {year}")
    return ExportRequest(map_id=map_id, fmt=fmt, page=page,
                         indicator=values.get("indicator"), kind=kind, year=year,
                         scheme=scheme, k=_int("k", values["k"]), breaks=breaks)


def _int(name: str, raw) -> int:
    try:
        return int(str(raw))
    except ValueError:
        raise InvalidParameter(f"{name} must be an integer, got {raw!r}") from None


def _floats(name: str, raw) -> tuple[float, ...] | None:
    if raw is None:
        return None
    try:
        return tuple(float(x) for x in str(raw).split(",") if x.strip())
    except ValueError:
        raise InvalidParameter(f"{name} must be comma-separated numbers, got {raw!r}") from None


# -- data per app --------------------------------------------------------------------

class ExportState:
    """What exports share for the life of an app: font, display boundaries, cache."""

    def __init__(self, data_dir: Path, font: CjkFont):
        self.data_dir = Path(data_dir)
        self.font = font
        self.boundaries = load_boundaries(self.data_dir / "boundaries", "fine")
        self.manifest = read_manifest(self.data_dir / "boundaries")
        self.plans = load_plans(self.data_dir)
        self._cache: OrderedDict[tuple, Rendered] = OrderedDict()
        self._lock = threading.Lock()

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

    def level(self, level: str) -> gpd.GeoDataFrame:
        return self.boundaries[self.boundaries["level"] == level]


@bp.record_once
def _setup(state) -> None:
    from web import services

    app = state.app
    app.extensions[EXTENSION] = ExportState(services(app).settings.data_dir, find_cjk_font())
    services(app).add_link("静态地图导出", "江苏省地图（PNG，A4 横向 300 dpi）",
                           f"/export/{PROVINCE_MAP}.png")


def export_state(app=None) -> ExportState:
    return (app or current_app).extensions[EXTENSION]


# -- what a map shows ----------------------------------------------------------------

def _frame(catalog, layer_id: str) -> gpd.GeoDataFrame | None:
    """The loaded layer ``layer_id``, or None while the service has no such layer."""
    return catalog.frames.get(layer_id)


def value_frame(catalog) -> pd.DataFrame:
    """Region-wide baselines and targets of every value layer, in one long table."""
    frames = []
    for layer_id in VALUE_LAYERS:
        frame = _frame(catalog, layer_id)
        if frame is None:
            continue
        frame = pd.DataFrame(frame.drop(columns=[frame.geometry.name]))
        for column in ("subject", "entity_id"):
            if column in frame.columns:
                frame = frame[frame[column].fillna("") == ""]
        frames.append(frame)
    columns = list(thematic.REQUIRED_COLUMNS)
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=columns)


@dataclass
class MapArea:
    """A map's extent and the boundaries drawn on it (WGS84)."""

    title: str
    extent_shape: object
    counties: gpd.GeoDataFrame
    cities: gpd.GeoDataFrame
    outlines: gpd.GeoDataFrame
    context: gpd.GeoDataFrame
    corridor: gpd.GeoDataFrame | None = None


def map_area(state: ExportState, catalog, map_id: str) -> MapArea:
    """The area of map ``map_id``; NotFound if there is no such map."""
    if map_id.startswith(CORRIDOR_PREFIX):
        return _corridor_area(state, catalog, map_id[len(CORRIDOR_PREFIX):])
    provinces, cities, counties = (state.level(v) for v in ("province", "city", "county"))
    if map_id == PROVINCE_MAP:
        shape = provinces[provinces["adcode"] == map_id]
        return MapArea(shape["name"].iloc[0], shape.geometry.iloc[0],
                       counties[counties["province_adcode"] == map_id],
                       cities[cities["province_adcode"] == map_id],
                       cities[cities["province_adcode"] == map_id],
                       provinces[provinces["adcode"] != map_id])
    shape = cities[cities["adcode"] == map_id]
    if shape.empty:
        raise NotFound(f"no map {map_id!r}: use {PROVINCE_MAP} (江苏省), a city adcode "
                       f"such as 320700, or corridor/<id>")
    return MapArea(shape["name"].iloc[0], shape.geometry.iloc[0],
                   counties[counties["city_adcode"] == map_id], shape, shape,
                   cities[cities["adcode"] != map_id])


def _corridor_area(state: ExportState, catalog, corridor_id: str) -> MapArea:
    corridors = corridor_frame(catalog)
    match = corridors[corridors["id"] == corridor_id] if corridors is not None else None
    if match is None or match.empty:
        raise NotFound(f"no corridor {corridor_id!r}")
    line = match.geometry.iloc[0]
    minx, miny, maxx, maxy = line.bounds
    pad = max(maxx - minx, maxy - miny) * 0.25 + 0.05
    box = shapely.box(minx - pad, miny - pad, maxx + pad, maxy + pad)
    counties, cities = state.level("county"), state.level("city")
    near = counties[counties.intersects(box)]
    near_cities = cities[cities.intersects(box)]
    return MapArea(str(match["name"].iloc[0]), box, near, near_cities, near_cities,
                   cities[~cities.index.isin(near_cities.index)], corridor=match)


def corridor_frame(catalog) -> gpd.GeoDataFrame | None:
    """Corridor lines: the ``corridors`` layer, else line entities of type corridor."""
    corridors = _frame(catalog, "corridors")
    if corridors is not None:
        return corridors
    entities = _frame(catalog, "entities")
    if entities is None:
        return None
    lines = entities.geometry.geom_type.isin(["LineString", "MultiLineString"])
    return entities[lines & (entities["type"] == "corridor")]


def classified_units(area: MapArea, values: pd.DataFrame, req: ExportRequest):
    """(units with colour, legend, cited plan ids) for the request's indicator."""
    units = area.counties if len(area.counties) else area.cities
    if not req.indicator:
        return units.assign(color=BASE_FILL), None, set()
    if req.indicator not in set(values["indicator_id"]):
        raise InvalidParameter(f"unknown indicator {req.indicator!r}")
    table = thematic.value_table(values, req.indicator, req.kind, req.year)
    units = _best_level(area, set(table["region_adcode"]))
    joined = units.merge(table[["region_adcode", "value", "unit", "sources"]], how="left",
                         left_on="adcode", right_on="region_adcode")
    try:
        classes = thematic.classify(joined["value"], req.scheme, req.k, req.breaks)
    except ValueError as exc:
        raise InvalidParameter(str(exc)) from None
    colours = thematic.class_colors(classes, req.kind)
    unit = next((u for u in table["unit"] if isinstance(u, str) and u), "")
    legend = thematic.legend(classes, colours, _indicator_name(values, req.indicator), unit)
    plan_ids = {s["plan_id"] for sources in joined["sources"] if isinstance(sources, list)
                for s in sources if s.get("plan_id")}
    return joined.assign(color=thematic.value_colors(classes, colours)), legend, plan_ids


def _best_level(area: MapArea, adcodes: set) -> gpd.GeoDataFrame:
    """Counties, or cities when the values are by city (county values win a tie)."""
    county_hits = area.counties["adcode"].isin(adcodes).sum()
    city_hits = area.cities["adcode"].isin(adcodes).sum()
    if len(area.counties) and county_hits >= city_hits:
        return area.counties
    return area.cities


def _indicator_name(values: pd.DataFrame, indicator: str) -> str:
    if "indicator_name" in values.columns:
        names = values.loc[values["indicator_id"] == indicator, "indicator_name"].dropna()
        if len(names):
            return str(names.iloc[0])
    return indicator


def carriers_in(catalog, shape) -> gpd.GeoDataFrame | None:
    """Point entities (polygons by an inner point) inside ``shape``."""
    entities = _frame(catalog, "entities")
    if entities is None or entities.empty:
        return None
    points = entities[~entities.geometry.geom_type.isin(["LineString", "MultiLineString"])]
    points = points.assign(geometry=points.geometry.representative_point())
    return points[points.within(shape)]


def build_drawing(state: ExportState, catalog, req: ExportRequest,
                  values: pd.DataFrame | None = None) -> MapDrawing:
    """Everything the export of ``req`` shows; NotFound/InvalidParameter on bad input.

    ``values`` is the long value table (default: the catalog's value layers).
    """
    area = map_area(state, catalog, req.map_id)
    values = value_frame(catalog) if values is None else values
    units, legend, plan_ids = classified_units(area, values, req)
    units = units.assign(label=units["short_name"] if "short_name" in units else "")
    carriers = carriers_in(catalog, area.extent_shape)
    if carriers is not None and "plan_id" in carriers:
        plan_ids |= set(carriers["plan_id"].dropna()) - {""}
    extent = tuple(gpd.GeoSeries([area.extent_shape]).total_bounds)
    provinces = state.level("province")
    return MapDrawing(
        title=_title(area, legend),
        subtitle=_subtitle(req, legend),
        units=units, extent=extent, legend=legend, outlines=area.outlines,
        context=pd.concat([provinces, area.context]) if len(area.context) else provinces,
        carriers=carriers, symbols=_symbols(carriers), corridors=area.corridor,
        locator=provinces, locator_highlight=area.extent_shape,
        note=source_note(state, plan_ids, area, extent))


def _title(area: MapArea, legend) -> str:
    return f"{area.title} · {legend.title}" if legend is not None else f"{area.title} 创新布局"


def _subtitle(req: ExportRequest, legend) -> str:
    if legend is None:
        return "行政区划与创新载体"
    year = f"{req.year}年" if req.year else "各地最新年份"
    scheme = thematic.SCHEME_LABELS[req.scheme]
    count = f"（{len(legend.entries)}级）" if legend.entries else ""
    return f"{thematic.VALUE_KIND_LABELS[req.kind]} · {year} · {scheme}{count}"


def _symbols(carriers) -> dict[str, Symbol]:
    if carriers is None:
        return {}
    return {t: SYMBOLS.get(t, Symbol(OTHER_SYMBOL.label + f"（{t}）", OTHER_SYMBOL.marker,
                                     OTHER_SYMBOL.color, OTHER_SYMBOL.size))
            for t in sorted(set(carriers["type"]))}


def source_note(state: ExportState, plan_ids: set, area: MapArea, extent) -> str:
    """Plan titles the map rests on, the boundary source, the data datum and the projection."""
    plans = [state.plans[p] for p in sorted(plan_ids) if p in state.plans]
    titles = "、".join(f"《{p.title}》" + (f"（{p.doc_number}）" if p.doc_number else "")
                       for p in plans) or "无（本图未使用规划数值）"
    m = state.manifest
    epsg = map_crs((extent[0] + extent[2]) / 2).to_epsg()
    meridian = 75 + 3 * (epsg - 4534)
    return (f"资料来源：{titles}。行政区划：{m['source']} {m['source_version']}"
            f"（{m['source_datum']} 已转换为 {m['datum']}）。数据坐标系：WGS84（RFC 7946 经纬度）；"
            f"投影：CGCS2000 3度带高斯-克吕格，中央经线 {meridian}°E（EPSG:{epsg}）。")


def export_map(state: ExportState, catalog, req: ExportRequest) -> Rendered:
    """Render (or take from the cache) the export ``req``."""
    return state.cached(req.key, lambda: render_map(build_drawing(state, catalog, req),
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
    size = args.get("size", DEFAULTS["size"])
    orientation = "横向" if args.get("orientation", DEFAULTS["orientation"]) == "landscape" \
        else "纵向"
    dpi = args.get("dpi", DEFAULTS["dpi"])
    return [(f"下载 PNG 图片（{size} {orientation} {dpi} dpi）", f"/export/{map_id}.png{query}"),
            (f"下载 SVG 矢量图（{size} {orientation}）", f"/export/{map_id}.svg{query}"),
            (f"下载 PDF 打印版（{size} {orientation}）", f"/export/{map_id}.pdf{query}")]

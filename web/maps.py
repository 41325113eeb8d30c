"""Interactive maps for officials: target choropleths, carriers and corridors.

``/maps/<adcode>`` maps the province (320000) or a city by its counties (or a
province by its cities when it has no county boundaries here); the query string
picks what the choropleth shows::

    ?indicator=<id>&kind=baseline|target|gap|cagr&year=2025
     &scheme=quantiles|natural_breaks|equal_interval|user_defined&k=5&breaks=1,2,3
     &level=county|city

``/maps/corridor/<id>`` maps one corridor. Every page is built with Folium and
loads only assets served by innomap (``/vendor/…`` and ``/static/…``).

Choropleth values come from :data:`VALUE_SOURCES` (plan targets, carriers per
county, imported metrics); classes, colours and legends from :mod:`geo.thematic`,
which the static exports share.
"""

from __future__ import annotations

import abc
import gzip
import math
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote, urlencode

import folium
import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from flask import Blueprint, current_app, render_template, request, url_for

from geo import thematic
from geo.datum import geometry_wgs84_to_gcj02
from layers.boundaries import display_boundaries
from layers.entities import read_entity_types
from layers.plans import load_plans
from web import services
from web.assets import vendor_url
from web.errors import InvalidParameter, NotFound
from web.map_elements import DataLayer, MapControls, offline_map, popup_html, text_html

bp = Blueprint("maps", __name__, url_prefix="/maps")
EXTENSION = "innomap.maps"
PROVINCE = "320000"
LINK_SECTION = "交互地图"
LEVEL_LABELS = {"province": "省", "city": "设区市", "county": "县（市、区）"}
PRECISION_LABELS = {"site": "精确位置", "approximate": "大致位置",
                    "county_centroid": "县区中心（示意位置）",
                    "city_centroid": "城市中心（示意位置）"}
# Display resolution and coordinate decimals by the extent a page shows.
RESOLUTION = {"province": ("medium", 3), "city": ("fine", 4)}
# Okabe-Ito colours (colour-blind safe) and distinct marker shapes, in type order.
TYPE_COLORS = ("#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9",
               "#000000", "#F0E442")
TYPE_SHAPES = ("circle", "square", "triangle", "diamond", "star", "hexagon",
               "triangle-down", "cross")
DEFAULT_SCHEME = "natural_breaks"  # skewed counts (most counties 0) read best in Jenks classes
MAX_OPEN_LAYER_LIST = 14  # more overlays than this: the layer list opens on hover
PART_LABELS = {"corridor": "走廊", "centre_line": "中心线", "divider": "分界线",
               "zone": "片区", "node": "节点", "buffer": "缓冲区"}
PART_ORDER = ("buffer", "zone", "corridor", "centre_line", "divider", "node")  # drawn bottom up


# ---------------------------------------------------------------- value sources

@dataclass(frozen=True)
class Indicator:
    """An indicator a choropleth can show, and the value source it comes from."""

    id: str
    name: str
    unit: str
    kinds: tuple[str, ...]
    steps: tuple[tuple[int, str], ...]
    adcodes: frozenset[str]
    source: "ValueSource"

    @property
    def derived(self) -> bool:
        return isinstance(self.source, CarrierCounts)


class ValueSource(abc.ABC):
    """Where regional values come from. Adding a source is one entry in VALUE_SOURCES."""

    layer_id: str

    def raw(self, catalog) -> pd.DataFrame | None:
        return catalog.frames.get(self.layer_id)

    @abc.abstractmethod
    def indicators(self, catalog) -> list[Indicator]:
        """The indicators this source has values for."""

    @abc.abstractmethod
    def table(self, catalog, indicator: Indicator, kind: str,
              year: int | None) -> pd.DataFrame:
        """Values per region, shaped like :func:`geo.thematic.value_table`."""


class TargetValues(ValueSource):
    """Values in the long format: plan baselines/targets, or imported metrics.

    ``prefix`` keeps the source's indicator ids apart from the plans' ids;
    ``kind`` is given to rows without one (imported metrics are observed values,
    shown as 基期值/现状 of their year).
    """

    def __init__(self, layer_id: str, prefix: str = "", kind: str = "baseline",
                 label: str = ""):
        self.layer_id, self.prefix, self.kind, self.label = layer_id, prefix, kind, label

    def frame(self, catalog) -> pd.DataFrame | None:
        frame = self.raw(catalog)
        if frame is None or frame.empty:
            return None
        if "kind" not in frame.columns:
            frame = frame.assign(kind=self.kind)
        if self.prefix:
            frame = frame.assign(indicator_id=self.prefix + frame["indicator_id"].astype(str))
        return frame

    def indicators(self, catalog) -> list[Indicator]:
        frame = self.frame(catalog)
        if frame is None:
            return []
        if "indicator_name" not in frame.columns:
            frame = frame.assign(indicator_name=self._names(catalog, frame["indicator_id"]))
        out = []
        for row in thematic.indicator_summary(frame).itertuples():
            kinds = tuple(k for k in ("baseline", "target") if k in row.kinds)
            if len(kinds) == 2:
                kinds += ("gap", "cagr")
            out.append(Indicator(row.indicator_id, f"{row.indicator_name}{self.label}",
                                 str(row.unit or ""), kinds,
                                 tuple(thematic.time_steps(frame, row.indicator_id)),
                                 frozenset(row.adcodes), self))
        return out

    def table(self, catalog, indicator, kind, year):
        return thematic.value_table(self.frame(catalog), indicator.id, kind, year)

    def _names(self, catalog, ids: pd.Series) -> pd.Series:
        """Indicator names from the plans' targets where the ids match, else the id."""
        targets = catalog.frames.get("targets")
        names = {} if targets is None or "indicator_name" not in targets.columns else dict(
            zip(self.prefix + targets["indicator_id"], targets["indicator_name"]))
        return ids.map(lambda i: names.get(i, i.removeprefix(self.prefix)))


class CarrierCounts(ValueSource):
    """Carriers per county, in total and by type, from the ``county-metrics`` layer.

    Its columns ``carriers`` (total) and ``n_<type>`` become the indicators
    ``carriers.total`` and ``carriers.<type>``; types no county has are left out.
    """

    def __init__(self, layer_id: str = "county-metrics"):
        self.layer_id = layer_id

    @staticmethod
    def _columns(frame) -> dict[str, str]:
        """Indicator id -> column, for the count columns with any carrier."""
        out = {}
        if "carriers" in frame.columns:
            out["carriers.total"] = "carriers"
        for column in frame.columns:
            if column.startswith("n_") and pd.api.types.is_numeric_dtype(frame[column]) \
                    and frame[column].sum() > 0:
                out[f"carriers.{column[2:]}"] = column
        return out

    def indicators(self, catalog) -> list[Indicator]:
        frame = self.raw(catalog)
        if frame is None or frame.empty:
            return []
        labels = entity_type_labels(catalog)
        adcodes = frozenset(frame["adcode"].astype(str))
        return [Indicator(key, _carrier_label(key, labels), "个", ("baseline",), (), adcodes,
                          self) for key in self._columns(frame)]

    def table(self, catalog, indicator, kind, year):
        frame = self.raw(catalog)
        column = self._columns(frame)[indicator.id]
        return pd.DataFrame({
            "region_adcode": frame["adcode"].astype(str), "value": frame[column].astype(float),
            "unit": "个", "year": np.nan, "baseline": np.nan, "baseline_year": np.nan,
            "target": np.nan, "target_year": np.nan, "qualifier": None,
            "sources": [[] for _ in range(len(frame))],
            "details": self._carrier_names(catalog, frame, indicator.id)})

    @staticmethod
    def _carrier_names(catalog, frame, indicator_id: str) -> list[list[tuple[str, str]]]:
        """Popup rows naming the county's carriers (of the indicator's type)."""
        entities = catalog.frames.get("entities")
        if entities is None or "entity_ids" not in frame.columns:
            return [[] for _ in range(len(frame))]
        by_id = entities.set_index("id")
        wanted = indicator_id.removeprefix("carriers.")
        out = []
        for ids in frame["entity_ids"]:
            known = [i for i in str(ids or "").split("|") if i in by_id.index]
            names = [by_id.at[i, "name"] for i in known
                     if wanted == "total" or by_id.at[i, "type"] == wanted]
            out.append([("载体", "、".join(names))] if names else [])
        return out


def _carrier_label(key: str, labels: dict[str, str]) -> str:
    stem = key.removeprefix("carriers.")
    if stem == "total":
        return "规划所列创新载体数量（合计）"
    return f"规划所列创新载体数量：{labels.get(stem, stem)}"


# Where choropleth values come from; a new source of regional values is one line.
VALUE_SOURCES: tuple[ValueSource, ...] = (
    CarrierCounts("county-metrics"),
    TargetValues("targets"),
    TargetValues("imported-metrics", prefix="imported.", label="（导入数据）"),
)


def indicators(app=None) -> dict[str, Indicator]:
    """Every indicator of every value source, recomputed when a source frame changes."""
    data = map_data(app)
    catalog = services(app).catalog
    key = (getattr(catalog, "generation", 0),
           *(id(catalog.frames.get(s.layer_id)) for s in VALUE_SOURCES))
    if data.indicator_cache[0] != key:
        found: dict[str, Indicator] = {}
        for source in VALUE_SOURCES:
            for indicator in source.indicators(catalog):
                found.setdefault(indicator.id, indicator)
        data.indicator_cache = (key, found)
    return data.indicator_cache[1]


def entity_types(data_dir: Path) -> dict[str, dict]:
    """Label, symbol and colour per entity type from ``data/kb/entity_types.csv``.

    The static exports draw the same symbols and colours from the same file.
    """
    if not (Path(data_dir) / "kb" / "entity_types.csv").exists():
        return {}
    return {row["id"]: {"label": row["label"] or row["id"], "shape": row["symbol"],
                        "color": row["colour"]}
            for row in read_entity_types(data_dir).to_dict("records")}


def entity_type_labels(catalog) -> dict[str, str]:
    return {key: value["label"]
            for key, value in entity_types(catalog.context.data_dir).items()}


# ---------------------------------------------------------------- per-app data

@dataclass
class MapData:
    """Loaded once per app: display boundaries by resolution, plan titles, type labels."""

    boundaries: dict[str, gpd.GeoDataFrame]
    plan_titles: dict[str, str]
    types: dict[str, dict]
    indicator_cache: tuple = ((), {})


def map_data(app=None) -> MapData:
    return (app or current_app).extensions[EXTENSION]


@bp.record_once
def _setup(state) -> None:
    app = state.app
    svc = services(app)
    app.extensions[EXTENSION] = MapData(
        boundaries={r: display_boundaries(svc.catalog.context, r) for r in ("fine", "medium")},
        plan_titles={p.id: p.title for p in load_plans(svc.settings.data_dir).values()},
        types=entity_types(svc.settings.data_dir))
    indicators(app)  # once here, so that no visitor waits for it
    _add_links(app)


def _add_links(app) -> None:
    """Index links to every map (routes are not built yet here, so plain paths)."""
    svc = services(app)
    counties = svc.catalog.frame("boundaries-county")
    cities = svc.catalog.frame("boundaries-city")
    svc.add_link(LINK_SECTION, "江苏省：县（市、区）目标与创新载体", f"{bp.url_prefix}/{PROVINCE}")
    for row in cities.sort_values("adcode").itertuples():
        if (counties["city_adcode"] == row.adcode).any():
            svc.add_link(LINK_SECTION, f"{row.name}：县区目标与创新载体",
                         f"{bp.url_prefix}/{row.adcode}")
    for corridor_id, name in _corridor_names(svc.catalog.frames.get("corridors")):
        svc.add_link(LINK_SECTION, f"走廊：{name}",
                     f"{bp.url_prefix}/corridor/{quote(corridor_id, safe='')}")


# ---------------------------------------------------------------- request parsing

@dataclass(frozen=True)
class Choice:
    """What the choropleth shows, parsed from the query string."""

    indicator: Indicator | None
    kind: str
    year: int | None
    scheme: str
    k: int
    breaks: tuple[float, ...] | None
    level: str


def parse_choice(args, available: dict[str, Indicator], levels: tuple[str, ...],
                 default_indicator) -> Choice:
    """Validate the query string; InvalidParameter names the bad parameter.

    ``levels`` are the unit levels this map can show (the first is the default);
    ``default_indicator(level)`` picks the indicator when the query names none.
    """
    level = args.get("level", levels[0])
    if level not in levels:
        raise InvalidParameter(f"参数 level 无效：{level!r}；此图可选 {', '.join(levels)}")
    if "indicator" in args:
        indicator = _parse_indicator(args.get("indicator"), available)
    else:
        indicator = default_indicator(level)
    kind = args.get("kind", "")
    if indicator is not None:
        kind = kind or ("target" if "target" in indicator.kinds else indicator.kinds[0])
        if kind not in indicator.kinds:
            raise InvalidParameter(f"参数 kind 无效：{kind!r}；指标“{indicator.name}”可选 "
                                   f"{', '.join(indicator.kinds)}")
    elif kind and kind not in thematic.VALUE_KINDS:
        raise InvalidParameter(f"参数 kind 无效：{kind!r}；可选 {', '.join(thematic.VALUE_KINDS)}")
    scheme = args.get("scheme", DEFAULT_SCHEME)
    if scheme not in thematic.SCHEMES:
        raise InvalidParameter(f"参数 scheme 无效：{scheme!r}；可选 {', '.join(thematic.SCHEMES)}")
    k = _parse_int(args, "k", 5, 1, thematic.MAX_CLASSES)
    year = _parse_int(args, "year", None, 1949, 2100)
    breaks = _parse_breaks(args.get("breaks"), scheme)
    return Choice(indicator, kind or "target", year, scheme, k, breaks, level)


def _parse_indicator(raw: str, available: dict[str, Indicator]) -> Indicator | None:
    if not raw:
        return None
    if raw not in available:
        raise InvalidParameter(f"参数 indicator 无效：未知指标 {raw!r}")
    return available[raw]


def _parse_int(args, name: str, default, low: int, high: int):
    raw = args.get(name)
    if raw in (None, ""):
        return default
    try:
        value = int(raw)
    except ValueError:
        raise InvalidParameter(f"参数 {name} 应为整数，收到 {raw!r}") from None
    if not low <= value <= high:
        raise InvalidParameter(f"参数 {name} 应在 {low}–{high} 之间，收到 {value}")
    return value


def _parse_breaks(raw: str | None, scheme: str) -> tuple[float, ...] | None:
    if scheme != "user_defined":
        if raw:
            raise InvalidParameter("参数 breaks 只用于 scheme=user_defined")
        return None
    if not raw:
        raise InvalidParameter("scheme=user_defined 需要参数 breaks，例如 breaks=1,2,5")
    try:
        values = tuple(float(x) for x in raw.split(","))
    except ValueError:
        raise InvalidParameter(f"参数 breaks 应为逗号分隔的数字，收到 {raw!r}") from None
    if any(not math.isfinite(v) for v in values) or any(
            b <= a for a, b in zip(values, values[1:])):
        raise InvalidParameter(f"参数 breaks 应为递增的有限数字，收到 {raw!r}")
    if len(values) > thematic.MAX_CLASSES:
        raise InvalidParameter(f"参数 breaks 最多 {thematic.MAX_CLASSES} 个断点")
    return values


# ---------------------------------------------------------------- geometry

def _display_frame(gdf: gpd.GeoDataFrame, decimals: int) -> gpd.GeoDataFrame:
    """Geometry rounded to ``decimals`` and, with the 高德 basemap, shifted to GCJ-02."""
    out = gdf.copy()
    geoms = out.geometry.values
    if services().settings.map_basemap == "amap":
        geoms = [geometry_wgs84_to_gcj02(g) if g is not None else None for g in geoms]
    out[out.geometry.name] = shapely.transform(
        np.asarray(geoms, dtype=object), lambda xy: np.round(xy, decimals))
    return out


def _feature(geom, properties: dict) -> dict:
    return {"type": "Feature", "geometry": shapely.geometry.mapping(geom),
            "properties": properties}


def _label_point(geom) -> tuple[float, float]:
    """A point well inside the polygon (pole of inaccessibility), as (lat, lon)."""
    polygon = max(getattr(geom, "geoms", [geom]), key=lambda g: g.area)
    point = shapely.ops.polylabel(polygon, tolerance=0.002)
    return round(point.y, 4), round(point.x, 4)


def _bounds(gdf: gpd.GeoDataFrame):
    west, south, east, north = gdf.total_bounds
    return (south, west), (north, east)


# ---------------------------------------------------------------- map building

def _region(adcode: str, data: MapData) -> dict:
    """The region a map is of, as a plain dict; NotFound unless a province or city."""
    fine = data.boundaries["fine"]
    match = fine[fine["adcode"] == adcode]
    if match.empty:
        raise NotFound(f"没有行政区划代码为 {adcode} 的地图")
    region = match.iloc[0].drop(fine.geometry.name).to_dict()
    if region["level"] == "county":
        raise NotFound(f"{region['name']}（{adcode}）是县级单位：请打开其所在设区市的地图")
    return region


def _unit_rows(frame: gpd.GeoDataFrame, region: dict, level: str) -> gpd.GeoDataFrame:
    key = {"province": "province_adcode", "city": "city_adcode"}[region["level"]]
    return frame[(frame["level"] == level) & (frame[key] == region["adcode"])
                 & (frame["adcode"] != region["adcode"])]


def _levels(region: dict, data: MapData) -> tuple[str, ...]:
    """Unit levels the region's map can show, the default first."""
    fine = data.boundaries["fine"]
    levels = tuple(level for level in ("county", "city")
                   if not _unit_rows(fine, region, level).empty)
    if not levels:
        raise NotFound(f"{region['name']}（{region['adcode']}）下没有可显示的区划")
    return levels


def _display_units(region: dict, level: str, data: MapData) -> gpd.GeoDataFrame:
    """The units of ``level`` in the region at the display resolution, rounded."""
    resolution, decimals = RESOLUTION[region["level"]]
    units = _unit_rows(data.boundaries[resolution], region, level)
    return _display_frame(units.sort_values("adcode"), decimals)


def _default_indicator(available: dict[str, Indicator], adcodes: set[str]):
    """The indicator with values for most of ``adcodes`` (carriers first on ties)."""
    best = max(available.values(), default=None,
               key=lambda i: (len(i.adcodes & adcodes), i.derived, i.id == "carriers.total"))
    return best if best is not None and best.adcodes & adcodes else None


def _values(choice: Choice, adcodes: pd.Series) -> pd.DataFrame:
    """The value table for the choice, one row per unit (NaN where there is no data)."""
    base = pd.DataFrame({"region_adcode": adcodes.to_numpy()})
    if choice.indicator is None:
        return base.assign(value=np.nan, unit="", sources=[[] for _ in range(len(base))])
    table = choice.indicator.source.table(services().catalog, choice.indicator, choice.kind,
                                          choice.year)
    merged = base.merge(table, on="region_adcode", how="left")
    merged["sources"] = [s if isinstance(s, list) else [] for s in merged["sources"]]
    if "details" not in merged.columns:
        merged["details"] = [[] for _ in range(len(merged))]
    merged["value"] = merged["value"].astype(float)
    return merged


def _choropleth(choice: Choice, units: gpd.GeoDataFrame, data: MapData):
    """(DataLayer of the units, Legend, Classification) for the choice.

    Units go largest first, so that their labels win where labels would overlap.
    """
    units = units.iloc[np.argsort(-shapely.area(units.geometry.values), kind="stable")]
    values = _values(choice, units["adcode"])
    classes = thematic.classify(values["value"], choice.scheme, choice.k, choice.breaks)
    kind = "count" if choice.indicator is not None and choice.indicator.derived \
        else choice.kind
    colours = thematic.class_colors(classes, kind)
    fills = thematic.value_colors(classes, colours)
    if choice.indicator is None:
        unit = ""
    elif choice.indicator.derived:
        unit = choice.indicator.unit
    else:
        unit = thematic.value_unit(choice.kind, choice.indicator.unit)
    title = _legend_title(choice)
    legend = thematic.legend(classes, colours, title, unit)
    decimals = thematic.label_decimals(classes)
    features = [_region_feature(u, v, fill, unit, decimals, data)
                for u, v, fill in zip(units.itertuples(), values.itertuples(), fills)]
    name = f"{LEVEL_LABELS[choice.level]}：{title}" if choice.indicator else \
        LEVEL_LABELS[choice.level]
    layer = DataLayer("regions", {"type": "FeatureCollection", "features": features},
                      name=name, options={"plain": choice.indicator is None})
    return layer, legend, classes


def _legend_title(choice: Choice) -> str:
    if choice.indicator is None:
        return "未选择指标"
    kind = thematic.VALUE_KIND_LABELS.get(choice.kind, "")
    if choice.indicator.derived:
        return choice.indicator.name
    year = f"（{choice.year}年）" if choice.year else ""
    return f"{choice.indicator.name} · {kind}{year}"


def _region_feature(unit, value, fill: str, unit_text: str, decimals: int,
                    data: MapData) -> dict:
    number = value.value
    shown = thematic.NO_DATA_LABEL if np.isnan(number) else \
        f"{thematic.format_number(number, decimals)} {unit_text}".strip()
    rows = [("区划代码", unit.adcode), ("数值", shown)]
    if isinstance(getattr(value, "qualifier", None), str) and value.qualifier:
        rows.append(("表述", value.qualifier))
    rows += [(f"{'基期' if s['kind'] == 'baseline' else '目标'}（{s['year']}年）",
              _source_value(s)) for s in value.sources]
    rows += [(label, text) for label, text in _details(value)]
    rows += [("数据来源", s["source"]) for s in value.sources
             if not s.get("plan_id") and s.get("source")]
    citations = _unique([_citation(s, data) for s in value.sources if s.get("plan_id")])
    return _feature(unit.geometry, {
        "a": unit.adcode, "n": unit.name, "c": fill,
        "t": text_html(f"{unit.name}：{shown}"),
        "l": text_html(unit.short_name), "lp": _label_point(unit.geometry),
        "p": popup_html(unit.name, rows, citations)})


def _unique(citations: list[dict]) -> list[dict]:
    """Citations without repeats (a baseline and its target often share one quote)."""
    seen, out = set(), []
    for c in citations:
        key = (c["plan_id"], c["section"], c["quote"])
        if key not in seen:
            seen.add(key)
            out.append(c)
    return out


def _details(value) -> list[tuple[str, str]]:
    details = getattr(value, "details", None)
    return details if isinstance(details, list) else []


def _source_value(source: dict) -> str:
    text = thematic.format_number(source["value"], 4)
    if source.get("value_max") is not None:
        text += f"—{thematic.format_number(source['value_max'], 4)}"
    return f"{source.get('qualifier') or ''}{text}"


def _citation(row, data: MapData) -> dict:
    plan_id = row.get("plan_id") if isinstance(row, dict) else getattr(row, "plan_id", None)
    get = row.get if isinstance(row, dict) else (lambda k: getattr(row, k, None))
    return {"plan_title": data.plan_titles.get(plan_id, plan_id), "plan_id": plan_id,
            "section": _text(get("section")), "quote": _text(get("quote"))}


def _text(v) -> str:
    return "" if v is None or (isinstance(v, float) and math.isnan(v)) else str(v)


# ---------------------------------------------------------------- entities and corridors

def _entities_within(adcode: str, level: str) -> gpd.GeoDataFrame | None:
    """The region's carriers (corridor parts are drawn by the corridor layer)."""
    frame = services().catalog.frames.get("entities")
    if frame is None or frame.empty:
        return None
    key = "province_adcode" if level == "province" else "city_adcode"
    frame = frame[~frame["type"].astype(str).str.startswith("corridor")]
    return frame[frame[key].astype(str) == adcode]


def _type_styles(types: list[str], data: MapData) -> dict[str, dict]:
    """Symbol and colour per type: the knowledge base's, else a distinct fallback."""
    styles = {}
    for i, t in enumerate(types):
        known = data.types.get(t, {})
        styles[t] = {"label": known.get("label", t),
                     "color": known.get("color") or TYPE_COLORS[i % len(TYPE_COLORS)],
                     "shape": known.get("shape") or TYPE_SHAPES[i % len(TYPE_SHAPES)]}
    return styles


def _entity_layers(entities: gpd.GeoDataFrame, data: MapData, decimals: int,
                   names: dict[str, str]) -> list[DataLayer]:
    """One clustered overlay per entity type, with distinct symbol and colour."""
    if entities is None or entities.empty:
        return []
    entities = _display_frame(entities[entities.geometry.notna()], decimals)
    types = sorted(entities["type"].dropna().unique())
    styles = _type_styles(types, data)
    layers = []
    for t in types:
        rows = entities[entities["type"] == t]
        features = [_entity_feature(r, styles[t]["label"], names, data)
                    for r in rows.itertuples()]
        layers.append(DataLayer("entities", {"type": "FeatureCollection",
                                             "features": features},
                                name=f"{styles[t]['label']}（{len(features)}）",
                                options={"style": styles[t], "cluster": len(features) > 8}))
    return layers


def _entity_feature(row, type_label: str, names: dict[str, str], data: MapData) -> dict:
    aliases = [a for a in _text(getattr(row, "aliases", "")).split("|") if a]
    county = names.get(_text(getattr(row, "county_adcode", "")), "") or \
        names.get(_text(getattr(row, "city_adcode", "")), "")
    precision = _text(getattr(row, "precision", ""))
    rows = [("类型", type_label), ("所在县区", county or "未注明"),
            ("位置精度", PRECISION_LABELS.get(precision, precision or "未注明"))]
    if aliases:
        rows.append(("别名", "、".join(aliases)))
    return _feature(row.geometry, {
        "n": row.name, "s": [row.name] + aliases, "t": text_html(row.name),
        "p": popup_html(row.name, rows, [_citation(row, data)])})


def _imported_carriers_layer(region: dict, decimals: int, names: dict[str, str]):
    """Carriers imported by an administrator, as one clustered overlay (or None)."""
    frame = services().catalog.frames.get("imported-carriers")
    if frame is None or frame.empty:
        return None
    key = "province_adcode" if region["level"] == "province" else "city_adcode"
    frame = frame[(frame[key].astype(str) == region["adcode"]) & frame.geometry.notna()]
    if frame.empty:
        return None
    frame = _display_frame(frame, decimals)
    features = []
    for row in frame.itertuples():
        precision = _text(row.precision)
        rows = [("类型", _text(row.type)),
                ("所在县区", names.get(_text(row.county_adcode), "未注明")),
                ("位置精度", PRECISION_LABELS.get(precision, precision or "未注明")),
                ("地址", _text(row.address) or "—"), ("数据来源", _text(row.source)),
                ("导入版本", _text(row.version))]
        features.append(_feature(row.geometry, {
            "n": _text(row.name), "s": [_text(row.name)], "t": text_html(row.name),
            "p": popup_html(_text(row.name), rows, [])}))
    style = {"label": "导入的创新载体", "shape": "cross", "color": "#444444"}
    return DataLayer("entities", {"type": "FeatureCollection", "features": features},
                     name=f"导入的创新载体（{len(features)}）",
                     options={"style": style, "cluster": len(features) > 8})


def _corridor_names(corridors) -> list[tuple[str, str]]:
    """(corridor_id, name) of every corridor, the name from its ``corridor`` part."""
    if corridors is None or corridors.empty:
        return []
    out = []
    for corridor_id, group in corridors.groupby("corridor_id", sort=True):
        whole = group[group["part"] == "corridor"]
        out.append((str(corridor_id), str((whole if not whole.empty else group)["name"].iloc[0])))
    return out


def _corridor_layer(rows: gpd.GeoDataFrame, decimals: int, data: MapData,
                    name: str) -> DataLayer:
    """A corridor's parts (line, divider, zones, nodes, buffer) as one overlay."""
    rows = _display_frame(rows, decimals)
    features = []
    for row in rows.itertuples():
        title = _text(row.name) or name
        part = PART_LABELS.get(row.part, row.part)
        details = [("组成", part), ("位置精度", PRECISION_LABELS.get(_text(row.precision),
                                                                  _text(row.precision)))]
        if row.part == "buffer" and not pd.isna(row.buffer_m):
            details.append(("缓冲半宽", f"{row.buffer_m:,.0f} 米"))
        features.append(_feature(row.geometry, {
            "n": title, "s": [title], "k": row.part, "t": text_html(f"{title}（{part}）"),
            "p": popup_html(title, details, [_citation(row, data)])}))
    order = {p: i for i, p in enumerate(PART_ORDER)}
    features.sort(key=lambda f: order.get(f["properties"]["k"], len(order)))
    return DataLayer("corridor", {"type": "FeatureCollection", "features": features},
                     name=f"走廊：{name}")


# ---------------------------------------------------------------- pages

def _basemap_tiles() -> list[dict]:
    settings = services().settings
    if settings.map_basemap == "osm":
        return [{"name": "OpenStreetMap", "url": "https://tile.openstreetmap.org/{z}/{x}/{y}.png",
                 "attribution": "© OpenStreetMap contributors", "subdomains": "abc"}]
    if settings.map_basemap == "tianditu":
        key = settings.tianditu_key
        url = ("https://t{s}.tianditu.gov.cn/{layer}_w/wmts?SERVICE=WMTS&REQUEST=GetTile"
               "&VERSION=1.0.0&LAYER={layer}&STYLE=default&TILEMATRIXSET=w&FORMAT=tiles"
               "&TILEMATRIX={z}&TILEROW={y}&TILECOL={x}&tk=" + key)
        return [{"name": "天地图", "url": url.replace("{layer}", "vec"),
                 "attribution": "© 天地图", "subdomains": "01234567"},
                {"name": "天地图注记", "url": url.replace("{layer}", "cva"),
                 "attribution": "© 天地图", "subdomains": "01234567", "overlay": True}]
    if settings.map_basemap == "amap":
        return [{"name": "高德地图", "attribution": "© 高德地图", "subdomains": "1234",
                 "url": "https://webrd0{s}.is.autonavi.com/appmaptile?lang=zh_cn&size=1"
                        "&scale=1&style=8&x={x}&y={y}&z={z}"}]
    return []


def _assets() -> tuple[list, list]:
    js = [("leaflet", vendor_url("leaflet", "leaflet.js")),
          ("markercluster", vendor_url("leaflet.markercluster", "leaflet.markercluster.js")),
          ("innomap", url_for("static", filename="maps/innomap-maps.js"))]
    css = [("leaflet_css", vendor_url("leaflet", "leaflet.css")),
           ("markercluster_css", vendor_url("leaflet.markercluster", "MarkerCluster.css")),
           ("markercluster_default_css",
            vendor_url("leaflet.markercluster", "MarkerCluster.Default.css")),
           ("innomap_css", url_for("static", filename="maps/innomap-maps.css"))]
    return js, css


def build_region_map(adcode: str, args) -> dict:
    """Everything the region page shows: the folium Map, legend, choices, indicators."""
    data = map_data()
    region = _region(adcode, data)
    levels = _levels(region, data)
    available = indicators()
    fine = data.boundaries["fine"]
    adcodes_at = {level: set(_unit_rows(fine, region, level)["adcode"]) for level in levels}
    choice = parse_choice(args, available, levels,
                          lambda level: _default_indicator(available, adcodes_at[level]))
    shown = _display_units(region, choice.level, data)
    decimals = RESOLUTION[region["level"]][1]
    js, css = _assets()
    m = offline_map([], [], _bounds(shown), _basemap_tiles())
    regions, legend, classes = _choropleth(choice, shown, data)
    regions.add_to(m)
    DataLayer("labels", {"type": "FeatureCollection", "features": []},
              name=f"{LEVEL_LABELS[choice.level]}名称",
              options={"from": regions.get_name()}).add_to(m)
    names = dict(zip(fine["adcode"], fine["name"]))
    for layer in _entity_layers(_entities_within(adcode, region["level"]), data, decimals,
                                names):
        layer.add_to(m)
    imported = _imported_carriers_layer(region, decimals, names)
    if imported is not None:
        imported.add_to(m)
    for layer in _corridor_layers(region, decimals, data):
        layer.add_to(m)
    _layer_control(m)
    MapControls({"legend": "im-legend"}, js, css).add_to(m)
    options = sorted((i for i in available.values()
                      if i.adcodes & adcodes_at[choice.level] or i == choice.indicator),
                     key=lambda i: (not i.derived, i.name))
    return {"map": m, "region": region, "choice": choice, "legend": legend,
            "classes": classes, "levels": levels, "units": shown, "indicators": options,
            "own_values": own_values(adcode, data)}


def _corridor_layers(region: dict, decimals: int, data: MapData) -> list[DataLayer]:
    """Every corridor with a part inside the region."""
    corridors = services().catalog.frames.get("corridors")
    if corridors is None or corridors.empty:
        return []
    fine = data.boundaries["fine"]
    area = fine.loc[fine["adcode"] == region["adcode"]].geometry.iloc[0]
    inside = set(corridors.loc[corridors.intersects(area), "corridor_id"])
    return [_corridor_layer(corridors[corridors["corridor_id"] == corridor_id], decimals,
                            data, name)
            for corridor_id, name in _corridor_names(corridors) if corridor_id in inside]


def own_values(adcode: str, data: MapData) -> list[dict]:
    """The region's own baselines and targets with their citations, for the side panel."""
    source = next(s for s in VALUE_SOURCES if s.layer_id == "targets")
    frame = source.frame(services().catalog)
    if frame is None:
        return []
    rows = frame[(frame["region_adcode"] == adcode)]
    for column in ("subject", "entity_id"):
        if column in rows.columns:
            rows = rows[rows[column].fillna("") == ""]
    rows = rows.sort_values(["indicator_id", "year", "kind"])
    return [{"indicator_id": r.indicator_id,
             "name": _text(getattr(r, "indicator_name", r.indicator_id)),
             "kind": thematic.VALUE_KIND_LABELS.get(r.kind, r.kind), "year": int(r.year),
             "value": _source_value({"value": r.value, "qualifier": getattr(r, "qualifier", ""),
                                     "value_max": _number_or_none(getattr(r, "value_max", None))}),
             "unit": _text(getattr(r, "unit", "")), **_citation(r, data)}
            for r in rows.itertuples()]


def _number_or_none(v):
    return None if v is None or (isinstance(v, float) and math.isnan(v)) or v == "" else v


def _layer_control(m: folium.Map) -> None:
    overlays = sum(isinstance(c, DataLayer) for c in m._children.values())
    folium.LayerControl(collapsed=overlays > MAX_OPEN_LAYER_LIST).add_to(m)


def export_links(map_id: str, args) -> list[tuple[str, str]]:
    """PNG / SVG / PDF download links of the same map, with the same choices."""
    from web.export import export_links as links

    return links(map_id, args)


def _render(m, template: str, **context):
    figure = m.get_root()
    figure.render()  # fills the figure's header, html and script sections
    return render_template(template, map_header=figure.header.render(),
                           map_html=figure.html.render(), map_script=figure.script.render(),
                           **context)


@bp.after_request
def _compress(response):
    """gzip a map page when the client accepts it: the page is a few hundred kB of text."""
    accepts = "gzip" in request.headers.get("Accept-Encoding", "")
    if (not accepts or response.status_code != 200 or response.direct_passthrough
            or "Content-Encoding" in response.headers
            or not response.mimetype == "text/html"):
        return response
    body = response.get_data()
    if len(body) >= 1400:
        response.set_data(gzip.compress(body, compresslevel=6, mtime=0))
        response.headers["Content-Encoding"] = "gzip"
    response.vary.add("Accept-Encoding")
    return response


@bp.get("/<adcode>")
def region_map(adcode: str):
    if not (len(adcode) == 6 and adcode.isdigit()):
        raise NotFound(f"行政区划代码应为 6 位数字，收到 {adcode!r}")
    page = build_region_map(adcode, request.args)
    return _render(page["map"], "maps/region.html", page=page, thematic=thematic,
                   query_with=_query_with, level_labels=LEVEL_LABELS,
                   downloads=export_links(adcode, request.args))


def _query_with(**changes) -> str:
    """The current query string with ``changes`` applied."""
    query = {k: v for k, v in request.args.items() if k not in changes}
    query.update({k: v for k, v in changes.items() if v is not None})
    return urlencode(query)


@bp.get("/corridor/<corridor_id>")
def corridor_map(corridor_id: str):
    page = build_corridor_map(corridor_id)
    return _render(page["map"], "maps/corridor.html", page=page,
                   downloads=export_links(f"corridor/{corridor_id}", request.args))


def build_corridor_map(corridor_id: str) -> dict:
    """The corridor page: its parts, its carriers, the counties around it."""
    data = map_data()
    corridors = services().catalog.frames.get("corridors")
    names = dict(_corridor_names(corridors))
    if corridor_id not in names:
        raise NotFound(f"没有编号为 {corridor_id!r} 的走廊")
    rows = corridors[corridors["corridor_id"] == corridor_id]
    js, css = _assets()
    west, south, east, north = rows.total_bounds
    pad = 0.03
    m = offline_map([], [], ((south - pad, west - pad), (north + pad, east + pad)),
                    _basemap_tiles())
    # A belt across the province is seen at province zoom: coarser counties.
    wide = max(east - west, north - south) > 1.0
    resolution, county_decimals = RESOLUTION["province" if wide else "city"]
    decimals = county_decimals + 1
    fine = data.boundaries["fine"]
    shapes = data.boundaries[resolution]
    counties = shapes[(shapes["level"] == "county")
                      & shapes.intersects(shapely.box(west, south, east, north).buffer(pad))]
    choice = Choice(None, "target", None, DEFAULT_SCHEME, 5, None, "county")
    regions, legend, _ = _choropleth(choice, _display_frame(counties, county_decimals), data)
    regions.add_to(m)
    DataLayer("labels", {"type": "FeatureCollection", "features": []}, name="县区名称",
              options={"from": regions.get_name()}).add_to(m)
    _corridor_layer(rows, decimals, data, names[corridor_id]).add_to(m)
    carriers, inside = _corridor_carriers(rows)
    lookup = dict(zip(fine["adcode"], fine["name"]))
    for layer in _entity_layers(carriers, data, decimals, lookup):
        layer.add_to(m)
    _layer_control(m)
    MapControls({"legend": None}, js, css).add_to(m)
    members = [] if carriers is None else [
        {"name": r.name, "type": data.types.get(r.type, {}).get("label", r.type),
         "inside": r.id in inside} for r in carriers.itertuples()]
    return {"map": m, "name": names[corridor_id], "id": corridor_id, "members": members,
            "legend": legend, "parts": rows}


def _split_ids(values) -> set[str]:
    return {i for v in values if isinstance(v, str) for i in v.split("|") if i}


def _corridor_carriers(rows) -> tuple[gpd.GeoDataFrame | None, set[str]]:
    """The carriers the plan places along the corridor, and those inside its buffer."""
    entities = services().catalog.frames.get("entities")
    if entities is None or entities.empty:
        return None, set()
    listed = _split_ids(rows.get("carriers", []))
    inside = _split_ids(rows.get("members", []))
    return entities[entities["id"].isin(listed | inside)].sort_values("name"), inside

"""Layers of imported data: county/city metrics on their boundaries, carriers as points.

The rows come from the store (``store.open_store``) named by the catalog option
``store_url``; without one (or with an empty store) the layers are empty, so
the service starts fine before anything is imported. Each layer shows the
latest version; ``metrics_frame`` / ``carriers_frame`` build any other version.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd

from geo.feature_rows import PointRows
from layers.base import Layer, LayerContext, PageQuery
from layers.boundaries import display_boundaries
from store import COLUMNS, Store, open_store
from store.current import CarrierQuery

STORE_OPTION = "store_url"
METRICS_LAYER = "imported-metrics"
CARRIERS_LAYER = "imported-carriers"


def context_store(ctx: LayerContext) -> Store | None:
    """The store named by ``ctx.options['store_url']``, opened once per context."""
    url = ctx.options.get(STORE_OPTION)
    if not url:
        return None
    return ctx.cached(f"store:{url}", lambda: open_store(url))


def _empty_rows(kind: str) -> pd.DataFrame:
    return pd.DataFrame(columns=[*COLUMNS[kind], "version", "row_no"])


def metrics_frame(rows: pd.DataFrame, boundaries: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """One feature per region, indicator, year: the value with the region's boundary.

    Columns: id, region_adcode, region_name, level, indicator_id, year, value, unit,
    version, source, entity_id ("" for the whole region, else the zone the value is of,
    drawn with its region's boundary), geometry (EPSG:4326).
    """
    units = boundaries.set_index("adcode")
    zones = (rows["entity_id"] if "entity_id" in rows.columns
             else pd.Series("", index=rows.index)).fillna("").astype(str)
    frame = pd.DataFrame({
        "id": pd.Series([f"{a}-{e + '-' if e else ''}{i}-{int(y)}" for a, e, i, y in zip(
            rows["region_adcode"], zones, rows["indicator_id"], rows["year"])], dtype=object,
            index=rows.index),
        "region_adcode": rows["region_adcode"].astype(str),
        "region_name": rows["region_adcode"].map(units["name"]),
        "level": rows["region_adcode"].map(units["level"]),
        "indicator_id": rows["indicator_id"].astype(str),
        "year": rows["year"].astype("int64"),
        "value": rows["value"].astype("float64"),
        "unit": rows["unit"],
        "version": rows["version"].astype("int64"),
        "source": rows["source"],
        "entity_id": zones,
    })
    geometry = rows["region_adcode"].map(units.geometry).tolist()
    return gpd.GeoDataFrame(frame, geometry=geometry, crs="EPSG:4326")


def carriers_frame(rows: pd.DataFrame) -> gpd.GeoDataFrame:
    """One point per carrier (WGS84) with its county, precision, version and source row."""
    frame = pd.DataFrame({
        "id": pd.Series([f"c{int(v)}-{int(r)}" for v, r in zip(rows["version"], rows["row_no"])],
                        dtype=object, index=rows.index),
        **{c: rows[c] for c in COLUMNS["carriers"] if c not in ("lon", "lat")},
        "version": rows["version"].astype("int64"),
    }).rename(columns={"datum": "datum_given"})
    geometry = gpd.points_from_xy(rows["lon"].astype(float), rows["lat"].astype(float))
    return gpd.GeoDataFrame(frame, geometry=geometry, crs="EPSG:4326")


def carrier_rows(columns: list[str], rows: list[tuple]) -> PointRows:
    """Rows of the store's current carriers (``columns``) as the points
    :func:`carriers_frame` makes of them, with the same properties, without a frame."""
    at = {name: i for i, name in enumerate(columns)}
    names = ["id", *[c for c in COLUMNS["carriers"] if c not in ("lon", "lat")], "version"]
    take = [at["feature_id" if n == "id" else n] for n in names]
    names[names.index("datum")] = "datum_given"
    lon, lat = at["lon"], at["lat"]
    return PointRows([row[at["feature_id"]] for row in rows], [row[lon] for row in rows],
                     [row[lat] for row in rows], names,
                     [[row[i] for i in take] for row in rows])


def version_frame(layer_id: str, store: Store, boundaries: gpd.GeoDataFrame,
                  version: int | None = None) -> gpd.GeoDataFrame:
    """The frame of ``layer_id`` as of ``version`` (None: latest) read from ``store``."""
    if layer_id == METRICS_LAYER:
        return metrics_frame(store.rows("metrics", version), boundaries)
    if layer_id == CARRIERS_LAYER:
        return carriers_frame(store.rows("carriers", version))
    raise KeyError(layer_id)


class ImportedMetrics(Layer):
    id = METRICS_LAYER
    title = "导入的区县指标"
    description = ("管理员导入的县（市、区）与市级统计指标：每个地区、指标、年份一个要素，"
                   "带所在版本与来源文件行号；默认显示最新版本。")
    map_role = "values"
    values_format = "long"
    indicator_prefix = "imported."
    indicator_label = "（导入数据）"
    year_field = "year"
    region_field = "region_adcode"

    def load(self, ctx: LayerContext) -> gpd.GeoDataFrame:
        store = context_store(ctx)
        rows = store.rows("metrics") if store else _empty_rows("metrics")
        return metrics_frame(rows, display_boundaries(ctx, adcodes=rows["region_adcode"]))


class ImportedCarriers(Layer):
    id = CARRIERS_LAYER
    title = "导入的创新载体"
    description = ("管理员导入的企业、平台等创新载体：坐标已转换为 WGS84 并关联到所在县区，"
                   "precision 说明位置精度（site 为提供的坐标，"
                   "county_centroid 等为地址只能定位到的区划）。")
    map_role = "points"
    family = "other"
    popup_fields = (("type", "类型"), ("address", "地址"), ("source", "数据来源"),
                    ("version", "导入版本"))
    geometry_type = "Point"
    storage = "store"
    #: Frame column → column of the store's current carriers, where they differ.
    STORE_COLUMNS = {"id": "feature_id", "datum_given": "datum"}

    def load(self, ctx: LayerContext) -> gpd.GeoDataFrame:
        return carriers_frame(_empty_rows("carriers"))

    def load_all(self, ctx: LayerContext) -> gpd.GeoDataFrame:
        store = context_store(ctx)
        return carriers_frame(store.rows("carriers") if store else _empty_rows("carriers"))

    def load_chunks(self, ctx: LayerContext, rows: int = 20_000):
        store = context_store(ctx)
        if store is None:
            yield self.load(ctx)
            return
        for chunk in store.current_chunks(rows):
            yield carriers_frame(chunk)

    def query(self, ctx: LayerContext, query: PageQuery) -> tuple[gpd.GeoDataFrame, int]:
        store = context_store(ctx)
        if store is None:
            return self.load(ctx), 0
        filters = tuple((self.STORE_COLUMNS.get(name, name), value)
                        for name, value in query.filters)
        rows, matched = store.current_page(CarrierQuery(query.bbox, filters, query.offset,
                                                        query.limit))
        return carriers_frame(rows), matched

    def query_rows(self, ctx: LayerContext, query: PageQuery, count_up_to: int):
        store = context_store(ctx)
        if store is None:
            return None
        filters = tuple((self.STORE_COLUMNS.get(name, name), value)
                        for name, value in query.filters)
        columns, rows, matched, more = store.current_rows(
            CarrierQuery(query.bbox, filters, query.offset, query.limit), count_up_to)
        return carrier_rows(columns, rows), matched, more

    def tile_points(self, ctx: LayerContext, z: int, y: int, x: int, name: str, most: int):
        store = context_store(ctx)
        return store.current_tile(z, y, x, name, most) if store else None

    def feature(self, ctx: LayerContext, feature_id: str) -> gpd.GeoDataFrame:
        frame, _ = self.query(ctx, PageQuery(filters=(("id", str(feature_id)),), limit=1))
        return frame

    def count(self, ctx: LayerContext, bbox=None) -> int:
        store = context_store(ctx)
        return store.current_count(CarrierQuery(bbox=bbox)) if store else 0

    def more_than(self, ctx: LayerContext, bbox, n: int) -> bool:
        store = context_store(ctx)
        return store.current_more_than(bbox, n) if store else False

    def counts(self, ctx: LayerContext, bbox=None) -> pd.DataFrame:
        store = context_store(ctx)
        if store is None:
            return pd.DataFrame({"county_adcode": [], "count": []})
        return store.current_counts(bbox)

    def points(self, ctx: LayerContext, bbox):
        store = context_store(ctx)
        if store is None:
            empty = np.array([])
            return empty.astype(np.int64), empty, empty
        return store.current_points(bbox)

    def grid(self, ctx: LayerContext, bbox, cells: int) -> pd.DataFrame:
        store = context_store(ctx)
        if store is None:
            return pd.DataFrame({"count": [], "lon": [], "lat": []})
        return store.current_grid(bbox, cells)

    def tile_grid(self, ctx: LayerContext, z: int, y: int, x: int, cells: int):
        store = context_store(ctx)
        return store.current_cells(z, y, x, cells) if store else None

    def at(self, ctx: LayerContext, keys) -> gpd.GeoDataFrame:
        store = context_store(ctx)
        return carriers_frame(store.current_at(keys)) if store else self.load(ctx)

    def extent(self, ctx: LayerContext):
        store = context_store(ctx)
        return store.current_extent() if store else None

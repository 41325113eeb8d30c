"""What a carrier is, where it is drawn and which county it counts for: one rule.

A **carrier** (创新载体) is an entity of ``entities.csv`` whose type has the role
``carrier`` in ``entity_types.csv``: a zone, park, base, platform, university,
institute or incubator. Spatial structures, belts, regions and multi-city clusters
(role ``structure``) and the parts of corridors (role ``corridor``) are not.

Every carrier is drawn where its geometry is (a MultiPoint at each of its points).
It **counts for a county** when its geometry is a single point graded ``site``,
``approximate``, ``schematic`` or ``county_centroid`` and lies in that county; a
``city_centroid`` point only says "somewhere in the city" and counts for no county,
nor does a carrier at several places. The county metrics count exactly the carriers
whose ``county_counted`` is the county, and the maps and exports give every marker
the same attribution, so a county's count and the markers drawn for it are one set.

The symbol family of each type (``entity_types.csv`` → ``symbol_families.csv``)
travels with the rows, so every surface draws a type the same way.
"""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import pandas as pd

from layers.base import Layer, LayerContext, LayerError, typed_collections
from layers.entities import read_entity_types
from layers.kb import KB_DIR, read_csv

COUNTED_PRECISIONS = ("site", "approximate", "schematic", "county_centroid")
CENTROID_PRECISIONS = ("county_centroid", "city_centroid")
FAMILY_COLUMNS = ["id", "label", "shape", "colour"]
CARRIER_COLUMNS = ["id", "name", "aliases", "type", "type_label", "family", "precision",
                   "hollow", "province_adcode", "city_adcode", "county_adcode",
                   "county_counted", "plan_id", "section", "quote", "note", "geometry"]


def read_families(data_dir: Path) -> pd.DataFrame:
    """``symbol_families.csv``: id, label, shape, colour, description, in legend order."""
    return read_csv(Path(data_dir) / KB_DIR / "symbol_families.csv", FAMILY_COLUMNS)


def type_roles(data_dir: Path) -> pd.DataFrame:
    """Entity types indexed by id with ``role`` and ``family``; LayerError if a type's
    family is not in ``symbol_families.csv``."""
    types = read_entity_types(data_dir).set_index("id")
    unknown = set(types["family"]) - set(read_families(data_dir)["id"])
    if unknown:
        raise LayerError(f"entity_types.csv: unknown families {sorted(unknown)}")
    return types


def counted_county(carriers: gpd.GeoDataFrame, counties: gpd.GeoDataFrame) -> pd.Series:
    """The adcode of the county each carrier counts for ("" where it counts for none)."""
    if carriers.crs != counties.crs:
        raise LayerError(f"CRS mismatch: carriers {carriers.crs}, counties {counties.crs}")
    countable = carriers[(carriers.geometry.geom_type == "Point")
                         & carriers["precision"].isin(COUNTED_PRECISIONS)]
    joined = gpd.sjoin(countable[["geometry"]], counties[["adcode", "geometry"]],
                       how="inner", predicate="within")
    first = joined[~joined.index.duplicated()]["adcode"]
    return pd.Series(carriers.index.map(first), index=carriers.index).fillna("")


def _with_columns(rows: gpd.GeoDataFrame, types: pd.DataFrame) -> gpd.GeoDataFrame:
    """``rows`` with family and type label from ``types``, missing text columns as ""."""
    rows = rows.copy()
    rows["family"] = rows["type"].map(types["family"])
    rows["type_label"] = rows["type"].map(types["label"])
    for column in CARRIER_COLUMNS:
        if column not in rows.columns:
            rows[column] = ""
    return rows


def select_carriers(entities: gpd.GeoDataFrame, types: pd.DataFrame,
                    counties: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """The carriers among ``entities`` with family, hollow flag and counted county."""
    role = entities["type"].map(types["role"])
    rows = _with_columns(entities[(role == "carrier") & entities.geometry.notna()], types)
    rows["hollow"] = rows["precision"].isin(CENTROID_PRECISIONS)
    rows["county_counted"] = counted_county(rows, counties)
    return gpd.GeoDataFrame(rows[CARRIER_COLUMNS].reset_index(drop=True),
                            geometry="geometry", crs=entities.crs)


def select_structures(entities: gpd.GeoDataFrame, types: pd.DataFrame) -> gpd.GeoDataFrame:
    """Regions, belts, spatial structures and clusters (role ``structure``)."""
    rows = _with_columns(entities[entities["type"].map(types["role"]) == "structure"], types)
    rows["hollow"] = True
    columns = [c for c in CARRIER_COLUMNS if c != "county_counted"]
    return gpd.GeoDataFrame(rows[columns].reset_index(drop=True), geometry="geometry",
                            crs=entities.crs)


class CarriersLayer(Layer):
    id = "carriers"
    title = "创新载体（点位）"
    description = ("规划所列的园区、基地、平台、高校、院所与孵化载体（不含空间结构与走廊组成），"
                   "附符号类别、定位精度和计入的县（市、区）：地图、导出与县区统计共用这一规则。")
    map_role = "points"
    popup_fields = (("type_label", "类型"), ("aliases", "别名"))
    geometry_type = "MultiPoint"  # a carrier at several places is one feature

    def load(self, ctx: LayerContext) -> gpd.GeoDataFrame:
        return select_carriers(ctx.layer("entities"), type_roles(ctx.data_dir),
                               ctx.layer("boundaries-county"))


class StructuresLayer(Layer):
    id = "structures"
    title = "创新区域与空间结构"
    description = ("跨市创新区域（如苏南国家自主创新示范区）、“一区多园”等空间结构、功能区块与"
                   "产业集聚区：示意范围，地图上画作轮廓，不作为载体计数。")
    map_role = "areas"
    map_default_visible = False
    popup_fields = (("type_label", "类型"), ("note", "说明"))
    geometry_type = "Point"

    def collections(self):
        return typed_collections(self, {"point": "sites", "line": "lines", "area": "areas"},
                                 "标注点")

    def load(self, ctx: LayerContext) -> gpd.GeoDataFrame:
        return select_structures(ctx.layer("entities"), type_roles(ctx.data_dir))

"""The innovation entities of the plans (data/kb/entities.csv) as a layer.

Every row is one place-like entity a plan names — a high-tech zone, park,
base, university, platform, corridor or a named part of a spatial structure —
with its geometry (WGS84 WKT), a precision grade and the plan passage it is
cited from. ``citations.csv`` adds further passages per entity;
``entity_types.csv`` gives each type its Chinese label, its role (carrier,
structure or corridor part) and its symbol family;
``precision_grades.csv`` is the one list of precision grades with their Chinese
labels and meanings (every map, popup and export reads it through
:func:`read_precision_grades`).
"""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import pandas as pd
import shapely

from layers.base import Layer, LayerContext, LayerError, typed_collections
from layers.kb import KB_DIR, read_csv

ENTITY_COLUMNS = ["id", "name", "aliases", "type", "parent_id", "province_adcode",
                  "city_adcode", "county_adcode", "precision", "wkt", "plan_id", "section",
                  "quote", "note"]
PRECISION_COLUMNS = ["id", "label", "meaning"]
CITATION_COLUMNS = ["entity_id", "plan_id", "section", "quote"]
CARRIER_COLUMNS = ["corridor_id", "entity_id", "plan_id", "section", "quote"]


def read_entity_types(data_dir: Path) -> pd.DataFrame:
    """``entity_types.csv``: id, label, group, role (carrier, structure or corridor),
    family (of ``symbol_families.csv``), description."""
    return read_csv(Path(data_dir) / KB_DIR / "entity_types.csv",
                    ["id", "label", "group", "role", "family"])


def read_precision_grades(data_dir: Path) -> pd.DataFrame:
    """``precision_grades.csv``: id, label, meaning (Chinese), in order from most to least exact.

    LayerError when the file is missing, lacks a column, repeats an id or leaves
    a label or meaning empty.
    """
    grades = read_csv(Path(data_dir) / KB_DIR / "precision_grades.csv", PRECISION_COLUMNS)
    if grades["id"].duplicated().any() or (grades[PRECISION_COLUMNS] == "").any(axis=None):
        raise LayerError("precision_grades.csv: ids must be unique, labels and meanings non-empty")
    if "order" in grades.columns:
        grades = grades.sort_values("order", key=lambda c: c.astype(int), kind="stable")
    return grades.reset_index(drop=True)


def read_citations(data_dir: Path) -> pd.DataFrame:
    """Every passage citing an entity: its main quote first, then ``citations.csv``."""
    entities = read_csv(Path(data_dir) / KB_DIR / "entities.csv", ENTITY_COLUMNS)
    main = entities.rename(columns={"id": "entity_id"})[CITATION_COLUMNS]
    path = Path(data_dir) / KB_DIR / "citations.csv"
    extra = read_csv(path, CITATION_COLUMNS)[CITATION_COLUMNS] if path.exists() else None
    return pd.concat([main, extra], ignore_index=True) if extra is not None else main


def read_carriers(data_dir: Path) -> pd.DataFrame:
    """``corridor_carriers.csv``: which entities a plan places along which corridor."""
    return read_csv(Path(data_dir) / KB_DIR / "corridor_carriers.csv", CARRIER_COLUMNS)


def read_entities(data_dir: Path) -> gpd.GeoDataFrame:
    """All entities as a GeoDataFrame in EPSG:4326, with ``type_label`` and
    ``precision_label`` (from ``precision_grades.csv``) added.

    Raises
    ------
    LayerError
        Naming the entity id for an unknown type or precision, bad WKT, a
        duplicate id or a dangling ``parent_id``.
    """
    frame = read_csv(Path(data_dir) / KB_DIR / "entities.csv", ENTITY_COLUMNS)
    types = read_entity_types(data_dir).set_index("id")
    grades = read_precision_grades(data_dir).set_index("id")
    _validate(frame, set(types.index), set(grades.index))
    geometry = [_parse_wkt(row.id, row.wkt) for row in frame.itertuples()]
    frame = frame.drop(columns="wkt")
    frame.insert(4, "type_label", frame["type"].map(types["label"]))
    frame.insert(frame.columns.get_loc("precision") + 1, "precision_label",
                 frame["precision"].map(grades["label"]))
    return gpd.GeoDataFrame(frame, geometry=geometry, crs="EPSG:4326")


def _validate(frame: pd.DataFrame, types: set[str], grades: set[str]) -> None:
    dupes = frame.loc[frame["id"].duplicated(), "id"].tolist()
    if dupes:
        raise LayerError(f"entities.csv: duplicate ids {dupes[:5]}")
    checks = [
        (~frame["type"].isin(types), "unknown type"),
        (~frame["precision"].isin(grades), "unknown precision"),
        ((frame["parent_id"] != "") & ~frame["parent_id"].isin(frame["id"]), "unknown parent_id"),
        (frame["quote"].str.strip() == "", "empty quote"),
    ]
    for bad, what in checks:
        if bad.any():
            raise LayerError(f"entities.csv: {what} for ids {frame.loc[bad, 'id'].tolist()[:5]}")


def _parse_wkt(entity_id: str, text: str):
    try:
        geom = shapely.from_wkt(text)
    except shapely.errors.GEOSException as exc:
        raise LayerError(f"entities.csv: bad wkt for {entity_id}: {exc}") from None
    if geom is None or geom.is_empty:
        raise LayerError(f"entities.csv: empty geometry for {entity_id}")
    return geom


class EntitiesLayer(Layer):
    id = "entities"
    title = "创新载体"
    description = ("各份规划提及的高新区、开发区、科技产业园、农高区、大学科技园、自贸片区、基地、"
                   "特色小镇、创新平台、高校、走廊等创新载体；每条附规划原文引文与定位精度"
                   "（precision，其中文含义见 precision_label：精确位置、大致位置、示意位置、"
                   "县区代表点、城市代表点）。")
    map_role = "none"
    map_reason = ("全部实体的原始表：地图上由 carriers（载体）、structures（区域与空间结构）"
                  "和 corridors（走廊组成）三个图层分别绘制，不重复绘制。")
    geometry_type = "Point"

    def collections(self):
        return typed_collections(self, {"point": "sites", "line": "lines", "area": "areas"},
                                 "标注点")

    def load(self, ctx: LayerContext) -> gpd.GeoDataFrame:
        return read_entities(ctx.data_dir)

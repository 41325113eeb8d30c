"""Carriers per county and type: a spatial join of entity points to county polygons.

Only entities whose point says something about the county are counted: Point
geometries graded ``site``, ``approximate``, ``schematic`` or ``county_centroid``. A
``city_centroid`` point only says "somewhere in the city" and would land in
whichever county holds the city's representative point, so it is left out;
so are lines, areas, multi-city clusters and the parts of corridors and
spatial structures, which are not carriers themselves.
"""

from __future__ import annotations

import geopandas as gpd
import pandas as pd

from layers.base import Layer, LayerContext
from layers.entities import read_entity_types

COUNTED_PRECISIONS = ("site", "approximate", "schematic", "county_centroid")
NOT_CARRIERS = ("corridor", "corridor_line", "corridor_divider", "corridor_zone",
                "corridor_node", "structure", "functional_area", "innovation_region", "cluster")


def countable(entities: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """The entities that count as carriers located in a county (see module docstring)."""
    keep = (entities.geometry.geom_type == "Point") \
        & entities["precision"].isin(COUNTED_PRECISIONS) \
        & ~entities["type"].isin(NOT_CARRIERS)
    return entities.loc[keep, ["id", "type", "geometry"]]


def carriers_per_county(entities: gpd.GeoDataFrame, counties: gpd.GeoDataFrame,
                        types: list[str]) -> gpd.GeoDataFrame:
    """One row per county: ``n_<type>`` counts, ``carriers`` total and ``entity_ids``.

    Parameters
    ----------
    entities, counties : GeoDataFrame
        EPSG:4326; counties with ``adcode``, ``name``, ``city_adcode``.
    types : list of str
        Entity type ids to give a count column each (zero where none).
    """
    if entities.crs != counties.crs:
        raise ValueError(f"CRS mismatch: entities {entities.crs}, counties {counties.crs}")
    joined = gpd.sjoin(countable(entities), counties[["adcode", "geometry"]],
                       how="inner", predicate="within")
    counts = pd.crosstab(joined["adcode"], joined["type"])
    out = counties[["adcode", "name", "city_adcode", "geometry"]].copy()
    wanted = [t for t in types if t not in NOT_CARRIERS]
    for type_id in wanted:
        column = counts[type_id] if type_id in counts else pd.Series(dtype=int)
        out[f"n_{type_id}"] = out["adcode"].map(column).fillna(0).astype(int)
    out["carriers"] = out[[f"n_{t}" for t in wanted]].sum(axis=1).astype(int)
    ids = joined.groupby("adcode")["id"].apply(lambda s: "|".join(sorted(s)))
    out["entity_ids"] = out["adcode"].map(ids).fillna("")
    return out.reset_index(drop=True)


class CountyMetricsLayer(Layer):
    id = "county-metrics"
    title = "各县（市、区）创新载体数"
    description = ("按县（市、区）统计的创新载体数量（分类型）：由载体点位与县界空间叠加得到；"
                   "只计入定位精度为 site / approximate / schematic / county_centroid 的点。")
    id_field = "adcode"
    group = "规划知识库"

    def load(self, ctx: LayerContext) -> gpd.GeoDataFrame:
        types = read_entity_types(ctx.data_dir)["id"].tolist()
        return carriers_per_county(ctx.layer("entities"), ctx.layer("boundaries-county"), types)

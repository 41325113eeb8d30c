"""Carriers per county and type, counted from the ``carriers`` layer.

A carrier counts for the county in its ``county_counted`` column (see
:mod:`layers.carriers`, the one rule of what a carrier is and which county it
counts for); the maps and exports attribute their markers by the same column.
"""

from __future__ import annotations

import geopandas as gpd
import pandas as pd

from layers.base import Layer, LayerContext
from layers.carriers import type_roles


def carriers_per_county(carriers: pd.DataFrame, counties: gpd.GeoDataFrame,
                        types: list[str]) -> gpd.GeoDataFrame:
    """One row per county: ``n_<type>`` counts, ``carriers`` total and ``entity_ids``.

    Parameters
    ----------
    carriers : DataFrame
        The ``carriers`` layer (``id``, ``type``, ``county_counted``).
    counties : GeoDataFrame
        EPSG:4326, with ``adcode``, ``name``, ``city_adcode``.
    types : list of str
        Carrier type ids to give a count column each (zero where none).
    """
    counted = carriers[carriers["county_counted"] != ""]
    counts = pd.crosstab(counted["county_counted"], counted["type"])
    out = counties[["adcode", "name", "city_adcode", "geometry"]].copy()
    for type_id in types:
        column = counts[type_id] if type_id in counts else pd.Series(dtype=int)
        out[f"n_{type_id}"] = out["adcode"].map(column).fillna(0).astype(int)
    out["carriers"] = out[[f"n_{t}" for t in types]].sum(axis=1).astype(int)
    ids = counted.groupby("county_counted")["id"].apply(lambda s: "|".join(sorted(s)))
    out["entity_ids"] = out["adcode"].map(ids).fillna("")
    return out.reset_index(drop=True)


class CountyMetricsLayer(Layer):
    id = "county-metrics"
    title = "各县（市、区）创新载体数"
    description = ("按县（市、区）统计的创新载体数量（分类型）：一个载体计入其点位所在的县，"
                   "只计入定位精度为 site / approximate / schematic / county_centroid 的单点；"
                   "城市中心示意点与多处点位的载体不计入任何县。")
    id_field = "adcode"
    map_role = "values"
    values_format = "counts"

    def load(self, ctx: LayerContext) -> gpd.GeoDataFrame:
        types = type_roles(ctx.data_dir)
        carrier_types = types.index[types["role"] == "carrier"].tolist()
        return carriers_per_county(ctx.layer("carriers"), ctx.layer("boundaries-county"),
                                   carrier_types)

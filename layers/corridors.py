"""Corridors and belts: centre lines, dividers, zones, nodes and membership buffers.

The 花果山大道科技创新走廊 is stored part by part in ``entities.csv`` (types
``corridor``, ``corridor_line``, ``corridor_divider``, ``corridor_zone``,
``corridor_node``); ``corridor_carriers.csv`` lists the carriers a plan places
along it. This layer adds, for every corridor with carriers, a buffer of the
configured half-width (``ctx.options['corridor_buffer_m']``, default
``geo.corridor.DEFAULT_BUFFER_M``) and its members: the carriers that lie in
it. Zones are re-cut from that buffer so they always match it.
"""

from __future__ import annotations

import geopandas as gpd
import pandas as pd

from geo.corridor import DEFAULT_BUFFER_M, check_buffer_m, corridor_buffer, distances_m, split_zones
from layers.base import Layer, LayerContext, LayerError, typed_collections
from layers.entities import read_carriers

PART_OF_TYPE = {"corridor": "corridor", "corridor_line": "centre_line",
                "corridor_divider": "divider", "corridor_zone": "zone", "corridor_node": "node"}
COLUMNS = ["id", "name", "corridor_id", "part", "type", "precision", "buffer_m", "members",
           "carriers", "plan_id", "section", "quote", "note", "geometry"]


def buffer_width(ctx: LayerContext) -> float:
    """The configured corridor half-width in metres; LayerError if it is invalid."""
    try:
        return check_buffer_m(ctx.options.get("corridor_buffer_m", DEFAULT_BUFFER_M))
    except ValueError as exc:
        raise LayerError(f"layer corridors: {exc}") from None


def corridor_of(entities: pd.DataFrame, entity_id: str) -> str:
    """The corridor an entity belongs to, following ``parent_id`` up to a corridor."""
    by_id = entities.set_index("id")
    current = entity_id
    for _ in range(len(by_id)):
        row = by_id.loc[current]
        if row["type"] == "corridor":
            return current
        if not row["parent_id"]:
            return ""
        current = row["parent_id"]
    raise LayerError(f"parent_id cycle at {entity_id}")


def membership(entities: gpd.GeoDataFrame, carriers: pd.DataFrame, corridor_id: str,
               buffer_m: float = DEFAULT_BUFFER_M) -> pd.DataFrame:
    """Each carrier of ``corridor_id``: distance to the centre line (m) and whether it is in.

    Returns
    -------
    DataFrame
        ``entity_id``, ``name``, ``distance_m``, ``member`` (distance ≤ ``buffer_m``),
        one row per carrier, sorted by distance.
    """
    line = _centre_line(entities, corridor_id)
    ids = sorted(set(carriers.loc[carriers["corridor_id"] == corridor_id, "entity_id"]))
    unknown = set(ids) - set(entities["id"])
    if unknown:
        raise LayerError(f"corridor_carriers.csv: unknown entity ids {sorted(unknown)}")
    rows = entities.set_index("id").loc[ids]
    distance = distances_m(line, gpd.GeoSeries(rows.geometry.values, crs=entities.crs))
    out = pd.DataFrame({"entity_id": ids, "name": rows["name"].to_numpy(),
                        "distance_m": distance.round(1).to_numpy()})
    out["member"] = out["distance_m"] <= buffer_m
    return out.sort_values("distance_m").reset_index(drop=True)


def _centre_line(entities: gpd.GeoDataFrame, corridor_id: str):
    match = entities.loc[entities["id"] == corridor_id]
    if match.empty or match["type"].iloc[0] != "corridor":
        raise LayerError(f"{corridor_id!r} is not a corridor entity")
    line = match.geometry.iloc[0]
    if line.geom_type not in ("LineString", "MultiLineString"):
        raise LayerError(f"corridor {corridor_id}: centre line is a {line.geom_type}")
    return line


class CorridorsLayer(Layer):
    id = "corridors"
    title = "科技创新走廊"
    description = ("花果山大道科技创新走廊（“一道两区多节点”：中轴线、港城大道分界线、南北片区、"
                   "四个节点、缓冲区与沿线载体），以及沿海科技走廊等走廊、产业带的示意几何。")
    map_role = "corridor"
    family = "corridor"
    geometry_type = "Point"

    def collections(self):
        return typed_collections(self, {"line": "lines", "area": "areas"}, "各部分的标注点")

    def load(self, ctx: LayerContext) -> gpd.GeoDataFrame:
        entities = ctx.layer("entities")
        buffer_m = buffer_width(ctx)
        parts = entities[entities["type"].isin(PART_OF_TYPE)].copy()
        parts["part"] = parts["type"].map(PART_OF_TYPE)
        parts["corridor_id"] = [corridor_of(entities, i) for i in parts["id"]]
        parts["buffer_m"] = float("nan")
        parts["members"] = parts["carriers"] = ""
        carriers = read_carriers(ctx.data_dir)
        buffers = []
        for corridor_id in sorted(set(carriers["corridor_id"])):
            buffers.append(self._buffer_row(entities, carriers, corridor_id, buffer_m))
            self._recut_zones(parts, entities, corridor_id, buffers[-1]["geometry"])
        frame = pd.concat([parts, pd.DataFrame(buffers)], ignore_index=True)
        return gpd.GeoDataFrame(frame[COLUMNS], geometry="geometry", crs="EPSG:4326")

    def _buffer_row(self, entities, carriers, corridor_id, buffer_m) -> dict:
        corridor = entities.loc[entities["id"] == corridor_id].iloc[0]
        table = membership(entities, carriers, corridor_id, buffer_m)
        return {"id": f"{corridor_id}-buffer", "name": f"{corridor['name']}缓冲区",
                "corridor_id": corridor_id, "part": "buffer", "type": "corridor_buffer",
                "precision": corridor["precision"], "buffer_m": buffer_m,
                "members": "|".join(table.loc[table["member"], "entity_id"]),
                "carriers": "|".join(table["entity_id"]),
                "plan_id": corridor["plan_id"], "section": corridor["section"],
                "quote": corridor["quote"],
                "note": (f"示意中心线两侧 {buffer_m:g} 米以内的范围（在 UTM 投影中量算）；"
                         "成员为位于其中的规划所列载体。示意位置，非测绘成果。"),
                "geometry": corridor_buffer(_centre_line(entities, corridor_id), buffer_m)}

    def _recut_zones(self, parts, entities, corridor_id, area) -> None:
        mine = parts["corridor_id"] == corridor_id
        dividers = parts[mine & (parts["part"] == "divider")]
        zones = parts[mine & (parts["part"] == "zone")]
        if len(dividers) != 1 or len(zones) != 2:
            return
        south, north = split_zones(area, dividers.geometry.iloc[0],
                                   _centre_line(entities, corridor_id))
        first_is_south = zones.geometry.iloc[0].centroid.y < zones.geometry.iloc[1].centroid.y
        ordered = [south, north] if first_is_south else [north, south]
        parts.loc[zones.index, "geometry"] = gpd.GeoSeries(ordered, index=zones.index,
                                                           crs="EPSG:4326")

"""The map roles a layer can declare (``Layer.map_role``): one registry entry each.

A role says what the layer is on a map, whether it is drawn over the choropleth
as an overlay, where its legend entries stand, and whether its legend entry is
its symbol family (markers, corridors) or the layer itself (outlines, lines).
The layer contract, the map core's overlays and legends read this registry, so
a new role is one entry here (and its drawing in the renderers).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class MapRole:
    id: str
    description: str
    overlay: bool = False
    legend_rank: int = 9
    legend_by_family: bool = False
    outline: bool = False


ROLES: dict[str, MapRole] = {role.id: role for role in (
    MapRole("units", "统计单元：地图按它分级设色，也是底图"),
    MapRole("values", "区域数值：分级设色的指标来源"),
    MapRole("points", "点状叠加层（载体符号）", overlay=True, legend_rank=0,
            legend_by_family=True),
    MapRole("corridor", "走廊组成（中轴线、分界线、片区、节点、缓冲区）", overlay=True,
            legend_rank=1, legend_by_family=True),
    MapRole("areas", "面状叠加层（画作轮廓，不拦截点击）", overlay=True, legend_rank=2,
            outline=True),
    MapRole("lines", "线状叠加层", overlay=True, legend_rank=2, outline=True),
    MapRole("none", "不上地图（map_reason 说明原因）"),
)}
OVERLAY_ROLES = tuple(role.id for role in ROLES.values() if role.overlay)

"""Administrative boundary layers: province, city and county polygons (WGS84)."""

from __future__ import annotations

import geopandas as gpd

from geo.boundaries import load_boundaries
from layers.base import Layer, LayerContext

BOUNDARIES_DIR = "boundaries"


def all_boundaries(ctx: LayerContext) -> gpd.GeoDataFrame:
    """Every boundary unit at full resolution, read once per context."""
    return ctx.cached("boundaries:full", lambda: load_boundaries(ctx.data_dir / BOUNDARIES_DIR))


def display_boundaries(ctx: LayerContext, resolution: str = "fine") -> gpd.GeoDataFrame:
    """Every unit at a display ``resolution`` (see geo.boundaries.TOLERANCES), read once.

    Layers that hang values on regions (targets, tasks, imported metrics) use the
    ``fine`` version (about 50 m): exact enough for a thematic map, a third of
    the full-resolution size, and identical shared edges between neighbours.
    """
    return ctx.cached(f"boundaries:{resolution}",
                      lambda: load_boundaries(ctx.data_dir / BOUNDARIES_DIR, resolution))


def region_shapes(ctx: LayerContext, resolution: str = "fine") -> gpd.GeoSeries:
    """Polygons by adcode at a display ``resolution``."""
    gdf = display_boundaries(ctx, resolution)
    return gpd.GeoSeries(gdf.geometry.values, index=gdf["adcode"], crs=4326)


class _BoundaryLayer(Layer):
    level: str
    id_field = "adcode"
    map_role = "units"

    def load(self, ctx: LayerContext) -> gpd.GeoDataFrame:
        gdf = all_boundaries(ctx)
        return gdf[gdf["level"] == self.level].reset_index(drop=True)


class ProvinceBoundaries(_BoundaryLayer):
    id = "boundaries-province"
    level = "province"
    title = "省级行政区"
    description = "江苏省、安徽省省界（高德 GCJ-02 源数据已转换为 WGS84）。"


class CityBoundaries(_BoundaryLayer):
    id = "boundaries-city"
    level = "city"
    title = "设区市"
    description = "江苏省 13 个设区市与安徽省 16 个地级市边界（WGS84）。"


class CountyBoundaries(_BoundaryLayer):
    id = "boundaries-county"
    level = "county"
    title = "县（市、区）"
    description = "江苏省全部 95 个县级单位与宿州市 5 个县区边界（WGS84）。"

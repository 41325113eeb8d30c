"""The Layer contract: one subclass per map layer, registered in layers.REGISTRY."""

from __future__ import annotations

import abc
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, ClassVar

import geopandas as gpd


class LayerError(Exception):
    """A layer could not be loaded or failed its checks."""


#: Map roles a layer can declare (``Layer.map_role``).
MAP_ROLES = {
    "units": "统计单元：地图按它分级设色，也是底图",
    "values": "区域数值：分级设色的指标来源",
    "points": "点状叠加层（载体符号）",
    "areas": "面状叠加层（画作轮廓，不拦截点击）",
    "lines": "线状叠加层",
    "corridor": "走廊组成（中轴线、分界线、片区、节点、缓冲区）",
    "none": "不上地图（map_reason 说明原因）",
}
OVERLAY_ROLES = ("points", "areas", "lines", "corridor")


@dataclass
class LayerContext:
    """What a layer may use while loading: the data directory and other layers.

    ``layer(id)`` loads another registered layer once and caches it, so a layer
    that joins to boundaries does not read them twice.
    """

    data_dir: Path
    resolve: Callable[[str], "Layer"]
    options: dict = field(default_factory=dict)
    _cache: dict = field(default_factory=dict)

    def layer(self, layer_id: str) -> gpd.GeoDataFrame:
        if layer_id not in self._cache:
            self._cache[layer_id] = self.resolve(layer_id).load_checked(self)
        return self._cache[layer_id]


class Layer(abc.ABC):
    """A named GeoDataFrame the service can map, serve and export.

    Subclasses set the class attributes and implement :meth:`load`. The result
    must be in EPSG:4326 (WGS84 lon/lat) with valid geometries and a unique
    ``id_field``.
    """

    id: ClassVar[str]
    title: ClassVar[str]
    description: ClassVar[str]
    id_field: ClassVar[str] = "id"
    #: What the layer is on a map: one of :data:`MAP_ROLES`. The map core
    #: (``mapcore``) iterates the registry by role; nothing names a layer id.
    map_role: ClassVar[str] = "none"
    #: Why a layer with role ``none`` is on no map (shown in the docs and tests).
    map_reason: ClassVar[str] = ""
    #: Overlays only: shown when a map opens (False: listed in the layer list, off).
    map_default_visible: ClassVar[bool] = True
    #: Overlays only: (column, 中文 label) rows of a feature's popup, after its
    #: type, county and precision grade; empty values are left out.
    popup_fields: ClassVar[tuple[tuple[str, str], ...]] = ()
    #: Overlays only: the symbol family of every feature unless the frame has a
    #: ``family`` column (families: ``data/kb/symbol_families.csv``).
    family: ClassVar[str] = "other"
    #: Value layers only: ``long`` (region, indicator, year, kind, value rows, as the
    #: targets) or ``counts`` (one row per county with ``n_<type>`` columns).
    values_format: ClassVar[str] = ""
    #: Value layers only: prefix of its indicator ids and suffix of their names.
    indicator_prefix: ClassVar[str] = ""
    indicator_label: ClassVar[str] = ""

    @abc.abstractmethod
    def load(self, ctx: LayerContext) -> gpd.GeoDataFrame:
        """Read the layer's data and return it as a GeoDataFrame in EPSG:4326."""

    def queryables(self, gdf: gpd.GeoDataFrame) -> list[str]:
        """Property names a client may filter on; all non-geometry columns by default."""
        return [c for c in gdf.columns if c != gdf.geometry.name]

    def load_checked(self, ctx: LayerContext) -> gpd.GeoDataFrame:
        """Load and enforce the contract, naming the layer in any failure."""
        gdf = self.load(ctx)
        check_layer_frame(self, gdf)
        return gdf


def check_layer_class(layer: type[Layer] | Layer) -> None:
    """Raise LayerError unless the layer's declarations are complete."""
    if layer.map_role not in MAP_ROLES:
        raise LayerError(f"layer {layer.id}: map_role {layer.map_role!r} is not one of "
                         f"{', '.join(MAP_ROLES)}")
    if layer.map_role == "none" and not layer.map_reason:
        raise LayerError(f"layer {layer.id}: map_role none needs a map_reason")
    if layer.map_role == "values" and layer.values_format not in ("long", "counts"):
        raise LayerError(f"layer {layer.id}: values layers declare values_format "
                         f"long or counts")


def check_layer_frame(layer: Layer, gdf: gpd.GeoDataFrame) -> None:
    """Raise LayerError unless ``gdf`` meets the Layer contract."""
    if not isinstance(gdf, gpd.GeoDataFrame):
        raise LayerError(f"layer {layer.id}: load() returned {type(gdf).__name__}")
    if gdf.crs is None or gdf.crs.to_epsg() != 4326:
        raise LayerError(f"layer {layer.id}: CRS must be EPSG:4326, got {gdf.crs}")
    if layer.id_field not in gdf.columns:
        raise LayerError(f"layer {layer.id}: id field {layer.id_field!r} missing")
    if gdf[layer.id_field].duplicated().any():
        dupes = gdf.loc[gdf[layer.id_field].duplicated(), layer.id_field].tolist()[:5]
        raise LayerError(f"layer {layer.id}: duplicate ids {dupes}")
    invalid = ~gdf.geometry.is_valid & gdf.geometry.notna()
    if invalid.any():
        raise LayerError(f"layer {layer.id}: invalid geometry for ids "
                         f"{gdf.loc[invalid, layer.id_field].tolist()[:5]}")

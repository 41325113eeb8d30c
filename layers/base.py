"""The Layer contract: one subclass per map layer, registered in layers.REGISTRY."""

from __future__ import annotations

import abc
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, ClassVar

import geopandas as gpd


class LayerError(Exception):
    """A layer could not be loaded or failed its checks."""


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
    group: ClassVar[str] = ""
    # Layers this one is computed from: when the catalog reloads one of them
    # (an import changed it), it reloads this layer too.
    depends_on: ClassVar[tuple[str, ...]] = ()

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

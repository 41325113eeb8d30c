"""Layer registry: every layer the service can map, serve and export.

Adding a layer is one module with a Layer subclass and one entry here.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import geopandas as gpd

from layers.base import Layer, LayerContext, LayerError
from layers.boundaries import CityBoundaries, CountyBoundaries, ProvinceBoundaries
from layers.corridors import CorridorsLayer
from layers.county_metrics import CountyMetricsLayer
from layers.entities import EntitiesLayer
from layers.imported import ImportedCarriers, ImportedMetrics
from layers.targets import TargetsLayer
from layers.tasks import Tasks2023Layer

LAYER_CLASSES: tuple[type[Layer], ...] = (
    ProvinceBoundaries,
    CityBoundaries,
    CountyBoundaries,
    EntitiesLayer,
    CorridorsLayer,
    CountyMetricsLayer,
    TargetsLayer,
    Tasks2023Layer,
    ImportedMetrics,
    ImportedCarriers,
)

REGISTRY: dict[str, Layer] = {cls.id: cls() for cls in LAYER_CLASSES}


def get_layer(layer_id: str) -> Layer:
    """The registered layer ``layer_id``; LayerError if there is none."""
    try:
        return REGISTRY[layer_id]
    except KeyError:
        raise LayerError(f"unknown layer {layer_id!r}") from None


@dataclass
class Catalog:
    """All layers loaded once for an app: ``frames[id]`` is the GeoDataFrame.

    ``generation`` counts reloads, so caches can tell fresh data from stale.
    """

    frames: dict[str, gpd.GeoDataFrame]
    context: LayerContext
    generation: int = 0

    def frame(self, layer_id: str) -> gpd.GeoDataFrame:
        get_layer(layer_id)
        return self.frames[layer_id]

    def refresh(self, layer_id: str) -> gpd.GeoDataFrame:
        """Load ``layer_id`` again (its data changed) and swap the new frame in.

        Every loaded layer that ``depends_on`` it (the targets' progress on the
        imported metrics) is reloaded after it, so both change together.
        """
        layer = get_layer(layer_id)
        self.context._cache.pop(layer_id, None)
        self.frames[layer_id] = self.context.layer(layer.id)
        self.generation += 1
        for dependent in REGISTRY.values():
            if layer_id in dependent.depends_on and dependent.id in self.frames:
                self.refresh(dependent.id)
        return self.frames[layer_id]


def load_catalog(data_dir: Path, options: dict | None = None) -> Catalog:
    """Load and check every registered layer from ``data_dir``."""
    ctx = LayerContext(data_dir=Path(data_dir), resolve=get_layer, options=options or {})
    frames = {layer_id: ctx.layer(layer_id) for layer_id in REGISTRY}
    return Catalog(frames=frames, context=ctx)


__all__ = ["REGISTRY", "Catalog", "Layer", "LayerContext", "LayerError",
           "get_layer", "load_catalog"]

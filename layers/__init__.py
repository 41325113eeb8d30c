"""Layer registry: every layer the service can map, serve and export.

Adding a layer is one module with a Layer subclass and one entry here.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import geopandas as gpd

from layers.base import Layer, LayerContext, LayerError, check_layer_class
from layers.boundaries import CityBoundaries, CountyBoundaries, ProvinceBoundaries
from layers.carriers import CarriersLayer, StructuresLayer
from layers.corridors import CorridorsLayer
from layers.county_metrics import CountyMetricsLayer
from layers.entities import EntitiesLayer
from layers.imported import ImportedCarriers, ImportedMetrics
from layers.kb import knowledge_base_version
from layers.partners import PartnershipsLayer, PartnersLayer
from layers.targets import TargetsLayer
from layers.tasks import plan_task_layers

LAYER_CLASSES: tuple[type[Layer], ...] = (
    ProvinceBoundaries,
    CityBoundaries,
    CountyBoundaries,
    EntitiesLayer,
    CarriersLayer,
    StructuresLayer,
    CorridorsLayer,
    CountyMetricsLayer,
    TargetsLayer,
    PartnersLayer,
    PartnershipsLayer,
    ImportedMetrics,
    ImportedCarriers,
)

for _cls in LAYER_CLASSES:
    check_layer_class(_cls)
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

    ``layers`` are the app's layers (the registry plus any an app was given);
    ``generation`` counts reloads, so caches can tell fresh data from stale.
    """

    frames: dict[str, gpd.GeoDataFrame]
    context: LayerContext
    layers: dict[str, Layer] = field(default_factory=lambda: dict(REGISTRY))
    generation: int = 0
    kb_digest: str = ""

    def data_identity(self) -> str:
        """What the loaded data is, equal in every process that loaded the same data
        (unlike ``generation``): the knowledge base digest and, per imported layer,
        its row count and latest version (a rollback gives the earlier state's)."""
        parts = [self.kb_digest]
        for layer_id, frame in sorted(self.frames.items()):
            if "version" in frame.columns:
                latest = int(frame["version"].max()) if len(frame) else 0
                parts.append(f"{layer_id}:{len(frame)}:{latest}")
        return "|".join(parts)

    def layer(self, layer_id: str) -> Layer:
        """The app's layer ``layer_id``; LayerError if there is none."""
        try:
            return self.layers[layer_id]
        except KeyError:
            raise LayerError(f"unknown layer {layer_id!r}") from None

    def frame(self, layer_id: str) -> gpd.GeoDataFrame:
        self.layer(layer_id)
        return self.frames[layer_id]

    def whole(self, layer_id: str) -> gpd.GeoDataFrame:
        """Every feature of ``layer_id`` (a store-backed layer's are read from the store)."""
        return self.layer(layer_id).load_all(self.context)

    def refresh(self, layer_id: str) -> gpd.GeoDataFrame:
        """Load ``layer_id`` again (its data changed) and swap the new frame in.

        Every loaded layer that ``depends_on`` it (the targets' progress on the
        imported metrics) is reloaded after it, so both change together.
        """
        layer = self.layer(layer_id)
        self.context._cache.pop(layer_id, None)
        self.frames[layer_id] = self.context.layer(layer.id)
        self.generation += 1
        for dependent in self.layers.values():
            if layer_id in dependent.depends_on and dependent.id in self.frames:
                self.refresh(dependent.id)
        return self.frames[layer_id]


def load_catalog(data_dir: Path, options: dict | None = None,
                 extra_layers: Iterable[Layer] = ()) -> Catalog:
    """Load and check every registered layer, the layers of the plan registry (each
    plan's task table) and ``extra_layers`` from ``data_dir``.

    An extra layer with a registered id takes that layer's place (another source of
    the same data, e.g. a test fixture); layers loaded from it then use it.
    """
    layers = dict(REGISTRY) | {layer.id: layer for layer in plan_task_layers(data_dir)}
    for layer in extra_layers:
        check_layer_class(layer)
        layers[layer.id] = layer
    resolve = layers.__getitem__
    ctx = LayerContext(data_dir=Path(data_dir), resolve=resolve, options=options or {})
    frames = {layer_id: ctx.layer(layer_id) for layer_id in layers}
    return Catalog(frames=frames, context=ctx, layers=layers,
                   kb_digest=knowledge_base_version(data_dir)["sha256"])


__all__ = ["REGISTRY", "Catalog", "Layer", "LayerContext", "LayerError",
           "get_layer", "load_catalog"]

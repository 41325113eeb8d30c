"""What every map of an app shares, loaded once from the catalog (no request needed)."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field

import geopandas as gpd

from geo.boundaries import read_manifest
from layers import Catalog
from layers.boundaries import BoundarySource, boundary_source
from layers.carriers import read_families
from layers.entities import read_citations, read_entity_types, read_precision_grades
from layers.plans import Plan, load_plans


@dataclass(frozen=True)
class Family:
    """A symbol family: how every carrier of its types is drawn and named in legends."""

    id: str
    label: str
    shape: str
    color: str
    order: int


def _entity_citations(data_dir) -> dict[str, list[dict]]:
    """Every passage citing each entity (its main quote, then ``citations.csv``)."""
    out: dict[str, list[dict]] = {}
    for row in read_citations(data_dir).to_dict("records"):
        out.setdefault(row["entity_id"], []).append(row)
    return out


@dataclass
class MapResources:
    """Display boundaries, plans, symbol families and labels; built once per app.

    ``indicators`` is a cache the value sources fill, keyed by the catalog's
    generation, so it is rebuilt after an import and never otherwise.
    """

    catalog: Catalog
    boundaries: BoundarySource
    plans: dict[str, Plan]
    families: dict[str, Family]
    type_labels: dict[str, str]
    manifest: dict
    precision_labels: dict[str, str] = field(default_factory=dict)
    citations: dict[str, list[dict]] = field(default_factory=dict)
    _cache: dict = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    @classmethod
    def load(cls, catalog: Catalog) -> MapResources:
        data_dir = catalog.context.data_dir
        families = {row["id"]: Family(row["id"], row["label"], row["shape"], row["colour"], i)
                    for i, row in enumerate(read_families(data_dir).to_dict("records"))}
        types = read_entity_types(data_dir)
        grades = read_precision_grades(data_dir)
        return cls(catalog=catalog,
                   boundaries=boundary_source(catalog.context),
                   plans=load_plans(data_dir), families=families,
                   type_labels=dict(zip(types["id"], types["label"])),
                   manifest=read_manifest(data_dir / "boundaries"),
                   precision_labels=dict(zip(grades["id"], grades["label"])),
                   citations=_entity_citations(data_dir))

    def plan_title(self, plan_id) -> str:
        plan = self.plans.get(plan_id)
        return plan.title if plan else str(plan_id or "")

    def family(self, family_id: str) -> Family:
        return self.families.get(family_id) or self.families["other"]

    def cached(self, name: str, make):
        """``make()`` once per catalog generation (shared by every request of the app)."""
        key = (name, self.catalog.generation)
        with self._lock:
            if key in self._cache:
                return self._cache[key]
        value = make()
        with self._lock:
            self._cache = {k: v for k, v in self._cache.items() if k[1] == key[1]}
            self._cache[key] = value
        return value

    def layers_with_role(self, *roles: str) -> list:
        """Registered layers whose ``map_role`` is one of ``roles``, in registry order."""
        return [layer for layer in self.catalog.layers.values() if layer.map_role in roles]

    def units(self, resolution: str = "fine", **which) -> gpd.GeoDataFrame:
        """Display boundaries at ``resolution`` of the units ``which`` names
        (``provinces``, ``adcodes``, ``box``, ``levels``: see
        :meth:`layers.boundaries.BoundarySource.frame`); read lazily, a province
        at a time. Without ``which``: every unit of the country (slow, not kept)."""
        return self.boundaries.frame(resolution, **which)

    def unit_table(self) -> gpd.GeoDataFrame:
        """Every unit of the country: attributes, boxes and label points, no polygons."""
        return self.boundaries.units

"""Zones an import of actuals may name: the entities of ``data/kb/entities.csv`` that hold
targets of their own in ``data/kb/targets.csv`` (a 高新区, a 农高区, an 产业园).

A zone's value is stored with the adcode its targets are filed under and its entity id
(``store`` metric rows' ``entity_id``), so that it measures the zone's targets and never
stands for its region. A target of a subject that is no entity (全省高新区, 沿江地区: a
group of zones or an area without an inventory) cannot be measured by an import.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from ingest.keys import key
from layers.entities import ENTITY_COLUMNS
from layers.kb import KB_DIR, read_csv
from layers.targets import read_targets


@dataclass(frozen=True)
class Zone:
    id: str
    name: str
    region_adcode: str
    #: Ids of the indicators the zone has targets for, in the order of targets.csv.
    indicators: tuple[str, ...]


@dataclass
class Zones:
    """The zones by id, looked up by id, name or alias (comparison keys, ``ingest.keys.key``)."""

    by_id: dict[str, Zone] = field(default_factory=dict)
    _names: dict[str, set[str]] = field(default_factory=dict)

    def add(self, zone: Zone, names) -> None:
        self.by_id[zone.id] = zone
        for name in filter(None, (str(n).strip() for n in (zone.id, zone.name, *names))):
            self._names.setdefault(key(name), set()).add(zone.id)

    def resolve(self, text: str) -> set[str]:
        """Ids of the zones ``text`` names exactly (several: an alias two zones share)."""
        return set(self._names.get(key(text), set()))

    def names(self) -> dict[str, str]:
        """Zone id → name."""
        return {z.id: z.name for z in self.by_id.values()}


def zones_of(entities: pd.DataFrame, targets: pd.DataFrame) -> Zones:
    """The zones of ``entities`` (entities.csv columns) that ``targets`` (targets.csv
    columns) give a target, each under the adcode its first target is filed under."""
    held = targets[(targets["kind"] == "target") & (targets["entity_id"] != "")]
    zones = Zones()
    by_id = entities.set_index("id", drop=False)
    for entity_id, rows in held.groupby("entity_id", sort=False):
        if entity_id not in by_id.index:
            continue
        entity = by_id.loc[entity_id]
        zone = Zone(entity_id, entity["name"], rows["region_adcode"].iloc[0],
                    tuple(dict.fromkeys(rows["indicator_id"])))
        zones.add(zone, str(entity["aliases"]).split("|"))
    return zones


def read_zones(data_dir: Path) -> Zones:
    """The zones of the knowledge base under ``data_dir`` (none when it has no entities)."""
    path = Path(data_dir) / KB_DIR / "entities.csv"
    if not path.exists():
        return Zones()
    return zones_of(read_csv(path, ENTITY_COLUMNS), read_targets(data_dir))

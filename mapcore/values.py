"""Where a choropleth's values come from: every layer whose ``map_role`` is ``values``.

A layer with ``values_format = "long"`` (the plan targets, imported metrics) has one
row per region, indicator, year and kind; ``"counts"`` (county metrics) has one row
per county with ``carriers`` and ``n_<type>`` columns. Each becomes a
:class:`ValueSource`; the indicators of all sources are one dict, cached per catalog
generation in :class:`mapcore.resources.MapResources`.
"""

from __future__ import annotations

import abc
from dataclasses import dataclass

import numpy as np
import pandas as pd

from geo import thematic, value_kinds
from layers.base import Layer
from mapcore import progress
from mapcore.texts import citation, number_or_none, source_label, source_value, text

CARRIER_PREFIX = "carriers."


@dataclass(frozen=True)
class MapIndicator:
    """An indicator a choropleth can show, and the value source it comes from."""

    id: str
    name: str
    unit: str
    kinds: tuple[str, ...]
    steps: tuple[tuple[int, str], ...]
    adcodes: frozenset[str]
    source: ValueSource

    @property
    def derived(self) -> bool:
        """True for counts derived from the layout (carriers per county), not plan values."""
        return isinstance(self.source, CarrierCounts)


class ValueSource(abc.ABC):
    """Regional values of one layer."""

    def __init__(self, layer: Layer):
        self.layer = layer

    def raw(self, catalog) -> pd.DataFrame | None:
        return catalog.frames.get(self.layer.id)

    @abc.abstractmethod
    def indicators(self, resources) -> list[MapIndicator]:
        """The indicators this source has values for."""

    @abc.abstractmethod
    def table(self, catalog, indicator: MapIndicator, kind: str,
              year: int | None) -> pd.DataFrame:
        """Values per region, shaped like :func:`geo.thematic.value_table`."""


class LongValues(ValueSource):
    """Values in the long format (plan baselines/targets, imported metrics).

    Rows without a ``kind`` are observed values, shown as 基期值/现状 of their year.
    """

    def frame(self, catalog) -> pd.DataFrame | None:
        frame = self.raw(catalog)
        if frame is None or frame.empty:
            return None
        if "kind" not in frame.columns:
            frame = frame.assign(kind="baseline")
        prefix = self.layer.indicator_prefix
        if prefix:
            frame = frame.assign(indicator_id=prefix + frame["indicator_id"].astype(str))
        return frame

    def indicators(self, resources) -> list[MapIndicator]:
        frame = self.frame(resources.catalog)
        if frame is None:
            return []
        if "indicator_name" not in frame.columns:
            frame = frame.assign(indicator_name=self._names(resources.catalog,
                                                            frame["indicator_id"]))
        out = []
        by_id = dict(tuple(frame.groupby("indicator_id", sort=False)))
        for row in thematic.indicator_summary(frame).itertuples():
            kinds = value_kinds.kinds_for(row.kinds)
            if "target" in kinds and progress.has_progress(frame):
                kinds += (progress.KIND,)
            out.append(MapIndicator(
                row.indicator_id, f"{row.indicator_name}{self.layer.indicator_label}",
                str(row.unit or ""), kinds,
                tuple(thematic.time_steps(by_id[row.indicator_id], row.indicator_id)),
                frozenset(row.adcodes), self))
        return out

    def table(self, catalog, indicator, kind, year):
        if kind == progress.KIND:
            return progress.progress_table(self.frame(catalog), indicator.id, year)
        return thematic.value_table(self.frame(catalog), indicator.id, kind, year)

    def _names(self, catalog, ids: pd.Series) -> pd.Series:
        """Indicator names from the long layers that carry them, else the id."""
        prefix = self.layer.indicator_prefix
        names = {}
        for frame in catalog.frames.values():
            if {"indicator_id", "indicator_name"} <= set(frame.columns):
                names.update(zip(prefix + frame["indicator_id"].astype(str),
                                 frame["indicator_name"]))
        return ids.map(lambda i: names.get(i, i.removeprefix(prefix)))


class CarrierCounts(ValueSource):
    """Carriers per county, in total (``carriers.total``) and by type (``carriers.<type>``).

    Types no county has are left out.
    """

    @staticmethod
    def columns(frame) -> dict[str, str]:
        """Indicator id -> column, for the count columns with any carrier."""
        out = {}
        if "carriers" in frame.columns:
            out[CARRIER_PREFIX + "total"] = "carriers"
        for column in frame.columns:
            if column.startswith("n_") and pd.api.types.is_numeric_dtype(frame[column]) \
                    and frame[column].sum() > 0:
                out[CARRIER_PREFIX + column[2:]] = column
        return out

    def indicators(self, resources) -> list[MapIndicator]:
        frame = self.raw(resources.catalog)
        if frame is None or frame.empty:
            return []
        adcodes = frozenset(frame["adcode"].astype(str))
        return [MapIndicator(key, carrier_label(key, resources.type_labels), "个", ("baseline",),
                             (), adcodes, self) for key in self.columns(frame)]

    def table(self, catalog, indicator, kind, year):
        frame = self.raw(catalog)
        column = self.columns(frame)[indicator.id]
        wanted = indicator.id.removeprefix(CARRIER_PREFIX)
        types = _feature_types(catalog)
        keep = (lambda i: True) if wanted == "total" else (lambda i: types.get(i) == wanted)
        return pd.DataFrame({
            "region_adcode": frame["adcode"].astype(str), "value": frame[column].astype(float),
            "unit": "个", "year": np.nan, "baseline": np.nan, "baseline_year": np.nan,
            "target": np.nan, "target_year": np.nan, "qualifier": None,
            "sources": [[] for _ in range(len(frame))],
            "entity_ids": [[i for i in str(v or "").split("|") if i and keep(i)]
                           for v in frame.get("entity_ids", [""] * len(frame))]})


def _feature_types(catalog) -> dict[str, str]:
    """Type by feature id, over every point layer with a ``type`` column."""
    out = {}
    for layer in catalog.layers.values():
        frame = catalog.frames.get(layer.id)
        if layer.map_role == "points" and frame is not None and "type" in frame.columns:
            out.update(zip(frame[layer.id_field].astype(str), frame["type"]))
    return out


def carrier_label(key: str, labels: dict[str, str]) -> str:
    stem = key.removeprefix(CARRIER_PREFIX)
    if stem == "total":
        return "规划所列创新载体数量（合计）"
    return f"规划所列创新载体数量：{labels.get(stem, stem)}"


SOURCE_CLASSES = {"long": LongValues, "counts": CarrierCounts}


def value_sources(resources) -> list[ValueSource]:
    """One source per layer with ``map_role == "values"``, in registry order."""
    return [SOURCE_CLASSES[layer.values_format](layer)
            for layer in resources.layers_with_role("values")]


def indicators(resources) -> dict[str, MapIndicator]:
    """Every indicator of every value source by id (first source wins), cached."""
    def find() -> dict[str, MapIndicator]:
        found: dict[str, MapIndicator] = {}
        for source in value_sources(resources):
            for indicator in source.indicators(resources):
                found.setdefault(indicator.id, indicator)
        return found

    return resources.cached("indicators", find)


def own_values(resources, adcode: str) -> list[dict]:
    """The region's own plan baselines and targets with their citations (side panel)."""
    source = next((s for s in value_sources(resources)
                   if isinstance(s, LongValues) and not s.layer.indicator_prefix), None)
    frame = None if source is None else source.frame(resources.catalog)
    if frame is None:
        return []
    rows = frame[frame["region_adcode"] == adcode]
    for column in ("subject", "entity_id"):
        if column in rows.columns:
            rows = rows[rows[column].fillna("") == ""]
    if "restates" in rows.columns:  # a figure stated twice (text and table) is listed once
        rows = rows[rows["restates"].fillna("") == ""]
    rows = rows.sort_values(["indicator_id", "year", "kind"])
    return [{"indicator_id": r.indicator_id,
             "name": text(getattr(r, "indicator_name", r.indicator_id)),
             "kind": source_label(r.kind, r.year, getattr(r, "period_label", ""),
                                  getattr(r, "previous_period", False)).split("（")[0] + "值",
             "year": int(r.year),
             "value": source_value({"value": r.value, "qualifier": getattr(r, "qualifier", ""),
                                    "value_max": number_or_none(getattr(r, "value_max", None))},
                                   text(getattr(r, "unit", ""))),
             "unit": text(getattr(r, "unit", "")), **citation(r, resources)}
            for r in rows.itertuples()]

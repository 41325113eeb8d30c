"""Administrative boundary layers and the lazy boundary source every surface reads.

Every unit of mainland China is known (``units.csv``: attributes, boxes, label
points, always in memory); polygons are read from the GeoPackages a province
at a time when a map or a layer needs them, and a worker keeps the provinces it
read last, up to a budget of geometry bytes (:class:`BoundarySource`). The boundary
layers of the API hold the full-resolution units the registered plans are about (:func:`plan_units`:
the data decides which, ``data/plans/plans.json``).
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Iterable
from pathlib import Path

import geopandas as gpd
import pandas as pd
import shapely

from geo.boundaries import BBOX, COLUMNS, load_boundaries, load_units
from layers.base import Layer, LayerContext
from layers.plans import load_plans

BOUNDARIES_DIR = "boundaries"
# Province frames a worker keeps, by the bytes of their geometry (WKB): a county map
# reads its province at a fine resolution and a dozen neighbours coarse around it
# (0.2–0.5 MB each), a fine province is 1–4 MB; this keeps what one map of any
# province needs, so drawing it again reads nothing from disk.
KEEP_BYTES = 16 * 1024 * 1024


class BoundarySource:
    """Boundaries of one data directory, read lazily.

    ``units`` (attributes, boxes and label points of every unit) is read once;
    polygons are read per province and resolution; those read last are kept up to
    ``keep_bytes`` of geometry.
    """

    def __init__(self, directory: Path, keep_bytes: int = KEEP_BYTES):
        self.directory = Path(directory)
        self.keep_bytes = keep_bytes
        self._kept_bytes = 0
        self._sizes: dict[tuple[str, str], int] = {}
        self._units: gpd.GeoDataFrame | None = None
        self._frames: OrderedDict[tuple[str, str], gpd.GeoDataFrame] = OrderedDict()
        self._national: dict[tuple[str, tuple[str, ...]], gpd.GeoDataFrame] = {}
        self._lock = threading.Lock()

    @property
    def units(self) -> gpd.GeoDataFrame:
        """Every unit: ``COLUMNS``, ``BBOX`` and its label point as geometry."""
        if self._units is None:
            self._units = load_units(self.directory)
        return self._units

    def unit(self, adcode: str) -> dict | None:
        """The attributes of unit ``adcode`` (None if there is none)."""
        match = self.units[self.units["adcode"] == str(adcode)]
        return None if match.empty else match.iloc[0][COLUMNS].to_dict()

    def frame(self, resolution: str = "fine", *, provinces: Iterable[str] | None = None,
              adcodes: Iterable[str] | None = None, levels: Iterable[str] | None = None,
              box: tuple[float, float, float, float] | None = None) -> gpd.GeoDataFrame:
        """Polygons at ``resolution`` of the units asked for, with ``COLUMNS``.

        ``provinces``: every unit of these provinces; ``adcodes``: these units;
        ``box``: the units whose bounding box meets (west, south, east, north);
        ``levels`` narrows any of them. With none of the first three, every unit
        of the country is read (kept only when ``levels`` leaves out counties).
        """
        wanted = self._selection(provinces, adcodes, box)
        if wanted is None:
            return self._whole(resolution, tuple(sorted(levels)) if levels else ())
        codes, provs = wanted
        parts = [self._province(resolution, p) for p in sorted(provs)]
        out = pd.concat(parts, ignore_index=True) if parts else _empty()
        out = gpd.GeoDataFrame(out, geometry="geometry", crs="EPSG:4326")
        if codes is not None:
            out = out[out["adcode"].isin(codes)]
        if levels is not None:
            out = out[out["level"].isin(tuple(levels))]
        return out.sort_values("adcode").reset_index(drop=True)

    def _selection(self, provinces, adcodes, box) -> tuple[set | None, set] | None:
        units = self.units
        if provinces is not None:
            return None, {str(p) for p in provinces}
        if adcodes is not None:
            codes = {str(a) for a in adcodes}
            return codes, set(units.loc[units["adcode"].isin(codes), "province_adcode"])
        if box is not None:
            west, south, east, north = box
            near = units[(units["west"] <= east) & (units["east"] >= west)
                         & (units["south"] <= north) & (units["north"] >= south)]
            return set(near["adcode"]), set(near["province_adcode"])
        return None

    def _province(self, resolution: str, province: str) -> gpd.GeoDataFrame:
        key = (resolution, province)
        with self._lock:
            if key in self._frames:
                self._frames.move_to_end(key)
                return self._frames[key]
        frame = load_boundaries(self.directory, resolution, provinces=[province])
        with self._lock:
            if key not in self._frames:
                self._frames[key] = frame
                self._sizes[key] = _geometry_bytes(frame)
                self._kept_bytes += self._sizes[key]
            while self._kept_bytes > self.keep_bytes and len(self._frames) > 1:
                dropped, _ = self._frames.popitem(last=False)
                self._kept_bytes -= self._sizes.pop(dropped)
        return frame

    def _whole(self, resolution: str, levels: tuple[str, ...]) -> gpd.GeoDataFrame:
        key = (resolution, levels)
        if key in self._national:
            return self._national[key]
        if not levels:
            return load_boundaries(self.directory, resolution)
        codes = self.units.loc[self.units["level"].isin(levels), "adcode"]
        frame = load_boundaries(self.directory, resolution, adcodes=codes)
        if levels and "county" not in levels:
            self._national[key] = frame  # provinces and cities: small enough to keep
        return frame


def _geometry_bytes(frame: gpd.GeoDataFrame) -> int:
    """The bytes of a frame's coordinates (two float64 each), what keeping it costs."""
    return int(shapely.get_num_coordinates(frame.geometry.values).sum()) * 16


def _empty() -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame({c: pd.Series(dtype=object) for c in COLUMNS},
                            geometry=[], crs="EPSG:4326")


def boundary_source(ctx: LayerContext) -> BoundarySource:
    """The context's boundary source (one per app)."""
    key = "_boundary_source"
    return ctx.cached(key, lambda: BoundarySource(ctx.data_dir / BOUNDARIES_DIR))


def boundary_units(ctx: LayerContext) -> gpd.GeoDataFrame:
    """Every unit of the country: attributes, ``BBOX`` and label points (no polygons)."""
    return boundary_source(ctx).units


def plan_units(units: pd.DataFrame, plan_regions: Iterable[str]) -> pd.DataFrame:
    """The units the plans of ``plan_regions`` are about, as rows of ``units``.

    The province of every plan region with all its cities, and the counties of
    every plan region (a province's plan: all its counties; a city's: its own).
    """
    regions = {str(r) for r in plan_regions}
    provinces = {r[:2] + "0000" for r in regions}
    in_province = units["province_adcode"].isin(provinces)
    counties = (units["level"] == "county") & (
        units["province_adcode"].isin(regions) | units["city_adcode"].isin(regions)
        | units["adcode"].isin(regions))
    keep = in_province & ((units["level"] != "county") | counties)
    return units[keep]


def plan_adcodes(ctx: LayerContext) -> set[str]:
    """Adcodes of :func:`plan_units` for the registered plans."""
    units = boundary_units(ctx)
    regions = [p.region_adcode for p in load_plans(ctx.data_dir).values()]
    return set(plan_units(units, regions)["adcode"])


def plan_provinces(ctx: LayerContext) -> list[str]:
    """Provinces holding the region of a registered plan."""
    units = boundary_units(ctx)
    return sorted(set(units.loc[units["adcode"].isin(plan_adcodes(ctx)), "province_adcode"]))


def plan_boundaries(data_dir: Path, resolution: str = "full") -> gpd.GeoDataFrame:
    """Polygons of :func:`plan_units` at ``resolution``, without an app (imports from
    the command line, benchmarks)."""
    units = load_units(Path(data_dir) / BOUNDARIES_DIR)
    wanted = plan_units(units, [p.region_adcode for p in load_plans(data_dir).values()])
    frame = load_boundaries(Path(data_dir) / BOUNDARIES_DIR, resolution,
                            provinces=sorted(set(wanted["province_adcode"])))
    return frame[frame["adcode"].isin(set(wanted["adcode"]))].reset_index(drop=True)


def _plan_boundaries(ctx: LayerContext, resolution: str) -> gpd.GeoDataFrame:
    frame = load_boundaries(ctx.data_dir / BOUNDARIES_DIR, resolution,
                            provinces=plan_provinces(ctx))
    return frame[frame["adcode"].isin(plan_adcodes(ctx))].reset_index(drop=True)


def all_boundaries(ctx: LayerContext) -> gpd.GeoDataFrame:
    """The plans' units (:func:`plan_units`) at full resolution, read once per context."""
    key = "_boundaries_full"
    return ctx.cached(key, lambda: _plan_boundaries(ctx, "full"))


def display_boundaries(ctx: LayerContext, resolution: str = "fine", *,
                       adcodes: Iterable[str] | None = None,
                       nation: bool = False) -> gpd.GeoDataFrame:
    """Units at a display ``resolution`` (see geo.boundaries.TOLERANCES).

    By default the plans' units (:func:`plan_units`), read once; ``adcodes`` reads
    just those units of anywhere in the country, ``nation`` every unit (neither
    is kept). Layers that hang values on regions (targets, tasks, imported
    metrics) use the ``fine`` version (about 50 m): exact enough for a thematic
    map, and identical shared edges between neighbours.
    """
    if nation:
        return boundary_source(ctx).frame(resolution)
    if adcodes is not None:
        return boundary_source(ctx).frame(resolution, adcodes=[str(a) for a in adcodes])
    key = f"_boundaries_{resolution}"
    return ctx.cached(key, lambda: _plan_boundaries(ctx, resolution))


def region_shapes(ctx: LayerContext, resolution: str = "fine") -> gpd.GeoSeries:
    """Polygons by adcode at a display ``resolution`` (the plans' units)."""
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
    description = "规划所在省份的省界（高德 GCJ-02 源数据已转换为 WGS84）；全国边界见地图。"


class CityBoundaries(_BoundaryLayer):
    id = "boundaries-city"
    level = "city"
    title = "设区市"
    description = "规划所在省份的全部地级单位边界（WGS84）。"


class CountyBoundaries(_BoundaryLayer):
    id = "boundaries-county"
    level = "county"
    title = "县（市、区）"
    description = "规划所涉地区（省级规划：全省；市级规划：该市）的县级单位边界（WGS84）。"


__all__ = ["BBOX", "BoundarySource", "all_boundaries", "boundary_source", "boundary_units",
           "display_boundaries", "plan_adcodes", "plan_boundaries", "plan_provinces",
           "plan_units",
           "region_shapes"]

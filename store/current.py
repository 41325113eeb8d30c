"""The current carriers: the latest state of every carrier as one indexed table.

``carrier_rows`` keeps every version; answering a map or API request from it would
mean rebuilding the latest state (latest version per key, rollbacks undone) per
request. ``carrier_current`` holds that state, rebuilt inside the transaction of
every carriers import or rollback, so readers see the old state or the new one and
nothing in between. ``pos`` is the row's place in key order (name, type, county:
the order of ``Store.rows``); ``feature_id`` the feature id the API serves
(``c<version>-<row_no>``). Bounding-box queries are ranges of a (lat, lon) B-tree
index in both dialects (PostGIS also keeps a GiST index on ``geom`` for GIS clients).
Nothing here loads more rows than a query asks for.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from store.base import CARRIER_COLUMNS, StoreError

CURRENT = "carrier_current"
#: Columns of ``carrier_current`` a query may filter on by equality.
FILTERABLE = ("feature_id", "version", *CARRIER_COLUMNS)
_ACTIVE = ("SELECT id FROM versions WHERE action = 'import' AND kind = 'carriers' AND id NOT IN "
           "(SELECT target FROM versions WHERE action = 'rollback')")


@dataclass(frozen=True)
class CarrierQuery:
    """A query on the current carriers: closed WGS84 ``bbox`` (west > east crosses the
    antimeridian), equality ``filters`` on :data:`FILTERABLE` columns, a page."""

    bbox: tuple[float, float, float, float] | None = None
    filters: tuple[tuple[str, object], ...] = ()
    offset: int = 0
    limit: int = 10


def rebuild_sql(key_collation: str = "") -> list[str]:
    """Statements that refill ``carrier_current`` from the active imports."""
    columns = ", ".join(CARRIER_COLUMNS)
    keys = ", ".join(f"{k}{key_collation}" for k in ("name", "type", "county_adcode"))
    return [
        f"DELETE FROM {CURRENT}",
        f"INSERT INTO {CURRENT} (pos, feature_id, version, row_no, {columns}) "
        f"SELECT row_number() OVER (ORDER BY {keys}), 'c' || version_id || '-' || row_no, "
        f"version_id, row_no, {columns} FROM (SELECT *, row_number() OVER (PARTITION BY "
        f"name, type, county_adcode ORDER BY version_id DESC, row_no DESC) AS newest "
        f"FROM carrier_rows WHERE version_id IN ({_ACTIVE})) AS ranked WHERE newest = 1",
    ]


class CurrentCarriers:
    """Queries on ``carrier_current`` for a :class:`store.sql.SQLStore` (mixin)."""

    def _bbox_sql(self, bbox, by_index: bool = True) -> tuple[str, tuple]:
        """A WHERE clause (exact, closed box) and its values: a range of the (lat, lon)
        index, its lon tested in the index itself, so matches are counted without
        reading a row (an R*Tree or GiST index joined back to the table per match was
        2-25x slower to count or page a box at 1,000,000 points). ``by_index`` False:
        the same tests on each row read (SQLite leaves an index alone for ``+lat``)."""
        west, south, east, north = bbox
        mark = "" if by_index else "+"
        return (f"{mark}lat BETWEEN ? AND ? AND {mark}lon BETWEEN ? AND ?",
                (south, north, west, east))

    def _box_by_index(self, query: CarrierQuery) -> bool:
        """Whether a page of ``query`` reads its box through the (lat, lon) index (or
        walks the carriers in key order, testing each); the dialect's planner decides
        unless a dialect knows better."""
        return True

    def _where(self, query: CarrierQuery, by_index: bool = True) -> tuple[str, tuple]:
        clauses, params = [], []
        if query.bbox is not None:
            west, south, east, north = (float(v) for v in query.bbox)
            if west > east:
                clauses.append("(lon >= ? OR lon <= ?) AND lat BETWEEN ? AND ?")
                params += [west, east, south, north]
            else:
                sql, values = self._bbox_sql((west, south, east, north), by_index)
                clauses.append(sql)
                params += values
        for name, value in query.filters:
            if name not in FILTERABLE:
                raise ValueError(f"carriers cannot be filtered on {name!r}")
            clauses.append(f"{name} = ?")
            params.append(value)
        return (" WHERE " + " AND ".join(clauses)) if clauses else "", tuple(params)

    def current_count(self, query: CarrierQuery = CarrierQuery()) -> int:
        """How many current carriers match ``query`` (paging ignored); all of them is
        the last ``pos`` (they are numbered 1..n), one index lookup."""
        where, params = self._where(query)
        count = f"count(*) FROM {CURRENT}{where}" if where else f"max(pos) FROM {CURRENT}"
        with self._read() as cur:
            cur.execute(self._sql(f"SELECT {count}"), params)
            return int(cur.fetchone()[0] or 0)

    def current_rows(self, query: CarrierQuery, count_up_to: int
                     ) -> tuple[list[str], list[tuple], int | None, bool]:
        """:meth:`current_page` as the driver's rows, without a frame: the column names,
        at most ``query.limit`` rows, how many matched and whether rows follow.

        One statement, one round trip: the page (a page of the whole table is a range
        of ``pos``, a keyset, not an OFFSET that reads every row before it) and, only
        when the page does not settle it, how many matched, counted up to
        ``count_up_to`` (None above it; see ``_count_up_to_sql``).
        """
        columns = ["feature_id", "version", "row_no", *CARRIER_COLUMNS]
        if _by_id(query):  # a unique key: the row or none, nothing to count or page
            with self._read() as cur:
                cur.execute(self._sql(f"SELECT {', '.join(columns)} FROM {CURRENT} "
                                      "WHERE feature_id = ?"), (query.filters[0][1],))
                rows = cur.fetchall()
            return columns, rows, len(rows), False
        where, params = self._where(query, self._box_by_index(query))
        limit, offset = int(query.limit), int(query.offset)
        if where:
            page = (f"{where} ORDER BY pos LIMIT ? OFFSET ?", (*params, limit + 1, offset))
        else:
            page = (" WHERE pos > ? ORDER BY pos LIMIT ?", (offset, limit + 1))
        count, count_values = self._count_up_to_sql(query, count_up_to)
        with self._read() as cur:
            cur.execute(self._sql(
                f"WITH page AS (SELECT {', '.join(columns)}, pos FROM {CURRENT}{page[0]}) "
                f"SELECT page.*, CASE WHEN (SELECT count(*) FROM page) <= ? THEN NULL "
                f"ELSE {count} END FROM page ORDER BY pos"), (*page[1], limit, *count_values))
            data = cur.fetchall()
        more = len(data) > limit
        rows = [row[:-2] for row in data[:limit]]
        if not more and (data or offset == 0):
            return columns, rows, offset + len(data), False
        if not data:
            return columns, rows, self.current_count_up_to(query, count_up_to), False
        found = int(data[0][-1])
        capped = bool(where) and (found < 0 or found > count_up_to)  # all: exact, cheap
        return columns, rows, None if capped else found, more

    def current_page(self, query: CarrierQuery) -> tuple[pd.DataFrame, int]:
        """One page of matching current carriers in key order, and how many matched.

        Columns ``feature_id``, ``version``, ``row_no`` and ``CARRIER_COLUMNS``.
        """
        where, params = self._where(query)
        columns = ["feature_id", "version", "row_no", *CARRIER_COLUMNS]
        with self._read() as cur:
            cur.execute(self._sql(f"SELECT count(*) FROM {CURRENT}{where}"), params)
            matched = int(cur.fetchone()[0])
            cur.execute(self._sql(f"SELECT {', '.join(columns)} FROM {CURRENT}{where} "
                                  "ORDER BY pos LIMIT ? OFFSET ?"),
                        (*params, int(query.limit), int(query.offset)))
            data = cur.fetchall()
        return _frame(data, columns), matched

    def current_chunks(self, rows: int = 20_000):
        """Every current carrier in key order, ``rows`` at a time (frames like
        :meth:`current_page`'s); each chunk is its own read, continuing after the last
        ``pos`` seen, so a long download never holds the table or one long transaction.

        Raises StoreError when an import or rollback lands in between (``pos`` is
        renumbered then): a download is one state of the data or fails, never a mix.
        """
        columns = ["pos", "feature_id", "version", "row_no", *CARRIER_COLUMNS]
        last, state = 0, None
        while True:
            with self._read() as cur:
                before = _latest(cur)
                cur.execute(self._sql(f"SELECT {', '.join(columns)} FROM {CURRENT} "
                                      "WHERE pos > ? ORDER BY pos LIMIT ?"), (last, int(rows)))
                data = cur.fetchall()
                after = _latest(cur)
            if before != after or state not in (None, before):
                raise StoreError("导入数据在读取过程中已更新，请重新下载")
            state = before
            if not data:
                return
            frame = _frame(data, columns)
            last = int(frame["pos"].iloc[-1])
            yield frame.drop(columns="pos")
            if len(data) < rows:
                return

    def current_points(self, bbox) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(pos, lon, lat) of every current carrier in ``bbox``: three numbers a row."""
        where, params = self._where(CarrierQuery(bbox=bbox))
        with self._read() as cur:
            cur.execute(self._sql(f"SELECT pos, lon, lat FROM {CURRENT}{where}"), params)
            data = np.array(cur.fetchall(), dtype=float).reshape(-1, 3)
        return data[:, 0].astype(np.int64), data[:, 1], data[:, 2]

    def current_at(self, positions) -> pd.DataFrame:
        """The current carriers at ``positions`` (``pos`` values), in key order."""
        columns = ["pos", "feature_id", "version", "row_no", *CARRIER_COLUMNS]
        wanted = [int(p) for p in positions]
        rows = []
        with self._read() as cur:
            for start in range(0, len(wanted), 500):
                chunk = wanted[start:start + 500]
                marks = ", ".join(["?"] * len(chunk))
                cur.execute(self._sql(f"SELECT {', '.join(columns)} FROM {CURRENT} "
                                      f"WHERE pos IN ({marks})"), chunk)
                rows += cur.fetchall()
        return _frame(rows, columns).sort_values("pos").reset_index(drop=True)

    def current_counts(self, bbox=None, by: str = "county_adcode") -> pd.DataFrame:
        """Current carriers per value of ``by`` in ``bbox``: columns ``by``, ``count``."""
        if by not in FILTERABLE:
            raise ValueError(f"carriers cannot be counted by {by!r}")
        where, params = self._where(CarrierQuery(bbox=bbox))
        with self._read() as cur:
            cur.execute(self._sql(f"SELECT {by}, count(*) FROM {CURRENT}{where} "
                                  f"GROUP BY {by} ORDER BY {by}"), params)
            data = cur.fetchall()
        return pd.DataFrame(data, columns=[by, "count"])

    #: How the dialect rounds a non-negative number down to an integer.
    floor_sql = "CAST({} AS INTEGER)"

    def current_grid(self, bbox, cells: int) -> pd.DataFrame:
        """Current carriers in ``bbox`` counted in ``cells`` × ``cells`` equal lon/lat
        cells: columns ``count``, ``lon``, ``lat`` (their mean position), one row a cell."""
        west, south, east, north = (float(v) for v in bbox)
        dx, dy = (east - west) / cells, (north - south) / cells
        where, params = self._where(CarrierQuery(bbox=bbox))
        cx, cy = self.floor_sql.format("(lon - ?) / ?"), self.floor_sql.format("(lat - ?) / ?")
        with self._read() as cur:
            cur.execute(self._sql(f"SELECT {cx} AS cx, {cy} AS cy, count(*), avg(lon), avg(lat) "
                                  f"FROM {CURRENT}{where} GROUP BY 1, 2"),
                        (west, dx, south, dy, *params))
            data = cur.fetchall()
        frame = pd.DataFrame(data, columns=["cx", "cy", "count", "lon", "lat"])
        return frame[["count", "lon", "lat"]].astype({"count": "int64", "lon": "float64",
                                                      "lat": "float64"})

    def current_tile(self, z: int, y: int, x: int, name: str, most: int) -> bytes | None:
        """The vector tile ``z/y/x`` of the current carriers when the database writes
        it (see ``PostgresStore``); None here: the caller encodes the rows itself."""
        return None

    def current_extent(self) -> tuple[float, float, float, float] | None:
        """WGS84 bounds of the current carriers, None when there are none."""
        with self._read() as cur:
            cur.execute(f"SELECT min(lon), min(lat), max(lon), max(lat) FROM {CURRENT}")
            row = cur.fetchone()
        return None if row is None or row[0] is None else tuple(float(v) for v in row)


def _by_id(query: CarrierQuery) -> bool:
    """Whether ``query`` asks for one feature by its id, nothing else."""
    return (query.bbox is None and len(query.filters) == 1
            and query.filters[0][0] == "feature_id" and query.offset == 0 and query.limit >= 1)


def _latest(cur):
    cur.execute("SELECT max(id) FROM versions")
    return cur.fetchone()[0]


def _frame(data, columns) -> pd.DataFrame:
    frame = pd.DataFrame(data, columns=columns)
    for name in ("version", "row_no", "pos"):
        if name in frame:
            frame[name] = frame[name].astype("int64")
    for name in ("lon", "lat"):
        frame[name] = frame[name].astype("float64")
    return frame

"""The store on PostgreSQL + PostGIS, for several service instances sharing data.

Same tables as the SQLite store; carriers carry a ``geometry(Point, 4326)``
column so GIS clients can read them from the database. Each import is one
transaction holding an exclusive lock on ``versions`` against concurrent writers.
"""

from __future__ import annotations

import contextlib
import os
import threading

from geo import tiles
from store.base import StoreError
from store.cells import CELLS, cells_ddl, rebuild_cells
from store.jobs import PostgresJobBoard
from store.sql import METRIC_ENTITY_DDL, SESSIONS_DDL, SQLStore

SCHEMA = """
CREATE TABLE IF NOT EXISTS versions (id BIGSERIAL PRIMARY KEY, action TEXT NOT NULL,
  kind TEXT NOT NULL, user_name TEXT NOT NULL, created_at TEXT NOT NULL,
  filename TEXT NOT NULL, sha256 TEXT NOT NULL, row_count INTEGER NOT NULL,
  target BIGINT UNIQUE REFERENCES versions(id), note TEXT NOT NULL DEFAULT '');
CREATE TABLE IF NOT EXISTS metric_rows (id BIGSERIAL PRIMARY KEY,
  version_id BIGINT NOT NULL REFERENCES versions(id), row_no INTEGER NOT NULL,
  region_adcode TEXT NOT NULL, indicator_id TEXT NOT NULL, year INTEGER NOT NULL,
  value DOUBLE PRECISION NOT NULL, unit TEXT, source TEXT,
  entity_id TEXT NOT NULL DEFAULT '');
CREATE INDEX IF NOT EXISTS metric_rows_version ON metric_rows(version_id);
CREATE TABLE IF NOT EXISTS carrier_rows (fid BIGSERIAL PRIMARY KEY,
  version_id BIGINT NOT NULL REFERENCES versions(id), row_no INTEGER NOT NULL,
  name TEXT NOT NULL, type TEXT NOT NULL, address TEXT, lon DOUBLE PRECISION NOT NULL,
  lat DOUBLE PRECISION NOT NULL, datum TEXT, province_adcode TEXT, city_adcode TEXT,
  county_adcode TEXT, precision TEXT, source TEXT, geom geometry(Point, 4326));
CREATE INDEX IF NOT EXISTS carrier_rows_version ON carrier_rows(version_id);
CREATE INDEX IF NOT EXISTS carrier_rows_geom ON carrier_rows USING GIST (geom);
CREATE TABLE IF NOT EXISTS carrier_current (pos BIGINT PRIMARY KEY,
  feature_id TEXT NOT NULL UNIQUE, version BIGINT NOT NULL, row_no INTEGER NOT NULL,
  name TEXT NOT NULL, type TEXT NOT NULL, address TEXT, lon DOUBLE PRECISION NOT NULL,
  lat DOUBLE PRECISION NOT NULL, datum TEXT, province_adcode TEXT, city_adcode TEXT,
  county_adcode TEXT, precision TEXT, source TEXT, geom geometry(Point, 4326)
  GENERATED ALWAYS AS (ST_SetSRID(ST_MakePoint(lon, lat), 4326)) STORED);
CREATE INDEX IF NOT EXISTS carrier_current_geom ON carrier_current USING GIST (geom);
CREATE INDEX IF NOT EXISTS carrier_current_county ON carrier_current(county_adcode);
CREATE INDEX IF NOT EXISTS carrier_current_latlon ON carrier_current(lat, lon);
CREATE TABLE IF NOT EXISTS staged_uploads (token TEXT PRIMARY KEY,
  created DOUBLE PRECISION NOT NULL, meta TEXT NOT NULL, payload BYTEA NOT NULL)
"""

#: One tile of points: the box read through the GiST index (a tile is small: the (lat,
#: lon) B-tree would walk its whole band of latitude) in key order, projected
#: to Web Mercator by the formula (``geo.tiles.mercator_sql``), the points inside the
#: tile grown by ``geo.tiles.BUFFER`` (west and north edges in) encoded by PostGIS; with
#: how many the box held (up to the limit).
TILE_SQL = f"""
WITH box AS (SELECT pos, feature_id, name, type, {tiles.mercator_sql("lon", "lat")} AS m
  FROM carrier_current WHERE geom && ST_MakeEnvelope(%(west)s, %(south)s, %(east)s,
  %(north)s, 4326) ORDER BY pos LIMIT %(limit)s)
SELECT (SELECT count(*) FROM box), (SELECT ST_AsMVT(t, %(name)s, %(extent)s, 'geom') FROM (
  SELECT feature_id AS id, name, type, ST_AsMVTGeom(m, ST_MakeEnvelope(%(minx)s, %(miny)s,
    %(maxx)s, %(maxy)s, 3857), %(extent)s, %(buffer)s, false) AS geom FROM box
  WHERE ST_X(m) >= %(gminx)s AND ST_X(m) < %(gmaxx)s AND ST_Y(m) > %(gminy)s
    AND ST_Y(m) <= %(gmaxy)s ORDER BY pos) AS t)
"""


class PostgresStore(SQLStore):
    """The store in the PostgreSQL database at ``url`` (``postgresql://…``)."""

    placeholder = "%s"
    key_collation = ' COLLATE "C"'
    floor_sql = "floor({})"

    def __init__(self, url: str):
        try:
            import psycopg
        except ImportError as exc:  # pragma: no cover - psycopg is a dependency
            raise StoreError("PostgreSQL store needs the psycopg package") from exc
        self._psycopg = psycopg
        self.url = url
        self._readers: dict = {}
        self._ensure_schema()
        self.jobs = PostgresJobBoard(lambda: self._connection(autocommit=True))

    @contextlib.contextmanager
    def _read(self):
        """A cursor on this thread's reading connection, kept open between reads (a
        new connection per read would cost more than the read); never one inherited
        from another process (gunicorn forks after loading).

        The connection is in autocommit: each statement reads its own snapshot, as
        it would in a transaction of PostgreSQL's default READ COMMITTED, without a
        BEGIN and a ROLLBACK (two more round trips) around every read. psycopg
        prepares a statement on the server once it has run a few times (parsed once
        per connection), and every execution is planned for its own values
        (``plan_cache_mode``): a plan made once for any box would read a large box
        through the (lat, lon) index and sort its tens of thousands of matches where
        walking ``pos`` finds a page in a millisecond (70 ms against 2 at 1M points).
        """
        key = (os.getpid(), threading.get_ident())
        conn = self._readers.get(key)
        if conn is None or conn.closed:
            conn = self._readers[key] = self._connection(autocommit=True)
            conn.execute("SET plan_cache_mode = force_custom_plan")
        try:
            with conn.cursor() as cur:
                yield cur
        except BaseException:
            self._readers.pop(key, None)
            conn.close()
            raise

    def close(self) -> None:
        """Close the kept reading and job-board connections (also when the store is
        dropped)."""
        readers, self._readers = self._readers, {}
        for conn in readers.values():
            conn.close()
        if getattr(self, "jobs", None) is not None:
            self.jobs.close()

    def release_thread(self) -> None:
        """Close the connections kept for this thread (a job's thread, when it ends)."""
        conn = self._readers.pop((os.getpid(), threading.get_ident()), None)
        if conn is not None:
            conn.close()
        if getattr(self, "jobs", None) is not None:
            self.jobs.release_thread()

    def __del__(self):
        self.close()

    def _connection(self, autocommit: bool = False):
        try:
            return self._psycopg.connect(self.url, connect_timeout=10, autocommit=autocommit)
        except self._psycopg.OperationalError as exc:
            raise StoreError(f"cannot connect to the PostgreSQL store: {exc}") from None

    def current_tile(self, z: int, y: int, x: int, name: str, most: int) -> bytes | None:
        """The Mapbox Vector Tile ``z/y/x`` of the current carriers written by PostGIS
        (``ST_AsMVT``, one statement): layer ``name``, each point with its ``id``,
        ``name`` and ``type`` in key order, the points in the tile grown by
        ``geo.tiles.BUFFER`` (west and north edges in, as :func:`geo.tiles.encode` keeps
        them); b"" when none, None when more than ``most`` lie in the grown tile (the
        caller counts them in cells instead)."""
        west, south, east, north = tiles.buffered_bounds(z, y, x)
        minx, miny, maxx, maxy = tiles.tile_mercator_bounds(z, y, x)
        gminx, gminy, gmaxx, gmaxy = tiles.grown_mercator_bounds(z, y, x)
        with self._read() as cur:
            cur.execute(TILE_SQL, {"south": south, "north": north, "west": west, "east": east,
                                   "limit": int(most) + 1, "name": name, "extent": tiles.EXTENT,
                                   "minx": minx, "miny": miny, "maxx": maxx, "maxy": maxy,
                                   "buffer": round(tiles.BUFFER * tiles.EXTENT),
                                   "gminx": gminx, "gminy": gminy, "gmaxx": gmaxx,
                                   "gmaxy": gmaxy})
            found, body = cur.fetchone()
        return None if found > most else bytes(body or b"")

    def _begin_write(self, cur) -> None:
        cur.execute("LOCK TABLE versions IN SHARE ROW EXCLUSIVE MODE")

    def _is_unique_violation(self, exc: Exception) -> bool:
        return isinstance(exc, self._psycopg.errors.UniqueViolation)

    def _carrier_geometry(self):
        lon_at, lat_at = 3, 4
        return "ST_SetSRID(ST_MakePoint(%s, %s), 4326)", lambda rec: (rec[lon_at], rec[lat_at])

    def _current_rebuilt(self) -> None:
        """VACUUM ANALYZE the new current carriers: the visibility map lets the (lat, lon)
        index answer counts without visiting the table (index-only scans), the
        statistics keep the planner on that index. A failure here loses nothing."""
        try:
            with self._connection(autocommit=True) as conn:
                conn.execute("VACUUM (ANALYZE) carrier_current")
        except (StoreError, self._psycopg.Error):
            pass

    def _ensure_schema(self) -> None:
        conn = self._connection()
        try:
            with conn.transaction():
                conn.execute("SELECT pg_advisory_xact_lock(704217)")
                has_postgis = conn.execute(
                    "SELECT 1 FROM pg_extension WHERE extname = 'postgis'").fetchone()
                if not has_postgis:
                    try:
                        conn.execute("CREATE EXTENSION postgis")
                    except self._psycopg.Error as exc:
                        raise StoreError("the PostgreSQL store needs the PostGIS extension "
                                         f"(CREATE EXTENSION postgis failed: {exc})") from None
                fresh = not conn.execute("SELECT to_regclass('carrier_current')").fetchone()[0]
                no_cells = not conn.execute(f"SELECT to_regclass('{CELLS}')").fetchone()[0]
                entity = METRIC_ENTITY_DDL.replace("ADD COLUMN", "ADD COLUMN IF NOT EXISTS")
                for statement in [*SCHEMA.split(";"), SESSIONS_DDL, entity,
                                  cells_ddl("DOUBLE PRECISION")]:
                    if statement.strip():
                        conn.execute(statement)
                if fresh:  # a store made before the table existed: fill it once
                    self._rebuild_current(conn.cursor())
                elif no_cells:
                    rebuild_cells(conn.cursor(), self._sql)
        finally:
            conn.close()

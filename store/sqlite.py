"""The default store: one SQLite file that is also a GeoPackage (WAL journal).

Carriers are a GeoPackage feature table (``carrier_rows``, points in EPSG:4326),
so GDAL, QGIS and GeoPandas can open the file directly; versions and metric
rows are GeoPackage attribute tables. Each import is one ``BEGIN IMMEDIATE``
transaction: a crash at any moment leaves the previous version intact.
"""

from __future__ import annotations

import sqlite3
import struct
from pathlib import Path

from store.cells import CELLS, cells_ddl, rebuild_cells
from store.current import CURRENT
from store.jobs import SQLiteJobBoard
from store.sql import METRIC_ENTITY_DDL, SESSIONS_DDL, SQLStore

APPLICATION_ID = 0x47504B47  # "GPKG"
GPKG_VERSION = 10400
BUSY_TIMEOUT_SECONDS = 30
_WKB_POINT = b"\x01\x01\x00\x00\x00"  # little endian, type 1 (Point)
WGS84_WKT = (
    'GEOGCS["WGS 84",DATUM["WGS_1984",SPHEROID["WGS 84",6378137,298.257223563,'
    'AUTHORITY["EPSG","7030"]],AUTHORITY["EPSG","6326"]],PRIMEM["Greenwich",0,'
    'AUTHORITY["EPSG","8901"]],UNIT["degree",0.0174532925199433,AUTHORITY["EPSG","9122"]],'
    'AUTHORITY["EPSG","4326"]]')

SCHEMA = """
CREATE TABLE gpkg_spatial_ref_sys (srs_name TEXT NOT NULL, srs_id INTEGER PRIMARY KEY,
  organization TEXT NOT NULL, organization_coordsys_id INTEGER NOT NULL,
  definition TEXT NOT NULL, description TEXT);
CREATE TABLE gpkg_contents (table_name TEXT NOT NULL PRIMARY KEY, data_type TEXT NOT NULL,
  identifier TEXT UNIQUE, description TEXT DEFAULT '',
  last_change DATETIME NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')),
  min_x DOUBLE, min_y DOUBLE, max_x DOUBLE, max_y DOUBLE,
  srs_id INTEGER REFERENCES gpkg_spatial_ref_sys(srs_id));
CREATE TABLE gpkg_geometry_columns (table_name TEXT NOT NULL, column_name TEXT NOT NULL,
  geometry_type_name TEXT NOT NULL, srs_id INTEGER NOT NULL, z TINYINT NOT NULL,
  m TINYINT NOT NULL, CONSTRAINT pk_geom_cols PRIMARY KEY (table_name, column_name));
CREATE TABLE versions (id INTEGER PRIMARY KEY AUTOINCREMENT, action TEXT NOT NULL,
  kind TEXT NOT NULL, user_name TEXT NOT NULL, created_at TEXT NOT NULL,
  filename TEXT NOT NULL, sha256 TEXT NOT NULL, row_count INTEGER NOT NULL,
  target INTEGER UNIQUE REFERENCES versions(id), note TEXT NOT NULL DEFAULT '');
CREATE TABLE metric_rows (id INTEGER PRIMARY KEY AUTOINCREMENT,
  version_id INTEGER NOT NULL REFERENCES versions(id), row_no INTEGER NOT NULL,
  region_adcode TEXT NOT NULL, indicator_id TEXT NOT NULL, year INTEGER NOT NULL,
  value DOUBLE NOT NULL, unit TEXT, source TEXT,
  entity_id TEXT NOT NULL DEFAULT '');
CREATE INDEX metric_rows_version ON metric_rows(version_id);
CREATE TABLE carrier_rows (fid INTEGER PRIMARY KEY AUTOINCREMENT,
  version_id INTEGER NOT NULL REFERENCES versions(id), row_no INTEGER NOT NULL,
  name TEXT NOT NULL, type TEXT NOT NULL, address TEXT, lon DOUBLE NOT NULL,
  lat DOUBLE NOT NULL, datum TEXT, province_adcode TEXT, city_adcode TEXT,
  county_adcode TEXT, precision TEXT, source TEXT, geom POINT);
CREATE INDEX carrier_rows_version ON carrier_rows(version_id);
CREATE TABLE staged_uploads (token TEXT PRIMARY KEY, created DOUBLE NOT NULL,
  meta TEXT NOT NULL, payload BLOB NOT NULL);
"""

LATLON = "carrier_current_latlon"
#: Boxes are ranges of this index (``CurrentCarriers._bbox_sql``).
LATLON_DDL = f"CREATE INDEX {LATLON} ON {CURRENT}(lat, lon)"
OLD_RTREE = "carrier_current_rtree"  # the index of earlier releases

CURRENT_SCHEMA = """
CREATE TABLE carrier_current (pos INTEGER PRIMARY KEY, feature_id TEXT NOT NULL UNIQUE,
  version INTEGER NOT NULL, row_no INTEGER NOT NULL, name TEXT NOT NULL, type TEXT NOT NULL,
  address TEXT, lon DOUBLE NOT NULL, lat DOUBLE NOT NULL, datum TEXT, province_adcode TEXT,
  city_adcode TEXT, county_adcode TEXT, precision TEXT, source TEXT);
CREATE INDEX carrier_current_county ON carrier_current(county_adcode);
""" + LATLON_DDL + ";\n" + cells_ddl()


def gpkg_point(lon: float, lat: float, srs_id: int = 4326) -> bytes:
    """A GeoPackage geometry blob: ``GP`` header (little endian, no envelope) + WKB."""
    header = b"GP" + bytes([0, 0b00000001]) + struct.pack("<i", srs_id)
    return header + _WKB_POINT + struct.pack("<dd", lon, lat)


class SQLiteStore(SQLStore):
    """The store in one SQLite/GeoPackage file at ``path``; created if missing."""

    def __init__(self, path: Path):
        self.path = Path(path)
        self.url = f"sqlite:///{self.path}"
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._ensure_schema()
        self.jobs = SQLiteJobBoard(Path(f"{self.path}.jobs.sqlite"))

    def _connection(self):
        conn = sqlite3.connect(self.path, timeout=BUSY_TIMEOUT_SECONDS, isolation_level=None)
        conn.execute("PRAGMA foreign_keys = ON")
        conn.execute("PRAGMA synchronous = FULL")
        conn.execute("BEGIN")
        return conn

    def _begin_write(self, cur) -> None:
        # The read transaction opened by _connection is empty; swap it for a write lock.
        cur.execute("ROLLBACK")
        cur.execute("BEGIN IMMEDIATE")

    def _is_unique_violation(self, exc: Exception) -> bool:
        return isinstance(exc, sqlite3.IntegrityError) and "UNIQUE" in str(exc)

    def _carrier_geometry(self):
        lon_at, lat_at = 3, 4  # positions of lon, lat in CARRIER_COLUMNS
        return "?", lambda rec: (gpkg_point(rec[lon_at], rec[lat_at]),)

    def _box_by_index(self, query) -> bool:
        """SQLite plans a box without knowing how many carriers it holds: it reads every
        match through the (lat, lon) index and sorts them to take a page (23 ms for the
        ~22,000 of a 0.4° box at 1M points). Where the counted cells show the box dense
        enough that walking the carriers in key order meets the page's end sooner
        than the index would meet its matches, the page walks (2 ms)."""
        if query.bbox is None or query.filters:
            return True
        counts = self._cell_counts(query.bbox)
        if not counts or counts[0] == 0:
            return True
        inside, touched = counts
        walked = (query.offset + query.limit + 1) * self.current_count() / inside
        return walked >= touched

    def _rebuild_current(self, cur) -> None:
        # The index is built once over the new rows, not row by row while they go in.
        cur.execute(f"DROP INDEX IF EXISTS {LATLON}")
        super()._rebuild_current(cur)
        cur.execute(LATLON_DDL)

    def _ensure_schema(self) -> None:
        conn = sqlite3.connect(self.path, timeout=BUSY_TIMEOUT_SECONDS, isolation_level=None)
        try:
            exists = conn.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' "
                                  "AND name = 'versions'").fetchone()
            if exists:
                conn.execute(SESSIONS_DDL)
                columns = {row[1] for row in conn.execute("PRAGMA table_info(metric_rows)")}
                if "entity_id" not in columns:
                    try:
                        conn.execute(METRIC_ENTITY_DDL)
                    except sqlite3.OperationalError as exc:  # another worker added it first
                        if "duplicate column" not in str(exc):
                            raise
                self._ensure_current(conn)
                return
            conn.execute("PRAGMA journal_mode = WAL")
            conn.execute("BEGIN IMMEDIATE")
            if conn.execute("SELECT 1 FROM sqlite_master WHERE name = 'versions'").fetchone():
                conn.execute("ROLLBACK")
                return
            conn.execute(f"PRAGMA application_id = {APPLICATION_ID}")
            conn.execute(f"PRAGMA user_version = {GPKG_VERSION}")
            for statement in (SCHEMA + ";" + CURRENT_SCHEMA).split(";"):
                if statement.strip():
                    conn.execute(statement)
            conn.execute(SESSIONS_DDL)
            _register_gpkg(conn)
            conn.execute("COMMIT")
        finally:
            conn.close()

    def _ensure_current(self, conn) -> None:
        """Add and fill the current-carriers table, its (lat, lon) index or its counted
        cells to a store made before they existed (and drop the R*Tree it replaced)."""
        def missing(name):
            return not conn.execute("SELECT 1 FROM sqlite_master WHERE name = ?",
                                    (name,)).fetchone()

        if not any(missing(n) for n in (CURRENT, CELLS, LATLON)) and missing(OLD_RTREE):
            return
        conn.execute("BEGIN IMMEDIATE")
        try:
            if missing(CURRENT):
                for statement in CURRENT_SCHEMA.split(";"):
                    conn.execute(statement)
                self._rebuild_current(conn.cursor())
            if missing(CELLS):
                conn.execute(cells_ddl())
                rebuild_cells(conn.cursor(), self._sql)
            if missing(LATLON):
                conn.execute(LATLON_DDL)
            conn.execute(f"DROP TABLE IF EXISTS {OLD_RTREE}")
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise


def _register_gpkg(conn) -> None:
    conn.executemany(
        "INSERT INTO gpkg_spatial_ref_sys VALUES (?, ?, ?, ?, ?, ?)",
        [("Undefined cartesian SRS", -1, "NONE", -1, "undefined", "undefined cartesian"),
         ("Undefined geographic SRS", 0, "NONE", 0, "undefined", "undefined geographic"),
         ("WGS 84 geodetic", 4326, "EPSG", 4326, WGS84_WKT, "longitude/latitude (WGS84)")])
    conn.executemany(
        "INSERT INTO gpkg_contents (table_name, data_type, identifier, description, srs_id) "
        "VALUES (?, ?, ?, ?, ?)",
        [("carrier_rows", "features", "carrier_rows", "导入的创新载体（全部版本）", 4326),
         ("metric_rows", "attributes", "metric_rows", "导入的区县指标（全部版本）", None),
         ("versions", "attributes", "versions", "导入与撤销记录", None)])
    conn.execute("INSERT INTO gpkg_geometry_columns VALUES ('carrier_rows', 'geom', 'POINT', "
                 "4326, 0, 0)")

"""Reading features of a GeoPackage with Python's sqlite3 alone (no GDAL in a worker).

A GeoPackage is an SQLite file whose geometry column holds the standard WKB behind a
small header (GeoPackage 1.3, §2.1.3): ``GP``, a version byte, a flags byte, the
SRS id and an optional envelope whose size the flags give. Reading it here keeps
GDAL's library (about 60 MB of resident memory, and its start-up) out of the
serving processes; files are still written with GDAL (pyogrio) when they are built.

Which units a view needs is answered by the unit table (every unit's box, always in
memory, see ``geo.boundaries``); their polygons stay on disk until asked for.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Sequence
from pathlib import Path

import numpy as np
import shapely

# Envelope sizes in bytes by the flags' envelope indicator (bits 1-3).
_ENVELOPE_BYTES = {0: 0, 1: 32, 2: 48, 3: 48, 4: 64}
_HEADER_BYTES = 8
_EMPTY_FLAG = 0b10000
_MAX_PARAMETERS = 900  # below SQLite's smallest default limit on bound parameters


class GeoPackageError(ValueError):
    """A file or geometry that is not what a GeoPackage holds."""


def wkb_of(blob: bytes) -> bytes | None:
    """The WKB inside one GeoPackage geometry blob (None for an empty geometry).

    Parameters
    ----------
    blob : bytes
        The value of a GeoPackage geometry column.

    Returns
    -------
    bytes or None
        Standard WKB, in the geometry's own CRS (the column's SRS).

    Raises
    ------
    GeoPackageError
        When the blob does not start with the GeoPackage header.

    Examples
    --------
    >>> wkb_of(b"GP\\x00\\x01\\xe6\\x10\\x00\\x00" + shapely.Point(1, 2).wkb)[:1]
    b'\\x01'
    """
    if blob[:2] != b"GP":
        raise GeoPackageError("not a GeoPackage geometry (no 'GP' header)")
    flags = blob[3]
    indicator = (flags >> 1) & 0b111
    if indicator not in _ENVELOPE_BYTES:
        raise GeoPackageError(f"unknown envelope indicator {indicator}")
    if flags & _EMPTY_FLAG:
        return None
    return blob[_HEADER_BYTES + _ENVELOPE_BYTES[indicator]:]


def geometries(blobs: Sequence[bytes | None]) -> np.ndarray:
    """Shapely geometries of GeoPackage blobs (None where a blob is NULL or empty)."""
    wkbs = [None if b is None else wkb_of(b) for b in blobs]
    return shapely.from_wkb(np.array(wkbs, dtype=object))


def _connect(path: Path) -> sqlite3.Connection:
    """A read-only connection (the file is never changed by a reader)."""
    return sqlite3.connect(f"{Path(path).resolve().as_uri()}?mode=ro", uri=True)


def geometry_column(path: Path, table: str) -> str:
    """The geometry column of ``table`` as ``gpkg_geometry_columns`` declares it."""
    with _connect(path) as con:
        row = con.execute("SELECT column_name FROM gpkg_geometry_columns WHERE table_name = ?",
                          (table,)).fetchone()
    if row is None:
        raise GeoPackageError(f"{path.name} has no feature table {table!r}")
    return row[0]


def read_where_in(path: Path, table: str, columns: Sequence[str], key: str,
                  values: Iterable[str] | None) -> tuple[list[tuple], np.ndarray]:
    """Rows of ``table`` whose ``key`` is one of ``values`` (every row when None).

    ``table``, ``columns`` and ``key`` are names the caller's code holds (checked
    against the table's own columns); ``values`` are bound as parameters. Returns the
    rows of ``columns`` and their geometries, in the same order.
    """
    geom = geometry_column(path, table)
    with _connect(path) as con:
        known = {r[1] for r in con.execute(f'PRAGMA table_info("{_name(table)}")')}
        for name in (*columns, key):
            if name not in known:
                raise GeoPackageError(f"{table!r} has no column {name!r}")
        select = ", ".join(f'"{c}"' for c in (*columns, geom))
        sql = f'SELECT {select} FROM "{table}"'
        if values is None:
            rows = con.execute(sql).fetchall()
        else:
            wanted = sorted({str(v) for v in values})
            rows = []
            for start in range(0, len(wanted), _MAX_PARAMETERS):
                part = wanted[start:start + _MAX_PARAMETERS]
                marks = ", ".join("?" * len(part))
                rows += con.execute(f'{sql} WHERE "{key}" IN ({marks})', part).fetchall()
    return [r[:-1] for r in rows], geometries([r[-1] for r in rows])


def _name(name: str) -> str:
    """An SQL identifier the code holds: letters, digits and underscores only."""
    if not name.replace("_", "").isalnum() or not name.isascii():
        raise GeoPackageError(f"not a plain table or column name: {name!r}")
    return name

"""Import throughput: validating and storing a county-metrics file.

Baselines measured in the same run on the same file:

- validation (``prepare_import``: decode, parse, match every region, check every
  value) against pandas merely parsing the CSV — the cost of the checks;
- writing one version to the SQLite/GeoPackage store (one transaction, version
  row, indexed rows) against a bare ``executemany`` of the same rows into a
  plain SQLite table — the cost of versioning and durability (synchronous=FULL).
"""

from __future__ import annotations

import io
import sqlite3
import tempfile
from pathlib import Path

import pandas as pd

from benchmarks import Result, median_seconds

ROOT = Path(__file__).resolve().parents[1]
YEARS = range(1980, 2030)


def _csv(counties: list[str]) -> bytes:
    lines = ["地区,年份,rd_intensity,rd_spending"]
    lines += [f"{name},{year},{1 + i % 7 / 10:.2f},{10 + i % 13}" for i, name in enumerate(counties)
              for year in YEARS]
    return ("\n".join(lines) + "\n").encode()


def _context():
    from geo.geocode import Geocoder
    from ingest.imports import ImportContext, read_indicators
    from ingest.tabular import Limits
    from layers.boundaries import plan_boundaries

    boundaries = plan_boundaries(ROOT / "data", "full")
    geocoder = Geocoder(boundaries)
    return boundaries, ImportContext(boundaries, geocoder, geocoder,
                                     read_indicators(ROOT / "data"), Limits(max_rows=100_000))


def run() -> list[Result]:
    from ingest.imports import ImportOptions, prepare_import
    from store import open_store

    boundaries, ctx = _context()
    names = dict(zip(boundaries["adcode"], boundaries["name"]))
    county = boundaries[boundaries["level"] == "county"]
    # Full names (宿迁市沭阳县) and adcodes, the two forms a statistics office writes.
    counties = [f"{names[p]}{n}" if i % 2 else a for i, (a, n, p) in
                enumerate(zip(county["adcode"], county["name"], county["parent_adcode"]))]
    data = _csv(counties)
    prepared = prepare_import(data, "bench.csv", ImportOptions(), ctx)
    rows = prepared.rows
    validate = median_seconds(lambda: prepare_import(data, "bench.csv", ImportOptions(), ctx), 3)
    parse = median_seconds(lambda: pd.read_csv(io.BytesIO(data), dtype=str), 3)
    with tempfile.TemporaryDirectory() as tmp:
        store = open_store(Path(tmp) / "bench.gpkg")
        write = median_seconds(lambda: store.add_import("metrics", rows, user="bench",
                                                        filename="bench.csv", sha256="0"), 3)
        bare = median_seconds(lambda: _bare_insert(Path(tmp) / "bare.sqlite", rows), 3)
    n = len(rows)
    return [
        Result("import", f"validate {n:,} values ({len(data) // 1024} KiB CSV)", "s", validate,
               "pandas.read_csv of the same file", parse),
        Result("import", f"store one version of {n:,} rows", "s", write,
               "bare sqlite executemany of the same rows", bare),
    ]


def _bare_insert(path: Path, rows: pd.DataFrame) -> None:
    with sqlite3.connect(path) as conn:
        conn.execute("CREATE TABLE IF NOT EXISTS t (a TEXT, b TEXT, c INT, d REAL, e TEXT, f TEXT)")
        conn.executemany("INSERT INTO t VALUES (?, ?, ?, ?, ?, ?)",
                         rows.astype(object).itertuples(index=False))

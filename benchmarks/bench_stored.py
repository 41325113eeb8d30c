"""A store-backed layer at scale: 1,000,000 imported carriers served by gunicorn.

The points are imported into a GeoPackage store the way an administrator's file
would be (one version, the current-carriers table, its index and cells rebuilt), then
``make serve``'s gunicorn (``deploy/gunicorn.conf.py``: preloaded app, threaded
workers) starts with that store. Measured: time from launch to
the first answered bbox request, each worker's resident memory after requests,
the slowest of the first distinct bbox requests (each one a fresh query: the
response cache has not seen it), the slowest first vector tile of zooms 4–13, the
16 new tiles of a map view at z10 and z12 (median and slowest), bbox requests/s, and a
vector tile's.

Baselines are the goals (issue 25: 150 MB per worker, 2 s to the first answer;
1 s for any first request) and, for requests/s, the same server over a
store of 20,000 points: the ratio shows how latency grows with the data.
"""

from __future__ import annotations

import http.client
import os
import sqlite3
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from urllib.parse import urlsplit

import numpy as np
import pandas as pd

from benchmarks import Result
from benchmarks.bench_api import _free_port, _rps

ROOT = Path(__file__).resolve().parents[1]
WORK = ROOT / "build" / "bench_stored"
WORKERS = 2
SIZES = (20_000, 1_000_000)
BBOX = "118.6,33.6,119.0,34.0"
ITEMS = "/api/collections/imported-carriers/items"
TILES = "/api/collections/imported-carriers/tiles/WebMercatorQuad"
COUNTIES = ("320311", "320312", "320321", "320322", "320324", "321302", "321311", "321322",
            "321323", "321324", "320703", "320706", "320707", "320722", "320723", "320724")


def seeded_rows(n: int, seed: int = 16) -> pd.DataFrame:
    """``n`` seeded random carriers over northern Jiangsu (WGS84, unique names)."""
    rng = np.random.default_rng(seed)
    return pd.DataFrame({
        "name": [f"基准企业{i:07d}" for i in range(n)],
        "type": rng.choice(["enterprise", "platform", "incubator"], n), "address": None,
        "lon": np.round(rng.uniform(116.4, 119.9, n), 6),
        "lat": np.round(rng.uniform(33.0, 35.1, n), 6), "datum": "WGS84",
        "province_adcode": "320000", "city_adcode": "321300",
        "county_adcode": rng.choice(COUNTIES, n), "precision": "site",
        "source": [f"bench.csv 第 {i + 2} 行" for i in range(n)]})


def seeded_store(n: int) -> tuple[Path, float]:
    """The GeoPackage store holding ``n`` seeded carriers (made once), and the import's
    rows/s (NaN when it was made by an earlier run)."""
    from store import open_store

    path = WORK / f"carriers-{n}.gpkg"
    if path.exists():
        with sqlite3.connect(path) as conn:
            if conn.execute("SELECT count(*) FROM carrier_current").fetchone()[0] == n:
                return path, float("nan")
        path.unlink()
    WORK.mkdir(parents=True, exist_ok=True)
    rows = seeded_rows(n)
    start = time.perf_counter()
    open_store(path).add_import("carriers", rows, user="bench", filename="bench.csv",
                                sha256="0")
    return path, n / (time.perf_counter() - start)


def _get(url: str) -> float:
    """Seconds to GET ``url`` on a new TCP connection (``Connection: close``)."""
    start = time.perf_counter()
    with urllib.request.urlopen(url, timeout=120) as response:
        response.read()
    return time.perf_counter() - start


class KeptConnection:
    """The client a GIS client (QGIS, GDAL's libcurl) or a browser is: one HTTP/1.1
    connection to a server, kept open across requests and opened again when the server
    has closed it (the time to reconnect counts, as it does for them)."""

    def __init__(self, base: str):
        parts = urlsplit(base)
        self.host, self.port = parts.hostname, parts.port
        self.conn: http.client.HTTPConnection | None = None
        self.opened = 0  # connections opened, the first included

    def get(self, path: str) -> float:
        """Seconds to GET ``path`` (an error status raises, as :func:`_get` does)."""
        start = time.perf_counter()
        for attempt in (0, 1):
            if self.conn is None:
                self.conn = http.client.HTTPConnection(self.host, self.port, timeout=120)
                self.opened += 1
            try:
                self.conn.request("GET", path)
                response = self.conn.getresponse()
                response.read()
            except (http.client.RemoteDisconnected, http.client.CannotSendRequest,
                    ConnectionResetError, BrokenPipeError):
                self.close()  # the server closed the idle connection: open a new one
                if attempt:
                    raise
                continue
            if response.will_close:
                self.close()
            if response.status >= 400:
                raise OSError(f"GET {path}: {response.status}")
            return time.perf_counter() - start
        raise AssertionError("unreachable")

    def close(self) -> None:
        if self.conn is not None:
            self.conn.close()
            self.conn = None


def worker_rss_mb(master: int) -> list[float]:
    """Resident memory (MB) of each child process of ``master``."""
    out = subprocess.run(["ps", "-o", "rss=", "--ppid", str(master)], capture_output=True,
                         text=True).stdout
    return [int(v) / 1024 for v in out.split()]


class _served:
    """``make serve``'s gunicorn over the store at ``path`` on a free port (its
    configuration; the heavy-work limits off, as without nginx in front)."""

    def __init__(self, path: Path):
        self.port = _free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.env = {**os.environ, "INNOMAP_STORE_URL": str(path),
                    "INNOMAP_RATE_LIMITS": "off"}

    def __enter__(self):
        gunicorn = Path(sys.executable).parent / "gunicorn"
        self.started = time.perf_counter()
        self.proc = subprocess.Popen(
            [str(gunicorn), "-c", "deploy/gunicorn.conf.py", "--workers", str(WORKERS),
             "--bind", f"127.0.0.1:{self.port}", "--log-level", "error",
             "--access-logfile", "/dev/null"],
            cwd=ROOT, env=self.env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = self.started + 180
        while time.perf_counter() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"gunicorn exited with {self.proc.returncode}")
            try:
                _get(f"{self.url}{ITEMS}?bbox={BBOX}&limit=100")
                self.first = time.perf_counter() - self.started
                return self
            except OSError:
                time.sleep(0.1)
        raise TimeoutError("gunicorn did not answer")

    def __exit__(self, *exc):
        self.proc.terminate()
        self.proc.wait(timeout=30)


def measure(n: int) -> dict:
    path, import_rate = seeded_store(n)
    with _served(path) as server:
        firsts = [_get(f"{server.url}{ITEMS}?bbox={118.0 + i / 50},{33.5 + i / 80},"
                       f"{118.3 + i / 50},{33.8 + i / 80}&limit=100") for i in range(12)]
        tile_firsts = {z: _get(f"{server.url}{TILES}/{z}/{y}/{x}") for z, y, x in _tiles()}
        tile = f"{server.url}{TILES}/8/103/212"
        views = {z: sorted(_get(f"{server.url}{TILES}/{z}/{y}/{x}") for y, x in _view(z))
                 for z in VIEW_ZOOMS}
        figures = {"view": views, "first": server.first, "first_bbox_max": max(firsts),
                   "tile_first": max(tile_firsts.values()),
                   "tile_first_zoom": max(tile_firsts, key=tile_firsts.get),
                   "rss": worker_rss_mb(server.proc.pid),
                   "bbox_rps": _rps(f"{server.url}{ITEMS}?bbox={BBOX}&limit=100"),
                   "tile_rps": _rps(tile), "import_rate": import_rate}
        figures["rss"] = worker_rss_mb(server.proc.pid)
    return figures


#: Zooms of a map view measured tile by tile: counted in cells on request (z10, where
#: the map pages start drawing tiles) and points (z12).
VIEW_ZOOMS = (10, 12)


def _view(z: int, lon: float = 118.5, lat: float = 33.8) -> list[tuple[int, int]]:
    """Row and column of the 4 × 4 tiles of a map view at zoom ``z`` around (lon, lat)."""
    from geo.tiles import tile_index

    x, y = (int(v[0]) for v in tile_index([lon], [lat], z))
    return [(y + dy, x + dx) for dy in range(-2, 2) for dx in range(-2, 2)]


def _tiles(lon: float = 118.2, lat: float = 34.0) -> list[tuple[int, int, int]]:
    """The tile under (lon, lat) at each zoom 4–13: z, row, column."""
    from geo.tiles import tile_index

    out = []
    for z in range(4, 14):
        x, y = tile_index([lon], [lat], z)
        out.append((z, int(y[0]), int(x[0])))
    return out


def run() -> list[Result]:
    small, big = (measure(n) for n in SIZES)
    label = f"{SIZES[1] // 1000}k carriers in the store"
    note = (f"make serve's gunicorn (deploy/gunicorn.conf.py), {WORKERS} workers, GeoPackage "
            f"store, bbox {BBOX} limit=100")
    out = [
        Result(f"stored: {label}, worker RSS (max)", "memory", "MB", max(big["rss"]),
               "goal", 150, note),
        Result(f"stored: {label}, launch to first answer", "time", "s", big["first"],
               "goal", 2, note),
        Result(f"stored: {label}, slowest of 12 first bbox requests", "time", "s",
               big["first_bbox_max"], "goal", 1, note),
        Result(f"stored: {label}, slowest first tile of zooms 4–13 over 宿迁 "
               f"(z{big['tile_first_zoom']})", "time", "s", big["tile_first"], "goal", 1, note),
        *(Result(f"stored: {label}, a map view's 16 new tiles at z{z}, median", "time", "s",
                 big["view"][z][len(big["view"][z]) // 2], "goal (16 in 1 s on 2 workers)",
                 0.125, f"{note}; slowest {big['view'][z][-1] * 1e3:.0f} ms; "
                 f"{SIZES[0] // 1000}k carriers: median "
                 f"{small['view'][z][len(small['view'][z]) // 2] * 1e3:.1f} ms")
          for z in VIEW_ZOOMS),
        Result(f"stored: {label}, bbox limit=100, one URL repeated (cache)", "requests/s",
               "req/s", big["bbox_rps"],
               f"same server, {SIZES[0] // 1000}k carriers", small["bbox_rps"], note),
        Result(f"stored: {label}, tile z8 over 宿迁, one URL repeated (cache)", "requests/s",
               "req/s", big["tile_rps"],
               f"same server, {SIZES[0] // 1000}k carriers", small["tile_rps"], note),
    ]
    if not np.isnan(big["import_rate"]):
        out.append(Result(f"stored: import of {label}", "rows/s", "rows/s",
                          big["import_rate"], f"{SIZES[0] // 1000}k import",
                          small["import_rate"], "Store.add_import of a DataFrame (no file "
                          "parsing), one transaction, current table, index and cells rebuilt"))
    return out

"""Feature API requests/s: innomap against pygeoapi and against a bare WSGI ceiling.

Three servers run under gunicorn with the same number of sync workers on loopback:

* innomap (``create_app()`` plus a 20,000-point layer registered only in this
  benchmark's server process);
* pygeoapi, installed by this benchmark into its own venv under ``build/bench_api``
  (gitignored), serving the same data written as GeoJSON files with its GeoJSON
  provider; if it cannot be installed the rows say so and are left out;
* a bare WSGI app returning innomap's response bytes for each URL, built before
  the run: the ceiling for any Python server on this machine.

All four cases are answered from the response cache in front of the app
(``web.cache``): after the warm-up request each is a lookup keyed on the URL and
the negotiated variant, checked against the catalog generation, without entering
Flask. A filtered request the cache has not seen (a new bbox) runs the query:
parse, search the 20,000 points, page, join the pre-serialised features, tag.

The load generator is ``wrk`` when installed (Debian package ``wrk``), else a small
threaded Python client; either way it runs in its own process, bounded by time.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import socket
import statistics
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import geopandas as gpd
import numpy as np
import shapely

from benchmarks import Result
from layers.base import Layer, LayerContext

ROOT = Path(__file__).resolve().parents[1]
WORK = ROOT / "build" / "bench_api"
WORKERS = 2
SECONDS = 2
ROUNDS = 3
PYGEOAPI_SECONDS = 6
CONNECTIONS = 4
POINTS = 20_000
POINTS_BBOX = "118.6,33.6,119.0,34.0"
PYGEOAPI_SPEC = "pygeoapi==0.21.0"


class BenchPoints(Layer):
    """20,000 seeded random points over northern Jiangsu, for this benchmark only."""

    id = "bench-points"
    title = "基准测试点"
    description = "仅用于基准测试的 20000 个随机点。"
    map_reason = "仅用于接口基准测试，不在地图上显示"

    def load(self, ctx: LayerContext) -> gpd.GeoDataFrame:
        return gpd.read_file(WORK / "points.geojson", engine="pyogrio")


def innomap_app():
    """The gunicorn entry point of the innomap server: the product plus the points layer."""
    from layers import REGISTRY
    from web import create_app

    REGISTRY[BenchPoints.id] = BenchPoints()
    return create_app()


def ceiling_app(environ, start_response):
    """Bare WSGI: pre-built bytes per path and query string, nothing else."""
    key = environ["PATH_INFO"] + "?" + environ.get("QUERY_STRING", "")
    body = _ceiling_bodies().get(key)
    if body is None:
        start_response("404 Not Found", [("Content-Type", "text/plain")])
        return [b"not found"]
    start_response("200 OK", [("Content-Type", "application/geo+json"),
                              ("Content-Length", str(len(body)))])
    return [body]


_BODIES: dict[str, bytes] = {}


def _ceiling_bodies() -> dict[str, bytes]:
    if not _BODIES:
        index = json.loads((WORK / "ceiling" / "index.json").read_text())
        for key, name in index.items():
            _BODIES[key] = (WORK / "ceiling" / name).read_bytes()
    return _BODIES


def cases(prefix: str, counties: str, points: str) -> dict[str, str]:
    """The four loads, as URL paths on a server whose API root is ``prefix``."""
    items = f"{prefix}/collections/{counties}/items"
    return {
        "counties limit=10": f"{items}?f=json&limit=10",
        f"{POINTS // 1000}k points bbox limit=100":
            f"{prefix}/collections/{points}/items?bbox={POINTS_BBOX}&f=json&limit=100",
        "one county by id": f"{items}/320703?f=json",
        "all counties": f"{items}?f=json&limit=100",
    }


def run() -> list[Result]:
    WORK.mkdir(parents=True, exist_ok=True)
    _write_data()
    ours = cases("/api", "boundaries-county", BenchPoints.id)
    theirs = cases("", "counties", "points")
    generator = "wrk" if shutil.which("wrk") else "python client"
    note = (f"{WORKERS} gunicorn workers each, {CONNECTIONS} connections, {generator}; "
            f"median of {ROUNDS} alternating {SECONDS}s rounds")
    with _server(["benchmarks.bench_api:innomap_app()"], {}) as url:
        _check(url, ours)
        _save_ceiling(url, ours)
        with _server(["benchmarks.bench_api:ceiling_app"], {}) as ceiling_url:
            innomap, ceiling = {}, {}
            for case, path in ours.items():
                innomap[case], ceiling[case] = _alternate(url + path, ceiling_url + path)
    pygeoapi, why = _run_pygeoapi(theirs)
    results: list[Result] = []
    for case in ours:
        results.append(Result(f"api: {case}, one URL repeated (cache)", "requests/s", "req/s",
                              innomap[case],
                              "bare WSGI pre-built bytes (ceiling)", ceiling[case], note))
        if pygeoapi:
            results.append(Result(f"api: {case}, one URL repeated (cache)", "requests/s",
                                  "req/s", innomap[case], "pygeoapi GeoJSON provider",
                                  pygeoapi[case],
                                  f"pygeoapi {PYGEOAPI_SPEC.split('==')[1]}, same workers, "
                                  f"one {PYGEOAPI_SECONDS}s round"))
    if not pygeoapi:
        results[-1] = Result(**{**results[-1].__dict__,
                                "note": f"pygeoapi not measured: {why}"})
    return results


def _alternate(first: str, second: str) -> tuple[float, float]:
    """Median requests/s of two URLs measured in alternating rounds (shared-machine noise)."""
    a, b = [], []
    for _ in range(ROUNDS):
        a.append(_rps(first))
        b.append(_rps(second))
    return statistics.median(a), statistics.median(b)


def _write_data() -> None:
    from layers import load_catalog

    counties = load_catalog(ROOT / "data").frame("boundaries-county")
    counties.to_file(WORK / "counties.geojson", driver="GeoJSON", engine="pyogrio")
    rng = np.random.default_rng(20_000)
    lon = rng.uniform(116.4, 121.9, POINTS)
    lat = rng.uniform(30.8, 35.1, POINTS)
    points = gpd.GeoDataFrame(
        {"id": [f"p{i:05d}" for i in range(POINTS)], "kind": rng.choice(["a", "b"], POINTS),
         "value": rng.integers(0, 1000, POINTS)},
        geometry=shapely.points(lon, lat), crs="EPSG:4326")
    points.to_file(WORK / "points.geojson", driver="GeoJSON", engine="pyogrio")


def _check(url: str, paths: dict[str, str]) -> None:
    for path in paths.values():
        with urllib.request.urlopen(url + path, timeout=30) as response:
            body = json.loads(response.read())
            if body.get("type") == "FeatureCollection" and not body["features"]:
                raise RuntimeError(f"benchmark case {path} returned no features")


def _save_ceiling(url: str, paths: dict[str, str]) -> None:
    folder = WORK / "ceiling"
    folder.mkdir(exist_ok=True)
    index = {}
    for n, path in enumerate(paths.values()):
        with urllib.request.urlopen(url + path, timeout=30) as response:
            (folder / f"{n}.json").write_bytes(response.read())
        index[path] = f"{n}.json"
    (folder / "index.json").write_text(json.dumps(index))


def _run_pygeoapi(paths: dict[str, str]) -> tuple[dict | None, str]:
    venv = WORK / "pygeoapi-venv"
    try:
        _install_pygeoapi(venv)
    except (subprocess.CalledProcessError, OSError) as exc:
        return None, f"could not install {PYGEOAPI_SPEC}: {exc}"
    port = _free_port()
    config = _pygeoapi_config(port)
    openapi = WORK / "pygeoapi-openapi.yml"
    env = {"PYGEOAPI_CONFIG": str(config), "PYGEOAPI_OPENAPI": str(openapi)}
    subprocess.run([str(venv / "bin" / "pygeoapi"), "openapi", "generate", str(config),
                    "--output-file", str(openapi)], check=True, capture_output=True,
                   env={**os.environ, **env})
    with _server(["pygeoapi.flask_app:APP"], env, venv=venv, port=port) as url:
        _check(url, paths)
        return {case: _rps(url + path, PYGEOAPI_SECONDS)
                for case, path in paths.items()}, ""


def _install_pygeoapi(venv: Path) -> None:
    if (venv / "bin" / "pygeoapi").exists():
        return
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    subprocess.run([str(venv / "bin" / "pip"), "install", "-q", "--disable-pip-version-check",
                    PYGEOAPI_SPEC, "gunicorn"], check=True, timeout=600)


def _pygeoapi_config(port: int) -> Path:
    any_text = "benchmark"
    resource = {"type": "collection", "title": "", "description": any_text,
                "keywords": [any_text], "links": [],
                "extents": {"spatial": {"bbox": [-180, -90, 180, 90],
                                        "crs": "http://www.opengis.net/def/crs/OGC/1.3/CRS84"}}}
    config = {
        "server": {"bind": {"host": "127.0.0.1", "port": port},
                   "url": f"http://127.0.0.1:{port}", "mimetype": "application/json; charset=UTF-8",
                   "encoding": "utf-8", "language": "en-US", "cors": True,
                   "limits": {"default_items": 10, "max_items": 10_000},
                   "map": {"url": "http://127.0.0.1/none/{z}/{x}/{y}.png",
                           "attribution": any_text}},
        "logging": {"level": "ERROR"},
        "metadata": {
            "identification": {"title": any_text, "description": any_text,
                               "keywords": [any_text], "keywords_type": "theme",
                               "terms_of_service": any_text, "url": "http://127.0.0.1"},
            "license": {"name": any_text, "url": "http://127.0.0.1"},
            "provider": {"name": any_text, "url": "http://127.0.0.1"},
            "contact": {"name": any_text, "position": any_text, "address": any_text,
                        "city": any_text, "stateorprovince": any_text,
                        "postalcode": any_text, "country": any_text, "phone": any_text,
                        "fax": any_text, "email": any_text, "url": "http://127.0.0.1",
                        "hours": any_text, "instructions": any_text,
                        "role": "pointOfContact"}},
        "resources": {
            "counties": {**resource, "title": "counties", "providers": [
                {"type": "feature", "name": "GeoJSON",
                 "data": str(WORK / "counties.geojson"), "id_field": "adcode"}]},
            "points": {**resource, "title": "points", "providers": [
                {"type": "feature", "name": "GeoJSON",
                 "data": str(WORK / "points.geojson"), "id_field": "id"}]},
        },
    }
    path = WORK / "pygeoapi-config.yml"
    path.write_text(json.dumps(config, indent=1))  # JSON is YAML
    return path


class _server:
    """A gunicorn server on a free loopback port for the length of a ``with`` block."""

    def __init__(self, app_args, env, venv: Path | None = None, port: int | None = None):
        self.port = port or _free_port()
        gunicorn = (venv / "bin" / "gunicorn") if venv else Path(sys.executable).parent / "gunicorn"
        self.command = [str(gunicorn), "--preload", "--workers", str(WORKERS),
                        "--bind", f"127.0.0.1:{self.port}", "--log-level", "error", *app_args]
        self.env = {**os.environ, **env}

    def __enter__(self) -> str:
        self.proc = subprocess.Popen(self.command, cwd=ROOT, env=self.env,
                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        url = f"http://127.0.0.1:{self.port}"
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"{self.command} exited with {self.proc.returncode}")
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=1).close()
                return url
            except OSError:
                time.sleep(0.3)
        self.__exit__()
        raise TimeoutError(f"{self.command} did not start")

    def __exit__(self, *exc) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


def _rps(url: str, seconds: int = SECONDS) -> float:
    """Requests per second over ``seconds`` from a separate load-generator process."""
    urllib.request.urlopen(url, timeout=60).read()  # warm caches and lazy builds
    if shutil.which("wrk"):
        out = subprocess.run(["wrk", "-t", "1", "-c", str(CONNECTIONS), "-d", f"{seconds}s",
                              "--timeout", "30s", url], check=True, capture_output=True,
                             text=True, timeout=seconds + 60).stdout
        if "Non-2xx" in out:
            raise RuntimeError(f"non-2xx responses from {url}:\n{out}")
        return float(re.search(r"Requests/sec:\s*([\d.]+)", out).group(1))
    out = subprocess.run([sys.executable, "-c", _PY_CLIENT, url, str(seconds),
                          str(CONNECTIONS)], check=True, capture_output=True, text=True,
                         timeout=seconds + 60).stdout
    return float(out.strip())


_PY_CLIENT = """
import sys, threading, time, urllib.request
url, seconds, threads = sys.argv[1], float(sys.argv[2]), int(sys.argv[3])
end = time.monotonic() + seconds
counts = []
def work():
    n = 0
    while time.monotonic() < end:
        with urllib.request.urlopen(url, timeout=30) as r:
            r.read()
        n += 1
    counts.append(n)
ts = [threading.Thread(target=work) for _ in range(threads)]
start = time.monotonic()
[t.start() for t in ts]; [t.join() for t in ts]
print(sum(counts) / (time.monotonic() - start))
"""


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]

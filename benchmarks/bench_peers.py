"""innomap against the servers a user would pick instead, on the same PostGIS.

One throwaway PostgreSQL + PostGIS cluster (Debian binaries, run by the postgres
system user, on a loopback port) holds the seeded carriers (20,000 and 1,000,000,
``benchmarks.bench_stored.seeded_rows``) twice: as innomap's store (imported with
``Store.add_import``) and as the plain table ``public.points`` (id, name, type,
county, ``geometry(Point, 4326)`` with a GiST index) made from the same rows for
the peers:

* tipg (FastAPI + asyncpg, OGC Features and Tiles) under uvicorn;
* pygeoapi's PostgreSQL provider under gunicorn;
* innomap (``make serve``'s app) with ``INNOMAP_STORE_URL=postgresql://…``.

Each peer is installed by this benchmark into its own venv under
``build/bench_peers`` (gitignored); a peer that cannot be installed is left out
and the note says why. Every server runs 2 workers.

Headlines first, the requests no cache has seen (each a new URL, in a row, median of
30 with the 10th–90th percentile band as the note): a bbox of limit=100, one feature
by id, a page of 10 at a new offset, a vector tile at z12 (innomap and tipg). Then
each server's worker RSS after the run and the time from launch to its first answer.
Then the same cases interleaved (:func:`interleaved`): innomap and tipg started side
by side, one new URL of each in turn, 40 per case, with the load average of the
machine (a shared machine's load hits both alike), once per client (:data:`MODES`,
``BENCH_PEER_MODES=new,kept``): a new TCP connection per request, innomap and the floor
under plain gunicorn; and one kept connection per server, as QGIS, GDAL and browsers
use, innomap and the floor under ``make serve``'s gunicorn settings (keep-alive
5 s); ``BENCH_BEFORE=<dir>`` adds innomap
from another checkout (the code before a change) to the rotation, and
``BENCH_PEER_DATABASES=20000=<url>,1000000=<url>`` runs only this part against
databases :func:`load` filled before (no new cluster, no import).
Last, labelled as cache, requests/s of one URL repeated (wrk) for the same cases and
one vector tile at z8 over 宿迁 (innomap answers repeats from its response cache;
tipg and pygeoapi have none). Also innomap's import rows/s into PostGIS.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path

from benchmarks import Result
from benchmarks.bench_api import WORK as BENCH_API_WORK
from benchmarks.bench_api import _free_port, _pygeoapi_config, _rps
from benchmarks.bench_stored import KeptConnection, _get, seeded_rows, worker_rss_mb
from geo.tiles import tile_index

ROOT = Path(__file__).resolve().parents[1]
WORK = ROOT / "build" / "bench_peers"
PG_BIN = Path("/usr/lib/postgresql/15/bin")
SIZES = (20_000, 1_000_000)
WORKERS = 2
BBOX = "118.6,33.6,119.0,34.0"
TIPG_SPEC = "tipg==1.6.1"
#: A server with its HTTP layer in native code (Rust), run only under the floor app: what
#: the floor would be if innomap ran under it (``interleaved``'s ``floor native``).
NATIVE_SPEC = "granian==2.8.9"
FLOOR_APP = "benchmarks.floor_app:app"
PYGEOAPI_SPEC = "pygeoapi==0.21.0"
TILE = (8, 102, 212)  # z, row, column


def _as_postgres(args, **kw):
    return subprocess.run(["runuser", "-u", "postgres", "--", *map(str, args)], check=True,
                          capture_output=True, text=True, **kw)


@contextmanager
def cluster():
    """A throwaway PostgreSQL cluster on a loopback port; yields its URL."""
    base = Path(tempfile.mkdtemp(prefix="innomap-bench-pg-"))
    shutil.chown(base, "postgres")
    data, port = base / "data", _free_port()
    _as_postgres([PG_BIN / "initdb", "-D", data, "-A", "trust", "-U", "postgres", "--no-sync",
                  "-E", "UTF8"])
    _as_postgres([PG_BIN / "pg_ctl", "-D", data, "-w", "-l", base / "log", "start", "-o",
                  f"-c listen_addresses=127.0.0.1 -c port={port} -c unix_socket_directories="
                  f"{base} -c fsync=off -c max_connections=200"])
    try:
        yield f"postgresql://postgres@127.0.0.1:{port}/postgres"
    finally:
        _as_postgres([PG_BIN / "pg_ctl", "-D", data, "-m", "immediate", "stop"])
        shutil.rmtree(base, ignore_errors=True)


def load(url: str, n: int) -> float:
    """Empty the database, import ``n`` carriers into innomap's store and copy them to
    ``public.points``; the import's rows/s."""
    import psycopg

    from store import open_store

    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("DROP SCHEMA IF EXISTS public CASCADE")
        conn.execute("CREATE SCHEMA public")
    store = open_store(url)
    start = time.perf_counter()
    store.add_import("carriers", seeded_rows(n), user="bench", filename="bench.csv",
                     sha256="0")
    rate = n / (time.perf_counter() - start)
    store.close()
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("CREATE TABLE points AS SELECT pos::integer AS id, feature_id, name, type, "
                     "county_adcode, geom FROM carrier_current")
        conn.execute("ALTER TABLE points ADD PRIMARY KEY (id)")
        conn.execute("CREATE INDEX points_geom ON points USING GIST (geom)")
        conn.execute("ANALYZE")
    return rate


def _install(name: str, specs: list[str]) -> Path:
    venv = WORK / f"{name}-venv"
    if not (venv / ".installed").exists():
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
        subprocess.run([str(venv / "bin" / "pip"), "install", "-q",
                        "--disable-pip-version-check", *specs], check=True, timeout=900)
        (venv / ".installed").touch()
    return venv


class Server:
    """A server process started by ``command``; ``first`` is launch to first answer."""

    def __init__(self, command, env, probe_path, cwd=ROOT):
        self.port = _free_port()
        self.cwd = cwd
        self.url = f"http://127.0.0.1:{self.port}"
        self.command = [c.format(port=self.port) for c in command]
        self.env = {**os.environ, **env}
        self.probe = probe_path

    def __enter__(self):
        self.started = time.perf_counter()
        self.proc = subprocess.Popen(self.command, cwd=self.cwd, env=self.env,
                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        while time.perf_counter() < self.started + 240:
            if self.proc.poll() is not None:
                raise RuntimeError(f"{self.command[0]} exited with {self.proc.returncode}")
            try:
                _get(self.url + self.probe)
                self.first = time.perf_counter() - self.started
                return self
            except OSError:
                time.sleep(0.1)
        raise TimeoutError(f"{self.command} did not answer")

    def __exit__(self, *exc):
        self.proc.terminate()
        try:
            self.proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


DISTINCT = 30
DISTINCT_TILE_ZOOM = 12  # tiles of points (not counted cells), ~200 points each at 1M


def distinct_urls(case: str, template: str, n: int, count: int = DISTINCT) -> list[str]:
    """``count`` different paths of ``case`` from the server's ``template`` (each new
    to any cache): boxes of 0.4° and tiles marching across the points, ids and offsets
    spread over the ``n`` points."""
    out = []
    for i in range(count):
        if case == "bbox":
            west, south = 117.0 + i * 0.07, 33.2 + i * 0.04
            out.append(template.format(bbox=f"{west},{south},{west + 0.4},{south + 0.4}"))
        elif case == "id":
            row = (i * 7919) % n
            out.append(template.format(row=row, pos=row + 1))
        elif case == "tile":
            x, y = tile_index([117.0 + i * 0.08], [33.3 + i * 0.05], DISTINCT_TILE_ZOOM)
            out.append(template.format(z=DISTINCT_TILE_ZOOM, x=int(x[0]), y=int(y[0])))
        else:
            out.append(template.format(offset=(i * 104_729) % (n - 10)))
    return out


def distinct_seconds(url: str, paths: list[str]) -> tuple[float, float, float]:
    """Median, 10th and 90th percentile seconds of requests to ``paths`` in a row."""
    times = sorted(_get(url + path) for path in paths)
    deciles = statistics.quantiles(times, n=10)
    return statistics.median(times), deciles[0], deciles[-1]


def servers(url: str, feature_id: str, venvs: dict) -> dict:
    """name → (command, env, paths of the repeated cases, templates of the distinct
    cases: ``{bbox}``, ``{row}`` (innomap's id holds the source row, from 0) or ``{pos}``
    (the peers' id: the row's place in key order, from 1), ``{offset}``)."""
    z, y, x = TILE
    out = {"innomap": (
        [str(Path(sys.executable).parent / "gunicorn"), "--preload", "--workers",
         str(WORKERS), "--bind", "127.0.0.1:{port}", "--log-level", "error",
         "web:create_app()"], {"INNOMAP_STORE_URL": url},
        {"bbox limit=100": f"/api/collections/imported-carriers/items?bbox={BBOX}&limit=100"
                           "&f=json",
         "by id": f"/api/collections/imported-carriers/items/{feature_id}?f=json",
         "page of 10": "/api/collections/imported-carriers/items?limit=10&f=json",
         "tile z8": f"/api/collections/imported-carriers/tiles/WebMercatorQuad/{z}/{y}/{x}"},
        {"bbox": "/api/collections/imported-carriers/items?bbox={bbox}&limit=100&f=json",
         "id": "/api/collections/imported-carriers/items/c1-{row}?f=json",
         "page": "/api/collections/imported-carriers/items?limit=10&offset={offset}&f=json",
         "tile": "/api/collections/imported-carriers/tiles/WebMercatorQuad/{z}/{y}/{x}"})}
    if "tipg" in venvs:
        out["tipg"] = (
            [str(venvs["tipg"] / "bin" / "uvicorn"), "tipg.main:app", "--workers",
             str(WORKERS), "--port", "{port}", "--log-level", "error"],
            {"DATABASE_URL": url, "TIPG_DB_SCHEMAS": '["public"]'},
            {"bbox limit=100": f"/collections/public.points/items?bbox={BBOX}&limit=100",
             "by id": "/collections/public.points/items/1",
             "page of 10": "/collections/public.points/items?limit=10",
             "tile z8": f"/collections/public.points/tiles/WebMercatorQuad/{z}/{x}/{y}"},
            {"bbox": "/collections/public.points/items?bbox={bbox}&limit=100",
             "id": "/collections/public.points/items/{pos}",
             "page": "/collections/public.points/items?limit=10&offset={offset}",
             "tile": "/collections/public.points/tiles/WebMercatorQuad/{z}/{x}/{y}"})
    if "pygeoapi" in venvs:
        config, env = _pygeoapi_postgres(url, venvs["pygeoapi"])
        out["pygeoapi"] = (
            [str(venvs["pygeoapi"] / "bin" / "gunicorn"), "--workers", str(WORKERS),
             "--bind", "127.0.0.1:{port}", "--log-level", "error", "pygeoapi.flask_app:APP"],
            env,
            {"bbox limit=100": f"/collections/points/items?bbox={BBOX}&limit=100&f=json",
             "by id": "/collections/points/items/1?f=json",
             "page of 10": "/collections/points/items?limit=10&f=json"},
            {"bbox": "/collections/points/items?bbox={bbox}&limit=100&f=json",
             "id": "/collections/points/items/{pos}?f=json",
             "page": "/collections/points/items?limit=10&offset={offset}&f=json"})
    return out


def _pygeoapi_postgres(url: str, venv: Path) -> tuple[Path, dict]:
    host, port = url.rsplit("@", 1)[1].split("/")[0].split(":")
    BENCH_API_WORK.mkdir(parents=True, exist_ok=True)
    config = json.loads(_pygeoapi_config(0).read_text())
    resource = config["resources"]["points"]
    resource["providers"] = [{"type": "feature", "name": "PostgreSQL", "id_field": "id",
                              "table": "points", "geom_field": "geom",
                              "data": {"host": host, "port": int(port), "dbname": "postgres",
                                       "user": "postgres", "password": "",
                                       "search_path": ["public"]}}]
    config["resources"] = {"points": resource}
    path = WORK / "pygeoapi-postgres.yml"
    path.write_text(json.dumps(config, indent=1))
    openapi = WORK / "pygeoapi-postgres-openapi.yml"
    env = {"PYGEOAPI_CONFIG": str(path), "PYGEOAPI_OPENAPI": str(openapi)}
    subprocess.run([str(venv / "bin" / "pygeoapi"), "openapi", "generate", str(path),
                    "--output-file", str(openapi)], check=True, capture_output=True,
                   env={**os.environ, **env})
    return path, env


def measure_size(url: str, n: int, venvs: dict) -> tuple[dict, float]:
    rate = load(url, n)
    figures = {}
    for name, (command, env, paths, templates) in servers(url, "c1-0", venvs).items():
        try:
            with Server(command, env, paths["bbox limit=100"]) as server:
                row = {"first": server.first}
                for case, template in templates.items():
                    row[f"distinct {case}"] = distinct_seconds(
                        server.url, distinct_urls(case, template, n))
                for case, path in paths.items():
                    row[case] = _rps(server.url + path)
                row["rss"] = max(worker_rss_mb(server.proc.pid) or [float("nan")])
                figures[name] = row
        except (RuntimeError, TimeoutError, OSError, subprocess.CalledProcessError) as exc:
            figures[name] = {"error": str(exc)[:200]}
    return figures, rate


INTERLEAVED = 40
#: Time given to the servers after their first requests, before the interleaved ones: an
#: innomap worker builds in the background what its visitors will ask for (a few seconds
#: of CPU); a server that has been up for a minute is measured, not one starting.
WARM_UP_SECONDS = 15


#: The clients of :func:`interleaved`: ``new``, a new TCP connection per request
#: (``Connection: close``), innomap under plain ``gunicorn`` (sync workers, which close
#: every connection); ``kept``, one connection per server kept open across requests, as
#: QGIS, GDAL (libcurl) and browsers keep theirs, innomap under ``make serve``'s
#: gunicorn settings (``deploy/gunicorn.conf.py``: threaded workers, keep-alive 5 s).
#: tipg runs under uvicorn (keep-alive capable) in both.
MODES = ("new", "kept")


def _kept_command(command: list[str], app: str | None = None) -> list[str]:
    """``command`` (innomap's plain gunicorn) under ``deploy/gunicorn.conf.py`` instead:
    its worker class, threads, keep-alive and limits, with this bench's bind, workers
    and log level; ``app`` instead of the configured ``web:create_app()``."""
    return [command[0], "-c", "deploy/gunicorn.conf.py", "--workers", str(WORKERS),
            "--bind", "127.0.0.1:{port}", "--log-level", "error", *([app] if app else [])]


def interleaved(url: str, n: int, venvs: dict, mode: str = "new") -> dict:
    """case → server → median seconds of :data:`INTERLEAVED` new URLs, the servers asked
    one request each in turn (who goes first rotates: the first to read a row warms
    PostgreSQL's cache for the others), so that a load spike on the shared machine hits
    every server alike; three more URLs of each case first, and :data:`WARM_UP_SECONDS`
    of rest. ``mode``: the client and innomap's gunicorn (:data:`MODES`). ``before``:
    innomap from the checkout in ``BENCH_BEFORE`` (e.g. ``git archive main | tar -x -C
    dir``), when set; ``floor``: ``benchmarks.floor_app``, under the same gunicorn (and
    worker class) as innomap, answering fixed bytes; ``floor native``: the same app under
    a server whose HTTP layer is native code (:data:`NATIVE_SPEC`), when installed; and,
    for ids only, ``database``: :class:`KeyLookup`. Also ``load``: the load average (1 min)
    before and after, and ``connections``: server → connections the client opened
    (``kept`` only)."""
    chosen = servers(url, "c1-0", {k: v for k, v in venvs.items() if k == "tipg"})
    runs = dict(chosen)
    command, env, probes, templates = chosen["innomap"]
    if mode == "kept":
        runs["innomap"] = (_kept_command(command), env, probes, templates)
        runs["floor"] = (_kept_command(command, FLOOR_APP), {}, probes, templates)
    else:
        runs["floor"] = ([*command[:-1], FLOOR_APP], {}, probes, templates)
    if "native" in venvs:
        runs["floor native"] = ([str(venvs["native"] / "bin" / "granian"), "--interface",
                                 "wsgi", "--workers", str(WORKERS), "--port", "{port}",
                                 "--log-level", "error", FLOOR_APP], {}, probes, templates)
    cwd = {name: ROOT for name in runs}
    if os.environ.get("BENCH_BEFORE"):
        runs["before"], cwd["before"] = runs["innomap"], Path(os.environ["BENCH_BEFORE"])
    load = [os.getloadavg()[0]]
    with contextlib.ExitStack() as stack:
        live = {name: stack.enter_context(Server(command, env, paths["bbox limit=100"],
                                                 cwd[name]))
                for name, (command, env, paths, _) in runs.items()}
        paths = {case: {name: distinct_urls(case, runs[name][3][case], n, INTERLEAVED + 3)
                        for name in live if case in runs[name][3]} for case in DISTINCT_LABELS}
        if mode == "kept":
            kept = {name: KeptConnection(server.url) for name, server in live.items()}
            for client in kept.values():
                stack.callback(client.close)
            get = {name: client.get for name, client in kept.items()}
        else:
            get = {name: (lambda path, base=server.url: _get(base + path))
                   for name, server in live.items()}
        lookup = stack.enter_context(KeyLookup(url))  # the peers' table, by key
        paths["id"]["database"] = distinct_urls("id", "{pos}", n, INTERLEAVED + 3)
        get["database"] = lookup.get
        for name in get:  # the first requests of a worker start its warm-ups
            for case in paths:
                for path in paths[case].get(name, [])[INTERLEAVED:]:
                    get[name](path)
        time.sleep(WARM_UP_SECONDS)
        out = {}
        for case in DISTINCT_LABELS:
            times = {name: [] for name in paths[case]}
            names = list(times)
            for i in range(INTERLEAVED):
                for name in names[i % len(names):] + names[:i % len(names)]:
                    times[name].append(get[name](paths[case][name][i]))
            out[case] = {name: statistics.median(t) for name, t in times.items()}
        if mode == "kept":
            out["connections"] = {name: client.opened for name, client in kept.items()}
    load.append(os.getloadavg()[0])
    return out | {"load": load}


#: The database's part of an answer by id: the peers' row by its key, all columns.
LOOKUP = "SELECT id, feature_id, name, type, county_adcode, ST_AsBinary(geom) FROM points " \
         "WHERE id = %s"


class KeyLookup:
    """What reading one row by its key from PostgreSQL costs, as a client of the same
    cluster on one kept connection (the statement prepared after its first uses, as
    the servers' are): with ``floor native``, the least any server that answers from
    the database can take (``interleaved``'s ``database``)."""

    def __init__(self, url: str):
        self.url = url

    def __enter__(self):
        import psycopg

        self.conn = psycopg.connect(self.url, autocommit=True)
        return self

    def __exit__(self, *exc):
        self.conn.close()

    def get(self, key: str) -> float:
        """Seconds to read row ``key`` (an id of ``public.points``, as text)."""
        start = time.perf_counter()
        if not self.conn.execute(LOOKUP, (int(key),)).fetchall():
            raise LookupError(f"no point {key}")
        return time.perf_counter() - start


def _databases() -> dict[int, str]:
    """``BENCH_PEER_DATABASES`` (``20000=postgresql://…,1000000=postgresql://…``):
    databases already loaded by :func:`load`, reused instead of a new cluster."""
    pairs = [item.split("=", 1) for item in
             os.environ.get("BENCH_PEER_DATABASES", "").split(",") if item]
    return {int(n): url for n, url in pairs}


def run() -> list[Result]:
    if not (PG_BIN / "initdb").exists() or shutil.which("runuser") is None:
        return [Result("peers", "not measured", "", float("nan"), "tipg, pygeoapi",
                       float("nan"), f"PostgreSQL binaries not in {PG_BIN} or no runuser "
                       "(make system-packages)")]
    WORK.mkdir(parents=True, exist_ok=True)
    venvs, why = {}, {}
    for name, specs in (("tipg", [TIPG_SPEC, "uvicorn[standard]"]),
                        ("pygeoapi", [PYGEOAPI_SPEC, "gunicorn", "psycopg2-binary",
                                      "SQLAlchemy", "GeoAlchemy2",
                                      "pygeofilter[backend-sqlalchemy]"]),
                        ("native", [NATIVE_SPEC])):
        try:
            venvs[name] = _install(name, specs)
        except (subprocess.CalledProcessError, OSError, subprocess.TimeoutExpired) as exc:
            why[name] = f"could not install {specs[0]}: {exc}"
    sizes = [int(v) for v in os.environ.get("BENCH_PEER_SIZES", "").split(",") if v] or SIZES
    modes = [m for m in os.environ.get("BENCH_PEER_MODES", "").split(",") if m] or MODES
    results = []
    if _databases():
        for n, url in _databases().items():
            for mode in modes:
                results += _interleaved_results(n, interleaved(url, n, venvs, mode), mode)
        return results
    with cluster() as url:
        for n in sizes:
            figures, rate = measure_size(url, n, venvs)
            results += _results(n, figures, rate, why)
            for mode in modes:
                results += _interleaved_results(n, interleaved(url, n, venvs, mode), mode)
    return results


def _interleaved_results(n: int, figures: dict, mode: str = "new") -> list[Result]:
    low, high = sorted(figures["load"])
    client = "" if mode == "new" else " on one kept connection (make serve's gunicorn)"
    out = []
    for case, title in DISTINCT_LABELS.items():
        times = figures[case]
        if "tipg" not in times:
            continue
        before = "".join(f"; {FLOORS[name]}: {times[name] * 1e3:.2f} ms" for name in FLOORS
                         if name in times)
        if case == "id" and "database" in times:
            before += f"; 5× tipg would be {times['tipg'] / 5 * 1e3:.2f} ms"
        if "connections" in figures:
            before += "; connections opened: " + ", ".join(
                f"{name} {count}" for name, count in figures["connections"].items())
        out.append(Result(
            f"peers {n // 1000}k points: {title}, each URL new{client}, interleaved "
            f"(median of {INTERLEAVED})", "seconds", "s", times["innomap"], "tipg",
            times["tipg"], f"one request of each server in turn, load average "
                           f"{low:.1f}-{high:.1f}{before}"))
    return out


#: What the notes of :func:`_interleaved_results` call the other runs of the rotation.
FLOORS = {"before": "before", "floor": "floor (same gunicorn, fixed bytes)",
          "floor native": "floor under a native HTTP server (granian)",
          "database": "one row by key from PostgreSQL"}

DISTINCT_LABELS = {"bbox": "bbox limit=100", "id": "one feature by id",
                   "page": "page of 10 at a new offset",
                   "tile": f"vector tile at z{DISTINCT_TILE_ZOOM}"}


def _results(n: int, figures: dict, rate: float, why: dict) -> list[Result]:
    ours, out = figures["innomap"], []
    label = f"{n // 1000}k points"
    cached = f"{WORKERS} workers each, same PostGIS; innomap answers a repeated URL from " \
             "its response cache, the peers have none"
    peers = []
    for peer in ("tipg", "pygeoapi"):
        theirs = figures.get(peer)
        if theirs is None or "error" in theirs:
            reason = why.get(peer) or (theirs or {}).get("error", "not run")
            out.append(Result(f"peers {label}: {peer}", "not measured", "", float("nan"),
                              peer, float("nan"), reason))
        else:
            peers.append((peer, theirs))
    for peer, theirs in peers:
        for case, title in DISTINCT_LABELS.items():
            if f"distinct {case}" not in theirs:  # pygeoapi serves no tiles
                continue
            mine, other = ours[f"distinct {case}"], theirs[f"distinct {case}"]
            out.append(Result(
                f"peers {label}: {title}, each URL new (median of {DISTINCT})", "seconds",
                "s", mine[0], peer, other[0],
                f"no cache: the query itself; 10th-90th percentile innomap "
                f"{mine[1] * 1e3:.1f}-{mine[2] * 1e3:.1f} ms, {peer} "
                f"{other[1] * 1e3:.1f}-{other[2] * 1e3:.1f} ms"))
    for peer, theirs in peers:
        out.append(Result(f"peers {label}: worker RSS", "memory", "MB", ours["rss"], peer,
                          theirs["rss"], "largest worker after the run"))
        out.append(Result(f"peers {label}: launch to first answer", "time", "s",
                          ours["first"], peer, theirs["first"], ""))
    for peer, theirs in peers:
        for case in ("bbox limit=100", "by id", "page of 10", "tile z8"):
            if case in theirs:
                out.append(Result(f"peers {label}: {case}, one URL repeated (cache)",
                                  "requests/s", "req/s", ours[case], peer, theirs[case],
                                  cached))
    out.append(Result(f"peers {label}: import into PostGIS", "rows/s", "rows/s", rate,
                      "goal for 500k rows in 60 s", 500_000 / 60,
                      "Store.add_import of a DataFrame: executemany, current table rebuilt"))
    return out

"""A worker as users run it: `make serve`'s gunicorn over national boundaries and the
five registered plans (the repository's data), its start-up and its memory.

gunicorn starts from ``deploy/gunicorn.conf.py`` (preloaded app, threaded workers)
with ``WORKERS`` workers, as ``make serve`` does behind nginx. Measured, best of
``RUNS`` launches:

* launch to first answer: from starting gunicorn to the first answered API page;
* each worker's memory after a mixed read load (API pages, items, the collections
  list) and its warm-ups (the indicator list and region table it builds in the
  background from its first request): RSS as ``ps`` shows it, and what the worker
  alone holds (USS: private pages; the rest is shared with the master and the other
  workers, copy-on-write);
* the same worker after maps of regions in eight provinces far apart (national
  boundaries read a province at a time, the last few kept). Each map is coloured by
  its default indicator in natural breaks where it has one; with the repository's
  data one region of the ten has values, so one map of the ten is classified
  (enough to import whatever classification imports: ``geo/classes.py``, numpy only).

Baselines are the goals of issue 25 (2 s, 150 MB); the maps' figure is compared with
the worker before them (what national boundaries and map rendering add).
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from benchmarks import Result

ROOT = Path(__file__).resolve().parents[1]
WORKERS = 2
RUNS = 3
WARM_S = 20.0  # at most this long for the warm-ups of every worker to finish
FIRST = "/api/collections/boundaries-county/items?f=json&limit=10"
READS = [FIRST, "/api/collections/boundaries-county/items/320703?f=json",
         "/api/collections/entities/items?f=json&limit=50",
         "/api/collections/carriers/items?f=json&bbox=118.6,33.6,119.0,34.0&limit=100",
         "/api/collections?f=json", "/healthz"]
# Maps of units all over the country: provinces and cities of eight provinces.
MAPS = ["/maps/440300", "/maps/440000", "/maps/330100", "/maps/510000", "/maps/650000",
        "/maps/230100", "/maps/540000", "/maps/460000", "/maps/320700", "/maps/110000"]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _get(url: str) -> int:
    with urllib.request.urlopen(url, timeout=120) as response:
        response.read()
        return response.status


def memory_mb(pid: int) -> dict[str, float]:
    """RSS, PSS and USS (private pages) of process ``pid`` in MB (``smaps_rollup``)."""
    fields = {}
    with open(f"/proc/{pid}/smaps_rollup", encoding="ascii") as rollup:
        for line in rollup:
            name, *rest = line.split()
            if rest and rest[-1] == "kB":
                fields[name.rstrip(":")] = int(rest[0]) / 1024
    return {"rss": fields["Rss"], "pss": fields["Pss"],
            "uss": fields.get("Private_Clean", 0) + fields.get("Private_Dirty", 0)}


def workers_of(master: int) -> list[int]:
    out = subprocess.run(["ps", "-o", "pid=", "--ppid", str(master)], capture_output=True,
                         text=True).stdout
    return [int(pid) for pid in out.split()]


def _wait_for_warmups(pids: list[int]) -> None:
    """Until no worker uses CPU for a second (its warm-ups done), at most WARM_S."""
    def ticks():
        return [sum(int(v) for v in Path(f"/proc/{p}/stat").read_text().split()[13:15])
                for p in pids]
    deadline = time.monotonic() + WARM_S
    before = ticks()
    while time.monotonic() < deadline:
        time.sleep(1.0)
        now = ticks()
        if now == before:
            return
        before = now


def measure() -> dict:
    """One launch of `make serve`'s gunicorn: first answer, worker memory, statuses."""
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    gunicorn = Path(sys.executable).parent / "gunicorn"
    started = time.perf_counter()
    proc = subprocess.Popen([str(gunicorn), "-c", "deploy/gunicorn.conf.py", "--workers",
                             str(WORKERS), "--bind", f"127.0.0.1:{port}", "--log-level",
                             "error", "--access-logfile", "/dev/null"], cwd=ROOT,
                            env=_environment(),
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        first = _first_answer(proc, base + FIRST, started)
        statuses = [_get(base + url) for _ in range(10) for url in READS]
        pids = workers_of(proc.pid)
        _wait_for_warmups(pids)
        reads = [memory_mb(p) for p in pids]
        maps = [_get(base + url) for url in MAPS]
        after = [memory_mb(p) for p in pids]
    finally:
        proc.terminate()
        proc.wait(timeout=60)
    return {"first": first, "reads": reads, "maps": after,
            "failed": [u for u, s in zip(READS * 10 + MAPS, statuses + maps) if s != 200]}


def _environment() -> dict:
    """The server's environment: limits off (no nginx in front), and bytecode written
    and reused as by a normal install (some shells here set PYTHONDONTWRITEBYTECODE,
    which would make every launch compile every module again)."""
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    return {**env, "INNOMAP_RATE_LIMITS": "off"}


def _first_answer(proc, url: str, started: float) -> float:
    deadline = started + 300
    while time.perf_counter() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"gunicorn exited with {proc.returncode}")
        try:
            _get(url)
            return time.perf_counter() - started
        except OSError:
            time.sleep(0.02)
    raise TimeoutError("gunicorn did not answer")


def run() -> list[Result]:
    runs = [measure() for _ in range(RUNS)]
    first = min(r["first"] for r in runs)
    rss = min(max(w["rss"] for w in r["reads"]) for r in runs)
    uss = min(max(w["uss"] for w in r["reads"]) for r in runs)
    mapped = min(max(w["rss"] for w in r["maps"]) for r in runs)
    failed = sorted({u for r in runs for u in r["failed"]})
    note = (f"make serve's gunicorn (deploy/gunicorn.conf.py, preloaded), {WORKERS} workers, "
            f"national boundaries ({len(MAPS)} maps of 8 provinces), the five registered "
            f"plans; best of {RUNS} launches (bytecode cached after the first); "
            f"{'every answer 200' if not failed else 'failed: ' + ', '.join(failed)}")
    case = "worker of make serve"
    return [
        Result(case, "launch to first answer", "s", first, "goal (issue 25)", 2.0, note),
        Result(case, "RSS after reads and warm-ups (max of workers)", "MB", rss,
               "goal (issue 25)", 150.0),
        Result(case, "private memory (USS) after reads and warm-ups", "MB", uss,
               "RSS of the same worker", rss, "the rest is shared copy-on-write"),
        Result(case, f"RSS after {len(MAPS)} maps all over the country", "MB", mapped,
               "after reads and warm-ups", rss),
    ]

"""Reads under attack: API latency while slow clients and export floods hit `make serve`.

One server runs as `make serve` runs it (deploy/gunicorn.conf.py: threaded workers with a
read deadline per request), with ``WORKERS`` workers. A mixed read load (feature
pages, one feature, the collections list, the health check) runs for ``SECONDS``
from ``CLIENTS`` keep-alive connections, twice:

* alone: the baseline;
* while ``2 × WORKERS`` slow-loris sockets hold half-sent requests open (re-opened
  whenever the server drops one) and ``EXPORTS`` anonymous A3 600 dpi PNG exports
  are requested at once.

Reported: read latency p50 and p99 beside the baseline, failed reads (errors,
time-outs, 5xx), and how each export was answered (a file, or 503 + Retry-After).
The goal is p99 under attack within 3× the baseline with no failed read.

A last, shorter pair of rounds shows why the worker class changed: the same slow
clients against gunicorn's sync workers (the former `make serve`) and against the
threaded ones, with the read load only.
"""

from __future__ import annotations

import http.client
import os
import socket
import statistics
import subprocess
import sys
import threading
import time
import urllib.request
from contextlib import contextmanager
from pathlib import Path

from benchmarks import Result

ROOT = Path(__file__).resolve().parents[1]
WORKERS = 2
CLIENTS = 8
SECONDS = 60
SYNC_SECONDS = 20
EXPORTS = 8
READ_TIMEOUT = 30
READS = ["/api/collections/boundaries-county/items?f=json&limit=10",
         "/api/collections/boundaries-county/items/320703?f=json",
         "/api/collections/entities/items?f=json&limit=50",
         "/api/collections?f=json", "/healthz"]
# Eight different maps, so that no two exports share a cached render.
EXPORTS_MAPS = ["320000", "320100", "320200", "320300", "320400", "320500", "320700", "341300"]
EXPORT = "/export/{}.png?size=A3&dpi=600"


def run() -> list[Result]:
    with _server(["-c", "deploy/gunicorn.conf.py"]) as port:
        baseline = _reads(port, SECONDS)
        with _slow_lorises(port, 2 * WORKERS):
            exports = _start_exports(port)
            attacked = _reads(port, SECONDS)
            for thread in exports:
                thread.join()
    answers = [(thread.answer, thread.seconds) for thread in exports]
    # The former `make serve`: sync workers, gunicorn's default 30 s timeout.
    with _server(["--preload", "--worker-class", "sync", "--timeout", "30"],
                 app="web:create_app()") as port:
        with _slow_lorises(port, 2 * WORKERS):
            sync = _reads(port, SYNC_SECONDS)
    with _server(["-c", "deploy/gunicorn.conf.py"]) as port:
        with _slow_lorises(port, 2 * WORKERS):
            threaded = _reads(port, SYNC_SECONDS)
    return _results(baseline, attacked, answers, sync, threaded)


def _results(baseline, attacked, answers, sync, threaded) -> list[Result]:
    setup = (f"{WORKERS} workers × {os.environ.get('THREADS', '8')} threads, {CLIENTS} "
             f"keep-alive clients, {SECONDS}s each")
    attack = f"{2 * WORKERS} slow-loris sockets + {EXPORTS} concurrent A3 600 dpi PNG exports"
    files = sum(a == "file" for a, _ in answers)
    busy = sum(a == "503" for a, _ in answers)
    slowest = max((seconds for _, seconds in answers), default=0.0)
    rows = [
        Result("serving: API p50 under attack", "latency", "ms", attacked.p(50),
               "same load, no attack", baseline.p(50), f"{setup}; attack: {attack}"),
        Result("serving: API p99 under attack", "latency", "ms", attacked.p(99),
               "same load, no attack", baseline.p(99), "goal: ratio ≤ 3"),
        Result("serving: failed reads under attack", "count", "", attacked.failed,
               "reads made", len(attacked.times) + attacked.failed, "goal: 0"),
        Result("serving: exports answered", "count", "", files + busy, "exports requested",
               len(answers), f"{files} files, {busy} × 503 + Retry-After, others: "
               f"{[a for a, _ in answers if a not in ('file', '503')]}; the last after "
               f"{slowest:.0f}s (8 different maps)"),
        Result("serving: reads answered, slow clients, sync workers", "count", "",
               len(sync.times), "threaded workers (make serve)", len(threaded.times),
               f"{2 * WORKERS} slow-loris sockets, {SYNC_SECONDS}s; failed reads: sync "
               f"{sync.failed}, threaded {threaded.failed}; p99 threaded "
               f"{threaded.p(99):.0f} ms"),
    ]
    return rows


class Latencies:
    """Latencies of successful reads (ms) and the count of failed ones."""

    def __init__(self):
        self.times: list[float] = []
        self.failed = 0
        self.lock = threading.Lock()

    def add(self, ms: float | None) -> None:
        with self.lock:
            if ms is None:
                self.failed += 1
            else:
                self.times.append(ms)

    def p(self, q: int) -> float:
        if not self.times:
            return float("nan")
        if len(self.times) < 2:
            return self.times[0]
        return statistics.quantiles(self.times, n=100, method="inclusive")[q - 1] \
            if q < 100 else max(self.times)


def _reads(port: int, seconds: float) -> Latencies:
    result, stop = Latencies(), time.monotonic() + seconds
    threads = [threading.Thread(target=_read_loop, args=(port, i, stop, result))
               for i in range(CLIENTS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return result


def _read_loop(port: int, index: int, stop: float, result: Latencies) -> None:
    conn, i = None, index
    while time.monotonic() < stop:
        path = READS[i % len(READS)]
        i += 1
        start = time.perf_counter()
        try:
            conn = conn or http.client.HTTPConnection("127.0.0.1", port, timeout=READ_TIMEOUT)
            conn.request("GET", path)
            response = conn.getresponse()
            response.read()
            ok = response.status < 500
        except (OSError, http.client.HTTPException):
            ok = False
            conn = None
        result.add((time.perf_counter() - start) * 1000 if ok else None)


class _Export(threading.Thread):
    def __init__(self, port: int, map_id: str):
        super().__init__(daemon=True)
        self.port, self.path, self.answer, self.seconds = port, EXPORT.format(map_id), "", 0.0

    def run(self) -> None:
        start = time.perf_counter()
        try:
            self.fetch()
        finally:
            self.seconds = time.perf_counter() - start

    def fetch(self) -> None:
        try:
            conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=600)
            conn.request("GET", self.path)
            response = conn.getresponse()
            body = response.read()
            if response.status == 200 and body.startswith(b"\x89PNG"):
                self.answer = "file"
            elif response.status == 503 and response.getheader("Retry-After"):
                self.answer = "503"
            else:
                self.answer = f"{response.status}"
        except (OSError, http.client.HTTPException) as exc:
            self.answer = type(exc).__name__


def _start_exports(port: int) -> list[_Export]:
    threads = [_Export(port, EXPORTS_MAPS[i % len(EXPORTS_MAPS)]) for i in range(EXPORTS)]
    for thread in threads:
        thread.start()
    return threads


@contextmanager
def _slow_lorises(port: int, count: int):
    """``count`` sockets that each keep a request half-sent, re-opened when dropped."""
    stop = threading.Event()

    def hold():
        while not stop.is_set():
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=5) as sock:
                    sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n")
                    sock.settimeout(0.5)
                    while not stop.is_set():
                        try:
                            if sock.recv(1) == b"":
                                break  # dropped by the server: open another
                        except TimeoutError:
                            sock.sendall(b"X-a: b\r\n")  # a header now and then
            except OSError:
                stop.wait(0.2)

    threads = [threading.Thread(target=hold, daemon=True) for _ in range(count)]
    for thread in threads:
        thread.start()
    try:
        yield
    finally:
        stop.set()
        for thread in threads:
            thread.join(timeout=10)


@contextmanager
def _server(args: list[str], app: str | None = None):
    port = _free_port()
    gunicorn = Path(sys.executable).parent / "gunicorn"
    proc = subprocess.Popen([str(gunicorn), *args, "--workers", str(WORKERS), "--bind",
                             f"127.0.0.1:{port}", "--access-logfile", "/dev/null",
                             *([app] if app else [])],
                            cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        _wait(port, proc)
        yield port
    finally:
        proc.terminate()
        proc.wait(timeout=60)


def _wait(port: int, proc, seconds: float = 180) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"server exited with {proc.returncode}")
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2):
                return
        except OSError:
            time.sleep(0.5)
    raise TimeoutError(f"server on port {port} did not start in {seconds}s")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]

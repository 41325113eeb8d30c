"""The server `make serve` runs (deploy/gunicorn.conf.py + web.serving) keeps answering while
clients hold half-sent requests or idle connections, and drops those at a deadline."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import urllib.request
from pathlib import Path

import pytest
from conftest import ROOT, _wait, free_port

pytestmark = pytest.mark.live
WORKERS = 1
READ_SECONDS = 4


@pytest.fixture(scope="module")
def served(sample_store):
    """`make serve` with one worker, so that a handful of sockets could block a sync one."""
    port = free_port()
    gunicorn = Path(sys.executable).parent / "gunicorn"
    env = {**os.environ, "INNOMAP_STORE_URL": str(sample_store),
           "INNOMAP_REQUEST_READ_SECONDS": str(READ_SECONDS)}
    proc = subprocess.Popen([str(gunicorn), "-c", "deploy/gunicorn.conf.py", "--workers",
                             str(WORKERS), "--bind", f"127.0.0.1:{port}",
                             "--access-logfile", "/dev/null"],
                            cwd=ROOT, env=env, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    try:
        _wait(url, proc, seconds=120)
        yield port, url
    finally:
        proc.terminate()
        proc.wait(timeout=30)


def _slow_loris(port: int) -> socket.socket:
    sock = socket.create_connection(("127.0.0.1", port), timeout=30)
    sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n")  # never finished
    return sock


def test_reads_are_answered_while_slow_clients_hold_connections(served):
    port, url = served
    slow = [_slow_loris(port) for _ in range(2 * WORKERS)]
    idle = [socket.create_connection(("127.0.0.1", port)) for _ in range(4)]  # preconnects
    try:
        for _ in range(5):
            with urllib.request.urlopen(url + "/healthz", timeout=3) as response:
                assert json.load(response)["status"] == "ok"
    finally:
        for sock in slow + idle:
            sock.close()


def test_a_half_sent_request_is_dropped_at_its_deadline(served):
    port, _ = served
    sock = _slow_loris(port)
    try:
        sock.settimeout(READ_SECONDS * 5)  # a timeout here: the server kept it open
        assert sock.recv(1024) == b""  # closed by the server, nothing answered
    finally:
        sock.close()


def test_headers_past_the_limits_are_refused(served):
    port, _ = served
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n" +
                     b"".join(b"X-%d: y\r\n" % i for i in range(200)) + b"\r\n")
        assert sock.recv(64).startswith(b"HTTP/1.1 431")

"""The server `make serve` runs (deploy/gunicorn.conf.py + web.serving) keeps answering while
clients hold half-sent requests or idle connections, and drops those at a deadline."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from conftest import ADMIN_TOKEN, ROOT, _wait, free_port

from web.serving import MIN_BODY_RATE

pytestmark = pytest.mark.live
WORKERS = 1
READ_SECONDS = 4


@pytest.fixture(scope="module")
def served(sample_store):
    """`make serve` with one worker, so that a handful of sockets could block a sync one."""
    port = free_port()
    gunicorn = Path(sys.executable).parent / "gunicorn"
    env = {**os.environ, "INNOMAP_STORE_URL": str(sample_store),
           "INNOMAP_REQUEST_READ_SECONDS": str(READ_SECONDS),
           "INNOMAP_ADMIN_TOKENS": f"tester:{ADMIN_TOKEN}"}
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


def _raw(port: int, request: bytes) -> bytes:
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        sock.sendall(request)
        answer = b""
        while chunk := sock.recv(65536):
            answer += chunk
        return answer


def test_headers_past_the_limits_are_refused(served):
    answer = _raw(served[0], b"GET /healthz HTTP/1.1\r\nHost: x\r\n" +
                  b"".join(b"X-%d: y\r\n" % i for i in range(200)) + b"\r\n")
    assert answer.startswith(b"HTTP/1.1 431")


@pytest.mark.parametrize("request_bytes, status", [
    (b"GET /" + b"a" * 9000 + b" HTTP/1.1\r\nHost: x\r\n\r\n", b"414"),
    (b"GET /healthz HTTP/1.1\r\nHost: x\r\n" + b"".join(
        b"X-%d: y\r\n" % i for i in range(200)) + b"\r\n", b"431"),
    (b"G<T / HTTP/1.1\r\nHost: x\r\n\r\n", b"400")])
def test_gunicorn_s_own_errors_carry_the_security_headers(served, request_bytes, status):
    answer = _raw(served[0], request_bytes)
    head, _, body = answer.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    assert lines[0].split(" ")[1] == status.decode()
    headers = dict(line.split(": ", 1) for line in lines[1:])
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert "default-src 'none'" in headers["Content-Security-Policy"]
    assert headers["X-Frame-Options"] == "DENY"
    assert int(headers["Content-Length"]) == len(body)
    assert "请求未能完成" in body.decode("utf-8")


def _trickled_upload(port: int, path: str, seconds: float) -> bytes:
    """POST a small carriers CSV to ``path`` with the admin token, its body sent over
    ``seconds`` (3 MB: faster than ``MIN_BODY_RATE``, slower than ``READ_SECONDS``
    allows); what the server answered (b"" when it closed without answering)."""
    from tests.test_import_live import multipart

    lines = [f"慢速企业{i},enterprise,118.3,33.9,{'宿迁市' * 60}" for i in range(16_000)]
    body, content_type = multipart({"datum": "WGS84"}, "slow.csv",
                                   "\n".join(["名称,类型,经度,纬度,地址", *lines]).encode())
    assert seconds * MIN_BODY_RATE < len(body)  # fast enough to be given the time
    head = (f"POST {path} HTTP/1.1\r\nHost: x\r\nContent-Type: {content_type}\r\n"
            f"Content-Length: {len(body)}\r\nAccept: application/json\r\nConnection: close\r\n"
            f"Authorization: Bearer {ADMIN_TOKEN}\r\n\r\n").encode()
    with socket.create_connection(("127.0.0.1", port), timeout=READ_SECONDS * 5) as sock:
        sock.sendall(head)
        pieces = [body[i * len(body) // 8:(i + 1) * len(body) // 8] for i in range(8)]
        try:
            for piece in pieces:
                time.sleep(seconds / len(pieces))
                sock.sendall(piece)
        except OSError:
            pass  # closed while sending: by a deadline, or after an early answer
        answer = b""
        try:
            while chunk := sock.recv(65536):
                answer += chunk
        except OSError:
            pass
        return answer


def test_other_uploads_keep_the_read_deadline(served):  # before the job below starts
    port, _ = served
    answer = _trickled_upload(port, "/admin/import", seconds=READ_SECONDS * 1.5)
    # cut at the deadline: the body is incomplete (400) or the connection dropped
    assert answer == b"" or answer.startswith(b"HTTP/1.1 400"), answer[:200]


def test_a_signed_in_large_upload_may_arrive_slowly(served):
    port, _ = served
    answer = _trickled_upload(port, "/admin/import/large", seconds=READ_SECONDS * 1.5)
    assert answer.startswith(b"HTTP/1.1 202"), answer[:900]

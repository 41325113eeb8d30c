"""The service as `make serve` runs it: gunicorn, several workers, on loopback."""

import json
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
pytestmark = pytest.mark.live


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def live_url():
    port = free_port()
    gunicorn = Path(sys.executable).parent / "gunicorn"
    proc = subprocess.Popen(
        [str(gunicorn), "--preload", "--workers", "2", "--bind", f"127.0.0.1:{port}",
         "web:create_app()"], cwd=ROOT, env={**os.environ},
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    try:
        _wait(url, proc)
        yield url
    finally:
        proc.terminate()
        proc.wait(timeout=20)


def _wait(url, proc, seconds=60):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"server exited with {proc.returncode}")
        try:
            urllib.request.urlopen(url + "/healthz", timeout=2)
            return
        except (urllib.error.URLError, ConnectionError):
            time.sleep(0.3)
    raise TimeoutError(f"server at {url} did not answer in {seconds}s")


def test_live_index_and_health(live_url):
    with urllib.request.urlopen(live_url + "/") as r:
        assert r.status == 200 and "创新布局地图服务" in r.read().decode()
    with urllib.request.urlopen(live_url + "/healthz") as r:
        assert json.load(r)["status"] == "ok"


def test_live_404(live_url):
    with pytest.raises(urllib.error.HTTPError) as err:
        urllib.request.urlopen(live_url + "/nothing-here")
    err.value.close()
    assert err.value.code == 404

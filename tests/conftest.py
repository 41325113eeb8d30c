"""Shared fixtures: one app per test session (layers load once), a test client."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from web import create_app

ROOT = Path(__file__).resolve().parents[1]
# Scripts that run under other interpreters (QGIS's system Python), not test modules.
collect_ignore = ["clients"]
ARTIFACTS = ROOT / "test-artifacts"


@pytest.fixture(scope="session", autouse=True)
def throwaway_default_store(tmp_path_factory):
    """Apps a test builds without a store_url use a store (and export, document and
    upload folders) in tmp, never instance/: each process of a parallel run its own."""
    patch = pytest.MonkeyPatch()
    patch.setenv("INNOMAP_STORE_URL", str(tmp_path_factory.mktemp("default-store") / "s.gpkg"))
    patch.setenv("INNOMAP_UPLOAD_DIR", str(tmp_path_factory.mktemp("uploads")))
    patch.setenv("INNOMAP_EXPORT_CACHE_DIR", str(tmp_path_factory.mktemp("exports")))
    # built reports too: a file kept from another run (other code) must not answer a test
    patch.setenv("INNOMAP_DOCUMENTS_DIR", str(tmp_path_factory.mktemp("documents")))
    yield
    patch.undo()


@pytest.fixture(scope="session")
def targets():
    """The knowledge base's baselines and targets, as read from data/kb/targets.csv."""
    from layers.targets import read_targets

    return read_targets(ROOT / "data")


@pytest.fixture(scope="session")
def indicators():
    """data/kb/indicators.csv indexed by indicator id."""
    from layers.targets import read_indicators

    return read_indicators(ROOT / "data").set_index("id")


@pytest.fixture(scope="session")
def sample_store(tmp_path_factory):
    """A store holding one small import of each kind, so imported layers are not empty."""
    import pandas as pd

    from store import open_store

    path = tmp_path_factory.mktemp("store") / "innomap.gpkg"
    store = open_store(path)
    metrics = pd.DataFrame({"region_adcode": ["321322", "321302"],
                            "indicator_id": ["rd_intensity", "rd_intensity"],
                            "year": [2023, 2023], "value": [1.9, 2.4], "unit": ["%", "%"],
                            "source": ["sample.csv 第 2 行", "sample.csv 第 3 行"]})
    store.add_import("metrics", metrics, user="tests", filename="sample.csv", sha256="0")
    carriers = pd.DataFrame({"name": ["样例科技有限公司"], "type": ["enterprise"],
                             "address": [None], "lon": [118.77], "lat": [34.13],
                             "datum": ["WGS84"], "province_adcode": ["320000"],
                             "city_adcode": ["321300"], "county_adcode": ["321322"],
                             "precision": ["site"], "source": ["carriers.csv 第 2 行"]})
    store.add_import("carriers", carriers, user="tests", filename="carriers.csv", sha256="0")
    return path


ADMIN_TOKEN = "tests-admin-token-0123456789"


@pytest.fixture(scope="session")
def admin_app(tmp_path_factory):
    """An app with its own empty store, one admin token and small upload limits."""
    store = tmp_path_factory.mktemp("admin-store") / "innomap.gpkg"
    return create_app({"testing": True, "store_url": str(store),
                       "admin_tokens": f"tester:{ADMIN_TOKEN}",
                       "import_max_bytes": 300_000, "import_max_rows": 5_000})


@pytest.fixture(scope="session")
def app(sample_store):
    return create_app({"testing": True, "store_url": str(sample_store)})


@pytest.fixture()
def client(app):
    return app.test_client()


@pytest.fixture(scope="session")
def catalog(app):
    from web import services

    return services(app).catalog


@pytest.fixture(scope="session")
def artifacts_dir():
    """Where tests leave screenshots and sample files for people to look at."""
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="session")
def live_url(sample_store):
    """A real gunicorn server (as `make serve` runs it) on a free loopback port."""
    port = free_port()
    gunicorn = Path(sys.executable).parent / "gunicorn"
    proc = subprocess.Popen(
        [str(gunicorn), "-c", "deploy/gunicorn.conf.py", "--workers", "2",
         "--bind", f"127.0.0.1:{port}", "--access-logfile", "/dev/null"], cwd=ROOT,
        env={**os.environ, "INNOMAP_STORE_URL": str(sample_store)},
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
            with urllib.request.urlopen(url + "/healthz", timeout=2):
                return
        except (urllib.error.URLError, ConnectionError):
            time.sleep(0.3)
    raise TimeoutError(f"server at {url} did not answer in {seconds}s")


_GENERATIONS = iter(range(10**6, 10**9))


@pytest.fixture()
def replace_frame(monkeypatch, catalog):
    """``replace_frame(layer_id, frame)``: serve ``frame`` for the test's length, as a
    refresh would (a new catalog generation, so no cached response survives it)."""
    def replace(layer_id, frame):
        monkeypatch.setitem(catalog.frames, layer_id, frame)
        monkeypatch.setattr(catalog, "generation", next(_GENERATIONS))

    return replace

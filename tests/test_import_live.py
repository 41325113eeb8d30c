"""A real server: other workers see a new version; SIGKILL mid-import leaves the store intact."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
import uuid
from pathlib import Path

import pandas as pd
import pytest
from conftest import ADMIN_TOKEN, ROOT, _wait, free_port

from store import open_store

pytestmark = pytest.mark.live
BIG_ROWS = 60_000
WAL_MID_IMPORT_BYTES = 3 * 1024 * 1024


def multipart(fields: dict, filename: str, data: bytes) -> tuple[bytes, str]:
    boundary = uuid.uuid4().hex
    parts = [f'--{boundary}\r\nContent-Disposition: form-data; name="{k}"\r\n\r\n{v}\r\n'.encode()
             for k, v in fields.items()]
    head = (f'--{boundary}\r\nContent-Disposition: form-data; name="file"; '
            f'filename="{filename}"\r\nContent-Type: text/csv\r\n\r\n')
    parts.append(head.encode() + data + b"\r\n")
    body = b"".join(parts) + f"--{boundary}--\r\n".encode()
    return body, f"multipart/form-data; boundary={boundary}"


def post_import(url: str, filename: str, data: bytes, timeout: float = 120) -> dict:
    body, content_type = multipart({"kind": "carriers", "datum": "WGS84", "commit": "1"},
                                   filename, data)
    request = urllib.request.Request(url + "/admin/import", data=body, method="POST", headers={
        "Content-Type": content_type, "Accept": "application/json",
        "Authorization": f"Bearer {ADMIN_TOKEN}"})
    with urllib.request.urlopen(request, timeout=timeout) as response:
        return json.load(response)


def carriers_csv(n: int, prefix: str) -> bytes:
    """``n`` distinct carriers on a grid inside 沭阳县 (WGS84)."""
    lines = ["名称,类型,经度,纬度"]
    lines += [f"{prefix}{i:06d},enterprise,{118.70 + (i % 100) * 0.0005:.5f},"
              f"{34.10 + (i // 100 % 100) * 0.0005:.5f}" for i in range(n)]
    return ("\n".join(lines) + "\n").encode()


def carrier_names(url: str) -> set[str]:
    with urllib.request.urlopen(url + "/api/collections/imported-carriers/items?f=json&limit=100",
                                timeout=10) as response:
        return {f["properties"]["name"] for f in json.load(response)["features"]}


@pytest.fixture()
def server(tmp_path):
    store_path = tmp_path / "store.gpkg"
    seed = pd.DataFrame({"region_adcode": ["321322"], "indicator_id": ["rd_intensity"],
                         "year": [2023], "value": [1.9], "unit": ["%"], "source": ["seed"]})
    open_store(store_path).add_import("metrics", seed, user="seed", filename="seed.csv",
                                      sha256="0")
    port = free_port()
    env = {**os.environ, "INNOMAP_STORE_URL": str(store_path),
           "INNOMAP_ADMIN_TOKENS": f"tester:{ADMIN_TOKEN}",
           "INNOMAP_IMPORT_MAX_BYTES": str(20 * 1024 * 1024),
           "INNOMAP_IMPORT_MAX_ROWS": str(BIG_ROWS + 10)}
    gunicorn = Path(sys.executable).parent / "gunicorn"
    proc = subprocess.Popen([str(gunicorn), "--preload", "--workers", "2", "--timeout", "120",
                             "--bind", f"127.0.0.1:{port}", "web:create_app()"], cwd=ROOT, env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            start_new_session=True)
    url = f"http://127.0.0.1:{port}"
    try:
        _wait(url, proc)
        yield url, proc, store_path
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=30)


def test_other_workers_follow_and_sigkill_mid_import_keeps_previous_version(server):
    url, proc, store_path = server
    small = post_import(url, "small.csv", carriers_csv(3, "小样"))
    assert small["version"]["id"] == 2
    # Workers poll the store's latest version once a second: within a little more than
    # that, eight requests in a row (spread over both workers) all show the new version.
    expected, deadline, in_a_row = {"小样000000", "小样000001", "小样000002"}, \
        time.monotonic() + 2.0, 0
    while in_a_row < 8:
        in_a_row = in_a_row + 1 if carrier_names(url) == expected else 0
        assert time.monotonic() < deadline, "a worker did not follow the import in time"

    wal = Path(f"{store_path}-wal")
    failures: list[BaseException] = []

    def big_import():
        try:
            post_import(url, "big.csv", carriers_csv(BIG_ROWS, "大批"))
        except (urllib.error.URLError, ConnectionError, OSError) as exc:
            failures.append(exc)

    thread = threading.Thread(target=big_import)
    thread.start()
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        if wal.exists() and wal.stat().st_size > WAL_MID_IMPORT_BYTES:
            os.killpg(proc.pid, signal.SIGKILL)
            break
        time.sleep(0.005)
    else:
        pytest.fail("the large import never started writing")
    proc.wait(timeout=30)
    thread.join(timeout=30)
    assert failures, "the import request should have died with the server"

    with sqlite3.connect(store_path) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    store = open_store(store_path)
    assert [v.id for v in store.versions()] == [2, 1]
    rows = store.rows("carriers")
    assert sorted(rows["name"]) == ["小样000000", "小样000001", "小样000002"]
    assert store.rows("metrics")["value"].tolist() == [1.9]
    with sqlite3.connect(store_path) as conn:
        assert conn.execute("SELECT count(*) FROM carrier_rows").fetchone()[0] == 3
    again = store.add_import("metrics", store.rows("metrics").drop(columns=["version", "row_no"]),
                             user="after", filename="after.csv", sha256="1")
    assert again.id == 3

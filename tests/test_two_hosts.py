"""Two app hosts on one PostgreSQL + PostGIS, as behind a proxy in production.

Each host is a separate gunicorn (two workers) on its own port with the same
``store_url``. An import through one host's admin API is visible through the other
host's feature API and in its vector tiles within the store poll (once a second
per worker): no state the answer depends on lives in a host.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from conftest import ADMIN_TOKEN, ROOT, _wait, free_port

from tests.test_import_live import carrier_names, carriers_csv, post_import
from tests.test_store import emptied, postgres_url  # noqa: F401 (the throwaway cluster fixture)

pytestmark = pytest.mark.live
SHUYANG_Z8 = "/api/collections/imported-carriers/tiles/WebMercatorQuad/8/102/212"


def host(store_url: str):
    port = free_port()
    env = {**os.environ, "INNOMAP_STORE_URL": store_url,
           "INNOMAP_ADMIN_TOKENS": f"tester:{ADMIN_TOKEN}"}
    gunicorn = Path(sys.executable).parent / "gunicorn"
    proc = subprocess.Popen([str(gunicorn), "--preload", "--workers", "2", "--bind",
                             f"127.0.0.1:{port}", "web:create_app()"], cwd=ROOT, env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            start_new_session=True)
    url = f"http://127.0.0.1:{port}"
    _wait(url, proc)
    return url, proc


@pytest.fixture()
def hosts(postgres_url):  # noqa: F811

    emptied(postgres_url)
    started = []
    try:
        for _ in range(2):
            started.append(host(postgres_url))
        yield [url for url, _ in started]
    finally:
        for _, proc in started:
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGTERM)
            proc.wait(timeout=30)


def tile_status(url: str) -> int:
    with urllib.request.urlopen(url + SHUYANG_Z8, timeout=10) as response:
        return response.status


def test_an_import_on_one_host_is_served_by_the_other_within_a_second(hosts):
    first, second = hosts
    assert carrier_names(first) == carrier_names(second) == set()
    assert tile_status(second) == 204  # an empty tile, answered (and cached) by the host
    answer = post_import(first, "two-hosts.csv", carriers_csv(5, "两台"))
    done = time.monotonic()
    expected = {f"两台{i:06d}" for i in range(5)}
    # Both workers of each host, eight answers in a row: a worker polls the store's
    # latest version at most once a second (the importing host's other worker too).
    for url in (second, first):
        in_a_row = 0
        while in_a_row < 8:
            in_a_row = in_a_row + 1 if carrier_names(url) == expected else 0
            assert time.monotonic() - done < 2.0, f"{url} did not follow the import"
    assert answer["version"]["id"] >= 1
    assert tile_status(second) == 200  # its tile cache keyed on the data it came from

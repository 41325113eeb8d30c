"""The response cache in front of the app (web.cache): the same answers as Flask,
never for credentials or private reading, fresh after a refresh or another worker's
import, ETags and 304s for every cached page."""

from __future__ import annotations

import time

import pandas as pd
import pytest

from layers.imported import METRICS_LAYER
from store import open_store
from web import create_app, follow, services
from web.cache import ResponseCache

TOKEN = "cache-reader-token-0123456789"
ITEMS = "/api/collections/boundaries-county/items"
METRICS = f"/api/collections/{METRICS_LAYER}/items"
URLS = [f"{ITEMS}?limit=3", f"{ITEMS}?limit=2&bbox=118.2,33.8,118.9,34.3",
        f"{ITEMS}/320703", "/api/collections/targets/items?filter=year=2025",
        "/maps/320700"]


@pytest.fixture(scope="module")
def cache_app(tmp_path_factory):
    """An app with its own store (imports here touch no other test) and one token."""
    store = tmp_path_factory.mktemp("cache-store") / "innomap.gpkg"
    return create_app({"testing": True, "store_url": str(store),
                       "admin_tokens": f"reader:{TOKEN}"})


def cache(app) -> ResponseCache:
    assert isinstance(app.wsgi_app, ResponseCache)
    return app.wsgi_app


def comparable(response) -> tuple:
    headers = sorted((k, v) for k, v in response.headers.items() if k != "Date")
    return response.status_code, headers, response.get_data()


@pytest.mark.parametrize("url", URLS)
@pytest.mark.parametrize("encoding", ["", "gzip"])
def test_a_hit_is_the_answer_flask_gave(cache_app, url, encoding):
    client = cache_app.test_client()
    headers = {"Accept-Encoding": encoding} if encoding else {}
    cache(cache_app).clear()
    misses, hits = cache(cache_app).misses, cache(cache_app).hits
    first = client.get(url, headers=headers)
    second = client.get(url, headers=headers)
    assert first.status_code == 200 and "ETag" in first.headers
    assert cache(cache_app).misses == misses + 1 and cache(cache_app).hits == hits + 1
    assert comparable(second) == comparable(first)
    not_modified = client.get(url, headers={**headers, "If-None-Match": first.headers["ETag"]})
    assert not_modified.status_code == 304 and not not_modified.get_data()
    assert not_modified.headers["ETag"] == first.headers["ETag"]


def test_query_order_and_encoding_variants(cache_app):
    client = cache_app.test_client()
    cache(cache_app).clear()
    a = client.get(f"{ITEMS}?limit=2&offset=1")
    hits = cache(cache_app).hits
    b = client.get(f"{ITEMS}?offset=1&limit=2")
    assert cache(cache_app).hits == hits + 1 and b.get_data() == a.get_data()
    packed = client.get(f"{ITEMS}?limit=2&offset=1", headers={"Accept-Encoding": "gzip"})
    assert cache(cache_app).hits == hits + 1  # another variant: a miss, not the plain body
    assert packed.headers.get("Content-Encoding") in (None, "gzip")


def test_errors_are_not_kept(cache_app):
    client = cache_app.test_client()
    before = len(cache(cache_app).entries)
    assert client.get(f"{ITEMS}?limit=0").status_code == 400
    assert client.get("/api/collections/nope/items").status_code == 404
    assert len(cache(cache_app).entries) == before


def test_credentials_and_private_reading_bypass_the_cache(cache_app, monkeypatch):
    client = cache_app.test_client()
    url = f"{ITEMS}?limit=1"
    assert client.get(url).status_code == 200  # cached now
    hits = cache(cache_app).hits
    signed = client.get(url, headers={"Authorization": f"Bearer {TOKEN}"})
    assert signed.status_code == 200 and cache(cache_app).hits == hits
    from web import auth
    monkeypatch.setitem(cache_app.extensions[auth.EXTENSION], "public_read", False)
    anonymous = client.get(url)
    assert anonymous.status_code == 401 and cache(cache_app).hits == hits


def import_metrics(app, value: float, source: str) -> None:
    rows = pd.DataFrame({"region_adcode": ["321322"], "indicator_id": ["rd_intensity"],
                         "year": [2024], "value": [value], "unit": ["%"], "source": [source]})
    store = open_store(services(app).settings.store_url)
    store.add_import("metrics", rows, user="tests", filename="cache.csv", sha256="0")


def test_refresh_is_visible_at_once(cache_app):
    client = cache_app.test_client()
    assert client.get(METRICS).status_code == 200
    assert client.get(METRICS).status_code == 200  # a hit
    import_metrics(cache_app, 4.321, "刷新测试 第 2 行")
    services(cache_app).catalog.refresh(METRICS_LAYER)
    assert "刷新测试 第 2 行" in client.get(METRICS).get_data(as_text=True)


def test_import_by_another_worker_is_seen_within_a_second(cache_app):
    client = cache_app.test_client()
    assert client.get(METRICS).status_code == 200
    import_metrics(cache_app, 5.432, "另一进程 第 2 行")  # as another worker would
    start = time.monotonic()
    while "另一进程 第 2 行" not in client.get(METRICS).get_data(as_text=True):
        assert time.monotonic() - start < follow.POLL_SECONDS + 0.5, "import not seen"
        time.sleep(0.02)

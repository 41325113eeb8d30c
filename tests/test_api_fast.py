"""Feature reads answered ahead of Flask's dispatch (web.api_fast) keep Flask's semantics:
the same bytes and headers, private reading, fresh data after a refresh or an import."""

from __future__ import annotations

import time
from urllib.parse import parse_qsl

import pandas as pd
import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from layers.imported import METRICS_LAYER
from store import open_store
from web import admin, auth, create_app, services
from web.api_fast import FastReads, plain_pairs

TOKEN = "fast-path-reader-token-0123"
ITEMS = "/api/collections/boundaries-county/items"
METRICS = f"/api/collections/{METRICS_LAYER}/items"
URLS = [f"{ITEMS}?limit=3", f"{ITEMS}?limit=2&bbox=118.2,33.8,118.9,34.3",
        f"{ITEMS}/320703", f"{ITEMS}/320703?skipGeometry=true&crs=EPSG:4326"]


@pytest.fixture(scope="module")
def fast_app(tmp_path_factory):
    """An app with its own store (imports here touch no other test) and one token."""
    store = tmp_path_factory.mktemp("fast-store") / "innomap.gpkg"
    return create_app({"testing": True, "store_url": str(store),
                       "admin_tokens": f"reader:{TOKEN}"})


def fast(app) -> FastReads:
    wsgi = app.wsgi_app  # under the security-header wrapper (web.security)
    while not isinstance(wsgi, FastReads) and hasattr(wsgi, "wsgi_app"):
        wsgi = wsgi.wsgi_app
    assert isinstance(wsgi, FastReads)
    return wsgi


def poll_not_due(app) -> None:
    app.extensions[admin.EXTENSION].checked = time.monotonic()


def through_flask(app, client, url, **kw):
    """Answer ``url`` through Flask: a due store poll keeps the request out of the shortcut."""
    app.extensions[admin.EXTENSION].checked = 0.0
    before = fast(app).answered
    response = client.get(url, **kw)
    assert fast(app).answered == before
    return response


def through_shortcut(app, client, url, **kw):
    poll_not_due(app)
    before = fast(app).answered
    response = client.get(url, **kw)
    assert fast(app).answered == before + 1
    return response


def comparable(response) -> tuple:
    headers = sorted((k, v) for k, v in response.headers.items() if k != "Date")
    return response.status_code, headers, response.get_data()


@pytest.mark.parametrize("url", URLS)
@pytest.mark.parametrize("encoding", ["", "gzip"])
def test_shortcut_answers_exactly_as_flask(fast_app, url, encoding):
    client = fast_app.test_client()
    headers = {"Accept-Encoding": encoding} if encoding else {}
    slow = through_flask(fast_app, client, url, headers=headers)
    quick = through_shortcut(fast_app, client, url, headers=headers)
    assert slow.status_code == 200 and slow.headers["Access-Control-Allow-Origin"] == "*"
    assert comparable(quick) == comparable(slow)
    small = "skipGeometry" in url  # one county's properties: under the 1 kB gzip threshold
    assert ("Content-Encoding" in quick.headers) == (bool(encoding) and not small)
    etag = {"If-None-Match": quick.headers["ETag"]}
    not_modified = through_shortcut(fast_app, client, url, headers={**headers, **etag})
    assert not_modified.status_code == 304 and not not_modified.get_data()
    assert comparable(not_modified) == comparable(
        through_flask(fast_app, client, url, headers={**headers, **etag}))


@pytest.mark.parametrize("url", [f"{ITEMS}?limit=0", f"{ITEMS}?colour=red", f"{ITEMS}/999999",
                                 "/api/collections/nope/items", f"{ITEMS}?f=html&limit=1"])
def test_errors_and_pages_are_left_to_flask(fast_app, url):
    client = fast_app.test_client()
    poll_not_due(fast_app)
    before = fast(fast_app).answered
    response = client.get(url)
    assert fast(fast_app).answered == before
    assert response.status_code in (200, 400, 404)
    if response.status_code != 200:
        assert response.get_json()["code"] in ("InvalidParameterValue", "NotFound")


def test_private_reading_still_needs_a_user(fast_app, monkeypatch):
    client = fast_app.test_client()
    url = f"{ITEMS}?limit=1"
    assert through_shortcut(fast_app, client, url).status_code == 200  # cached now
    monkeypatch.setitem(fast_app.extensions[auth.EXTENSION], "public_read", False)
    poll_not_due(fast_app)
    before = fast(fast_app).answered
    anonymous = client.get(url)
    assert anonymous.status_code == 401 and anonymous.get_json()["code"] == "Unauthorized"
    signed = client.get(url, headers={"Authorization": f"Bearer {TOKEN}"})
    assert signed.status_code == 200
    assert fast(fast_app).answered == before


def test_a_new_hook_turns_the_shortcut_off(fast_app, monkeypatch):
    calls = []
    hooks = [*fast_app.before_request_funcs.get(None, []), lambda: calls.append(1)]
    monkeypatch.setitem(fast_app.before_request_funcs, None, hooks)
    client = fast_app.test_client()
    poll_not_due(fast_app)
    before = fast(fast_app).answered
    assert client.get(f"{ITEMS}?limit=1").status_code == 200
    assert client.get(f"{ITEMS}?limit=1").status_code == 200
    assert calls == [1, 1] and fast(fast_app).answered == before


def import_metrics(app, value: float, source: str) -> None:
    rows = pd.DataFrame({"region_adcode": ["321322"], "indicator_id": ["rd_intensity"],
                         "year": [2024], "value": [value], "unit": ["%"], "source": [source]})
    store = open_store(services(app).settings.store_url)
    store.add_import("metrics", rows, user="tests", filename="fast.csv", sha256="0")


def test_refresh_is_visible_at_once(fast_app):
    client = fast_app.test_client()
    assert through_shortcut(fast_app, client, METRICS).status_code == 200
    import_metrics(fast_app, 4.321, "刷新测试 第 2 行")
    services(fast_app).catalog.refresh(METRICS_LAYER)
    fresh = through_shortcut(fast_app, client, METRICS)
    assert "刷新测试 第 2 行" in fresh.get_data(as_text=True)


def test_import_by_another_worker_is_seen_within_a_second(fast_app):
    client = fast_app.test_client()
    poll_not_due(fast_app)
    assert client.get(METRICS).status_code == 200
    import_metrics(fast_app, 5.432, "另一进程 第 2 行")  # as another worker would
    start = time.monotonic()
    while "另一进程 第 2 行" not in client.get(METRICS).get_data(as_text=True):
        assert time.monotonic() - start < admin.POLL_SECONDS + 0.5, "import not seen"
        time.sleep(0.02)
    assert time.monotonic() - start <= admin.POLL_SECONDS + 0.5


@given(st.text(alphabet="ab=&;,.%+2C中", max_size=24))
@example("bbox=1,2,3,4&&f=json&flag&=x&limit=")
def test_plain_query_strings_parse_as_parse_qsl(query):
    pairs = plain_pairs(query)
    if pairs is not None:
        assert pairs == parse_qsl(query, keep_blank_values=True)
    else:
        assert not query.isascii() or "%" in query or "+" in query

"""The lean read path (web.lean) answers exactly as Flask's views: for a battery of URLs
and headers, on collections held in the worker, read from SQLite or PostgreSQL, and held
in memory, every answer with the path on and off is the same status, headers and bytes;
and it answers the plain reads itself while everything else goes to Flask."""

from __future__ import annotations

import pytest

from geo import point_index
from store import open_store
from tests.test_store import emptied, postgres_url  # noqa: F401  (fixture)
from tests.test_stored_layers import seeded_carriers
from web import cache, create_app, lean

ITEMS = "/api/collections/imported-carriers/items"
N = 700
BOX = "118.2,33.4,118.9,34.1"
#: Answered by the lean path (its own).
PLAIN = [
    f"{ITEMS}", f"{ITEMS}?limit=10", f"{ITEMS}?limit=10&offset=350&f=json",
    f"{ITEMS}?limit=5&offset={N - 3}", f"{ITEMS}?limit=5&offset={N + 40}",
    f"{ITEMS}?bbox={BOX}&limit=40", f"{ITEMS}?bbox={BOX}&limit=40&offset=40&f=json",
    f"{ITEMS}?f=json&bbox={BOX}&limit=1000", f"{ITEMS}?bbox=0,0,1,1",
    f"{ITEMS}?bbox=170,20,-170,45", f"{ITEMS}?bbox=118.2,33.4,0,118.9,34.1,9&limit=3",
    f"{ITEMS}/c1-0", f"{ITEMS}/c1-3?f=json", f"{ITEMS}/c1-{N - 1}",
    "/api/collections/carriers/items?limit=3", "/api/collections/boundaries-county/items"
    "?bbox=118,33,119,34&limit=2",
]
#: Left to Flask: errors, HTML, other parameters, the rate limiter's, a path it cannot read.
FLASK = [
    f"{ITEMS}/c1-{N}", f"{ITEMS}/nothing", f"{ITEMS}/c1-0?f=html", f"{ITEMS}?bbox=1,2,3",
    f"{ITEMS}?bbox=2,1,1,0", f"{ITEMS}?limit=-1", f"{ITEMS}?limit=x", f"{ITEMS}?f=xml",
    f"{ITEMS}?limit=3&limit=4", f"{ITEMS}?bbox={BOX}&limit=3&f=html",
    f"{ITEMS}?bbox={BOX}&limit=3&properties=name,type",
    f"{ITEMS}?bbox={BOX}&limit=3&skipGeometry=true",
    f"{ITEMS}?bbox={BOX}&limit=3&crs=http://www.opengis.net/def/crs/EPSG/0/3857",
    f"{ITEMS}?bbox=33.4,118.2,34.1,118.9&bbox-crs=http://www.opengis.net/def/crs/EPSG/0/4326",
    f"{ITEMS}?type=enterprise&limit=4", f"{ITEMS}?filter=name='x'", f"{ITEMS}?sortby=name",
    f"{ITEMS}?limit=5000", f"{ITEMS}/", "/api/collections/none/items",
    "/api/collections/none/items/1", f"{ITEMS}/c1-0/more",
    "/api/collections/imported-carriers/items/%E4%BC%81",
]
#: Headers a client sends, with which URLs (None: every one).
VARIANTS = [
    ({}, None), ({"Accept-Encoding": "gzip"}, None),
    ({"Accept": "text/html"}, [f"{ITEMS}?limit=3", f"{ITEMS}/c1-0"]),
    ({"Accept": "application/geo+json"}, [f"{ITEMS}?limit=3", f"{ITEMS}/c1-0"]),
    ({"Accept": "image/png"}, [f"{ITEMS}?limit=3", f"{ITEMS}/c1-0"]),
    ({"Accept": "image/png"}, [f"{ITEMS}?limit=3&f=json"]),
    ({"Authorization": "Bearer nothing"}, [f"{ITEMS}?limit=3"]),
    ({"Cookie": "session=not-a-signed-one"}, [f"{ITEMS}?limit=3", f"{ITEMS}/c1-0"]),
]


@pytest.fixture(scope="module")
def rows():
    return seeded_carriers(N, seed=11)


@pytest.fixture(scope="module")
def gpkg(tmp_path_factory, rows):
    path = tmp_path_factory.mktemp("lean") / "innomap.gpkg"
    open_store(path).add_import("carriers", rows, user="tests", filename="l.csv", sha256="0")
    return str(path)


def pg(url, rows):

    emptied(url)
    open_store(url).add_import("carriers", rows, user="tests", filename="l.csv", sha256="0")
    return url


class Recorder:
    """Which requests the lean path answered itself (its ``reply`` not None)."""

    def __init__(self, path):
        self.path, self.answered = path, []
        self.reply = path.reply
        path.reply = self

    def __call__(self, environ):
        reply = self.reply(environ)
        if reply is not None:
            self.answered.append(environ["PATH_INFO"] + "?" + environ["QUERY_STRING"])
        return reply


def seen(response) -> tuple:
    headers = [(k, v) for k, v in response.headers.items() if k != "Date"]
    # The CSP nonce is new per response; its place and the rest of the policy count.
    headers = [(k, v.split("'nonce-")[0]) if k == "Content-Security-Policy" else (k, v)
               for k, v in headers]
    return response.status_code, headers, response.data


def both_ways(app, requests) -> tuple[list, list, list]:
    """Every (url, headers) asked with the lean path on and off, the response cache
    emptied before each, and what the lean path answered."""
    path = app.extensions[lean.EXTENSION]
    recorder = Recorder(path)
    kept = next(layer for layer in _layers(app) if isinstance(layer, cache.ResponseCache))
    client = app.test_client()
    client.get(f"{ITEMS}?limit=1")  # the second request builds what is held
    on, off = [], []
    for url, headers in requests:
        for enabled, out in ((True, on), (False, off)):
            kept.clear()
            path.enabled = enabled
            out.append(seen(client.get(url, headers=headers)))
    path.enabled = True
    return on, off, recorder.answered


def _layers(app):
    layer = app.wsgi_app
    while layer is not None:
        yield layer
        layer = getattr(layer, "wsgi_app", None) or getattr(layer, "app", None)
        if layer is app:
            return


def battery():
    out = []
    for headers, urls in VARIANTS:
        out += [(url, headers) for url in (urls or PLAIN + FLASK)]
    return out


def conditional(app, url) -> list[tuple]:
    """The answers to ``url`` asked again with its ETag (and with another), on and off."""
    etag = app.test_client().get(url).headers["ETag"]
    return [(url, {"If-None-Match": tag}) for tag in (etag, '"other"', f'W/{etag}, "x"')]


@pytest.mark.parametrize("held", [True, False], ids=["held", "queried"])
def test_sqlite_answers_are_the_same_with_and_without_the_lean_path(gpkg, held, monkeypatch):
    if not held:
        monkeypatch.setattr(point_index, "MAX_FEATURES", 0)
    app = create_app({"testing": True, "store_url": gpkg})
    requests = battery() + conditional(app, f"{ITEMS}?limit=7") + conditional(
        app, f"{ITEMS}/c1-3")
    on, off, answered = both_ways(app, requests)
    for (url, headers), mine, flask in zip(requests, on, off):
        assert mine == flask, (url, headers)
    _answered_only_the_plain_reads(requests, on, answered)


def _answered_only_the_plain_reads(requests, answers, answered):
    plain = {url for url in PLAIN}
    asked = {(url.split("?")[0] + "?" + (url.split("?", 1)[1] if "?" in url else ""))
             for url, headers in requests if url in plain and not headers.get("Accept")
             and not headers.get("Authorization") and not headers.get("Cookie")}
    assert asked <= set(answered)
    assert not any(a.split("?")[0].endswith(("nothing", "/", "more")) for a in answered)
    assert not any("f=html" in a or "crs" in a or "limit=5000" in a for a in answered)
    statuses = {status for status, _, _ in answers}
    assert {200, 304, 400, 404, 406} <= statuses  # the battery meets every outcome


def test_postgresql_answers_are_the_same_with_and_without_the_lean_path(
        postgres_url, rows, monkeypatch):  # noqa: F811
    url = pg(postgres_url, rows)
    for hold in (True, False):
        if not hold:
            monkeypatch.setattr(point_index, "MAX_FEATURES", 0)
        app = create_app({"testing": True, "store_url": url})
        requests = battery() + conditional(app, f"{ITEMS}?bbox={BOX}&limit=9")
        on, off, answered = both_ways(app, requests)
        for (path, headers), mine, flask in zip(requests, on, off):
            assert mine == flask, (hold, path, headers)
        _answered_only_the_plain_reads(requests, on, answered)


def test_private_reading_and_rate_limits_leave_every_read_to_flask(gpkg):
    app = create_app({"testing": True, "store_url": gpkg, "public_read": False,
                      "rate_limits": "on"})
    requests = [(url, {}) for url in PLAIN[:4]]
    on, off, answered = both_ways(app, requests)
    assert on == off and answered == []
    assert {status for status, _, _ in on} == {401}


def test_with_rate_limits_on_the_small_reads_are_the_lean_paths_and_the_same(gpkg):
    app = create_app({"testing": True, "store_url": gpkg, "rate_limits": "on"})
    requests = [(url, {}) for url in [*PLAIN, f"{ITEMS}?limit=5000", f"{ITEMS}?limit=1001"]]
    on, off, answered = both_ways(app, requests)
    assert on == off
    assert len(answered[1:]) == len(PLAIN)  # after the warm-up request of both_ways
    assert not any("limit=5000" in a or "limit=1001" in a for a in answered)


def test_post_and_head_go_to_flask(gpkg):
    app = create_app({"testing": True, "store_url": gpkg})
    recorder = Recorder(app.extensions[lean.EXTENSION])
    client = app.test_client()
    assert client.head(f"{ITEMS}?limit=2").status_code == 200
    assert client.post(f"{ITEMS}?limit=2").status_code == 405
    assert recorder.answered == []

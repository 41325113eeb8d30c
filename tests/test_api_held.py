"""A small store-backed collection held in the worker (geo.point_index) answers exactly
as the store does: same bytes, same headers (ETags included), same counting rule, the
same vector tiles; a
larger one is not held, and new data replace what was held."""

from __future__ import annotations

import json

import numpy as np
import pytest

from geo import point_index
from geo.feature_rows import PointRows
from geo.point_index import PointIndex
from store import open_store
from tests.test_stored_layers import seeded_carriers
from web import create_app, follow
from web.api_store import collection_features

ITEMS = "/api/collections/imported-carriers/items"
TILES = "/api/collections/imported-carriers/tiles/WebMercatorQuad/"
N = 700
# Boxes whose edges fall on seeded coordinates are built in the test from the rows.
URLS = [
    "?limit=10", "?limit=10&offset=350", f"?limit=10&offset={N - 3}", f"?limit=5&offset={N}",
    f"?limit=5&offset={N + 40}", "?bbox=118.2,33.4,118.9,34.1&limit=40",
    "?bbox=118.2,33.4,118.9,34.1&limit=40&offset=40&f=json",
    "?bbox=118.2,33.4,118.9,34.1&limit=3&properties=name,type",
    "?bbox=118.2,33.4,118.9,34.1&limit=3&skipGeometry=true",
    "?bbox=118.2,33.4,118.9,34.1&limit=3&crs=http://www.opengis.net/def/crs/EPSG/0/3857",
    "?bbox=118.2,33.4,118.9,34.1&limit=6&f=html", "?bbox=0,0,1,1", "?bbox=170,20,-170,45",
    "?bbox=117,33,120,35&limit=10000", "?type=enterprise&limit=4", "?filter=name='x'",
    "?sortby=name", "?bbox=1,2,3", "?limit=-1",
]


@pytest.fixture(scope="module")
def rows():
    return seeded_carriers(N, seed=5)


@pytest.fixture(scope="module")
def path(tmp_path_factory, rows):
    path = tmp_path_factory.mktemp("held") / "innomap.gpkg"
    open_store(path).add_import("carriers", rows, user="tests", filename="h.csv", sha256="0")
    return path


def answers(path, urls, monkeypatch, hold: bool):
    with monkeypatch.context() as patch:
        if not hold:
            patch.setattr(point_index, "MAX_FEATURES", 0)
        app = create_app({"testing": True, "store_url": str(path)})
        client = app.test_client()
        client.get(f"{ITEMS}?limit=1")  # the first request is the store's (nothing held yet)
        out = []
        for url in urls:
            response = client.get(url)
            headers = {k: v for k, v in response.headers.items()
                       if k not in ("Date", "Content-Security-Policy")}
            out.append((url, response.status_code, headers, response.data))
        with app.app_context():
            held = collection_features("imported-carriers").__dict__["_facts"].get("index")
    return out, held


def test_held_and_queried_answers_are_the_same_bytes(path, rows, monkeypatch):
    edge = rows.iloc[17]  # a box whose edges are one carrier's own coordinates
    urls = [ITEMS + u for u in URLS] + [
        f"{ITEMS}?bbox={edge.lon},{edge.lat},{edge.lon + 0.2},{edge.lat + 0.2}&limit=50",
        f"{ITEMS}?bbox={edge.lon - 0.2},{edge.lat - 0.2},{edge.lon},{edge.lat}&limit=50"]
    ids = [f"c1-{row}" for row in (0, 3, 250, N - 1)]  # c<version>-<source row>
    urls += [TILES + t for t in ("8/102/212", "10/409/850", "4/6/13", "12/1636/3401",
                                 "8/100/180", "1/2/0")]
    urls += [f"{ITEMS}/{fid}" for fid in ids] + [
        f"{ITEMS}/{ids[0]}?f=html", f"{ITEMS}/{ids[0]}?properties=name",
        f"{ITEMS}/{ids[0]}x", f"{ITEMS}/{ids[0][:-1]}", f"{ITEMS}/nothing"]
    held, index = answers(path, urls, monkeypatch, hold=True)
    queried, nothing = answers(path, urls, monkeypatch, hold=False)
    assert isinstance(index, PointIndex) and len(index) == N and nothing is None
    for (url, *mine), (_, *theirs) in zip(held, queried):
        assert mine == theirs, url
    status = {url: code for url, code, _, _ in held}
    assert {status[f"{ITEMS}/{fid}"] for fid in ids} == {200}
    assert set(status.values()) == {200, 204, 400, 404}
    assert status[TILES + "8/102/212"] == 200 and status[TILES + "10/409/850"] == 200
    for url, _, _, body in held:
        if str(edge.lon) in url:  # the box is closed: its corner carrier is in
            assert edge["name"] in {f["properties"]["name"]
                                    for f in json.loads(body)["features"]}


def test_the_first_request_is_the_stores_the_second_builds_what_is_held(path):
    app = create_app({"testing": True, "store_url": str(path)})
    client = app.test_client()

    def held():
        with app.app_context():
            return collection_features("imported-carriers").__dict__.get(
                "_facts", {}).get("index")

    first = client.get(f"{ITEMS}?limit=10&offset=5")
    assert first.status_code == 200 and held() is None
    second = client.get(f"{ITEMS}?limit=10&offset=6")
    assert isinstance(held(), PointIndex)
    assert first.get_json()["features"][1:] == second.get_json()["features"][:-1]


def test_the_index_finds_boxes_and_ids_like_a_plain_scan():
    rng = np.random.default_rng(2)
    lon, lat = rng.uniform(-180, 180, 400), rng.uniform(-80, 80, 400)
    lon[:5] = [179.5, -179.5, 10.0, 10.0, 20.0]
    lat[:5] = [0.0, 0.0, 5.0, 6.0, 5.0]
    ids = [f"f{i}" for i in range(400)]
    rows = PointRows(ids, lon, lat, ["n"], [[i] for i in range(400)])
    chunks = [PointRows(ids[a:a + 64], lon[a:a + 64], lat[a:a + 64], ["n"],
                        [[i] for i in range(a, min(a + 64, 400))]) for a in range(0, 400, 64)]
    index = PointIndex.of(iter(chunks))
    for box in [(10.0, 5.0, 20.0, 6.0), (179.0, -1, -179.0, 1), (-50, -50, 50, 50)]:
        west, south, east, north = box
        across = (lon >= west) | (lon <= east) if west > east else (lon >= west) & (lon <= east)
        expected = np.flatnonzero(across & (lat >= south) & (lat <= north))
        assert index.box(box).tolist() == expected.tolist()
    page = index.page([2, 399, 0])
    assert page.fragments() == [rows.fragments()[i] for i in (2, 399, 0)]
    assert page.ids == ["f2", "f399", "f0"] and page.records[1] == {"n": 399}
    assert page.digest == PointRows([ids[i] for i in (2, 399, 0)], lon[[2, 399, 0]],
                                    lat[[2, 399, 0]], ["n"], [[2], [399], [0]]).digest
    assert [index.find(f) for f in ("f0", "f77", "f399", "f4000", "f", "")] == \
        [0, 77, 399, None, None, None]


def test_too_many_or_too_large_or_numeric_ids_are_not_held(monkeypatch):
    rows = PointRows(["a", "b"], [1.0, 2.0], [3.0, 4.0], ["n"], [["x"], ["y"]])
    assert PointIndex.of(iter([rows])) is not None
    monkeypatch.setattr(point_index, "MAX_FEATURES", 1)
    assert PointIndex.of(iter([rows])) is None
    monkeypatch.setattr(point_index, "MAX_FEATURES", 10)
    monkeypatch.setattr(point_index, "MAX_BYTES", 100)
    assert PointIndex.of(iter([rows])) is None
    monkeypatch.setattr(point_index, "MAX_BYTES", 10_000)
    assert PointIndex.of(iter([PointRows([1, 2], [1.0, 2.0], [3.0, 4.0], ["n"],
                                         [["x"], ["y"]])])) is None
    assert PointIndex.of(iter([])) is None


def test_a_new_import_replaces_what_was_held(tmp_path, rows, monkeypatch):
    """Held features follow the catalog's generation, as the response cache does: an
    import by another process is seen at the next poll of the store."""
    monkeypatch.setattr(follow, "POLL_SECONDS", 0)
    path = tmp_path / "innomap.gpkg"
    store = open_store(path)
    store.add_import("carriers", rows.iloc[:300], user="tests", filename="a.csv", sha256="a")
    client = create_app({"testing": True, "store_url": str(path)}).test_client()
    assert client.get(f"{ITEMS}?limit=1").get_json()["numberMatched"] == 300
    store.add_import("carriers", rows.iloc[300:], user="tests", filename="b.csv", sha256="b")
    doc = client.get(f"{ITEMS}?limit=1&offset=2").get_json()
    assert doc["numberMatched"] == N

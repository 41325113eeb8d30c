"""Pages of a store-backed collection are written from the store's rows, without a
frame: the same features as the prepared-table writer gives for those rows, counts
that are exact up to a limit and absent above it (numberMatched is optional in OGC
API – Features), and pages that still reach every match through their next links."""

from __future__ import annotations

import json

import numpy as np
import pytest
import shapely

from geo import features, point_index
from geo.feature_rows import PointRows
from geo.features import FeatureTable, Query, Selection
from store import open_store
from tests.test_stored_layers import seeded_carriers
from web import api_store, create_app, services

ITEMS = "/api/collections/imported-carriers/items"
N = 600
BOX = (118.2, 33.4, 118.9, 34.1)


@pytest.fixture(scope="module")
def rows():
    return seeded_carriers(N, seed=11)


@pytest.fixture(scope="module", params=["held", "queried"])
def app(request, tmp_path_factory, rows):
    """The app twice: the collection held in the worker (geo.point_index) and, with
    nothing held, every request a query of the store."""
    path = tmp_path_factory.mktemp("pages") / "innomap.gpkg"
    open_store(path).add_import("carriers", rows, user="tests", filename="p.csv", sha256="0")
    app = create_app({"testing": True, "store_url": str(path)})
    app.extensions["test-hold"] = request.param
    return app


@pytest.fixture(autouse=True)
def hold(request, monkeypatch):
    if "app" in request.fixturenames and request.getfixturevalue("app").extensions[
            "test-hold"] == "queried":
        monkeypatch.setattr(point_index, "MAX_FEATURES", 0)


@pytest.fixture()
def client(app):
    return app.test_client()


def inside(rows, box=BOX):
    return sorted(rows.loc[shapely.intersects_xy(shapely.box(*box), rows["lon"], rows["lat"]),
                           "name"])


def test_a_stored_page_is_what_the_table_writer_gives_for_the_same_features(app, client):
    doc = client.get(f"{ITEMS}?bbox={','.join(map(str, BOX))}&limit=40&f=json").get_json()
    served = doc["features"]
    ids = [f["id"] for f in served]
    catalog = services(app).catalog
    whole = catalog.whole("imported-carriers")
    frame = whole.set_index("id").loc[ids].reset_index()
    table = FeatureTable(frame=frame, id_field="id", queryable_names=[])
    expected = features.feature_collection(table, Selection(np.arange(len(ids)), len(ids)),
                                           Query(limit=40), links=[])
    assert served == json.loads(expected)["features"]
    assert doc["bbox"] == pytest.approx([min(f["geometry"]["coordinates"][0] for f in served),
                                         min(f["geometry"]["coordinates"][1] for f in served),
                                         max(f["geometry"]["coordinates"][0] for f in served),
                                         max(f["geometry"]["coordinates"][1] for f in served)])


def test_matches_are_counted_exactly_up_to_the_limit(client, rows, monkeypatch):
    expected = inside(rows)
    doc = client.get(f"{ITEMS}?bbox={','.join(map(str, BOX))}&limit=7").get_json()
    assert doc["numberMatched"] == len(expected) > 7
    monkeypatch.setattr(api_store, "COUNT_UP_TO", len(expected))
    small = client.get(f"{ITEMS}?bbox={','.join(map(str, BOX))}&limit=8").get_json()
    assert small["numberMatched"] == len(expected)


@pytest.mark.parametrize("below", [1, 150])  # counted past the limit; cells inside hold more
def test_above_the_limit_no_count_but_next_links_reach_every_match(client, rows, monkeypatch,
                                                                   below):
    expected = inside(rows)
    monkeypatch.setattr(api_store, "COUNT_UP_TO", len(expected) - below)
    url = f"{ITEMS}?bbox={','.join(map(str, BOX))}&limit=50&f=json"
    names, pages = [], 0
    while url:
        doc = client.get(url.removeprefix("http://localhost")).get_json()
        last = not any(link["rel"] == "next" for link in doc["links"])
        # the last page knows the count without counting: its offset plus its features
        assert doc.get("numberMatched") == (len(expected) if last else None)
        names += [f["properties"]["name"] for f in doc["features"]]
        url = next((link["href"] for link in doc["links"] if link["rel"] == "next"), None)
        pages += 1
    assert names == expected and pages == -(-len(expected) // 50)


def test_the_html_page_says_the_matches_were_not_counted(client, monkeypatch):
    monkeypatch.setattr(api_store, "COUNT_UP_TO", 3)
    page = client.get(f"{ITEMS}?bbox={','.join(map(str, BOX))}&f=html").get_data(as_text=True)
    assert "未计总数" in page


def test_pages_of_the_whole_collection_follow_key_order(client, rows):
    names = sorted(rows["name"])
    for offset in (0, 10, 333, N - 4, N, N + 20):
        doc = client.get(f"{ITEMS}?limit=10&offset={offset}").get_json()
        assert [f["properties"]["name"] for f in doc["features"]] == names[offset:offset + 10]
        assert doc["numberMatched"] == N
        assert any(link["rel"] == "next" for link in doc["links"]) == (offset + 10 < N)


def test_other_crs_and_fewer_properties_on_stored_pages_and_items(client):
    doc = client.get(f"{ITEMS}?limit=3&crs=http://www.opengis.net/def/crs/EPSG/0/3857"
                     "&properties=name").get_json()
    first = doc["features"][0]
    assert set(first["properties"]) == {"name"}
    x, _ = first["geometry"]["coordinates"]
    assert 1.3e7 < x < 1.33e7  # metres east of Greenwich at about 118-119.2 degrees
    item = client.get(f"{ITEMS}/{first['id']}?skipGeometry=true").get_json()
    assert item["geometry"] is None and item["properties"]["name"] == first["properties"]["name"]


def test_point_rows_write_numbers_that_read_back_as_the_rounded_coordinates():
    lon = [118.1234564, -0.0000004, 119.9999996, 33.230517999]
    rows = PointRows(["a", "b", "c", "d"], lon, [1.0, 2.5, -3.25, 4.0], ["name"],
                     [["甲"], [None], [np.int64(3)], [float("nan")]])
    written = [json.loads(f) for f in rows.fragments()]
    assert [f["geometry"]["coordinates"][0] for f in written] == \
        [118.123456, -0.0, 120.0, 33.230518]
    assert [f["properties"]["name"] for f in written] == ["甲", None, 3, None]


@pytest.mark.parametrize("box", [BOX, (117.9, 33.2, 119.2, 34.4), (118.5, 33.8, 118.52, 33.82)])
@pytest.mark.parametrize("offset", [0, 40, 190])
def test_a_box_walked_in_key_order_gives_the_page_the_index_gives(app, box, offset,
                                                                   monkeypatch):
    from store.current import CarrierQuery

    store = open_store(services(app).settings.store_url)
    query = CarrierQuery(bbox=box, offset=offset, limit=25)
    pages = {}
    for by_index in (True, False):
        monkeypatch.setattr(type(store), "_box_by_index", lambda self, q, b=by_index: b)
        pages[by_index] = store.current_rows(query, 10_000)
    assert pages[True] == pages[False]
    names = [row[3] for row in pages[True][1]]
    assert names == sorted(names) and len(names) <= 25

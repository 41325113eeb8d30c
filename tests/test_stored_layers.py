"""Store-backed layers: imported carriers are queried where they live, never copied.

The store holds a few thousand seeded random carriers; the API's bbox, filter and
paging answers are checked against shapely on the generated points, and the maps
draw counts per county when an extent holds too many points to draw.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import shapely

from mapcore.overlays import MAP_POINTS_MAX
from mapcore.spec import build_map
from store import open_store
from web import create_app, services

ITEMS = "/api/collections/imported-carriers/items"
N = 3000
# 宿迁 (321300) and its counties: 宿城 321302, 宿豫 321311, 沭阳 321322, 泗阳 321323, 泗洪 321324.
COUNTIES = ["321302", "321311", "321322", "321323", "321324"]


def seeded_carriers(n: int, seed: int = 7) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    return pd.DataFrame({
        "name": [f"企业{i:05d}" for i in range(n)],
        "type": rng.choice(["enterprise", "platform"], n),
        "address": None,
        "lon": np.round(rng.uniform(117.9, 119.2, n), 6),
        "lat": np.round(rng.uniform(33.2, 34.4, n), 6),
        "datum": "WGS84", "province_adcode": "320000", "city_adcode": "321300",
        "county_adcode": rng.choice(COUNTIES, n), "precision": "site",
        "source": [f"big.csv 第 {i + 2} 行" for i in range(n)]})


@pytest.fixture(scope="module")
def rows():
    return seeded_carriers(N)


@pytest.fixture(scope="module")
def stored_app(tmp_path_factory, rows):
    path = tmp_path_factory.mktemp("big-store") / "innomap.gpkg"
    open_store(path).add_import("carriers", rows, user="tests", filename="big.csv",
                                sha256="0")
    return create_app({"testing": True, "store_url": str(path)})


@pytest.fixture()
def client(stored_app):
    return stored_app.test_client()


def served(client, url) -> list[dict]:
    doc = client.get(url).get_json()
    return doc["features"]


def test_the_worker_holds_no_copy_of_the_rows(stored_app):
    catalog = services(stored_app).catalog
    assert catalog.layer("imported-carriers").storage == "store"
    assert len(catalog.frame("imported-carriers")) == 0
    assert len(catalog.whole("imported-carriers")) == N


@pytest.mark.parametrize("bbox", [(118.3, 33.5, 118.6, 33.9), (117.0, 33.0, 117.95, 33.3),
                                  (119.1, 34.3, 119.5, 34.5), (120.0, 30.0, 121.0, 31.0)])
def test_bbox_returns_the_features_shapely_finds(client, rows, bbox):
    box = shapely.box(*bbox)
    expected = sorted(rows.loc[shapely.intersects_xy(box, rows["lon"], rows["lat"]), "name"])
    features = served(client, f"{ITEMS}?bbox={','.join(map(str, bbox))}&limit=10000")
    assert sorted(f["properties"]["name"] for f in features) == expected
    for f in features:
        lon, lat = f["geometry"]["coordinates"]
        assert box.intersects(shapely.Point(lon, lat))


def test_a_point_on_the_box_edge_is_inside(client, rows):
    lon, lat = rows.loc[0, ["lon", "lat"]]
    features = served(client, f"{ITEMS}?bbox={lon},{lat},{lon + 0.001},{lat + 0.001}")
    assert rows.loc[0, "name"] in {f["properties"]["name"] for f in features}


def test_pages_in_key_order_cover_every_match_once(client, rows):
    bbox = "118.0,33.4,118.9,34.2"
    first = client.get(f"{ITEMS}?bbox={bbox}&limit=100").get_json()
    inside = shapely.intersects_xy(shapely.box(118.0, 33.4, 118.9, 34.2), rows["lon"],
                                   rows["lat"])
    assert first["numberMatched"] == int(inside.sum()) > 300
    names = []
    for offset in range(0, first["numberMatched"], 250):
        names += [f["properties"]["name"] for f in
                  served(client, f"{ITEMS}?bbox={bbox}&limit=250&offset={offset}")]
    assert names == sorted(rows.loc[inside, "name"])
    assert any(link["rel"] == "next" for link in first["links"])


def test_attribute_filter_and_single_feature(client, rows):
    doc = client.get(f"{ITEMS}?type=platform&county_adcode=321324&limit=10000").get_json()
    expected = rows[(rows["type"] == "platform") & (rows["county_adcode"] == "321324")]
    assert sorted(f["properties"]["name"] for f in doc["features"]) == sorted(expected["name"])
    one = doc["features"][0]
    item = client.get(f"{ITEMS}/{one['id']}").get_json()
    assert item["properties"] == one["properties"]
    assert client.get(f"{ITEMS}/c999-0").status_code == 404


def test_collection_extent_comes_from_the_store(client, rows):
    doc = client.get("/api/collections/imported-carriers?f=json").get_json()
    assert doc["extent"]["spatial"]["bbox"][0] == pytest.approx(
        [rows.lon.min(), rows.lat.min(), rows.lon.max(), rows.lat.max()])


def test_sortby_is_refused_with_the_reason(client):
    response = client.get(f"{ITEMS}?sortby=name")
    assert response.status_code == 400
    assert "数据库" in response.get_json()["description"]


def imported(spec):
    return [o for o in spec.overlays if o.layer_id == "imported-carriers"]


def test_a_map_with_many_points_draws_counts_per_county(stored_app, rows):
    assert N > MAP_POINTS_MAX
    with stored_app.app_context():
        (overlay,) = imported(build_map(services(stored_app).maps, "321300"))
    counts = {f.county: int(f.rows[0][1].replace(",", "")) for f in overlay.features}
    assert counts == rows["county_adcode"].value_counts().to_dict()
    assert all(f.geometry.geom_type == "Point" for f in overlay.features)


def test_a_map_with_few_points_draws_the_points(tmp_path, rows):
    few = rows[rows["county_adcode"] == "321324"].head(40)
    path = tmp_path / "few.gpkg"
    open_store(path).add_import("carriers", few, user="tests", filename="few.csv", sha256="0")
    app = create_app({"testing": True, "store_url": str(path)})
    with app.app_context():
        overlays = imported(build_map(services(app).maps, "321300"))
    area = services(app).maps.units("fine").set_index("adcode").geometry["321300"]
    drawn = {f.name for o in overlays for f in o.features}
    expected = few.loc[shapely.intersects_xy(area, few["lon"], few["lat"]), "name"]
    assert drawn == set(expected) and len(drawn) > 0


def test_the_export_draws_the_counts_too(client):
    response = client.get("/export/321300.png?dpi=72")
    assert response.status_code == 200 and response.data[:4] == b"\x89PNG"


def test_a_store_of_an_earlier_release_gets_its_box_index_on_open(tmp_path, rows):
    import sqlite3

    path = tmp_path / "old.gpkg"
    open_store(path).add_import("carriers", rows, user="t", filename="a.csv", sha256="a")
    with sqlite3.connect(path) as conn:  # as an earlier release left it: an R*Tree
        conn.execute("DROP INDEX carrier_current_latlon")
        conn.execute("CREATE VIRTUAL TABLE carrier_current_rtree USING rtree(id, minx, maxx, "
                     "miny, maxy)")
    store = open_store(path)
    with sqlite3.connect(path) as conn:
        names = {r[0] for r in conn.execute("SELECT name FROM sqlite_master")}
    assert "carrier_current_latlon" in names and "carrier_current_rtree" not in names
    box = (118.3, 33.5, 118.7, 33.9)
    inside = rows[(rows.lon >= box[0]) & (rows.lon <= box[2]) & (rows.lat >= box[1])
                  & (rows.lat <= box[3])]
    from store.current import CarrierQuery

    assert store.current_count(CarrierQuery(bbox=box)) == len(inside) > 100

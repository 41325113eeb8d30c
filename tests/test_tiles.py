"""Vector tiles (OGC API – Tiles, MVT): decoded with the MVT decoder and checked
against the features that lie in the tile, located with pyproj on their own."""

from __future__ import annotations

import mapbox_vector_tile
import numpy as np
import pytest
import shapely
from pyproj import Transformer

from store import open_store
from tests.test_store import emptied, postgres_url  # noqa: F401  (fixture)
from tests.test_stored_layers import seeded_carriers
from web import create_app

SUQIAN_Z8 = (8, 102, 212)  # z, row, column of the tile over 宿迁
TILE = "/api/collections/{}/tiles/WebMercatorQuad/{}/{}/{}"
HALF = 20037508.342789244
TO_LONLAT = Transformer.from_crs(3857, 4326, always_xy=True)
TO_MERCATOR = Transformer.from_crs(4326, 3857, always_xy=True)
MVT = "application/vnd.mapbox-vector-tile"


#: Share of a tile drawn around it: a map's point symbol (4 px and its outline) is 8 px
#: of a 256 px tile, and a point that close to an edge is in both tiles.
GROW = 8 / 256


def tile_box(z, y, x, grow=0.0):
    """WGS84 bounds of tile z/y/x, grown by ``grow`` of its width on every side."""
    size = 2 * HALF / 2 ** z
    west, north = -HALF + (x - grow) * size, HALF - (y - grow) * size
    width = size * (1 + 2 * grow)
    (lon0, lon1), (lat0, lat1) = TO_LONLAT.transform([west, west + width],
                                                     [north - width, north])
    return lon0, lat0, lon1, lat1


def _in(frame, box):
    west, south, east, north = box
    return frame[(frame.lon >= west) & (frame.lon < east) & (frame.lat > south)
                 & (frame.lat <= north)]


def app_with(tmp_path_factory, rows):
    path = tmp_path_factory.mktemp("tiles") / "store.gpkg"
    open_store(path).add_import("carriers", rows, user="t", filename="t.csv", sha256="0")
    return create_app({"testing": True, "store_url": str(path)})


@pytest.fixture(scope="module")
def few():
    return seeded_carriers(1000, seed=3)


@pytest.fixture(scope="module")
def client(tmp_path_factory, few):
    return app_with(tmp_path_factory, few).test_client()


def decode(response):
    assert response.status_code == 200 and response.mimetype == MVT
    return mapbox_vector_tile.decode(response.data)


def test_a_tile_over_suqian_holds_the_carriers_inside_it(client, few):
    """Every carrier in the tile, and those close enough outside that their symbol
    reaches into it."""
    west, south, east, north = tile_box(*SUQIAN_Z8)
    assert west < 118.3 < east and south < 33.96 < north
    layer = decode(client.get(TILE.format("imported-carriers", *SUQIAN_Z8)))[
        "imported-carriers"]
    inside = _in(few, tile_box(*SUQIAN_Z8, grow=GROW))
    names = [f["properties"]["name"] for f in layer["features"]]
    assert 300 < len(names) < len(few) and sorted(names) == sorted(inside["name"])
    assert len(inside) > len(_in(few, (west, south, east, north)))  # some near the edges
    extent = layer["extent"]
    for f in layer["features"][:50]:
        px, py = f["geometry"]["coordinates"]
        row = few.set_index("name").loc[f["properties"]["name"]]
        assert px / extent == pytest.approx((row.lon - west) / (east - west), abs=2e-3)
        _, my = TO_MERCATOR.transform(row.lon, row.lat)
        _, low = TO_MERCATOR.transform(west, south)
        _, high = TO_MERCATOR.transform(west, north)
        assert py / extent == pytest.approx((my - low) / (high - low), abs=2e-3)  # y up
        assert f["geometry"]["type"] == "Point"


def test_postgis_writes_the_same_point_tile(postgres_url, client, few):  # noqa: F811
    """On PostgreSQL a tile of points is written by PostGIS in one statement: it holds
    the same carriers, properties and pixels (±1 of 4096) as the tile encoded here."""

    emptied(postgres_url)
    store = open_store(postgres_url)
    store.add_import("carriers", few, user="t", filename="t.csv", sha256="0")
    pg = create_app({"testing": True, "store_url": postgres_url}).test_client()
    z, y, x = 10, SUQIAN_Z8[1] * 4 + 1, SUQIAN_Z8[2] * 4 + 2
    inside = _in(few, tile_box(z, y, x, grow=GROW))
    assert 5 < len(inside) < 2000
    written = decode(pg.get(TILE.format("imported-carriers", z, y, x)))["imported-carriers"]
    encoded = decode(client.get(TILE.format("imported-carriers", z, y, x)))["imported-carriers"]
    assert sorted(f["properties"]["name"] for f in written["features"]) == sorted(inside["name"])
    assert written["extent"] == encoded["extent"] == 4096
    ours = {f["properties"]["id"]: f for f in encoded["features"]}
    for f in written["features"]:
        assert set(f["properties"]) == {"id", "name", "type"}
        assert f["properties"] == ours[f["properties"]["id"]]["properties"]
        for a, b in zip(f["geometry"]["coordinates"],
                        ours[f["properties"]["id"]]["geometry"]["coordinates"]):
            assert abs(a - b) <= 1
    direct = store.current_tile(z, y, x, "imported-carriers", 2000)
    assert mapbox_vector_tile.decode(direct) == {"imported-carriers": written}
    assert store.current_tile(z, y, x, "imported-carriers", len(inside) - 1) is None
    assert store.current_tile(8, 100, 180, "imported-carriers", 2000) == b""  # over Tibet
    assert pg.get(TILE.format("imported-carriers", 8, 100, 180)).status_code == 204


def test_postgis_projects_points_as_the_tiles_here_do(postgres_url):  # noqa: F811
    """The Web Mercator formula PostGIS runs for tiles (``mercator_sql``) gives the metres
    of ``geo.tiles.mercator`` and of PROJ (EPSG:4326 → 3857) to a micrometre, and clips
    at the world's edge as ``mercator`` does."""
    import psycopg

    from geo.tiles import mercator, mercator_sql

    emptied(postgres_url)
    open_store(postgres_url).close()  # the store's schema: PostGIS installed
    lon = np.array([118.27, -179.9, 0.0, 179.99, 87.6, 2.35])
    lat = np.array([33.96, -60.0, 0.0, 85.0, 43.8, 48.86])
    rows = ", ".join(f"({float(a)!r}, {float(b)!r})" for a, b in zip(lon, lat))
    with psycopg.connect(postgres_url) as conn:
        got = np.array(conn.execute(
            f"SELECT ST_X(p), ST_Y(p), ST_SRID(p) FROM (SELECT {mercator_sql('lon', 'lat')} AS p "
            f"FROM (VALUES {rows}) AS v(lon, lat)) AS projected").fetchall())
        poles = conn.execute(f"SELECT ST_Y({mercator_sql('0.0', '89.9')}), "
                             f"ST_Y({mercator_sql('0.0', '-89.9')})").fetchone()
    x, y = mercator(lon, lat)
    assert np.abs(got[:, 0] - x).max() < 1e-6 and np.abs(got[:, 1] - y).max() < 1e-6
    proj_x, proj_y = Transformer.from_crs(4326, 3857, always_xy=True).transform(lon, lat)
    assert np.abs(got[:, 0] - proj_x).max() < 1e-6 and np.abs(got[:, 1] - proj_y).max() < 1e-6
    assert set(got[:, 2]) == {3857}
    edge = mercator(0.0, 89.9)[1]
    assert poles == pytest.approx((edge, -edge)) and 2.0e7 < edge < 2.01e7


def test_a_carrier_near_an_edge_is_drawn_by_both_tiles(client, few):
    """A symbol is whole across a tile edge: a carrier just west of a tile is in that
    tile too (and one just east of the west tile in that one), one farther west only in
    its own."""
    z, y, x = SUQIAN_Z8

    def names(tile_x):
        return {f["properties"]["name"] for f in decode(client.get(
            TILE.format("imported-carriers", z, y, tile_x)))["imported-carriers"]["features"]}

    here, west = names(x), names(x - 1)
    own_west = set(_in(few, tile_box(z, y, x - 1))["name"])
    near = own_west & set(_in(few, tile_box(z, y, x, grow=GROW))["name"])
    near_here = set(_in(few, tile_box(z, y, x))["name"]) & set(
        _in(few, tile_box(z, y, x - 1, grow=GROW))["name"])
    assert near and near <= here and near <= west
    assert near_here and near_here <= here and near_here <= west
    assert own_west - near and not (own_west - near) & here


def test_an_empty_tile_is_empty_not_an_error(client):
    response = client.get(TILE.format("imported-carriers", 8, 100, 180))  # over Tibet
    assert response.status_code == 204 and response.data == b""


def test_a_busy_tile_counts_its_points_in_cells(tmp_path_factory):
    many = seeded_carriers(6000, seed=5)
    client = app_with(tmp_path_factory, many).test_client()
    west, south, east, north = tile_box(*SUQIAN_Z8)
    inside = (many.lon >= west) & (many.lon <= east) & (many.lat >= south) & (many.lat <= north)
    features = decode(client.get(TILE.format("imported-carriers", *SUQIAN_Z8)))[
        "imported-carriers"]["features"]
    assert all(f["properties"]["cluster"] == 1 for f in features)
    assert sum(f["properties"]["count"] for f in features) == int(inside.sum())
    assert 100 < len(features) <= 64 * 64


def test_boundaries_tile_has_the_counties_it_touches(client):
    layer = decode(client.get(TILE.format("boundaries-county", *SUQIAN_Z8)))["boundaries-county"]
    ids = {f["properties"]["id"] for f in layer["features"]}
    assert {"321302", "321311", "321322", "321323", "321324"} <= ids
    assert "320505" not in ids  # 苏州 虎丘区, far south
    shapes = {f["geometry"]["type"] for f in layer["features"]}
    assert shapes <= {"Polygon", "MultiPolygon"}
    for f in layer["features"]:
        ring = np.array(f["geometry"]["coordinates"][0] if f["geometry"]["type"] == "Polygon"
                        else f["geometry"]["coordinates"][0][0])
        assert shapely.Polygon(ring).is_valid or len(ring) >= 4


def test_tileset_metadata_links_the_tiles(client):
    doc = client.get("/api/collections/imported-carriers/tiles/WebMercatorQuad").get_json()
    item = [link for link in doc["links"] if link["rel"] == "item"][0]
    assert item["type"] == MVT and item["templated"]
    assert item["href"].endswith("/WebMercatorQuad/{tileMatrix}/{tileRow}/{tileCol}")
    assert doc["layers"][0]["geometryType"] == "points"
    tms = client.get("/api/tileMatrixSets/WebMercatorQuad").get_json()
    assert tms["tileMatrices"][8]["matrixWidth"] == 256


@pytest.mark.parametrize("path, status", [("8/256/0", 404), ("23/0/0", 404)])
def test_a_tile_outside_the_matrix_is_404_in_chinese(client, path, status):
    response = client.get(f"/api/collections/imported-carriers/tiles/WebMercatorQuad/{path}")
    assert response.status_code == status and "瓦片" in response.get_json()["description"]


def test_an_unknown_collection_has_no_tiles(client):
    response = client.get(TILE.format("no-such-layer", *SUQIAN_Z8))
    assert response.status_code == 404 and "no-such-layer" in response.get_json()["description"]


@pytest.mark.parametrize("cid", ["entities", "carriers", "structures", "targets"])
def test_every_point_collection_has_tiles_with_its_features(client, cid):
    """The point layers the README names: each tile holds exactly the collection's
    features whose point lies in it, found here from the items with pyproj's box."""
    west, south, east, north = tile_box(*SUQIAN_Z8)
    items = client.get(f"/api/collections/{cid}/items?limit=10000").get_json()["features"]
    inside = set()
    for f in items:
        points = (f["geometry"]["coordinates"] if f["geometry"]["type"] == "MultiPoint"
                  else [f["geometry"]["coordinates"]])
        if any(west <= x < east and south < y <= north for x, y in points):
            inside.add(str(f["id"]))
    assert inside, cid  # the fixture area has features of every point layer
    layer = decode(client.get(TILE.format(cid, *SUQIAN_Z8)))[cid]
    assert {str(f["properties"]["id"]) for f in layer["features"]} == inside


def test_the_tileset_list_is_found_from_the_collection(client):
    doc = client.get("/api/collections/entities").get_json()
    rel = "http://www.opengis.net/def/rel/ogc/1.0/tilesets-vector"
    [href] = [link["href"] for link in doc["links"] if link["rel"] == rel]
    listed = client.get(href).get_json()["tilesets"]
    assert [t["tileMatrixSetURI"] for t in listed] == [
        "http://www.opengis.net/def/tilematrixset/OGC/1.0/WebMercatorQuad"]
    [template] = [link["href"] for link in listed[0]["links"] if link["rel"] == "item"]
    path = template.replace("http://localhost", "").format(
        tileMatrix=8, tileRow=102, tileCol=212)
    assert decode(client.get(path))["entities"]["features"]


def test_tilejson_points_at_the_same_tiles(client):
    doc = client.get("/api/collections/carriers/tiles/WebMercatorQuad/tilejson").get_json()
    assert doc["tilejson"] == "3.0.0" and doc["vector_layers"][0]["id"] == "carriers"
    [template] = doc["tiles"]
    z, y, x = SUQIAN_Z8
    path = template.replace("http://localhost", "").format(z=z, y=y, x=x)
    assert decode(client.get(path))["carriers"]["features"]
    west, south, east, north = doc["bounds"]
    assert west < 118.3 < east and south < 33.96 < north


def test_tiles_are_in_conformance_and_openapi(client):
    conforms = client.get("/api/conformance").get_json()["conformsTo"]
    assert "http://www.opengis.net/spec/ogcapi-tiles-1/1.0/conf/core" in conforms
    assert "http://www.opengis.net/spec/ogcapi-tiles-1/1.0/conf/mvt" in conforms
    paths = client.get("/api/openapi").get_json()["paths"]
    assert "/tileMatrixSets" in paths
    for cid in ("entities", "imported-carriers", "boundaries-county"):
        tile = paths[f"/collections/{cid}/tiles/WebMercatorQuad/{{tileMatrix}}/{{tileRow}}"
                     f"/{{tileCol}}"]["get"]
        assert MVT in tile["responses"]["200"]["content"]
        assert f"/collections/{cid}/tiles" in paths


def test_a_tile_refuses_a_format_it_cannot_give(client):
    response = client.get(TILE.format("entities", *SUQIAN_Z8),
                          headers={"Accept": "application/json"})
    assert response.status_code == 406

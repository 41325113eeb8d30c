"""What the API says about itself is true: counts whatever the storage, 406 for formats
it cannot give, CORS on every answer, OpenAPI enums as strict as the server, parameter
definitions as OGC API – Features Part 1 writes them, ``Link`` headers on items."""

from __future__ import annotations

import pytest
from werkzeug.http import parse_options_header

from tests.test_stored_layers import seeded_carriers
from tests.test_tiles import app_with

STORED = "imported-carriers"


@pytest.fixture(scope="module")
def rows():
    return seeded_carriers(1234, seed=11)


@pytest.fixture(scope="module")
def client(tmp_path_factory, rows):
    return app_with(tmp_path_factory, rows).test_client()


def test_a_store_backed_collection_reports_what_it_holds(client, rows):
    doc = client.get(f"/api/collections/{STORED}").get_json()
    assert doc["numberOfFeatures"] == len(rows)
    listed = {c["id"]: c for c in client.get("/api/collections").get_json()["collections"]}
    assert listed[STORED]["numberOfFeatures"] == len(rows)
    west, south, east, north = doc["extent"]["spatial"]["bbox"][0]
    assert (west, south, east, north) == pytest.approx(
        (rows.lon.min(), rows.lat.min(), rows.lon.max(), rows.lat.max()), abs=1e-6)
    matched = client.get(f"/api/collections/{STORED}/items?limit=1").get_json()
    assert matched["numberMatched"] == len(rows)


def test_memory_collection_counts_equal_numbers_matched(client):
    for coll in client.get("/api/collections").get_json()["collections"]:
        items = client.get(f"/api/collections/{coll['id']}/items?limit=1").get_json()
        assert coll["numberOfFeatures"] == items["numberMatched"], coll["id"]


@pytest.mark.parametrize("url", ["/api/", "/api/collections", "/api/collections/entities",
                                 "/api/collections/entities/items",
                                 f"/api/collections/{STORED}/items",
                                 "/api/tileMatrixSets"])
def test_an_unsupported_format_is_406(client, url):
    response = client.get(url, headers={"Accept": "application/xml"})
    assert response.status_code == 406, response.data[:200]
    assert response.get_json()["code"] == "NotAcceptable"
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    # f= names the format outright: Accept is not asked then
    assert client.get(url + ("&" if "?" in url else "?") + "f=json",
                      headers={"Accept": "application/xml"}).status_code == 200


@pytest.mark.parametrize("method, url, status", [
    ("post", "/api/collections", 405), ("delete", "/api/collections/entities/items", 405),
    ("get", "/api/no-such-page", 404), ("get", "/api/collections/no-such", 404),
    ("get", "/api/collections/entities/items?limit=x", 400)])
def test_cors_on_every_answer_errors_too(client, method, url, status):
    response = getattr(client, method)(url)
    assert response.status_code == status
    assert response.headers["Access-Control-Allow-Origin"] == "*"


def test_openapi_enums_follow_the_queryables(client):
    doc = client.get("/api/openapi").get_json()
    for coll in client.get("/api/collections").get_json()["collections"]:
        cid = coll["id"]
        queryables = client.get(f"/api/collections/{cid}/queryables").get_json()["properties"]
        params = {p["name"]: p for p in doc["paths"][f"/collections/{cid}/items"]["get"][
            "parameters"] if "name" in p}
        sortable = set(params["sortby"]["schema"]["items"]["enum"])
        assert {s.lstrip("+-") for s in sortable} == set(queryables) - {"geometry"}, cid
        names = set(params["properties"]["schema"]["items"]["enum"])
        sample = client.get(f"/api/collections/{cid}/items?limit=1").get_json()["features"]
        assert set(sample[0]["properties"]) <= names if sample else True, cid
        for name in ("properties", "sortby"):
            assert (params[name]["style"], params[name]["explode"]) == ("form", False)


def test_server_refuses_what_the_enums_leave_out(client):
    assert client.get("/api/collections/entities/items?sortby=-no_such").status_code == 400
    assert client.get("/api/collections/entities/items?properties=no_such").status_code == 400


@pytest.mark.parametrize("name", ["limit", "bbox", "datetime"])
def test_parameters_as_part_1_defines_them(client, name):
    parameter = client.get("/api/openapi").get_json()["components"]["parameters"][name]
    assert parameter["in"] == "query" and parameter["required"] is False
    assert (parameter["style"], parameter["explode"]) == ("form", False)
    if name == "limit":
        assert parameter["schema"]["type"] == "integer"
        assert parameter["schema"]["minimum"] == 1 and parameter["schema"]["maximum"] >= 1000


def link_header(response) -> dict[str, str]:
    """rel → target of an HTTP ``Link`` header, parsed with werkzeug."""
    out = {}
    for part in response.headers["Link"].split(", <"):
        value, options = parse_options_header(part.strip().lstrip("<").replace(">;", ";", 1))
        out[options["rel"]] = value
    return out


def test_items_carry_link_headers_matching_the_body(client):
    response = client.get("/api/collections/entities/items?limit=2")
    links = link_header(response)
    body = {link["rel"]: link["href"] for link in response.get_json()["links"]}
    queryables = "http://www.opengis.net/def/rel/ogc/1.0/queryables"
    assert set(links) == {"self", "alternate", "next", queryables}
    assert all(links[rel] == body[rel] for rel in links)
    second = client.get(links["next"].replace("http://localhost", ""))
    assert set(link_header(second)) == {"self", "alternate", "next", "prev", queryables}


def test_one_item_carries_link_headers(client):
    first = client.get("/api/collections/entities/items?limit=1").get_json()["features"][0]
    response = client.get(f"/api/collections/entities/items/{first['id']}")
    links = link_header(response)
    assert links["self"].endswith(f"/api/collections/entities/items/{first['id']}")
    assert links["alternate"].endswith("?f=html")


def test_a_stored_feature_is_one_item_like_any_other(client):
    page = client.get(f"/api/collections/{STORED}/items?limit=1").get_json()
    fid = page["features"][0]["id"]
    one = client.get(f"/api/collections/{STORED}/items/{fid}").get_json()
    assert one["id"] == fid and one["geometry"] == page["features"][0]["geometry"]
    assert client.get(f"/api/collections/{STORED}/items/no-such").status_code == 404

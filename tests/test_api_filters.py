"""Part 1 (1.0.1) rules and Part 3 filters: datetime, antimeridian bbox, clamped limit,
boolean spellings, CQL2 equal to the equality filters, HTTP details, light targets."""

from __future__ import annotations

import json

import geopandas as gpd
import pytest
from shapely.geometry import Point

TARGETS = "/api/collections/targets/items"


def get_json(client, url, status=200, **kw):
    response = client.get(url, **kw)
    assert response.status_code == status, (url, response.data[:300])
    return json.loads(response.data)


def ids(client, url) -> list:
    return [f["id"] for f in get_json(client, url)["features"]]


def test_datetime_interval_on_targets_is_exactly_the_2025_rows(client, catalog):
    frame = catalog.frame("targets")
    doc = get_json(client, f"{TARGETS}?datetime=2025-01-01/2025-12-31&limit=1000")
    assert sorted(f["id"] for f in doc["features"]) == sorted(frame.loc[frame["year"] == 2025,
                                                                        "id"])
    assert doc["numberMatched"] == int((frame["year"] == 2025).sum()) > 0


@pytest.mark.parametrize("value, years", [
    ("2020-06-30", {2020}), ("2020-06-30T08:00:00+08:00", {2020}),
    ("2024-01-01/..", "from 2024"), ("../2020-12-31T23:59:59Z", "to 2020"),
    ("/2020-01-01", "to 2020")])
def test_datetime_instants_and_open_intervals(client, catalog, value, years):
    frame = catalog.frame("targets")
    got = {f["properties"]["year"] for f in get_json(
        client, TARGETS, query_string={"datetime": value, "limit": 1000})["features"]}
    every = set(frame["year"])
    if years == "from 2024":
        years = {y for y in every if y >= 2024}
    elif years == "to 2020":
        years = {y for y in every if y <= 2020}
    assert got == years and got


def test_datetime_leaves_collections_without_time_whole(client, catalog):
    doc = get_json(client, "/api/collections/boundaries-county/items?datetime=2025-01-01")
    assert doc["numberMatched"] == len(catalog.frame("boundaries-county"))


def test_tasks_are_of_2023(client):
    assert get_json(client, "/api/collections/tasks-2023/items?datetime=2024-01-01/..")[
        "numberMatched"] == 0
    doc = get_json(client, "/api/collections/tasks-2023")
    assert doc["extent"]["temporal"]["interval"] == [["2023-01-01T00:00:00Z",
                                                      "2023-12-31T23:59:59Z"]]


@pytest.mark.parametrize("value", ["2025", "2025-13-01", "2025-01-01T00:00:00", "../..",
                                   "2025-02-01/2025-01-01", "a/b/c"])
def test_bad_datetime_is_400_in_chinese(client, value):
    doc = get_json(client, TARGETS, status=400, query_string={"datetime": value})
    assert "datetime" in doc["description"] and doc["code"] == "InvalidParameterValue"


def test_bbox_across_the_antimeridian(client, replace_frame):
    frame = gpd.GeoDataFrame({"id": ["east", "west", "home"], "name": ["a", "b", "c"]},
                             geometry=[Point(179.5, 10), Point(-179.5, 10), Point(119, 34)],
                             crs="EPSG:4326")
    replace_frame("partners", frame)
    url = "/api/collections/partners/items"
    assert ids(client, f"{url}?bbox=179,5,-179,15") == ["east", "west"]
    assert ids(client, f"{url}?bbox=5,179,15,-179&bbox-crs=EPSG:4326") == ["east", "west"]
    assert ids(client, f"{url}?bbox=118,30,120,35") == ["home"]


def test_limit_above_the_maximum_is_the_maximum(client, catalog):
    doc = get_json(client, f"{TARGETS}?limit=100000")
    assert doc["numberReturned"] == doc["numberMatched"] == len(catalog.frame("targets"))
    assert all("limit=10000" in link["href"] for link in doc["links"]
               if link["rel"] in ("self", "alternate"))


@pytest.mark.parametrize("spelling, skipped", [("1", True), ("yes", True), ("TRUE", True),
                                               ("0", False), ("off", False)])
def test_skip_geometry_spellings(client, spelling, skipped):
    doc = get_json(client, f"{TARGETS}?limit=2&skipGeometry={spelling}")
    assert all((f["geometry"] is None) == skipped for f in doc["features"])


def test_targets_are_light_and_link_their_region(client):
    response = client.get(TARGETS)  # the default limit
    doc = json.loads(response.data)
    assert len(doc["features"]) == 10 and len(response.data) < 20_000
    assert {f["geometry"]["type"] for f in doc["features"]} == {"Point"}
    one = doc["features"][0]
    item = get_json(client, f"{TARGETS}/{one['id']}")
    region = next(link for link in item["links"] if link["rel"] == "related")
    adcode = one["properties"]["region_adcode"]
    assert region["href"].endswith(f"/items/{adcode}")
    polygon = get_json(client, region["href"].replace("http://localhost", ""))
    assert polygon["id"] == adcode and polygon["geometry"]["type"] == "MultiPolygon"


CQL_TABLE = [
    ("indicator_id='rd_intensity' AND year=2025", "indicator_id=rd_intensity&year=2025"),
    ("kind = 'baseline'", "kind=baseline"),
    ("region_adcode='321300' AND kind='target'", "region_adcode=321300&kind=target"),
    ("year=2020 AND source='table'", "year=2020&source=table"),
]


@pytest.mark.parametrize("cql, equality", CQL_TABLE)
def test_cql2_text_gives_the_rows_of_the_equality_filters(client, cql, equality):
    by_cql = ids(client, f"{TARGETS}?limit=1000&filter={cql}")
    assert by_cql and by_cql == ids(client, f"{TARGETS}?limit=1000&{equality}")


def test_cql2_json_gives_the_same_rows(client):
    expression = {"op": "and", "args": [
        {"op": "=", "args": [{"property": "indicator_id"}, "rd_intensity"]},
        {"op": "=", "args": [{"property": "year"}, 2025]}]}
    by_json = ids(client, TARGETS + "?limit=1000&filter-lang=cql2-json&filter="
                  + json.dumps(expression))
    assert by_json == ids(client, f"{TARGETS}?limit=1000&indicator_id=rd_intensity&year=2025")


def test_cql2_operators(client, catalog):
    frame = catalog.frame("targets")
    def count(cql):
        return get_json(client, TARGETS, query_string={"filter": cql})["numberMatched"]
    assert count("year BETWEEN 2021 AND 2025") == frame["year"].between(2021, 2025).sum()
    assert count("year IN (2020, 2025)") == frame["year"].isin([2020, 2025]).sum()
    assert count("value_max IS NULL") == frame["value_max"].isna().sum()
    assert count("NOT (year = 2025) OR year = 2025") == len(frame)
    assert count("indicator_name LIKE '%研发%'") == frame["indicator_name"].str.contains(
        "研发").sum() > 0
    assert count("year > 2020 AND kind <> 'target'") == (
        (frame["year"] > 2020) & (frame["kind"] != "target")).sum()


def test_cql2_spatial_filters(client, catalog):
    counties = catalog.frame("boundaries-county")
    url = "/api/collections/boundaries-county/items"
    inside = ids(client, url + "?filter=S_INTERSECTS(geometry, POINT(119.2216 34.5967))")
    assert inside == ["320706"]  # 海州区
    box = "S_INTERSECTS(geometry, BBOX(118.2,33.8,118.9,34.3))"
    by_bbox = ids(client, f"{url}?bbox=118.2,33.8,118.9,34.3&limit=100")
    assert sorted(ids(client, f"{url}?limit=100&filter={box}")) == sorted(by_bbox)
    lat_lon = "S_INTERSECTS(geometry, POINT(34.5967 119.2216))"
    assert ids(client, f"{url}?filter={lat_lon}&filter-crs=EPSG:4326") == ["320706"]
    assert len(by_bbox) < len(counties)


@pytest.mark.parametrize("cql, fragment", [
    ("nosuch = 1", "nosuch"), ("year = = 2", "1:8"),
    ("year = 'soon'", "year"), ("name LIKE", "cql2-text")])
def test_bad_cql2_is_400_with_the_reason(client, cql, fragment):
    doc = get_json(client, TARGETS, status=400, query_string={"filter": cql})
    assert fragment in doc["description"] and doc["code"] == "InvalidParameterValue"


def test_405_names_the_allowed_methods(client):
    response = client.post("/api/collections")
    assert response.status_code == 405 and "GET" in response.headers["Allow"]


def test_cors_preflight_allows_if_none_match(client):
    response = client.options(TARGETS, headers={
        "Origin": "http://intranet.example", "Access-Control-Request-Method": "GET",
        "Access-Control-Request-Headers": "if-none-match"})
    assert response.status_code == 200
    assert "If-None-Match" in response.headers["Access-Control-Allow-Headers"]
    assert "GET" in response.headers["Access-Control-Allow-Methods"]


def test_accept_negotiation_and_f_wins(client):
    browser = {"Accept": "text/html,application/xhtml+xml,*/*;q=0.8"}
    page = client.get(TARGETS, headers=browser)
    assert page.content_type.startswith("text/html") and "Accept" in page.headers["Vary"]
    assert client.get(TARGETS, headers={"Accept": "*/*"}).content_type == "application/geo+json"
    forced = client.get(f"{TARGETS}?f=json", headers=browser)
    assert forced.content_type == "application/geo+json"


def test_empty_collections_publish_their_fields(client):
    schema = get_json(client, "/api/collections/imported-metrics/schema")
    assert schema["properties"]["year"]["type"] == "integer"
    assert schema["properties"]["value"]["type"] == "number"
    assert schema["properties"]["geometry"]["format"] == "geometry-multipolygon"


def test_schema_types_do_not_depend_on_the_first_page(client, catalog):
    schema = get_json(client, "/api/collections/corridors-areas/schema")["properties"]
    assert schema["buffer_m"]["type"] == "number"

"""The feature API through the Flask test client: documents, items, errors, HTTP."""

from __future__ import annotations

import gzip
import json
import re

import geopandas as gpd
import numpy as np
import pytest
import shapely
from shapely.geometry import Point

from layers import REGISTRY

ITEMS = "/api/collections/boundaries-county/items"


def get_json(client, url, status=200, **kw):
    response = client.get(url, **kw)
    assert response.status_code == status, (url, response.data[:300])
    return json.loads(response.data)


def ring_area(ring) -> float:
    """Signed shoelace area: positive for counter-clockwise in lon/lat."""
    xy = np.asarray(ring)
    x, y = xy[:, 0], xy[:, 1]
    return 0.5 * float(np.sum(x[:-1] * y[1:] - x[1:] * y[:-1]))


def polygons_of(geometry):
    if geometry["type"] == "Polygon":
        return [geometry["coordinates"]]
    if geometry["type"] == "MultiPolygon":
        return geometry["coordinates"]
    return []


def coordinate_arrays(coords):
    """Every point, line or ring of a GeoJSON ``coordinates`` member as an (n, 2) array."""
    if isinstance(coords[0], (int, float)):
        yield np.asarray([coords], dtype=float)
    elif isinstance(coords[0][0], (int, float)):
        yield np.asarray(coords, dtype=float)
    else:
        for part in coords:
            yield from coordinate_arrays(part)


def test_landing_links_openapi_with_media_type(client):
    doc = get_json(client, "/api/")
    rels = {(link["rel"], link["type"]): link["href"] for link in doc["links"]}
    assert rels[("service-desc", "application/vnd.oai.openapi+json;version=3.0")].endswith(
        "/api/openapi")
    assert ("conformance", "application/json") in rels and ("data", "application/json") in rels


def test_conformance_declares_core_geojson_and_crs(client):
    classes = get_json(client, "/api/conformance")["conformsTo"]
    assert "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core" in classes
    assert "http://www.opengis.net/spec/ogcapi-features-2/1.0/conf/crs" in classes


COLLECTIONS = {coll.id: (layer, coll) for layer in REGISTRY.values()
               for coll in layer.collections()}


def served_frame(catalog, cid):
    """The rows and geometries collection ``cid`` serves, from its layer's frame."""
    layer, coll = COLLECTIONS[cid]
    return coll.frame(catalog.whole(layer.id))


@pytest.mark.parametrize("cid", sorted(COLLECTIONS))
def test_every_collection_is_listed_with_its_crs_list_and_type(client, catalog, cid):
    doc = get_json(client, f"/api/collections/{cid}")
    layer, coll = COLLECTIONS[cid]
    assert doc["id"] == cid and doc["title"] == coll.title
    assert doc["description"] == coll.description and doc["itemType"] == "feature"
    assert doc["geometryType"] == coll.geometry_type
    assert "http://www.opengis.net/def/crs/EPSG/0/4326" in doc["crs"]
    assert doc["storageCrs"] == "http://www.opengis.net/def/crs/OGC/1.3/CRS84"
    frame = served_frame(catalog, cid)
    if len(frame):
        minx, miny, maxx, maxy = frame.total_bounds
        ext = doc["extent"]["spatial"]["bbox"][0]
        assert ext == pytest.approx([minx, miny, maxx, maxy], abs=1e-6)
    else:
        assert "spatial" not in doc.get("extent", {})  # no whole-world extent when empty
    listed = [c["id"] for c in get_json(client, "/api/collections")["collections"]]
    assert cid in listed


def test_every_layer_is_served_by_at_least_one_collection():
    assert {layer.id for layer, _ in COLLECTIONS.values()} == set(REGISTRY)


@pytest.mark.parametrize("cid", sorted(COLLECTIONS))
def test_every_collection_in_openapi_with_its_queryables(client, catalog, cid):
    paths = get_json(client, "/api/openapi")["paths"]
    items = paths[f"/collections/{cid}/items"]["get"]
    names = {p.get("name") for p in items["parameters"]}
    layer, _ = COLLECTIONS[cid]
    queryables = layer.queryables(served_frame(catalog, cid))
    assert set(queryables) - {"f", "limit", "offset", "bbox", "crs", "sortby"} <= names
    assert f"/collections/{cid}/items/{{featureId}}" in paths


@pytest.mark.parametrize("cid", sorted(COLLECTIONS))
def test_every_collection_serves_rfc7946_geojson_of_one_type(client, catalog, cid):
    frame = served_frame(catalog, cid)
    response = client.get(f"/api/collections/{cid}/items?limit=10000")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "application/geo+json"
    doc = json.loads(response.data)
    assert doc["type"] == "FeatureCollection" and "crs" not in doc
    assert doc["numberMatched"] == doc["numberReturned"] == len(frame)
    layer, coll = COLLECTIONS[cid]
    assert [f["id"] for f in doc["features"]] == [
        v.item() if hasattr(v, "item") else v for v in frame[layer.id_field]]
    assert {f["geometry"]["type"] for f in doc["features"] if f["geometry"]} <= {
        coll.geometry_type}
    for feature in doc["features"]:
        assert feature["type"] == "Feature" and "crs" not in feature
        if feature["geometry"] is None:
            continue
        for array in coordinate_arrays(feature["geometry"]["coordinates"]):
            assert array.shape[1] == 2 and np.array_equal(np.round(array, 6), array)


def test_boundary_ids_are_adcodes_and_item_round_trips(client):
    doc = get_json(client, f"{ITEMS}?limit=3&offset=5")
    first = doc["features"][0]
    assert re.fullmatch(r"\d{6}", first["id"]) and first["id"] == first["properties"]["adcode"]
    one = get_json(client, f"{ITEMS}/{first['id']}")
    assert one["properties"] == first["properties"]
    assert one["geometry"] == first["geometry"]
    assert len(one["bbox"]) == 4


def test_paging_links_cover_the_collection_once(client):
    seen, url, pages = [], f"{ITEMS}?limit=30", 0
    while url:
        doc = get_json(client, url)
        assert doc["numberMatched"] == 100 and doc["numberReturned"] == len(doc["features"])
        seen += [f["id"] for f in doc["features"]]
        nxt = [link["href"] for link in doc["links"] if link["rel"] == "next"]
        if pages:
            assert any(link["rel"] == "prev" for link in doc["links"])
        url = nxt[0].replace("http://localhost", "") if nxt else None
        pages += 1
    assert pages == 4 and len(seen) == len(set(seen)) == 100


def test_bbox_filter_matches_geopandas(client, catalog):
    frame = catalog.frame("boundaries-county")
    box = (118.5, 33.5, 119.5, 34.5)
    expected = sorted(frame.loc[frame.intersects(shapely.box(*box)), "adcode"])
    doc = get_json(client, f"{ITEMS}?bbox={','.join(map(str, box))}&limit=1000")
    assert sorted(f["id"] for f in doc["features"]) == expected and 0 < len(expected) < 100
    swapped = f"{box[1]},{box[0]},{box[3]},{box[2]}"
    doc4326 = get_json(client, f"{ITEMS}?bbox={swapped}&limit=1000"
                               "&bbox-crs=http://www.opengis.net/def/crs/EPSG/0/4326")
    assert sorted(f["id"] for f in doc4326["features"]) == expected


def test_equality_filters_sort_and_property_selection(client, catalog):
    frame = catalog.frame("boundaries-county")
    expected = sorted(frame.loc[frame["city_adcode"] == "320700", "adcode"], reverse=True)
    doc = get_json(client, f"{ITEMS}?city_adcode=320700&sortby=-adcode"
                           "&properties=name,adcode&skipGeometry=true&limit=100")
    assert [f["id"] for f in doc["features"]] == expected
    assert all(f["geometry"] is None and set(f["properties"]) == {"name", "adcode"}
               for f in doc["features"])
    assert doc["numberMatched"] == len(expected)


@pytest.mark.parametrize("query, fragment", [
    ("limit=0", "limit"),
    ("limit=ten", "limit"),
    ("offset=-1", "offset"),
    ("bbox=1,2,3", "bbox"),
    ("bbox=a,b,c,d", "bbox"),
    ("bbox=119,35,118,34", "bbox"),
    ("bbox=34,118,35,200", "bbox"),
    ("bbox=1,1,2,2&bbox-crs=EPSG:9999", "bbox-crs"),
    ("crs=EPSG:27700", "crs"),
    ("colour=red", "colour"),
    ("properties=nope", "nope"),
    ("properties=geometry", "geometry"),
    ("sortby=nope", "nope"),
    ("skipGeometry=maybe", "skipGeometry"),
    ("f=xml", "xml"),
    ("limit=-1", "limit"),
    ("limit=1&limit=2", "limit"),
])
def test_invalid_parameters_are_400_with_code_and_description(client, query, fragment):
    doc = get_json(client, f"{ITEMS}?{query}", status=400)
    assert doc["code"] == "InvalidParameterValue" and fragment in doc["description"]


def test_typed_filter_values_are_checked(client, replace_frame):
    frame = gpd.GeoDataFrame({"adcode": ["320703", "320706"], "year": [2020, 2025],
                              "value": [1.5, np.nan]},
                             geometry=[Point(119.2, 34.6), Point(119.3, 34.7)],
                             crs="EPSG:4326")
    replace_frame("boundaries-county", frame)
    assert [f["id"] for f in get_json(client, f"{ITEMS}?year=2025")["features"]] == ["320706"]
    assert get_json(client, f"{ITEMS}?value=1.5")["numberMatched"] == 1
    assert "year" in get_json(client, f"{ITEMS}?year=soon", status=400)["description"]
    assert get_json(client, f"{ITEMS}?value=nan", status=400)["code"]
    nan_out = get_json(client, f"{ITEMS}?sortby=-value")["features"]
    assert [f["properties"]["value"] for f in nan_out] == [1.5, None]


def test_replaced_frame_is_served_not_a_stale_cache(client, replace_frame):
    before = get_json(client, ITEMS)["numberMatched"]
    tiny = gpd.GeoDataFrame({"adcode": ["999999"]}, geometry=[Point(119.2, 34.6)],
                            crs="EPSG:4326")
    replace_frame("boundaries-county", tiny)
    assert get_json(client, ITEMS)["numberMatched"] == 1
    coll = get_json(client, "/api/collections/boundaries-county")
    assert coll["numberOfFeatures"] == 1 and before == 100


def test_unknown_collection_and_item_are_json_404(client):
    assert get_json(client, "/api/collections/nope/items", status=404)["code"] == "NotFound"
    assert get_json(client, f"{ITEMS}/000000", status=404)["code"] == "NotFound"
    assert get_json(client, "/api/collections/nope", status=404)["code"] == "NotFound"


def test_etag_304_cache_control_and_cors(client):
    first = client.get(f"{ITEMS}?limit=5")
    etag = first.headers["ETag"]
    assert first.headers["Cache-Control"].startswith("public")
    assert first.headers["Access-Control-Allow-Origin"] == "*"
    again = client.get(f"{ITEMS}?limit=5", headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.data == b"" and again.headers["ETag"] == etag
    other = client.get(f"{ITEMS}?limit=6", headers={"If-None-Match": etag})
    assert other.status_code == 200 and other.headers["ETag"] != etag
    filtered = client.get(f"{ITEMS}?bbox=118,33,119,34")
    assert client.get(f"{ITEMS}?bbox=118,33,119,34",
                      headers={"If-None-Match": filtered.headers["ETag"]}).status_code == 304


def test_gzip_when_accepted(client):
    plain = client.get(f"{ITEMS}?limit=20")
    packed = client.get(f"{ITEMS}?limit=20", headers={"Accept-Encoding": "gzip"})
    assert packed.headers["Content-Encoding"] == "gzip"
    assert "Accept-Encoding" in packed.headers["Vary"]
    assert gzip.decompress(packed.data) == plain.data and len(packed.data) < len(plain.data)
    assert packed.headers["ETag"] != plain.headers["ETag"]
    assert "Content-Encoding" not in plain.headers


@pytest.mark.parametrize("url", [
    "/api/?f=html", "/api/conformance?f=html", "/api/collections?f=html",
    "/api/collections/boundaries-county?f=html", f"{ITEMS}?f=html&limit=3",
    "/api/collections/imported-carriers?f=html", "/api/collections/targets?f=html",
    f"{ITEMS}/320703?f=html",
])
def test_html_pages_are_chinese_and_offline(client, url):
    response = client.get(url)
    assert response.status_code == 200 and response.mimetype == "text/html"
    text = response.get_data(as_text=True)
    assert re.search(r"[\u4e00-\u9fff]", text)
    hosts = re.findall(r"""(?:src|href)=["']?(?:https?:)?//([^/"'?]+)""", text)
    assert set(hosts) <= {"localhost"}
    assert "<script" not in text


def test_index_page_links_the_api(client):
    text = client.get("/").get_data(as_text=True)
    assert 'href="/api/?f=html"' in text and 'href="/api/openapi"' in text


def test_cached_documents_follow_the_host_and_errors_are_not_cached(client):
    one = get_json(client, "/api/collections", base_url="http://one.example:8000")
    two = get_json(client, "/api/collections", base_url="http://two.example")
    assert one["links"][0]["href"].startswith("http://one.example:8000/api/")
    assert two["links"][0]["href"].startswith("http://two.example/api/")
    for _ in range(2):
        assert get_json(client, f"{ITEMS}?limit=0", status=400)["code"]


def test_sortby_plus_prefix_and_targets_style_filters(client, catalog):
    frame = catalog.frame("boundaries-county")
    doc = get_json(client, f"{ITEMS}?sortby=%2Bname&limit=5&skipGeometry=true")
    assert [f["properties"]["name"] for f in doc["features"]] == sorted(frame["name"])[:5]
    plus_as_space = get_json(client, f"{ITEMS}?sortby=+name&limit=5&skipGeometry=true")
    assert plus_as_space["features"] == doc["features"]

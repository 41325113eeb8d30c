"""Real OGC API clients against the live gunicorn server: OWSLib and GDAL's OAPIF driver."""

from __future__ import annotations

import json
import urllib.request

import pyogrio
import pyproj
import pytest
import shapely
from owslib.ogcapi.features import Features

pytestmark = pytest.mark.live
COUNTY = "boundaries-county"


def test_owslib_lists_collections_and_reads_items(live_url, catalog):
    api = Features(f"{live_url}/api/")
    assert set(api.feature_collections()) == {c.id for layer in catalog.layers.values()
                                              for c in layer.collections()}
    assert "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core" in (
        api.conformance()["conformsTo"])
    page = api.collection_items(COUNTY, limit=7, offset=3)
    frame = catalog.frame(COUNTY)
    assert [f["id"] for f in page["features"]] == list(frame["adcode"][3:10])
    assert page["numberMatched"] == len(frame)
    one = api.collection_item(COUNTY, "320703")
    assert one["properties"]["name"] == frame.set_index("adcode").loc["320703", "name"]
    assert api.api()["paths"][f"/collections/{COUNTY}/items"]
    queryables = api.collection_queryables(COUNTY)["properties"]
    assert queryables["city_adcode"]["type"] == "string"


def test_gdal_oapif_pages_through_a_whole_collection(live_url, catalog):
    source = f"OAPIF:{live_url}/api/collections/{COUNTY}"
    frame = catalog.frame(COUNTY)
    read = pyogrio.read_dataframe(source, PAGE_SIZE=30)
    assert len(read) == len(frame) == 100
    assert sorted(read["adcode"]) == sorted(frame["adcode"])
    assert read.crs == pyproj.CRS("OGC:CRS84")  # one page holds at most 30: GDAL paged
    merged = read.set_index("adcode").geometry
    original = frame.set_index("adcode").geometry
    sample = "320703"
    assert shapely.hausdorff_distance(merged[sample], original[sample]) < 2e-6


def test_gdal_oapif_applies_a_bbox(live_url, catalog):
    box = (118.5, 33.5, 119.5, 34.5)
    frame = catalog.frame(COUNTY)
    expected = set(frame.loc[frame.intersects(shapely.box(*box)), "adcode"])
    read = pyogrio.read_dataframe(f"OAPIF:{live_url}/api/collections/{COUNTY}",
                                  bbox=box, PAGE_SIZE=5)
    assert set(read["adcode"]) == expected and 5 < len(expected) < 100


def test_live_server_gzip_and_304(live_url):
    url = f"{live_url}/api/collections/{COUNTY}/items?limit=50"
    request = urllib.request.Request(url, headers={"Accept-Encoding": "gzip"})
    with urllib.request.urlopen(request) as response:
        assert response.headers["Content-Encoding"] == "gzip"
        etag = response.headers["ETag"]
    conditional = urllib.request.Request(url, headers={"Accept-Encoding": "gzip",
                                                       "If-None-Match": etag})
    with pytest.raises(urllib.error.HTTPError) as info:
        urllib.request.urlopen(conditional)
    assert info.value.code == 304
    with urllib.request.urlopen(url) as response:
        assert json.loads(response.read())["numberReturned"] == 50

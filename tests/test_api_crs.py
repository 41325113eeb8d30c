"""Part 2 (CRS): a known point comes back at the right coordinates in every CRS."""

from __future__ import annotations

import json
import math

import geopandas as gpd
import numpy as np
import prcoords
import pytest
from shapely.geometry import Point, Polygon

from geo.crs import SUPPORTED, bbox_to_lonlat, parse_crs, transform_geometries

ITEMS = "/api/collections/partners/items"  # a Point collection
LON, LAT = 119.221611, 34.596653  # 连云港市海州区, WGS84
R = 6378137.0


def mercator(lon, lat):
    """Spherical Web Mercator, written out from its definition."""
    return (R * math.radians(lon), R * math.log(math.tan(math.pi / 4 + math.radians(lat) / 2)))


def expected(crs_uri):
    gcj = prcoords.wgs_gcj((LAT, LON))
    return {
        "http://www.opengis.net/def/crs/OGC/1.3/CRS84": (LON, LAT),
        "http://www.opengis.net/def/crs/EPSG/0/4326": (LAT, LON),
        "http://www.opengis.net/def/crs/EPSG/0/4490": (LAT, LON),
        "http://www.opengis.net/def/crs/EPSG/0/3857": mercator(LON, LAT),
        "urn:x-innomap:def:crs:GCJ-02": (gcj.lon, gcj.lat),
    }[crs_uri]


@pytest.fixture()
def one_point(replace_frame):
    frame = gpd.GeoDataFrame({"id": ["320706"], "name": ["海州区"]},
                             geometry=[Point(LON, LAT)], crs="EPSG:4326")
    replace_frame("partners", frame)


@pytest.mark.parametrize("crs_uri", list(SUPPORTED))
def test_known_point_in_each_crs(client, one_point, crs_uri):
    response = client.get(ITEMS, query_string={"crs": crs_uri})
    assert response.status_code == 200
    assert response.headers["Content-Crs"] == f"<{crs_uri}>"
    coords = json.loads(response.data)["features"][0]["geometry"]["coordinates"]
    tolerance = 0.01 if "3857" in crs_uri else 2e-6
    assert coords == pytest.approx(expected(crs_uri), abs=tolerance)
    item = client.get(f"{ITEMS}/320706", query_string={"crs": crs_uri})
    assert json.loads(item.data)["geometry"]["coordinates"] == coords
    assert item.headers["Content-Crs"] == f"<{crs_uri}>"


def test_default_is_crs84_lon_lat(client, one_point):
    response = client.get(ITEMS)
    assert response.headers["Content-Crs"] == "<http://www.opengis.net/def/crs/OGC/1.3/CRS84>"
    assert json.loads(response.data)["features"][0]["geometry"]["coordinates"] == [LON, LAT]


def test_short_forms_and_unsupported_crs(client, one_point):
    lat_first = client.get(ITEMS, query_string={"crs": "[EPSG:4326]"})
    assert json.loads(lat_first.data)["features"][0]["geometry"]["coordinates"] == [LAT, LON]
    bad = client.get(ITEMS, query_string={"crs": "http://www.opengis.net/def/crs/EPSG/0/2000"})
    assert bad.status_code == 400 and "crs" in bad.get_json()["description"]


@pytest.mark.parametrize("crs_uri", list(SUPPORTED))
def test_bbox_crs_finds_the_point_in_its_own_axis_order(client, one_point, crs_uri):
    a, b = expected(crs_uri)
    pad = 100.0 if "3857" in crs_uri else 0.001
    bbox = f"{a - pad},{b - pad},{a + pad},{b + pad}"
    hit = client.get(ITEMS, query_string={"bbox": bbox, "bbox-crs": crs_uri})
    assert hit.status_code == 200 and hit.get_json()["numberMatched"] == 1
    far = f"{a + 2 * pad},{b + 2 * pad},{a + 3 * pad},{b + 3 * pad}"
    miss = client.get(ITEMS, query_string={"bbox": far, "bbox-crs": crs_uri})
    assert miss.get_json()["numberMatched"] == 0


def test_lat_lon_output_keeps_geographic_ring_orientation():
    square = Polygon([(119, 34), (120, 34), (120, 35), (119, 35)])
    out = transform_geometries(np.array([square]), parse_crs("EPSG:4326"))[0]
    assert list(out.exterior.coords)[1] == (34.0, 120.0)


def test_bbox_to_lonlat_for_mercator():
    x0, y0 = mercator(118, 34)
    x1, y1 = mercator(119, 35)
    got = bbox_to_lonlat((x0, y0, x1, y1), parse_crs("EPSG:3857"))
    assert got == pytest.approx((118, 34, 119, 35), abs=1e-9)


def test_parse_crs_rejects_unknown_with_the_value():
    with pytest.raises(ValueError, match="EPSG:1234"):
        parse_crs("EPSG:1234")

"""The framework-free query core (geo.features) on tiny frames."""

from __future__ import annotations

import json

import geopandas as gpd
import numpy as np
import pytest
from shapely.geometry import Point, Polygon

from geo.features import (
    FeatureTable,
    Query,
    QueryError,
    coerce,
    collection_page,
    feature_collection,
    links_json,
    select,
)

# An L-shaped polygon given clockwise: its bounds cover (119.5, 34.5) but it does not.
L_SHAPE_CW = Polygon([(119, 34), (119, 35), (119.2, 35), (119.2, 34.2), (120, 34.2),
                      (120, 34), (119, 34)])


@pytest.fixture()
def table():
    frame = gpd.GeoDataFrame(
        {"id": ["b", "a", "c"], "year": [2025, 2020, 2025], "score": [2.5, np.nan, 1.0]},
        geometry=[L_SHAPE_CW, Point(119.1234564999, 34.5000004), Point(121.0, 33.0)],
        crs="EPSG:4326")
    return FeatureTable(frame=frame, id_field="id", queryable_names=["id", "year", "score"])


def collection(table, query):
    return json.loads(feature_collection(table, select(table, query), query, []))


def test_rings_counter_clockwise_and_six_decimals(table):
    doc = collection(table, Query(limit=10))
    ring = doc["features"][0]["geometry"]["coordinates"][0]
    assert ring[:3] == [[119.0, 34.0], [120.0, 34.0], [120.0, 34.2]]  # the input reversed
    assert doc["features"][1]["geometry"]["coordinates"] == [119.123456, 34.5]
    assert doc["bbox"] == [119.0, 33.0, 121.0, 35.0] and "crs" not in doc


def test_bbox_uses_the_geometry_not_its_bounds(table):
    assert select(table, Query(bbox=(119.4, 34.4, 119.6, 34.6))).matched == 0
    hit = select(table, Query(bbox=(119.1, 34.4, 119.6, 34.6)))
    assert [table.ids[i] for i in hit.positions] == ["b", "a"]


def test_filters_sort_with_missing_last_and_paging(table):
    assert select(table, Query(filters=(("year", 2025),))).matched == 2
    ordered = select(table, Query(sortby=(("score", False),)))
    assert [table.ids[i] for i in ordered.positions] == ["b", "c", "a"]
    page = select(table, Query(limit=1, offset=1, sortby=(("id", True),)))
    assert [table.ids[i] for i in page.positions] == ["b"] and page.matched == 3


def test_missing_values_are_null_and_properties_selected(table):
    doc = collection(table, Query(properties=("score",), skip_geometry=True))
    assert [f["properties"] for f in doc["features"]] == [
        {"score": 2.5}, {"score": None}, {"score": 1.0}]
    assert all(f["geometry"] is None for f in doc["features"]) and "bbox" not in doc


@pytest.mark.parametrize("kind, raw, value", [("integer", "2025", 2025),
                                              ("number", "2.5", 2.5),
                                              ("boolean", "true", True),
                                              ("string", "2025", "2025")])
def test_coerce_by_column_kind(kind, raw, value):
    assert coerce(kind, "x", raw) == value and type(coerce(kind, "x", raw)) is type(value)


@pytest.mark.parametrize("kind, raw", [("integer", "2.5"), ("number", "inf"),
                                       ("boolean", "maybe"), ("integer", "")])
def test_coerce_rejects_with_the_name(kind, raw):
    with pytest.raises(QueryError, match="year"):
        coerce(kind, "year", raw)


def test_point_bbox_search_keeps_boundary_points_and_table_order():
    lon = [119.0, 118.5, 119.5, 119.0, 120.0, 118.999999]
    lat = [34.0, 34.5, 34.5, 35.0, 34.5, 34.5]
    frame = gpd.GeoDataFrame({"id": [f"p{i}" for i in range(len(lon))]},
                             geometry=[Point(x, y) for x, y in zip(lon, lat)], crs="EPSG:4326")
    points = FeatureTable(frame=frame, id_field="id", queryable_names=[])
    # the box's corner, edges and inside count; 1e-6 west of its edge does not
    assert points.intersecting((119.0, 34.0, 119.5, 35.0)).tolist() == [0, 2, 3]
    assert points.intersecting((110.0, 30.0, 111.0, 31.0)).tolist() == []
    rng = np.random.default_rng(7)
    for _ in range(20):
        x0, x1 = sorted(rng.uniform(118.4, 120.1, 2))
        y0, y1 = sorted(rng.uniform(33.9, 35.1, 2))
        inside = [i for i, (x, y) in enumerate(zip(lon, lat)) if x0 <= x <= x1 and y0 <= y <= y1]
        assert points.intersecting((x0, y0, x1, y1)).tolist() == inside


def page_tag(table, query, links=()):
    return collection_page(table, select(table, query), query, list(links)).tag


def test_page_tag_follows_the_body(table):
    query = Query(limit=2, bbox=(118.0, 33.0, 122.0, 36.0))
    assert page_tag(table, query) == page_tag(table, query)
    tags = {page_tag(table, query), page_tag(table, Query(limit=1, bbox=query.bbox)),
            page_tag(table, Query(limit=2, offset=1, bbox=query.bbox)),
            page_tag(table, query, [{"href": "http://other/", "rel": "self"}])}
    assert len(tags) == 4  # rows, paging members or links differ: the tag does too
    changed = table.frame.copy()
    changed.loc[0, "year"] = 2026  # same rows, one property value changed
    other = FeatureTable(frame=changed, id_field="id", queryable_names=["id", "year"])
    assert page_tag(other, query) not in tags
    assert page_tag(table, Query(limit=2, skip_geometry=True)) is None  # hashed from the body


@pytest.mark.parametrize("links", [
    [],
    [{"href": 'http://h/p?q="a"&b=\\中\n', "rel": "self", "type": "application/geo+json",
      "title": "本页"}, {"href": "http://h/", "rel": "next", "type": "text/html"}],
    [{"href": "http://h/", "rel": "self", "length": 3}],  # a non-text member
])
def test_links_json_is_the_json_of_the_links(links):
    assert json.loads(links_json(links)) == links
    assert links_json(links) == json.dumps(links, ensure_ascii=False,
                                           separators=(",", ":")).encode()

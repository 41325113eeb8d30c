"""Property-based tests of the items parameters: never a 500, every body matches
the schema the OpenAPI document publishes for it."""

from __future__ import annotations

import json
from urllib.parse import quote

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from jsonschema import Draft202012Validator

from geo.crs import SUPPORTED
from layers import REGISTRY

FUZZ = settings(max_examples=120, deadline=None,
                suppress_health_check=[HealthCheck.function_scoped_fixture])

numbers = st.one_of(st.integers(-10**6, 10**6).map(str),
                    st.floats(allow_nan=True, allow_infinity=True).map(repr),
                    st.sampled_from(["1e400", "-0", "", " ", "0x10", "10001", "0"]))
bboxes = st.one_of(
    st.lists(st.floats(-200, 200, allow_nan=False), min_size=3, max_size=7)
    .map(lambda v: ",".join(map(str, v))),
    st.sampled_from(["118,33,119,34", "33,118,34,119", "1.3e7,4e6,1.4e7,4.2e6", "a,b,c,d"]),
)
texts = st.text(max_size=12)
values = {
    "limit": numbers, "offset": numbers, "bbox": bboxes,
    "bbox-crs": st.one_of(st.sampled_from(list(SUPPORTED)), texts),
    "crs": st.one_of(st.sampled_from(list(SUPPORTED)), texts),
    "properties": st.one_of(st.sampled_from(["name,adcode", "adcode", "", "geometry"]), texts),
    "skipGeometry": st.sampled_from(["true", "false", "TRUE", "1", ""]),
    "sortby": st.one_of(st.sampled_from(["name", "-adcode", "+level", " adcode", "x"]), texts),
    "f": st.sampled_from(["json", "html", "xml", ""]),
    "level": st.sampled_from(["county", "city", ""]),
    "city_adcode": st.sampled_from(["320700", "341300", "0"]),
    "junk": texts,
}
params = st.dictionaries(st.sampled_from(sorted(values)), st.just(None), max_size=5).flatmap(
    lambda keys: st.fixed_dictionaries({k: values[k] for k in keys}))


def to_json_schema(node):
    """OpenAPI 3.0 schema to JSON Schema: ``nullable: true`` becomes ``anyOf [.., null]``."""
    if isinstance(node, list):
        return [to_json_schema(v) for v in node]
    if not isinstance(node, dict):
        return node
    out = {k: to_json_schema(v) for k, v in node.items() if k != "nullable"}
    return {"anyOf": [out, {"type": "null"}]} if node.get("nullable") else out


class Validators(dict):
    """Schema validators by component name (short repr for hypothesis reports)."""

    def __repr__(self):
        return "<validators>"


@pytest.fixture(scope="module")
def validators(app):
    doc = json.loads(app.test_client().get("/api/openapi").data)
    root = {"components": to_json_schema(doc["components"])}

    def make(name):
        return Draft202012Validator({**root, "$ref": f"#/components/schemas/{name}"})

    return Validators({name: make(name) for name in (
        "FeatureCollection", "Feature", "Exception", "LandingPage", "ConfClasses",
        "Collections", "Collection")})


def check(response, validators, schema, also=()):
    assert response.status_code in (200, 400, 404, *also), response.data[:300]
    if response.status_code in also:
        return None
    if response.mimetype == "text/html":  # f=html asks for pages, errors included
        assert b"<html" in response.data
        return None
    body = json.loads(response.data)
    validators["Exception" if response.status_code >= 400 else schema].validate(body)
    return body


@FUZZ
@given(collection=st.sampled_from(sorted(REGISTRY) + ["nope", "boundaries"]), query=params)
def test_items_never_500_and_match_schema(app, validators, collection, query):
    response = app.test_client().get(f"/api/collections/{collection}/items",
                                     query_string=query)
    body = check(response, validators, "FeatureCollection")
    if body and response.status_code == 200:
        assert body["numberReturned"] == len(body["features"]) <= int(query.get("limit", 10))
        assert body["numberMatched"] >= body["numberReturned"]


@FUZZ
@given(fid=st.text(max_size=10), query=st.dictionaries(
    st.sampled_from(["crs", "f", "properties", "skipGeometry", "limit"]), texts, max_size=2))
@example(fid="/", query={})
def test_single_feature_never_500(app, validators, fid, query):
    response = app.test_client().get(
        f"/api/collections/boundaries-county/items/{quote(fid or '320703', safe='')}",
        query_string=query)
    # Werkzeug answers an id with a doubled or trailing slash by a 308 to the merged path.
    check(response, validators, "Feature", also=(308,) if "/" in fid else ())


@pytest.mark.parametrize("url, schema", [
    ("/api/", "LandingPage"), ("/api/conformance", "ConfClasses"),
    ("/api/collections", "Collections"),
    *[(f"/api/collections/{layer_id}", "Collection") for layer_id in sorted(REGISTRY)],
])
def test_documents_match_their_schema(client, validators, url, schema):
    check(client.get(url), validators, schema)

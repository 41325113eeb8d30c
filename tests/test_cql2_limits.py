"""Hostile CQL2 filters are a 400 naming the limit or an answer, never a pinned worker;
LIKE patterns match as the standard defines them, checked against a reference."""

from __future__ import annotations

import json
import random
import re

import geopandas as gpd
import pytest
from shapely.geometry import Point

from geo import cql2
from geo.cql2_eval import FilterTooCostly
from geo.cql2_like import compile_like
from geo.features import FeatureTable

URL = "/api/collections/partners/items"


@pytest.fixture()
def names(replace_frame):
    frame = gpd.GeoDataFrame({"id": [f"p{i}" for i in range(300)],
                              "name": ["企业" + "A" * (i % 60) + "Y" for i in range(300)],
                              "year": [2000 + i % 30 for i in range(300)]},
                             geometry=[Point(118 + i / 1000, 34) for i in range(300)],
                             crs="EPSG:4326")
    replace_frame("partners", frame)
    return frame


def _get(client, cql, lang="cql2-text"):
    response = client.get(URL, query_string={"filter": cql, "filter-lang": lang})
    return response.status_code, json.loads(response.data)


def test_200_percent_signs_are_answered(client, names):
    status, doc = _get(client, "name LIKE '" + "%" * 200 + "Z'")
    assert status == 200 and doc["numberMatched"] == 0
    status, doc = _get(client, "name LIKE '" + "%A" * 60 + "%Y'")
    assert status == 200
    assert doc["numberMatched"] == sum(n.count("A") >= 60 for n in names["name"])


def test_a_10k_in_list_is_a_400_naming_the_limit(client, names):
    status, doc = _get(client, "year IN (" + ",".join(str(i) for i in range(10_000)) + ")")
    assert status == 400 and "filter" in doc["description"] and "20000" in doc["description"]
    status, doc = _get(client, "year IN (" + ",".join("1" for _ in range(1_001)) + ")")
    assert status == 400 and "IN" in doc["description"] and "1000" in doc["description"]
    status, doc = _get(client, "year IN (" + ",".join(str(2000 + i) for i in range(1_000)) + ")")
    assert status == 200 and doc["numberMatched"] == 300


@pytest.mark.parametrize("cql", ["(" * 1000 + "year = 1" + ")" * 1000,
                                 "(" * 1000 + "year = 1", "(" * 11 + "year = 1" + ")" * 11,
                                 "(" * 40 + "year =" + ")" * 40])
def test_deep_nesting_is_a_400_naming_the_limit(client, names, cql):
    status, doc = _get(client, cql)
    assert status == 400 and ("10" in doc["description"] or "20000" in doc["description"])


def test_unbalanced_brackets_never_reach_the_parser(client, names):
    status, doc = _get(client, "(" * 10 + "year = 1")
    assert status == 400 and "unbalanced" in doc["description"]
    status, doc = _get(client, "(" * 10 + "year = 1" + ")" * 10)
    assert status == 200 and doc["numberMatched"] == 0


def test_deep_json_is_a_400(client, names):
    inner = json.dumps({"op": "=", "args": [{"property": "year"}, 2001]})
    text = '{"op": "not", "args": [' * 1000 + inner + "]}" * 1000
    status, body = _get(client, text, "cql2-json")
    assert status == 400 and "filter" in body["description"]


def test_a_1mb_polygon_is_a_400(client, names):
    ring = ", ".join(f"{118 + i * 1e-6:.6f} 34.000000" for i in range(40_000))
    status, doc = _get(client, f"S_INTERSECTS(geometry, POLYGON(({ring})))")
    assert status == 400 and "20000" in doc["description"]


def test_too_many_vertices_is_a_400_naming_the_limit(client, names):
    ring = ",".join(["0 0"] * 2_001)
    status, doc = _get(client, f"S_INTERSECTS(geometry, LINESTRING({ring}))")
    assert status == 400 and "2000" in doc["description"]


def test_the_time_budget_ends_an_evaluation_with_a_query_error(names):
    table = FeatureTable(names, "id", ["name", "year"])
    expression = cql2.parse("name LIKE '%A%' OR year = 2001")
    assert expression.matches(table).sum() > 0
    with pytest.raises(FilterTooCostly, match="time budget"):
        expression.matches(table, budget=-1.0)


# ---- LIKE against a reference built from a regular expression on short texts ----

def _reference(pattern: str, text: str) -> bool:
    out, escaped = [], False
    for char in pattern:
        if escaped:
            out.append(re.escape(char))
            escaped = False
        elif char == "\\":
            escaped = True
        elif char == "%":
            out.append(".*")
        elif char == "_":
            out.append(".")
        else:
            out.append(re.escape(char))
    if escaped:
        out.append(re.escape("\\"))
    return re.fullmatch("".join(out), text, re.DOTALL) is not None


def test_like_agrees_with_a_reference_on_random_patterns():
    rng = random.Random(20)
    alphabet = "ab%_\\.宿"
    for _ in range(5_000):
        pattern = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 7)))
        text = "".join(rng.choice("ab._%\\宿\n") for _ in range(rng.randint(0, 8)))
        assert compile_like(pattern).matches(text) == _reference(pattern, text), (pattern, text)


@pytest.mark.parametrize("pattern, text, expected", [
    ("宿迁_%", "宿迁市", True), ("宿迁_%", "宿迁", False), ("rd.intensity", "rd_intensity", False),
    ("rd_intensity", "rd.intensity", True), ("100\\%", "100%", True), ("100\\%", "1000", False),
    ("a\\_b", "a_b", True), ("a\\_b", "axb", False), ("%", "", True), ("_", "", False),
    ("%%%", "x", True), ("a%a", "a", False), ("a%a", "aa", True)])
def test_like_cases(pattern, text, expected):
    assert compile_like(pattern).matches(text) is expected

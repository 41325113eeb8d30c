"""Whole-layer downloads of the imported carriers: read and written chunk by chunk.

Checked against the seeded rows themselves: every carrier once, in key order, with
its WGS84 position (the CSV as lon/lat columns), across chunk boundaries; and a
download that an import overtakes fails instead of mixing two states.
"""

from __future__ import annotations

import csv
import io
import json

import pandas as pd
import pytest

from store import StoreError, open_store
from tests.test_stored_layers import seeded_carriers
from tests.test_tiles import app_with
from web import services
from web.downloads import csv_chunks

N = 2500


@pytest.fixture(scope="module")
def rows():
    return seeded_carriers(N, seed=41)


@pytest.fixture(scope="module")
def app(tmp_path_factory, rows):
    return app_with(tmp_path_factory, rows)


def expected(rows) -> pd.DataFrame:
    return rows.sort_values(["name", "type", "county_adcode"]).reset_index(drop=True)


def test_csv_has_every_carrier_once_with_its_position(app, rows):
    response = app.test_client().get("/data/carriers.csv")
    assert response.status_code == 200 and response.is_streamed
    text = response.get_data(as_text=True)
    assert text.startswith("\ufeff") and text.count("\ufeff") == 1
    table = list(csv.DictReader(io.StringIO(text.lstrip("\ufeff"))))
    want = expected(rows)
    assert [r["name"] for r in table] == want["name"].tolist()
    assert [float(r["lon"]) for r in table] == pytest.approx(want["lon"].tolist(), abs=1e-7)
    assert [float(r["lat"]) for r in table] == pytest.approx(want["lat"].tolist(), abs=1e-7)
    assert [r["source"] for r in table] == want["source"].tolist()


def test_geojson_is_one_collection_of_every_carrier(app, rows):
    response = app.test_client().get("/data/carriers.geojson")
    assert response.mimetype == "application/geo+json"
    doc = json.loads(response.get_data())
    assert doc["type"] == "FeatureCollection" and len(doc["features"]) == N
    want = expected(rows)
    got = [(f["properties"]["name"], *f["geometry"]["coordinates"]) for f in doc["features"]]
    assert got == [(n, pytest.approx(x), pytest.approx(y))
                   for n, x, y in zip(want["name"], want["lon"], want["lat"])]


def test_chunks_meet_without_a_gap_or_a_repeat(app, rows):
    with app.app_context():
        layer = services(app).catalog.layer("imported-carriers")
        chunks = list(layer.load_chunks(services(app).catalog.context, rows=700))
    assert [len(c) for c in chunks] == [700, 700, 700, 400]
    names = pd.concat(chunks)["name"].tolist()
    assert names == expected(rows)["name"].tolist()
    text = b"".join(csv_chunks(chunks)).decode("utf-8")
    assert text.count("name,") == 1 and len(text.strip().split("\r\n")) == N + 1


def test_a_download_overtaken_by_an_import_fails(tmp_path, rows):
    store = open_store(tmp_path / "store.gpkg")
    store.add_import("carriers", rows, user="t", filename="a.csv", sha256="a")
    chunks = store.current_chunks(1000)
    next(chunks)
    more = seeded_carriers(10, seed=42)
    more["name"] = "新" + more["name"]
    store.add_import("carriers", more, user="t", filename="b.csv", sha256="b")
    with pytest.raises(StoreError):
        list(chunks)

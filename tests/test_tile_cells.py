"""Carriers counted per tile cell at import, so low-zoom tiles need no scan of the points.

Each expected count is worked out here from the seeded points with pyproj's Web
Mercator (not the service's own projection code): a cell of level L is the
WebMercatorQuad tile L/cy/cx, and a tile's grid is the 64 × 64 cells under it.
"""

from __future__ import annotations

import sqlite3

import mapbox_vector_tile
import numpy as np
import pandas as pd
import pytest
from pyproj import Transformer

from store import open_store
from tests.test_store import postgres_url, store  # noqa: F401  (fixtures)
from tests.test_stored_layers import seeded_carriers
from web import create_app

HALF = 20037508.342789244
TO_MERCATOR = Transformer.from_crs(4326, 3857, always_xy=True)
TILE = "/api/collections/imported-carriers/tiles/WebMercatorQuad/{}/{}/{}"


def expected_cells(rows: pd.DataFrame, z: int, y: int, x: int) -> dict:
    """(column, row) within tile z/y/x → (count, mean lon, mean lat) of ``rows``."""
    mx, my = TO_MERCATOR.transform(rows["lon"].to_numpy(), rows["lat"].to_numpy())
    level = 2 ** (z + 6)
    cx = np.floor((mx + HALF) / (2 * HALF) * level).astype(int) - x * 64
    cy = np.floor((HALF - my) / (2 * HALF) * level).astype(int) - y * 64
    inside = (cx >= 0) & (cx < 64) & (cy >= 0) & (cy < 64)
    frame = pd.DataFrame({"cx": cx[inside], "cy": cy[inside], "lon": rows["lon"][inside],
                          "lat": rows["lat"][inside]})
    grouped = frame.groupby(["cx", "cy"]).agg(n=("lon", "size"), lon=("lon", "mean"),
                                              lat=("lat", "mean"))
    return {key: (int(r.n), r.lon, r.lat) for key, r in grouped.iterrows()}


def as_cells(frame: pd.DataFrame, z: int, y: int, x: int) -> dict:
    """The store's answer keyed like :func:`expected_cells` (by the mean position's cell:
    a mean of points in one cell lies in that cell)."""
    mx, my = TO_MERCATOR.transform(frame["lon"].to_numpy(), frame["lat"].to_numpy())
    level = 2 ** (z + 6)
    cx = np.floor((mx + HALF) / (2 * HALF) * level).astype(int) - x * 64
    cy = np.floor((HALF - my) / (2 * HALF) * level).astype(int) - y * 64
    return {(int(a), int(b)): (int(n), lon, lat) for a, b, n, lon, lat in
            zip(cx, cy, frame["count"], frame["lon"], frame["lat"])}


def same(got: dict, want: dict) -> None:
    assert got.keys() == want.keys()
    for key, (n, lon, lat) in want.items():
        assert got[key][0] == n
        assert got[key][1] == pytest.approx(lon, abs=1e-9)
        assert got[key][2] == pytest.approx(lat, abs=1e-9)


@pytest.mark.parametrize("tile", [(6, 25, 53), (7, 51, 105), (8, 102, 212)])
def test_cells_follow_imports_and_rollbacks(store, tile):  # noqa: F811
    first, second = seeded_carriers(4000, seed=21), seeded_carriers(3000, seed=22)
    second["name"] = "乙" + second["name"]
    one = store.add_import("carriers", first, user="t", filename="a.csv", sha256="a")
    same(as_cells(store.current_cells(*tile, 64), *tile), expected_cells(first, *tile))
    store.add_import("carriers", second, user="t", filename="b.csv", sha256="b")
    both = pd.concat([first, second], ignore_index=True)
    same(as_cells(store.current_cells(*tile, 64), *tile), expected_cells(both, *tile))
    store.rollback(one.id, user="t")
    same(as_cells(store.current_cells(*tile, 64), *tile), expected_cells(second, *tile))


def test_only_the_kept_levels_are_answered(store):  # noqa: F811
    store.add_import("carriers", seeded_carriers(100, seed=2), user="t", filename="a.csv",
                     sha256="a")
    assert store.current_cells(9, 204, 424, 64) is None  # zoom 9: counted on request
    assert store.current_cells(8, 102, 212, 48) is None  # not a grid of tile cells
    assert len(store.current_cells(0, 0, 0, 64)) >= 1


def test_a_store_made_before_the_cells_gets_them_on_open(tmp_path):
    rows = seeded_carriers(2000, seed=4)
    path = tmp_path / "old.gpkg"
    open_store(path).add_import("carriers", rows, user="t", filename="a.csv", sha256="a")
    with sqlite3.connect(path) as conn:
        conn.execute("DROP TABLE carrier_cells")
    tile = (8, 102, 212)
    same(as_cells(open_store(path).current_cells(*tile, 64), *tile),
         expected_cells(rows, *tile))


def test_a_low_zoom_tile_draws_the_kept_counts(tmp_path):
    rows = seeded_carriers(6000, seed=9)
    path = tmp_path / "store.gpkg"
    open_store(path).add_import("carriers", rows, user="t", filename="a.csv", sha256="a")
    client = create_app({"testing": True, "store_url": str(path)}).test_client()
    tile = (6, 25, 53)
    response = client.get(TILE.format(*tile))
    layer = mapbox_vector_tile.decode(response.data)["imported-carriers"]
    want = expected_cells(rows, *tile)
    extent = layer["extent"]
    got = {}
    for feature in layer["features"]:
        px, py = feature["geometry"]["coordinates"]  # y up, 0-extent
        key = (int(px * 64 // extent), int((extent - py) * 64 // extent))
        got[key] = got.get(key, 0) + feature["properties"]["count"]
        assert feature["properties"]["cluster"] == 1
    assert got == {key: n for key, (n, _, _) in want.items()}
    assert 2000 < sum(got.values()) < len(rows)  # busy, and not every carrier is in it


def test_more_than_agrees_with_counting_the_points(store):  # noqa: F811
    rows = seeded_carriers(5000, seed=31)
    store.add_import("carriers", rows, user="t", filename="a.csv", sha256="a")
    rng = np.random.default_rng(5)
    boxes = [(118.0, 33.3, 119.1, 34.3), (118.5, 33.8, 118.52, 33.82), (117.0, 30.0, 117.5, 31.0),
             (119.2, 33.2, 117.9, 34.4)]  # the last crosses the antimeridian: counted
    for _ in range(20):
        west, south = rng.uniform(117.8, 119.1), rng.uniform(33.1, 34.3)
        boxes.append((west, south, west + rng.uniform(0.001, 0.8), south + rng.uniform(0.001, 0.8)))
    for west, south, east, north in boxes:
        lon, lat = rows["lon"], rows["lat"]
        inside = (lat >= south) & (lat <= north) & (
            ((lon >= west) & (lon <= east)) if west <= east else ((lon >= west) | (lon <= east)))
        exact = int(inside.sum())
        for n in {0, max(exact - 1, 0), exact, exact + 1, 2000}:
            assert store.current_more_than((west, south, east, north), n) == (exact > n), (
                (west, south, east, north), n, exact)

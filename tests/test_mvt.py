"""Tiles of points are written by geo.mvt: the bytes mapbox_vector_tile writes for the
same layers, and what a client decodes from them."""

from __future__ import annotations

import mapbox_vector_tile
import numpy as np
import pytest
import shapely

from geo import tiles

Z, Y, X = 10, 403, 848  # over northern Jiangsu


def _library_encode(monkeypatch, layers):
    """The same tile written by mapbox_vector_tile (the path for other geometries)."""
    with monkeypatch.context() as m:
        m.setattr(tiles, "_point_layers", lambda *args: None)
        return tiles.encode(layers, Z, Y, X)


def _points(rng, n):
    west, south, east, north = tiles.tile_bounds(Z, Y, X)
    pad_x, pad_y = (east - west) * 0.2, (north - south) * 0.2  # some fall outside
    lon = rng.uniform(west - pad_x, east + pad_x, n)
    lat = rng.uniform(south - pad_y, north + pad_y, n)
    return shapely.points(lon, lat)


def _properties(rng, n):
    kinds = ["科技企业孵化器", "高新区", "实验室{{1}}", "50%", "新型研发机构"]
    out = []
    for i in range(n):
        out.append({"id": f"c1-{i}", "name": kinds[i % 5] + str(i % 7), "count": int(
            rng.integers(-5, 3000)), "share": float(np.round(rng.normal(), 3)),
            "cluster": i % 3 == 0, "big": 2 ** 40 + i % 2, "none": None, "list": [1, 2],
            "one": 1 if i % 2 else 1.0})
    return out


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_point_tiles_are_the_bytes_the_library_writes(monkeypatch, seed):
    rng = np.random.default_rng(seed)
    layers = [("carriers", _points(rng, 500), _properties(rng, 500)),
              ("empty", np.array([], dtype=object), []),
              ("targets", _points(rng, 40), [{"值": 1.5, "单位": "%"}] * 40)]
    ours = tiles.encode(layers, Z, Y, X)
    assert ours == _library_encode(monkeypatch, layers)
    decoded = mapbox_vector_tile.decode(ours)
    assert set(decoded) == {"carriers", "targets"}
    assert 0 < len(decoded["carriers"]["features"]) < 500  # the points outside are left out


def test_a_point_lands_on_its_pixel_with_its_properties():
    west, south, east, north = tiles.tile_bounds(Z, Y, X)
    minx, miny, maxx, maxy = tiles.tile_mercator_bounds(Z, Y, X)
    centre = tiles.mercator((west + east) / 2, (south + north) / 2)
    lon = np.degrees((minx + maxx) / 2 / 6378137.0)
    lat = np.degrees(2 * np.arctan(np.exp((miny + maxy) / 2 / 6378137.0)) - np.pi / 2)
    assert centre[0] == pytest.approx((minx + maxx) / 2)
    body = tiles.encode([("c", np.array([shapely.Point(lon, lat)]),
                          [{"name": "宿迁高新区", "count": -3, "on": True}])], Z, Y, X)
    feature = mapbox_vector_tile.decode(body, default_options={"y_coord_down": True})[
        "c"]["features"][0]
    assert feature["geometry"] == {"type": "Point", "coordinates": [2048, 2048]}
    assert feature["properties"] == {"name": "宿迁高新区", "count": -3, "on": True}


def test_a_tile_without_points_inside_is_empty():
    far = np.array([shapely.Point(0.0, 0.0)])
    assert tiles.encode([("c", far, [{"name": "x"}])], Z, Y, X) == b""


def test_values_it_does_not_write_take_the_library_s_way(monkeypatch):
    west, south, east, north = tiles.tile_bounds(Z, Y, X)
    inside = shapely.Point((west + east) / 2, (south + north) / 2)
    layers = [("c", np.array([inside]), [{"nested": {"a": 1}}])]
    called = []
    monkeypatch.setattr("mapbox_vector_tile.encode", lambda *a, **k: called.append(1) or b"x")
    assert tiles.encode(layers, Z, Y, X) == b"x" and called

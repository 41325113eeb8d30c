"""Whole-layer downloads written as they are read: CSV and GeoJSON, chunk by chunk.

A store-backed layer can hold a million features; its download is generated from
``Layer.load_chunks`` so a worker holds one chunk, never the layer. CSV cells are
formula-safe (``sheets``) and a point layer's CSV carries ``lon``/``lat`` (WGS84).
"""

from __future__ import annotations

import json

import geopandas as gpd

from sheets import safe_csv


def csv_chunks(frames):
    """CSV text of the frames (one header, UTF-8 BOM once), geometry as lon/lat."""
    first = True
    for frame in frames:
        text = safe_csv(_table(frame))
        if not first:
            text = text[text.index("\r\n") + 2:]  # the header and BOM once
        first = False
        yield text.encode("utf-8")


def geojson_chunks(frames):
    """One RFC 7946 FeatureCollection of the frames' features."""
    yield b'{"type": "FeatureCollection", "features": ['
    comma = b""
    for frame in frames:
        for feature in frame.iterfeatures(drop_id=True, na="null"):
            yield comma + json.dumps(feature, ensure_ascii=False).encode("utf-8")
            comma = b", "
    yield b"]}"


def _table(frame: gpd.GeoDataFrame):
    geometry = frame.geometry
    table = frame.drop(columns=geometry.name)
    if len(frame) and (geometry.geom_type == "Point").all():
        table = table.assign(lon=geometry.x.round(7), lat=geometry.y.round(7))
    return table

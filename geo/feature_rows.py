"""A page of point features read as plain values, served without a GeoDataFrame.

A store-backed layer answers a request with a few rows: building a GeoDataFrame and
a :class:`geo.features.FeatureTable` for them (shapely points, pandas columns, typed
records) cost more than the query itself. :class:`PointRows` holds the same page as
the values the store returned and answers what the GeoJSON writer of
:mod:`geo.features` reads of a table (``ids``, ``records``, ``fragments()``, the
bounds, ``digest``; ``geometry`` only when a client asks for another CRS or fewer
properties), so the bytes a client gets are the FeatureTable's (coordinates rounded
to 6 decimals the same way; numbers written as the shortest text that reads back to
the same value).
"""

from __future__ import annotations

import functools
import hashlib

import numpy as np
import orjson
import shapely

from geo.features import _feature_bytes, _json_value

_PLAIN = (str, int, type(None))


class PointRows:
    """Point features: ``ids``, their WGS84 ``lon``/``lat`` and, for each, the values
    ``rows`` of the properties ``names`` (in the layer frame's column order)."""

    def __init__(self, ids, lon, lat, names, rows):
        #: The coordinates as the store holds them (what its box queries compare).
        self.source_lon = np.asarray(lon, dtype=float)
        self.source_lat = np.asarray(lat, dtype=float)
        self.lon = np.round(self.source_lon, 6)  # as FeatureTable rounds
        self.lat = np.round(self.source_lat, 6)
        self.ids = [_cell(v) for v in ids]
        self.records = [dict(zip(names, [_cell(v) for v in row])) for row in rows]
        self.bounds_by_column = np.vstack([self.lon, self.lat, self.lon, self.lat])
        self.id_index = {str(v): i for i, v in enumerate(self.ids)}

    def __len__(self) -> int:
        return len(self.ids)

    @functools.cached_property
    def geometry(self) -> np.ndarray:
        """Shapely points (built only for output in another CRS or without geometry)."""
        return shapely.points(self.lon, self.lat)

    def fragments(self) -> list[bytes]:
        """Every feature as RFC 7946 GeoJSON bytes, like ``FeatureTable.fragments``."""
        return self._fragments

    @functools.cached_property
    def _fragments(self) -> list[bytes]:
        return [_feature_bytes(fid, f'{{"type":"Point","coordinates":[{x!r},{y!r}]}}', record)
                for fid, x, y, record in zip(self.ids, self.lon.tolist(), self.lat.tolist(),
                                             self.records)]

    @property
    def digest(self) -> bytes:
        """SHA-1 of every feature's bytes (length-prefixed), like ``FeatureTable.digest``."""
        sha = hashlib.sha1(usedforsecurity=False)
        for fragment in self.fragments():
            sha.update(len(fragment).to_bytes(8, "little"))
            sha.update(fragment)
        return sha.digest()


class EncodedRows(PointRows):
    """Point features already written as GeoJSON ``fragments`` (as :class:`PointRows`
    writes them): a page cut from a :class:`geo.point_index.PointIndex`. The records
    are read back from the bytes when something asks for them (another CRS, fewer
    properties, a link from a property)."""

    def __init__(self, ids, lon, lat, fragments):
        self.lon, self.lat = lon, lat
        self.ids = ids
        self._fragments = fragments
        self.bounds_by_column = np.vstack([lon, lat, lon, lat])
        self.id_index = {v: i for i, v in enumerate(ids)}

    @functools.cached_property
    def records(self) -> list[dict]:
        return [orjson.loads(fragment)["properties"] for fragment in self._fragments]


def _cell(value):
    return value if type(value) in _PLAIN else _json_value(value)

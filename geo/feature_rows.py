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
import shapely

from geo.features import _feature_bytes, _json_value

_PLAIN = (str, int, type(None))


class PointRows:
    """Point features: ``ids``, their WGS84 ``lon``/``lat`` and, for each, the values
    ``rows`` of the properties ``names`` (in the layer frame's column order)."""

    def __init__(self, ids, lon, lat, names, rows):
        self.lon = np.round(np.asarray(lon, dtype=float), 6)  # as FeatureTable rounds
        self.lat = np.round(np.asarray(lat, dtype=float), 6)
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


def _cell(value):
    return value if type(value) in _PLAIN else _json_value(value)

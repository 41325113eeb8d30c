"""Every feature of a small point collection encoded once, answering boxes, pages and
ids in the worker without a query.

A store-backed collection answers each request with one indexed query; for a
collection small enough (:data:`MAX_FEATURES`, :data:`MAX_BYTES`) the query, the
driver and the per-row encoding cost more than finding the rows among all of them
with numpy. :class:`PointIndex` holds, in the store's key order, each point's
coordinates as the store keeps them (the box test is the store's closed
``BETWEEN`` on the same doubles), its GeoJSON bytes in one buffer with their
offsets (no object per feature) and the ids sorted for a binary search. A page is
an :class:`geo.feature_rows.EncodedRows` of the same bytes the store's rows are
written as, so a client cannot tell which way it was answered.

What it costs: about the encoded size of the collection per worker (some 370 bytes
a point with the imported carriers' properties; 20,000 points ≈ 8 MB), built from
a read of every row when the API first needs it (``web.api_store``), and dropped
with the object that holds it when the data change.
"""

from __future__ import annotations

import numpy as np

from geo.feature_rows import EncodedRows

#: Collections with more features are not held (their requests go to the store).
MAX_FEATURES = 25_000
#: Nor those whose features take more bytes of GeoJSON than this.
MAX_BYTES = 12 * 1024 * 1024


class PointIndex:
    """Point features (in key order) with their coordinates as the store holds them,
    ready for :meth:`box`, :meth:`page` and :meth:`find`; made by :meth:`of`."""

    def __init__(self, source, rounded, blob: bytearray, sizes: list[int], ids: list[str]):
        self.lon, self.lat = source
        self._rounded = rounded
        self._offsets = np.zeros(len(sizes) + 1, dtype=np.int64)
        np.cumsum(sizes, out=self._offsets[1:])
        self._blob = blob
        self._ids = np.array([v.encode() for v in ids], dtype=bytes)
        self._order = np.argsort(self._ids, kind="stable")
        self._sorted_ids = self._ids[self._order]
        self.nbytes = (len(self._blob) + self._offsets.nbytes + 2 * self._ids.nbytes
                       + self._order.nbytes + 4 * self.lon.nbytes)

    @classmethod
    def of(cls, chunks) -> PointIndex | None:
        """The index of the features of ``chunks`` (PointRows, in key order; read one
        at a time, so that only one chunk's rows and records are alive at once); None
        when they are too many or too large, or an id is not text (a binary search of
        bytes finds text ids)."""
        parts, blob, sizes, ids = [], bytearray(), [], []
        for rows in chunks:
            if len(ids) + len(rows) > MAX_FEATURES or not all(type(v) is str for v in rows.ids):
                return None
            fragments = rows.fragments()
            sizes += [len(f) for f in fragments]
            blob += b"".join(fragments)
            if len(blob) > MAX_BYTES:
                return None
            ids += rows.ids
            parts.append((rows.source_lon, rows.source_lat, rows.lon, rows.lat))
        if not ids:
            return None
        columns = [np.concatenate(c) for c in zip(*parts)]
        return cls(columns[:2], columns[2:], blob, sizes, ids)

    def __len__(self) -> int:
        return len(self.lon)

    @staticmethod
    def fits(count: int) -> bool:
        """Whether a collection of ``count`` features may be read to be held."""
        return 0 < count <= MAX_FEATURES

    def box(self, bbox) -> np.ndarray:
        """Positions (key order) of the points in the closed box (west, south, east,
        north), west > east crossing the antimeridian."""
        west, south, east, north = (float(v) for v in bbox)
        lat = (self.lat >= south) & (self.lat <= north)
        lon = ((self.lon >= west) | (self.lon <= east)) if west > east else \
            ((self.lon >= west) & (self.lon <= east))
        return np.flatnonzero(lat & lon)

    def page(self, positions: np.ndarray) -> EncodedRows:
        """The features at ``positions`` as a page table."""
        positions = np.asarray(positions, dtype=np.int64)
        start, end = self._offsets[positions], self._offsets[positions + 1]
        blob = memoryview(self._blob)
        fragments = [bytes(blob[a:b]) for a, b in zip(start.tolist(), end.tolist())]
        ids = [fid.decode() for fid in self._ids[positions].tolist()]
        return EncodedRows(ids, self._rounded[0][positions], self._rounded[1][positions],
                           fragments)

    def find(self, feature_id: str) -> int | None:
        """The position of feature ``feature_id`` (None: no such feature)."""
        key = str(feature_id).encode()
        at = int(np.searchsorted(self._sorted_ids, key))
        if at < len(self._sorted_ids) and self._sorted_ids[at] == key:
            return int(self._order[at])
        return None

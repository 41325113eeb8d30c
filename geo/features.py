"""Framework-free feature queries and GeoJSON output for the feature API.

A :class:`FeatureTable` wraps one layer's GeoDataFrame (WGS84 lon/lat) with what
queries need ready-made: feature bounds, typed queryable columns, an id index and,
built on first use, each feature pre-serialised as RFC 7946 GeoJSON (exterior
rings counter-clockwise, coordinates rounded to 6 decimals, no ``crs`` member).
:func:`select` filters, sorts and pages; :func:`feature_collection` and
:func:`feature` serialise to bytes. Nothing here knows about HTTP.
"""

from __future__ import annotations

import functools
import hashlib
import itertools
import json
import math
from collections.abc import Callable
from dataclasses import dataclass, field

import geopandas as gpd
import numpy as np
import orjson
import pandas as pd
import shapely

from geo.crs import CRS84, SUPPORTED, OutputCrs, transform_geometries

MAX_LIMIT = 10_000
DEFAULT_LIMIT = 10
_versions = itertools.count(1)
_ENCODER = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"), allow_nan=False)
# The C encoder behind _ENCODER, made once instead of on every call; no check for
# circular structures (the values written here are built from table cells).
_C_ENCODE = (json.encoder.c_make_encoder(None, _ENCODER.default, json.encoder.encode_basestring,
                                          None, ":", ",", False, False, False)
             if json.encoder.c_make_encoder is not None else None)
_COLLECTION_HEAD = b'{"type":"FeatureCollection","features":['
# Cell values orjson writes exactly as json_bytes does (a float: only when finite).
_ORJSON_SAFE = frozenset((str, int, bool, type(None)))


class QueryError(ValueError):
    """A query a client sent does not fit the table (bad value, unknown property)."""


@dataclass(frozen=True)
class Query:
    """One items request, already parsed: every field has a checked value.

    ``bbox`` is in CRS84 (minlon, minlat, maxlon, maxlat; minlon > maxlon crosses
    the antimeridian); ``filters`` maps a queryable to the value (already of the
    column's type) it must equal; ``years`` is the closed range of years (either
    end None: open) a yearly record must fall in; ``cql`` a parsed CQL2 filter
    (a ``geo.cql2.Filter``: anything with ``matches(table, crs)`` giving one boolean
    per row); ``sortby`` is a tuple of (property, ascending); ``properties``
    None means all.
    """

    limit: int = DEFAULT_LIMIT
    offset: int = 0
    bbox: tuple[float, float, float, float] | None = None
    filters: tuple[tuple[str, object], ...] = ()
    years: tuple[int | None, int | None] | None = None
    cql: object = None
    filter_crs: OutputCrs = SUPPORTED[CRS84]
    properties: tuple[str, ...] | None = None
    skip_geometry: bool = False
    sortby: tuple[tuple[str, bool], ...] = ()
    crs: OutputCrs = SUPPORTED[CRS84]

    @property
    def plain(self) -> bool:
        """True when every feature is written in full, in CRS84: the pre-built form."""
        return (self.properties is None and not self.skip_geometry
                and self.crs.uri == CRS84)


@dataclass
class Selection:
    """Row positions of one page, and how many rows matched before paging.

    ``matched`` None: not counted (a store counts exactly only up to a limit;
    ``numberMatched`` is optional in OGC API – Features); ``more`` then says whether
    rows follow this page.
    """

    positions: np.ndarray
    matched: int | None
    more: bool = False

    def continues(self, offset: int) -> bool:
        """Whether rows follow the page that starts at ``offset``."""
        if self.matched is None:
            return self.more
        return offset + len(self.positions) < self.matched


@dataclass
class FeatureTable:
    """One layer's frame prepared for queries. Rebuild it when the frame is replaced."""

    frame: gpd.GeoDataFrame
    id_field: str
    queryable_names: list[str]
    year_field: str | None = None
    year: int | None = None
    version: int = field(default_factory=lambda: next(_versions))
    #: A table of a store-backed layer holds no rows: this gives its extent (once).
    stored_extent: Callable[[], list | None] | None = None

    def __post_init__(self):
        self.geometry = _rfc7946_geometry(self.frame.geometry.to_numpy())
        self.bounds = shapely.bounds(self.geometry)
        self.bounds_by_column = np.ascontiguousarray(self.bounds.T)  # (4, n): fast page takes
        self.ids = [_json_value(v) for v in self.frame[self.id_field]]
        self.id_index = {str(v): i for i, v in enumerate(self.ids)}
        self.records = _records(self.frame.drop(columns=self.frame.geometry.name))
        self.kinds = {name: column_kind(self.frame[name]) for name in self.queryable_names}
        self.schema = {name: column_kind(self.frame[name]) for name in self.frame.columns
                       if name != self.frame.geometry.name}
        self._columns: dict[str, np.ndarray] = {}
        self._fragments: list[bytes] | None = None
        self._digest: bytes | None = None
        self._tree: shapely.STRtree | None = None
        self._points: _PointIndex | None = None

    def __len__(self) -> int:
        return len(self.frame)

    @property
    def temporal(self) -> bool:
        """True when the records are yearly (a year column or one year for all)."""
        return self.year_field is not None or self.year is not None

    def years(self) -> np.ndarray:
        """The year of each record (float, NaN where unknown)."""
        if self.year_field is not None:
            return self.frame[self.year_field].to_numpy(dtype=float, na_value=np.nan)
        return np.full(len(self), np.nan if self.year is None else float(self.year))

    @property
    def year_range(self) -> tuple[int, int] | None:
        """First and last year of the records, or None (not yearly, or no records)."""
        years = self.years()
        years = years[~np.isnan(years)]
        if not self.temporal or len(years) == 0:
            return None
        return int(years.min()), int(years.max())

    @property
    def extent(self) -> list[float] | None:
        """CRS84 bounding box of all features, or None for an empty table."""
        if self.stored_extent is not None:
            if not hasattr(self, "_stored_extent"):
                self._stored_extent = self.stored_extent()
            return self._stored_extent
        return _envelope(self.bounds)

    def intersecting(self, bbox) -> np.ndarray:
        """Positions, in table order, of the features that intersect a CRS84 ``bbox``.

        A table of points only is searched on its sorted longitudes (a point
        intersects the closed box exactly when it lies within its bounds); any
        other table through an STRtree with an exact ``intersects`` test.
        """
        if self._points is None and self._tree is None:
            if _all_points(self.geometry):
                self._points = _PointIndex(self.bounds[:, 0], self.bounds[:, 1])
            else:
                self._tree = shapely.STRtree(self.geometry)
        if self._points is not None:
            return self._points.within(bbox)
        hits = self._tree.query(shapely.box(*bbox), predicate="intersects")
        return np.sort(hits)

    def column(self, name: str) -> np.ndarray:
        """Comparable values of a queryable column (strings for text columns)."""
        if name not in self._columns:
            series = self.frame[name]
            if self.kinds[name] == "string":
                values = np.array([None if _missing(v) else str(v) for v in series],
                                  dtype=object)
            else:
                values = series.to_numpy(dtype=float, na_value=np.nan)
            self._columns[name] = values
        return self._columns[name]

    def fragments(self) -> list[bytes]:
        """Every feature as RFC 7946 GeoJSON bytes in full, built once."""
        if self._fragments is None:
            geometry_json = _geometry_json(self.geometry)
            self._fragments = [
                _feature_bytes(self.ids[i], geometry_json[i], self.records[i])
                for i in range(len(self))]
        return self._fragments

    @property
    def digest(self) -> bytes:
        """SHA-1 of every pre-built feature (length-prefixed), built once: it changes
        whenever any feature's bytes would."""
        if self._digest is None:
            sha = hashlib.sha1(usedforsecurity=False)
            for fragment in self.fragments():
                sha.update(len(fragment).to_bytes(8, "little"))
                sha.update(fragment)
            self._digest = sha.digest()
        return self._digest


@dataclass
class FeaturePage:
    """A response body and, when it is known without reading the body, its content tag.

    ``tag`` is a hex SHA-1 over everything the body is built from (the table's
    :attr:`FeatureTable.digest`, the row positions and the members after the
    features), so equal bodies get equal tags and a changed body a new one; None
    means: hash the body itself.
    """

    body: bytes
    tag: str | None = None


class _PointIndex:
    """Point coordinates sorted by longitude, for bounding-box searches."""

    def __init__(self, lon: np.ndarray, lat: np.ndarray):
        self.order = np.argsort(lon, kind="stable")  # missing (NaN) positions sort last
        self.lon = lon[self.order]
        self.lat = lat[self.order]

    def within(self, bbox) -> np.ndarray:
        """Positions, ascending, of the points inside the closed box ``bbox``."""
        minx, miny, maxx, maxy = bbox
        start = self.lon.searchsorted(minx, "left")
        stop = self.lon.searchsorted(maxx, "right")
        lat = self.lat[start:stop]
        inside = self.order[start:stop][(lat >= miny) & (lat <= maxy)]
        inside.sort()
        return inside


def _all_points(geoms: np.ndarray) -> bool:
    return len(geoms) > 0 and bool((shapely.get_type_id(geoms) == 0).all())


def column_kind(series: pd.Series) -> str:
    """JSON Schema type of a column: ``integer``, ``number``, ``boolean`` or ``string``."""
    if pd.api.types.is_bool_dtype(series):
        return "boolean"
    if pd.api.types.is_integer_dtype(series):
        return "integer"
    if pd.api.types.is_float_dtype(series):
        return "number"
    return "string"


def coerce(kind: str, name: str, raw: str):
    """Parse the text ``raw`` as a value of ``kind`` for property ``name``; QueryError if not."""
    if kind == "string":
        return raw
    if kind == "boolean":
        return parse_boolean(name, raw)
    try:
        value = int(raw) if kind == "integer" else float(raw)
    except ValueError:
        raise QueryError(f"{name}: expected {kind}, got {raw!r}") from None
    if isinstance(value, float) and not math.isfinite(value):
        raise QueryError(f"{name}: expected a finite number, got {raw!r}")
    return value


TRUE_WORDS = ("true", "1", "yes", "on")
FALSE_WORDS = ("false", "0", "no", "off")


def parse_boolean(name: str, raw: str) -> bool:
    """``true/1/yes/on`` → True, ``false/0/no/off`` → False (any case); QueryError else."""
    word = raw.strip().lower()
    if word not in TRUE_WORDS + FALSE_WORDS:
        raise QueryError(f"{name}: expected true or false, got {raw!r}")
    return word in TRUE_WORDS


def select(table: FeatureTable, query: Query) -> Selection:
    """Filter by bbox and property equality, sort, then page ``table``."""
    if query.bbox is None:
        positions = np.arange(len(table))
    elif query.bbox[0] > query.bbox[2]:  # across the antimeridian: two boxes
        west, south, east, north = query.bbox
        positions = np.union1d(table.intersecting((west, south, 180.0, north)),
                               table.intersecting((-180.0, south, east, north)))
    else:
        positions = table.intersecting(query.bbox)
    for name, value in query.filters:
        positions = positions[table.column(name)[positions] == value]
    if query.years is not None and table.temporal:
        positions = positions[_in_years(table.years()[positions], *query.years)]
    if query.cql is not None:  # a geo.cql2.Filter: this module does not import it
        positions = positions[query.cql.matches(table, query.filter_crs)[positions]]
    if query.sortby:
        positions = _sorted(table, positions, query.sortby)
    page = positions[query.offset:query.offset + query.limit]
    return Selection(positions=page, matched=len(positions))


def _in_years(years: np.ndarray, first: int | None, last: int | None) -> np.ndarray:
    keep = ~np.isnan(years)
    if first is not None:
        keep &= years >= first
    if last is not None:
        keep &= years <= last
    return keep


def feature_collection(table: FeatureTable, selection: Selection, query: Query,
                       links: list[dict], timestamp: str | None = None) -> bytes:
    """A GeoJSON FeatureCollection of the selected rows, with paging members, as bytes."""
    return collection_page(table, selection, query, links, timestamp).body


def collection_page(table: FeatureTable, selection: Selection, query: Query,
                    links: list[dict], timestamp: str | None = None) -> FeaturePage:
    """:func:`feature_collection` as a :class:`FeaturePage`, tagged when the query is plain."""
    positions = selection.positions
    features, bbox = _features(table, positions, query)
    matched = b"" if selection.matched is None else b'"numberMatched":%d,' % selection.matched
    tail = [matched, b'"numberReturned":%d,"links":' % len(positions), links_json(links)]
    if timestamp:
        tail.append(b',"timeStamp":' + json_bytes(timestamp))
    if bbox is not None:
        tail.append(b',"bbox":' + json_bytes(bbox))
    tail_bytes = b"".join(tail)
    body = b"".join((_COLLECTION_HEAD, b",".join(features), b"],", tail_bytes, b"}"))
    if not query.plain:
        return FeaturePage(body)
    return FeaturePage(body, _page_tag(table, positions, tail_bytes))


def _page_tag(table: FeatureTable, positions: np.ndarray, tail: bytes) -> str:
    rows = positions.astype(np.int64, copy=False).tobytes()
    sha = hashlib.sha1(table.digest, usedforsecurity=False)
    sha.update(_COLLECTION_HEAD)
    sha.update(len(rows).to_bytes(8, "little"))
    sha.update(rows)
    sha.update(tail)
    return sha.hexdigest()


def feature(table: FeatureTable, position: int, query: Query, links: list[dict]) -> bytes:
    """One feature as GeoJSON bytes, with its ``bbox`` and ``links``."""
    features, bbox = _features(table, np.array([position]), query)
    tail = {"links": links}
    if bbox is not None:
        tail["bbox"] = bbox
    return features[0][:-1] + b"," + json_bytes(tail)[1:]


def _features(table: FeatureTable, positions: np.ndarray, query: Query):
    if query.plain:
        fragments = table.fragments()
        return [fragments[i] for i in positions.tolist()], _page_envelope(table, positions)
    geometry_json: list[str | None] = [None] * len(positions)
    bbox = None
    if not query.skip_geometry:
        geoms = table.geometry[positions]
        if query.crs.uri != CRS84:
            geoms = transform_geometries(geoms, query.crs)
        geometry_json = _geometry_json(geoms)
        bbox = _envelope(shapely.bounds(geoms))
    wanted = query.properties
    out = []
    for k, i in enumerate(positions):
        record = table.records[i]
        if wanted is not None:
            record = {name: record[name] for name in wanted}
        out.append(_feature_bytes(table.ids[i], geometry_json[k], record))
    return out, bbox


def _feature_bytes(fid, geometry: str | None, properties: dict) -> bytes:
    return (b'{"type":"Feature","id":' + _plain_json(fid) + b',"geometry":'
            + (geometry.encode() if geometry is not None else b"null")
            + b',"properties":' + _plain_json(properties) + b"}")


def _plain_json(value) -> bytes:
    """:func:`json_bytes` of a value made of table cells (``_json_value``: str, int,
    finite float, bool, None) by orjson, which writes them the same way 10x faster;
    anything else it refuses (non-text keys, NaN would be null) goes to json_bytes."""
    plain = (all(type(v) in _ORJSON_SAFE for v in value.values()) if type(value) is dict
             else type(value) in _ORJSON_SAFE)
    if not plain:
        return json_bytes(value)
    try:
        return orjson.dumps(value)
    except TypeError:
        return json_bytes(value)


def links_json(links: list[dict]) -> bytes:
    """``json_bytes(links)`` for a list of link objects; members other than ``href``
    recur from request to request and are encoded once."""
    try:
        return b"[" + b",".join([
            b"{" + b",".join([_member(name, value) if name != "href"
                              else b'"href":' + _encode_string(value).encode()
                              for name, value in link.items()]) + b"}"
            for link in links]) + b"]"
    except TypeError:  # a member that is not text
        return json_bytes(links)


_encode_string = json.encoder.encode_basestring


@functools.lru_cache(maxsize=1024)
def _member(name: str, value: str) -> bytes:
    return (_encode_string(name) + ":" + _encode_string(value)).encode()


def json_bytes(value) -> bytes:
    """Compact UTF-8 JSON (Chinese unescaped, no NaN) as bytes."""
    if _C_ENCODE is None or isinstance(value, str):
        return _ENCODER.encode(value).encode()
    return "".join(_C_ENCODE(value, 0)).encode()


def _rfc7946_geometry(geoms: np.ndarray) -> np.ndarray:
    """Round to 6 decimals, then orient polygon exterior rings counter-clockwise."""
    rounded = shapely.transform(geoms, lambda coords: np.round(coords, 6))
    return shapely.orient_polygons(rounded, exterior_cw=False)


def _geometry_json(geoms: np.ndarray) -> list[str | None]:
    return list(shapely.to_geojson(geoms))


def _page_envelope(table: FeatureTable, positions: np.ndarray) -> list[float] | None:
    """:func:`_envelope` of the rows at ``positions``, from the column-wise bounds."""
    if len(positions) == 0:
        return None
    columns = table.bounds_by_column.take(positions, axis=1)
    low = np.fmin.reduce(columns, axis=1).tolist()  # fmin/fmax skip missing (NaN) bounds
    high = np.fmax.reduce(columns, axis=1).tolist()
    if math.isnan(low[0]):
        return None
    return [low[0], low[1], high[2], high[3]]


def _envelope(bounds: np.ndarray) -> list[float] | None:
    if len(bounds) == 0:
        return None
    low = np.fmin.reduce(bounds, axis=0).tolist()  # fmin/fmax skip missing (NaN) bounds
    high = np.fmax.reduce(bounds, axis=0).tolist()
    if math.isnan(low[0]):
        return None
    return [low[0], low[1], high[2], high[3]]


def _sorted(table: FeatureTable, positions: np.ndarray, sortby) -> np.ndarray:
    names = [name for name, _ in sortby]
    frame = pd.DataFrame({f"k{n}": table.column(name)[positions]
                          for n, name in enumerate(names)})
    frame["_pos"] = positions
    ordered = frame.sort_values([f"k{n}" for n in range(len(names))],
                                ascending=[asc for _, asc in sortby],
                                kind="stable", na_position="last")
    return ordered["_pos"].to_numpy()


def _missing(value) -> bool:
    return value is None or (not isinstance(value, str) and bool(pd.isna(value)))


def _json_value(value):
    """A JSON-safe Python value for one cell: None for missing, plain int/float/str."""
    if isinstance(value, (list, dict)):
        return value
    if _missing(value):
        return None
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    if isinstance(value, (int, np.integer)):
        return int(value)
    if isinstance(value, (float, np.floating)):
        return float(value) if math.isfinite(value) else None
    if isinstance(value, str):
        return value
    if isinstance(value, (pd.Timestamp, np.datetime64)):
        return pd.Timestamp(value).isoformat()
    return str(value)


def _records(frame: pd.DataFrame) -> list[dict]:
    columns = {name: [_json_value(v) for v in frame[name]] for name in frame.columns}
    return [{name: columns[name][i] for name in frame.columns} for i in range(len(frame))]

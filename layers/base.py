"""The Layer contract: one subclass per map layer, registered in layers.REGISTRY."""

from __future__ import annotations

import abc
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import ClassVar

import geopandas as gpd
import shapely

from layers.map_roles import ROLES

# The geometry type a collection declares, by the family of its rows' geometries.
FAMILY_TYPES = {"point": "MultiPoint", "line": "MultiLineString", "area": "MultiPolygon"}
_FAMILY = {"Point": "point", "MultiPoint": "point", "LineString": "line",
           "MultiLineString": "line", "Polygon": "area", "MultiPolygon": "area"}


class LayerError(Exception):
    """A layer could not be loaded or failed its checks."""


#: Map roles a layer can declare (``Layer.map_role``): the registry in layers.map_roles.
MAP_ROLES = {role.id: role.description for role in ROLES.values()}
#: Where a layer's features live (``Layer.storage``).
STORAGES = {
    "memory": "load() 返回全部要素，每个服务进程保留一份",
    "store": "要素留在数据库（带空间索引）中，按请求查询；load() 只返回列，不含行",
}


@dataclass(frozen=True)
class PageQuery:
    """A query on a store-backed layer: closed WGS84 ``bbox`` (west > east crosses the
    antimeridian), equality ``filters`` on the layer's columns, and a page."""

    bbox: tuple[float, float, float, float] | None = None
    filters: tuple[tuple[str, object], ...] = ()
    offset: int = 0
    limit: int = 10


@dataclass
class LayerContext:
    """What a layer may use while loading: the data directory, other layers, and a
    cache of what is read once per context.

    ``layer(id)`` loads another registered layer once and caches it, so a layer
    that joins to boundaries does not read them twice; ``cached(key, make)`` keeps
    anything else read once (boundary files, a store connection); ``forget(key)``
    drops an entry so that the next use reads it again (a reload).
    """

    data_dir: Path
    resolve: Callable[[str], Layer]
    options: dict = field(default_factory=dict)
    _cache: dict = field(default_factory=dict)

    def cached(self, key: str, make: Callable[[], object]):
        """The value kept under ``key``, made by ``make()`` at its first use."""
        if key not in self._cache:
            self._cache[key] = make()
        return self._cache[key]

    def forget(self, key: str) -> None:
        """Drop the value kept under ``key`` (nothing when there is none)."""
        self._cache.pop(key, None)

    def layer(self, layer_id: str) -> gpd.GeoDataFrame:
        return self.cached(f"layer:{layer_id}",
                           lambda: self.resolve(layer_id).load_checked(self))


class Layer(abc.ABC):
    """A named GeoDataFrame the service can map, serve and export.

    Subclasses set the class attributes and implement :meth:`load`. The result
    must be in EPSG:4326 (WGS84 lon/lat) with valid geometries and a unique
    ``id_field``.
    """

    id: ClassVar[str]
    title: ClassVar[str]
    description: ClassVar[str]
    id_field: ClassVar[str] = "id"
    #: What the layer is on a map: one of :data:`MAP_ROLES`. The map core
    #: (``mapcore``) iterates the registry by role; nothing names a layer id.
    map_role: ClassVar[str] = "none"
    #: Why a layer with role ``none`` is on no map (shown in the docs and tests).
    map_reason: ClassVar[str] = ""
    #: Overlays only: shown when a map opens (False: listed in the layer list, off).
    map_default_visible: ClassVar[bool] = True
    #: Overlays only: (column, 中文 label) rows of a feature's popup, after its
    #: type, county and precision grade; empty values are left out.
    popup_fields: ClassVar[tuple[tuple[str, str], ...]] = ()
    #: Overlays only: the symbol family of every feature unless the frame has a
    #: ``family`` column (families: ``data/kb/symbol_families.csv``).
    family: ClassVar[str] = "other"
    #: Value layers only: ``long`` (region, indicator, year, kind, value rows, as the
    #: targets) or ``counts`` (one row per county with ``n_<type>`` columns).
    values_format: ClassVar[str] = ""
    #: Value layers only: prefix of its indicator ids and suffix of their names.
    indicator_prefix: ClassVar[str] = ""
    indicator_label: ClassVar[str] = ""
    # The one geometry type of every feature ("Point", "MultiPolygon", ...), as served.
    geometry_type: ClassVar[str] = "MultiPolygon"
    # The column holding the year of a yearly record, if the rows are yearly, or the
    # one year of every record (``year``).
    year_field: ClassVar[str | None] = None
    year: ClassVar[int | None] = None
    # The column holding the adcode of the region a record belongs to, if any.
    region_field: ClassVar[str | None] = None
    # Layers this one is computed from: when the catalog reloads one of them
    # (an import changed it), it reloads this layer too.
    depends_on: ClassVar[tuple[str, ...]] = ()
    #: Where the features live: one of :data:`STORAGES`. A ``store`` layer's frame in
    #: the catalog has its columns and no rows (no worker holds a copy of a large
    #: layer); the API, maps, tiles and exports read it through the methods below.
    storage: ClassVar[str] = "memory"

    @abc.abstractmethod
    def load(self, ctx: LayerContext) -> gpd.GeoDataFrame:
        """Read the layer's data and return it as a GeoDataFrame in EPSG:4326."""

    def load_all(self, ctx: LayerContext) -> gpd.GeoDataFrame:
        """Every feature as one frame (a whole-layer download); for a memory layer the
        frame the catalog holds, for a store-backed one read from the store."""
        return ctx.layer(self.id)

    def load_chunks(self, ctx: LayerContext, rows: int = 20_000):
        """Every feature, as frames of at most ``rows`` features in the layer's order
        (a whole-layer download that never holds a large layer at once); a memory
        layer's whole frame is one chunk."""
        yield self.load_all(ctx)

    # -- store-backed layers (storage == "store") ---------------------------------

    def query(self, ctx: LayerContext, query: PageQuery) -> tuple[gpd.GeoDataFrame, int]:
        """One page of the features matching ``query`` in the layer's order, as a frame
        like ``load``'s, and how many matched."""
        raise NotImplementedError(f"layer {self.id} is not store-backed")

    def query_rows(self, ctx: LayerContext, query: PageQuery, count_up_to: int):
        """:meth:`query` without a frame, for a layer of points that can: a
        ``geo.feature_rows.PointRows`` page, how many matched (None: more than
        ``count_up_to``) and whether features follow; None when the layer cannot."""
        return None

    def tile_points(self, ctx: LayerContext, z: int, y: int, x: int, name: str, most: int):
        """The vector tile ``z/y/x`` of a point layer as layer ``name`` (``id``, ``name``,
        ``type`` a point) when its store writes tiles itself: bytes (b"": empty), or
        None when more than ``most`` points lie in it or the store cannot."""
        return None

    def feature(self, ctx: LayerContext, feature_id: str) -> gpd.GeoDataFrame:
        """The feature with id ``feature_id`` (a frame of one row, or of none)."""
        raise NotImplementedError(f"layer {self.id} is not store-backed")

    def count(self, ctx: LayerContext, bbox=None) -> int:
        """How many features intersect ``bbox`` (None: all)."""
        raise NotImplementedError(f"layer {self.id} is not store-backed")

    def more_than(self, ctx: LayerContext, bbox, n: int) -> bool:
        """Whether more than ``n`` features intersect ``bbox`` (a layer may know
        without counting them all)."""
        return self.count(ctx, bbox) > n

    def counts(self, ctx: LayerContext, bbox=None):
        """Features per county in ``bbox``: a DataFrame of ``county_adcode``, ``count``."""
        raise NotImplementedError(f"layer {self.id} is not store-backed")

    def points(self, ctx: LayerContext, bbox):
        """(key, lon, lat) arrays of the point features in ``bbox``, without attributes."""
        raise NotImplementedError(f"layer {self.id} is not store-backed")

    def grid(self, ctx: LayerContext, bbox, cells: int):
        """Point features in ``bbox`` counted in ``cells`` × ``cells`` equal cells: a
        DataFrame of ``count``, ``lon``, ``lat`` (mean position), one row a cell."""
        raise NotImplementedError(f"layer {self.id} is not store-backed")

    def tile_grid(self, ctx: LayerContext, z: int, y: int, x: int, cells: int):
        """Point features of tile ``z/y/x`` counted in its ``cells`` × ``cells`` Web
        Mercator cells from counts kept ready (like :meth:`grid`), or None when the
        layer keeps none at that zoom."""
        return None

    def at(self, ctx: LayerContext, keys) -> gpd.GeoDataFrame:
        """The features of the ``keys`` :meth:`points` gave, as a frame like ``load``'s."""
        raise NotImplementedError(f"layer {self.id} is not store-backed")

    def extent(self, ctx: LayerContext):
        """WGS84 (west, south, east, north) of every feature, None when there are none."""
        raise NotImplementedError(f"layer {self.id} is not store-backed")

    def queryables(self, gdf: gpd.GeoDataFrame) -> list[str]:
        """Property names a client may filter on; all non-geometry columns by default."""
        return [c for c in gdf.columns if c != gdf.geometry.name]

    def collections(self) -> tuple[Collection, ...]:
        """The feature collections the API serves from this layer's frame: by default
        one, the layer itself with its declared geometry type."""
        return (Collection(self.id, self.title, self.description, self.geometry_type,
                           shape=as_multi if self.geometry_type.startswith("Multi")
                           else None),)

    def load_checked(self, ctx: LayerContext) -> gpd.GeoDataFrame:
        """Load and enforce the contract, naming the layer in any failure."""
        gdf = self.load(ctx)
        check_layer_frame(self, gdf)
        return gdf


def check_layer_class(layer: type[Layer] | Layer) -> None:
    """Raise LayerError unless the layer's declarations are complete."""
    if layer.map_role not in MAP_ROLES:
        raise LayerError(f"layer {layer.id}: map_role {layer.map_role!r} is not one of "
                         f"{', '.join(MAP_ROLES)}")
    if layer.storage not in STORAGES:
        raise LayerError(f"layer {layer.id}: storage {layer.storage!r} is not one of "
                         f"{', '.join(STORAGES)}")
    if layer.map_role == "none" and not layer.map_reason:
        raise LayerError(f"layer {layer.id}: map_role none needs a map_reason")
    if layer.map_role == "values" and layer.values_format not in ("long", "counts"):
        raise LayerError(f"layer {layer.id}: values layers declare values_format "
                         f"long or counts")


def check_layer_frame(layer: Layer, gdf: gpd.GeoDataFrame) -> None:
    """Raise LayerError unless ``gdf`` meets the Layer contract."""
    if not isinstance(gdf, gpd.GeoDataFrame):
        raise LayerError(f"layer {layer.id}: load() returned {type(gdf).__name__}")
    if gdf.crs is None or gdf.crs.to_epsg() != 4326:
        raise LayerError(f"layer {layer.id}: CRS must be EPSG:4326, got {gdf.crs}")
    if layer.id_field not in gdf.columns:
        raise LayerError(f"layer {layer.id}: id field {layer.id_field!r} missing")
    if gdf[layer.id_field].duplicated().any():
        dupes = gdf.loc[gdf[layer.id_field].duplicated(), layer.id_field].tolist()[:5]
        raise LayerError(f"layer {layer.id}: duplicate ids {dupes}")
    invalid = ~gdf.geometry.is_valid & gdf.geometry.notna()
    if invalid.any():
        raise LayerError(f"layer {layer.id}: invalid geometry for ids "
                         f"{gdf.loc[invalid, layer.id_field].tolist()[:5]}")


@dataclass(frozen=True)
class Collection:
    """One API feature collection built from a layer's frame, with one geometry type.

    ``shape(frame)`` returns the rows and geometries served (None: the frame as is);
    it never changes the layer's frame, which the maps read.
    """

    id: str
    title: str
    description: str
    geometry_type: str
    shape: Callable[[gpd.GeoDataFrame], gpd.GeoDataFrame] | None = None

    def frame(self, frame: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
        return frame if self.shape is None else self.shape(frame)


def family(frame: gpd.GeoDataFrame):
    """``point``, ``line`` or ``area`` for each row (None for a missing geometry)."""
    return frame.geometry.geom_type.map(_FAMILY)


def as_multi(frame: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Every Point, LineString, Polygon of ``frame`` as a one-part Multi geometry."""
    geoms = frame.geometry.to_numpy()
    single = shapely.get_type_id(geoms)
    out = geoms.copy()
    for type_id, make in ((0, shapely.multipoints), (1, shapely.multilinestrings),
                          (3, shapely.multipolygons)):
        pick = single == type_id
        if pick.any():
            out[pick] = [make([g]) for g in geoms[pick]]
    return frame.set_geometry(gpd.GeoSeries(out, index=frame.index, crs=frame.crs))


def of_family(name: str) -> Callable[[gpd.GeoDataFrame], gpd.GeoDataFrame]:
    """A shape function: the rows whose geometry is of family ``name`` and not a
    single Point, as Multi types."""
    def shape(frame: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
        pick = (family(frame) == name) & (frame.geometry.geom_type != "Point")
        return as_multi(frame[pick.to_numpy()])

    return shape


def label_points(frame: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Each row's geometry replaced by a point inside it (its label point)."""
    points = shapely.point_on_surface(frame.geometry.to_numpy())
    return frame.set_geometry(gpd.GeoSeries(points, index=frame.index, crs=frame.crs))


def typed_collections(layer: Layer, families: dict[str, str],
                      points_title: str) -> tuple[Collection, ...]:
    """A layer of mixed geometries served as typed collections: ``<id>`` with every row
    at its label point (``shape_collection`` naming where its true shape is), and
    ``<id>-<suffix>`` per family in ``families`` (family → suffix) with the true shapes."""
    companions = {name: f"{layer.id}-{suffix}" for name, suffix in families.items()}

    def points(frame: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
        simple = frame.geometry.geom_type.to_numpy() == "Point"
        return label_points(frame).assign(shape_collection=[
            "" if plain else companions.get(kind, "")
            for plain, kind in zip(simple, family(frame))])

    names = {"point": "点", "line": "线", "area": "面"}
    out = [Collection(layer.id, f"{layer.title}（{points_title}）",
                      f"{layer.description}每个要素为一个点（线、面取其内部的标注点）；"
                      f"真实形状见 shape_collection 指出的集合。", "Point", points)]
    for name, cid in companions.items():
        out.append(Collection(cid, f"{layer.title}（{names[name]}状，真实形状）",
                              f"{layer.description}本集合为其中{names[name]}状要素的真实形状。",
                              FAMILY_TYPES[name], of_family(name)))
    return tuple(out)


def region_point_collection(layer: Layer) -> tuple[Collection, ...]:
    """Records of a region (targets, tasks) served at the region's label point instead of
    a copy of its polygon; the polygon is one link away (the boundary with that adcode)."""
    note = (f"接口中每条记录的几何为所在行政区的标注点（不复制边界多边形）；行政区边界按 "
            f"{layer.region_field} 见 boundaries-province / boundaries-city / "
            f"boundaries-county 集合中 id 相同的要素（单个要素的 links 中 rel=related）。")
    return (Collection(layer.id, layer.title, f"{layer.description}{note}", "Point",
                       label_points),)

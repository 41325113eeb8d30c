"""One storage contract for the API: every collection answers its items, one item,
its count, its extent and its vector tiles through :class:`CollectionFeatures`,
whatever its layer's ``storage`` (as tipg's ``Collection.features()``).

- :class:`MemoryFeatures` (``storage = "memory"``): the collection's prepared
  :class:`geo.features.FeatureTable` answers everything in the worker.
- :class:`StoredFeatures` (``storage = "store"``): the rows stay in the store; a
  request becomes one indexed query (bbox, equality filters, a page) and the page
  is served through the same GeoJSON writer as any other table, so clients see no
  difference but the query options a database index cannot answer (CQL2 ``filter``,
  ``sortby``), which are refused with the reason. A collection small enough
  (:mod:`geo.point_index`) is read once per data generation and then held in the
  worker, every feature encoded: its boxes, pages, items and tiles need no query
  and give the same bytes.

:data:`KINDS` picks the class from the layer's declaration; views call
:func:`features_of` and never ask where the rows live.
"""

from __future__ import annotations

import abc
from dataclasses import dataclass

import numpy as np

from geo import features
from geo.features import FeatureTable, Query, Selection
from geo.point_index import PointIndex
from layers.base import Collection, Layer, LayerContext, PageQuery
from mapcore.tiles import STORED_PROPERTIES, held_tile, stored_tile, table_tile
from web.api_http import state
from web.errors import InvalidParameter, NotFound
from web.services import services


@dataclass
class CollectionFeatures(abc.ABC):
    """What the API asks of a collection: ``table`` is its prepared FeatureTable (for a
    store-backed collection: its columns without rows, which fix the schema)."""

    layer: Layer
    collection: Collection
    table: FeatureTable
    ctx: LayerContext

    @abc.abstractmethod
    def page(self, query: Query) -> tuple[FeatureTable, Selection]:
        """The table holding one page of the features matching ``query``, and the
        positions of that page in it with the number matched."""

    @abc.abstractmethod
    def item(self, feature_id: str) -> tuple[FeatureTable, int] | None:
        """The table holding feature ``feature_id`` and its position (None: no such)."""

    @abc.abstractmethod
    def count(self) -> int:
        """How many features the collection holds."""

    @abc.abstractmethod
    def extent(self) -> list[float] | None:
        """CRS84 (west, south, east, north) of every feature (None: no features)."""

    @abc.abstractmethod
    def tile(self, z: int, y: int, x: int) -> bytes:
        """The Mapbox Vector Tile ``z/y/x`` (b"": no feature in it); raises
        ``geo.tiles.TileError`` for a tile outside WebMercatorQuad."""

    @abc.abstractmethod
    def tile_properties(self) -> dict:
        """The JSON Schema ``properties`` a feature carries in a tile."""


class MemoryFeatures(CollectionFeatures):
    """A collection whose rows every worker holds in its FeatureTable."""

    def page(self, query):
        return self.table, features.select(self.table, query)

    def item(self, feature_id):
        position = self.table.id_index.get(feature_id)
        return None if position is None else (self.table, position)

    def count(self):
        return len(self.table)

    def extent(self):
        return self.table.extent

    def tile(self, z, y, x):
        return table_tile(self.collection.id, self.table, z, y, x)

    def tile_properties(self):
        return {"id": {"type": "string"}} | {name: {"type": kind} for name, kind
                                             in self.table.schema.items()}


#: A store counts the features matching a query exactly up to this many; above it a
#: page has no ``numberMatched`` (optional in OGC API – Features 1.0.1, Req. 29), only
#: a ``next`` link while features follow.
COUNT_UP_TO = features.MAX_LIMIT


#: Rows read at a time to build a collection's PointIndex (bounds the memory it takes).
INDEX_CHUNK = 2_000


class StoredFeatures(CollectionFeatures):
    """A collection whose rows stay in the store, read through the Layer's query methods
    (:meth:`layers.base.Layer.query_rows` where the layer answers without a frame)."""

    def page(self, query):
        if query.cql is not None or query.sortby:
            raise InvalidParameter(f"集合 {self.collection.id} 的要素保存在数据库中按需查询，"
                                   f"支持 bbox、属性等值过滤与分页（limit、offset），"
                                   f"不支持 filter 与 sortby。")
        held = None if query.filters else self._index()
        if held is not None:
            return self._held_page(held, query)
        page = PageQuery(bbox=query.bbox, filters=query.filters, offset=query.offset,
                         limit=query.limit)
        rows = self.layer.query_rows(self.ctx, page, COUNT_UP_TO)
        if rows is not None:
            table, matched, more = rows
        else:
            frame, matched = self.layer.query(self.ctx, page)
            table, more = self._page_table(frame), False
        return table, Selection(positions=np.arange(len(table)), matched=matched, more=more)

    def item(self, feature_id):
        held = self._index()
        if held is not None:
            position = held.find(feature_id)
            return None if position is None else (held.page([position]), 0)
        rows = self.layer.query_rows(self.ctx, PageQuery(
            filters=((self.layer.id_field, str(feature_id)),), limit=1), COUNT_UP_TO)
        if rows is not None:
            table = rows[0]
        else:
            frame = self.layer.feature(self.ctx, feature_id)
            if not len(frame):
                return None
            table = self._page_table(frame)
        position = table.id_index.get(feature_id)
        return None if position is None else (table, position)

    def count(self):
        return self._once("count", lambda: self.layer.count(self.ctx))

    def extent(self):
        box = self._once("extent", lambda: self.layer.extent(self.ctx))
        return None if box is None else list(box)

    def _index(self) -> PointIndex | None:
        """Every feature encoded once, when the collection is small enough to hold
        (:mod:`geo.point_index`); read at the second request that asks (building
        takes a large part of a second: a starting worker's first answer does not
        wait for it; until then the store answers)."""
        facts = self.__dict__.setdefault("_facts", {})
        if "index" not in facts and not facts.setdefault("asked_before", False):
            facts["asked_before"] = True
            return None

        def read():
            total = self.count()
            if not PointIndex.fits(total):
                return None
            pages = (self.layer.query_rows(self.ctx, PageQuery(offset=at, limit=INDEX_CHUNK), 0)
                     for at in range(0, total, INDEX_CHUNK))
            return PointIndex.of(page[0] for page in pages if page is not None)

        return self._once("index", read)

    @staticmethod
    def _held_page(held: PointIndex, query) -> tuple[FeatureTable, Selection]:
        """A page of ``query`` (no filter) answered from ``held``; ``numberMatched`` by the
        store's rule: exact, but left out above :data:`COUNT_UP_TO` for a box unless the
        page itself settles it (the last page: its offset plus its features)."""
        found = np.arange(len(held)) if query.bbox is None else held.box(query.bbox)
        page = found[query.offset:query.offset + query.limit]
        matched, last = len(found), query.offset + query.limit >= len(found)
        counted = (query.bbox is None or matched <= COUNT_UP_TO
                   or (last and (len(page) or not query.offset)))
        return held.page(page), Selection(positions=np.arange(len(page)),
                                          matched=matched if counted else None,
                                          more=not last)

    def _once(self, name: str, read):
        """``read()`` the first time ``name`` is asked for (the store changes only with
        an import, which reloads the layer and so replaces this object)."""
        facts = self.__dict__.setdefault("_facts", {})
        if name not in facts:
            facts[name] = read()
        return facts[name]

    def tile(self, z, y, x):
        held = self._index()
        written = None if held is None else held_tile(self.collection.id, held, z, y, x)
        if written is not None:
            return written
        return stored_tile(self.ctx, self.layer, self.collection.id, z, y, x)

    def tile_properties(self):
        kinds = {name: {"type": "string"} for name in STORED_PROPERTIES}
        return kinds | {
            "count": {"type": "integer", "description": "低级别瓦片中按网格汇总的要素数"},
            "cluster": {"type": "integer", "description": "1：该点为网格汇总点"}}

    def _page_table(self, frame) -> FeatureTable:
        return FeatureTable(frame=self.collection.frame(frame), id_field=self.layer.id_field,
                            queryable_names=[], year_field=self.layer.year_field,
                            year=self.layer.year)


#: The contract's implementation for each ``Layer.storage`` (``layers.base.STORAGES``).
KINDS: dict[str, type[CollectionFeatures]] = {"memory": MemoryFeatures,
                                              "store": StoredFeatures}


def features_of(layer: Layer, collection: Collection, table: FeatureTable,
                ctx: LayerContext) -> CollectionFeatures:
    """The features of ``collection`` (served from ``layer``) behind the one contract."""
    return KINDS[layer.storage](layer, collection, table, ctx)


def collection_features(cid: str, app=None) -> CollectionFeatures:
    """The features of the app's collection ``cid``; NotFound when there is none.

    One object per collection and prepared table, so what it learns once (a
    store's count and extent) lasts until the layer is reloaded.
    """
    api = state(app)
    found = api.collections.get(cid)
    if found is None:
        raise NotFound(f"没有 id 为 {cid!r} 的集合；全部集合见 /api/collections。")
    layer, coll = found
    catalog = services(app).catalog
    table = api.table(cid, catalog.frame(layer.id))
    current = api.sources.get(cid)
    if current is None or current.table is not table:
        current = api.sources[cid] = features_of(layer, coll, table, catalog.context)
    return current

"""Items of store-backed layers (``Layer.storage == "store"``) for the feature API.

Their rows stay in the store: a request becomes one indexed query (bbox, equality
filters, a page) and the page is served through the same GeoJSON writer as any
other table, so clients see no difference but the query options a database index
cannot answer (CQL2 ``filter``, ``sortby``), which are refused with the reason.
"""

from __future__ import annotations

import numpy as np

from geo.features import FeatureTable, Query, Selection
from layers.base import PageQuery
from web.errors import InvalidParameter


def stored_page(ctx, layer, coll, query: Query) -> tuple[FeatureTable, Selection]:
    """The table of one page of ``layer`` matching ``query``, and its selection."""
    if query.cql is not None or query.sortby:
        raise InvalidParameter(f"集合 {coll.id} 的要素保存在数据库中按需查询，支持 bbox、"
                               f"属性等值过滤与分页（limit、offset），不支持 filter 与 sortby。")
    frame, matched = layer.query(ctx, PageQuery(bbox=query.bbox, filters=query.filters,
                                                offset=query.offset, limit=query.limit))
    table = page_table(layer, coll, frame)
    return table, Selection(positions=np.arange(len(table)), matched=matched)


def stored_feature(ctx, layer, coll, feature_id: str) -> FeatureTable | None:
    """A table of the one feature ``feature_id`` (None: the layer has none)."""
    frame = layer.feature(ctx, feature_id)
    return page_table(layer, coll, frame) if len(frame) else None


def page_table(layer, coll, frame) -> FeatureTable:
    shaped = coll.frame(frame)
    return FeatureTable(frame=shaped, id_field=layer.id_field, queryable_names=[],
                        year_field=layer.year_field, year=layer.year)

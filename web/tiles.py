"""OGC API – Tiles (vector tiles) under /api: the carriers and the boundaries as MVT.

``/api/tileMatrixSets[/WebMercatorQuad]`` describe the tiling scheme;
``/api/collections/{id}/tiles`` lists a collection's tileset and
``/api/collections/{id}/tiles/WebMercatorQuad`` is its metadata (the templated tile
URL, the layer and its properties); ``…/WebMercatorQuad/{z}/{y}/{x}`` is one tile
as ``application/vnd.mapbox-vector-tile``, built by :mod:`mapcore.tiles`. A tile
without features is ``204 No Content``. Tiles are answered once per catalog
generation and then from the response cache (:mod:`web.cache`), like every GET
under /api. Collections of boundary (``units``) and point layers have tiles.
"""

from __future__ import annotations

from flask import Blueprint, Response, current_app, request

from geo import tiles
from geo.features import json_bytes
from mapcore.tiles import tile_bytes
from web import api_docs as docs
from web import services
from web.api import _table
from web.api_http import Entry, absolute, respond, state, to_response
from web.errors import NotFound

bp = Blueprint("tiles", __name__, url_prefix="/api")
MVT = "application/vnd.mapbox-vector-tile"
TILED_ROLES = ("units", "points")
TMS = "WebMercatorQuad"
TMS_URI = "http://www.opengis.net/def/tilematrixset/OGC/1.0/WebMercatorQuad"
GEOMETRY_TYPES = {"point": "points", "linestring": "lines", "polygon": "polygons"}


def tiled(app=None) -> dict:
    """Collection id → (layer, collection) of every collection that has tiles."""
    return {cid: found for cid, found in state(app).collections.items()
            if found[0].map_role in TILED_ROLES and found[1].geometry_type in (
                "Point", "MultiPolygon", "Polygon", "MultiLineString", "LineString")}


@bp.get("/tileMatrixSets")
def tile_matrix_sets():
    href = absolute(request, f"/api/tileMatrixSets/{TMS}")
    return _json({"tileMatrixSets": [{"id": TMS, "title": "Web Mercator（EPSG:3857）",
                                      "uri": TMS_URI, "links": [
                                          docs.link(href, "self", docs.JSON, TMS)]}]})


@bp.get(f"/tileMatrixSets/{TMS}")
def tile_matrix_set():
    return _json(tiles.tile_matrix_set())


@bp.get("/collections/<cid>/tiles")
def tilesets(cid):
    return _json({"links": [docs.link(absolute(request, request.path), "self", docs.JSON)],
                  "tilesets": [_tileset(cid, brief=True)]})


@bp.get(f"/collections/<cid>/tiles/{TMS}")
def tileset(cid):
    return _json(_tileset(cid, brief=False))


@bp.get(f"/collections/<cid>/tiles/{TMS}/<int:z>/<int:y>/<int:x>")
def tile(cid, z, y, x):
    layer, _ = _found(cid)
    try:
        body = tile_bytes(services().catalog.context, layer, cid, _table(current_app, cid),
                          z, y, x)
    except tiles.TileError as exc:
        raise NotFound(f"瓦片 {z}/{y}/{x} 不在 {TMS} 瓦片矩阵集内：{exc}") from None
    if not body:
        return Response(status=204, headers={"Access-Control-Allow-Origin": "*"})
    return to_response(respond(request, Entry(body, MVT, {})))


def _found(cid):
    found = tiled().get(cid)
    if found is None:
        raise NotFound(f"集合 {cid!r} 没有矢量瓦片；有瓦片的集合：{'、'.join(sorted(tiled()))}。")
    return found


def _tileset(cid: str, brief: bool) -> dict:
    layer, coll = _found(cid)
    base = absolute(request, f"/api/collections/{cid}/tiles/{TMS}")
    doc = {"title": coll.title, "dataType": "vector", "crs": tiles.tile_matrix_set()["crs"],
           "tileMatrixSetURI": TMS_URI, "links": [
               docs.link(base, "self", docs.JSON, f"{coll.title}：瓦片集元数据"),
               docs.link(absolute(request, f"/api/tileMatrixSets/{TMS}"),
                         "http://www.opengis.net/def/rel/ogc/1.0/tiling-scheme", docs.JSON),
               {**docs.link(base + "/{tileMatrix}/{tileRow}/{tileCol}", "item", MVT,
                            "矢量瓦片（Mapbox Vector Tile）"), "templated": True}]}
    if brief:
        return doc
    table = _table(current_app, cid)
    props = {name: {"type": kind} for name, kind in table.schema.items()}
    if layer.storage == "store":
        props = {"id": {"type": "string"}, "name": {"type": "string"},
                 "type": {"type": "string"},
                 "count": {"type": "integer", "description": "低级别瓦片中按网格汇总的要素数"},
                 "cluster": {"type": "integer", "description": "1：该点为网格汇总点"}}
    shape = coll.geometry_type.lower().removeprefix("multi")
    doc["layers"] = [{"id": cid, "title": coll.title, "dataType": "vector",
                      "geometryType": GEOMETRY_TYPES[shape],
                      "minTileMatrix": "0", "maxTileMatrix": str(tiles.MAX_ZOOM),
                      "propertiesSchema": {"type": "object", "properties": props}}]
    doc["description"] = coll.description
    return doc


def _json(doc) -> Response:
    return to_response(respond(request, Entry(json_bytes(doc), docs.JSON, {})))

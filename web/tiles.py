"""OGC API – Tiles (vector tiles) under /api: every collection as Mapbox Vector Tiles.

``/api/tileMatrixSets[/WebMercatorQuad]`` describe the tiling scheme (morecantile's
definition); ``/api/collections/{id}/tiles`` lists a collection's tileset (every
collection document links to it) and ``…/tiles/WebMercatorQuad`` is the OGC tileset
document (the templated tile URL, the layer and its properties), ``…/tilejson`` the
same as TileJSON 3.0 for web map libraries; ``…/WebMercatorQuad/{z}/{y}/{x}`` is one
tile as ``application/vnd.mapbox-vector-tile``, asked of the collection through the
one storage contract (:mod:`web.api_store`). A tile without features is
``204 No Content``. Tiles are answered once per catalog generation and then from the
response cache (:mod:`web.cache`), like every GET under /api.
"""

from __future__ import annotations

from flask import Blueprint, Response, request

from geo import tiles
from geo.features import json_bytes
from web import api_docs as docs
from web.api_docs import MVT, TMS
from web.api_http import Entry, absolute, negotiated, respond, to_response
from web.api_store import CollectionFeatures, collection_features

bp = Blueprint("tiles", __name__, url_prefix="/api")
TILEJSON_VERSION = "3.0.0"
REL_TILING_SCHEME = "http://www.opengis.net/def/rel/ogc/1.0/tiling-scheme"
GEOMETRY_TYPES = {"point": "points", "linestring": "lines", "polygon": "polygons"}


@bp.get("/tileMatrixSets")
def tile_matrix_sets():
    tms = tiles.tile_matrix_set()
    href = absolute(request, f"/api/tileMatrixSets/{TMS}")
    return _json({"tileMatrixSets": [{"id": TMS, "title": "Web Mercator（EPSG:3857）",
                                      "uri": tms["uri"], "crs": tms["crs"], "links": [
                                          docs.link(href, "self", docs.JSON, TMS)]}]})


@bp.get(f"/tileMatrixSets/{TMS}")
def tile_matrix_set():
    return _json(tiles.tile_matrix_set())


@bp.get("/collections/<cid>/tiles")
def tilesets(cid):
    source = collection_features(cid)
    return _json({"links": [docs.link(absolute(request, request.path), "self", docs.JSON)],
                  "tilesets": [_tileset(source, brief=True)]})


@bp.get(f"/collections/<cid>/tiles/{TMS}")
def tileset(cid):
    return _json(_tileset(collection_features(cid), brief=False))


@bp.get(f"/collections/<cid>/tiles/{TMS}/tilejson")
def tilejson(cid):
    source = collection_features(cid)
    coll = source.collection
    fields = {name: spec["type"] for name, spec in source.tile_properties().items()}
    doc = {"tilejson": TILEJSON_VERSION, "name": coll.title, "description": coll.description,
           "scheme": "xyz", "tiles": [_tiles_url(cid) + "/{z}/{y}/{x}"],
           "minzoom": 0, "maxzoom": tiles.MAX_ZOOM,
           "vector_layers": [{"id": cid, "description": coll.title, "fields": fields,
                              "minzoom": 0, "maxzoom": tiles.MAX_ZOOM}]}
    extent = source.extent()
    if extent is not None:
        doc["bounds"] = extent
    return _json(doc)


@bp.get(f"/collections/<cid>/tiles/{TMS}/<int:z>/<int:y>/<int:x>")
def tile(cid, z, y, x):
    source = collection_features(cid)
    if "f" not in request.args:
        negotiated(request, (MVT,))
    body = source.tile(z, y, x)  # geo.tiles.TileError: a 404 (web.errors)
    if not body:
        return Response(status=204)
    return to_response(respond(request, Entry(body, MVT, {})))


def _tiles_url(cid: str) -> str:
    return absolute(request, f"/api/collections/{cid}/tiles/{TMS}")


def _tileset(source: CollectionFeatures, brief: bool) -> dict:
    """The OGC tileset document of a collection (``brief``: as listed in /tiles)."""
    coll = source.collection
    base = _tiles_url(coll.id)
    tms = tiles.tile_matrix_set()
    doc = {"title": coll.title, "dataType": "vector", "crs": tms["crs"],
           "tileMatrixSetURI": tms["uri"], "links": [
               docs.link(base, "self", docs.JSON, f"{coll.title}：瓦片集元数据"),
               docs.link(absolute(request, f"/api/tileMatrixSets/{TMS}"), REL_TILING_SCHEME,
                         docs.JSON, "WebMercatorQuad 瓦片矩阵集"),
               docs.link(f"{base}/tilejson", "describedby", docs.JSON, "TileJSON"),
               {**docs.link(base + "/{tileMatrix}/{tileRow}/{tileCol}", "item", MVT,
                            "矢量瓦片（Mapbox Vector Tile）"), "templated": True}]}
    if brief:
        return doc
    shape = coll.geometry_type.lower().removeprefix("multi")
    doc["tileMatrixSetLimits"] = [_limits(tms, z) for z in range(tiles.MAX_ZOOM + 1)]
    doc["layers"] = [{"id": coll.id, "title": coll.title, "dataType": "vector",
                      "geometryType": GEOMETRY_TYPES[shape],
                      "minTileMatrix": "0", "maxTileMatrix": str(tiles.MAX_ZOOM),
                      "propertiesSchema": {"type": "object",
                                           "properties": source.tile_properties()}}]
    doc["description"] = coll.description
    return doc


def _limits(tms: dict, z: int) -> dict:
    matrix = tms["tileMatrices"][z]
    return {"tileMatrix": matrix["id"], "minTileRow": 0, "maxTileRow": matrix["matrixHeight"] - 1,
            "minTileCol": 0, "maxTileCol": matrix["matrixWidth"] - 1}


def _json(doc) -> Response:
    if "f" not in request.args:
        negotiated(request, (docs.JSON,))
    return to_response(respond(request, Entry(json_bytes(doc), docs.JSON, {})))

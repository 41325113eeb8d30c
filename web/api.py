"""The feature API under /api: OGC API – Features Part 1 (Core) and Part 2 (CRS).

Routes are thin: they parse the request with :mod:`web.api_query`, call the core in
:mod:`geo.features` or build a document with :mod:`web.api_docs`, and hand the bytes
to :func:`web.api_http.cached`, which does the response cache, ETags, 304s, gzip and
CORS. The items and single-feature answers are plain functions of (app, request) so
that :mod:`web.api_fast` can also call them ahead of Flask's dispatch.
Everything is built from ``layers.REGISTRY`` and the loaded catalog, so a new layer
appears here without a change to this module.
"""

from __future__ import annotations

import json

from flask import Blueprint, current_app, render_template, request

from geo import features
from web import api_docs as docs
from web import api_fast, services
from web.api_http import CORS_HEADERS, ApiState, absolute, cached, state, to_response
from web.api_query import (FORMATS, check_known, parse_feature_query, parse_format,
                           parse_items_query, query_string)
from web.errors import NotFound

bp = Blueprint("api", __name__, url_prefix="/api")
JSON = "application/json"


@bp.record_once
def _on_register(setup_state):
    app = setup_state.app
    app.extensions[ApiState.KEY] = ApiState()
    api_fast.install(app, {"items": items_reply, "item": item_reply}, allowed_after=(_cors,))
    svc = services(app)
    section = "GeoJSON 接口（OGC API – Features）"
    svc.add_link(section, "接口首页 /api/（供 QGIS、GDAL、OWSLib 等程序使用）", "/api/?f=html")
    svc.add_link(section, "全部图层 /api/collections", "/api/collections?f=html")
    svc.add_link(section, "OpenAPI 3.0 接口定义 /api/openapi", "/api/openapi")


@bp.after_request
def _cors(response):
    response.headers.update(CORS_HEADERS)
    return response


@bp.get("/")
def landing():
    return _document("landing", lambda base: docs.landing(base), "api/landing.html")


@bp.get("/conformance")
def conformance():
    return _document("conformance", lambda base: docs.conformance(),
                     "api/conformance.html")


@bp.get("/openapi")
def openapi():
    def build(base):
        layers = list(_layers(current_app).values())
        return docs.openapi(base, layers, {layer.id: _table(current_app, layer.id)
                                           for layer in layers})

    return _document("openapi", build, None, _versions(), media_type=docs.OPENAPI)


@bp.get("/collections")
def collections():
    def build(base):
        return docs.collections(base, [docs.collection(base, layer, _table(current_app,
                                                                           layer.id))
                                       for layer in _layers(current_app).values()])

    return _document("collections", build, "api/collections.html", _versions())


@bp.get("/collections/<cid>")
def collection(cid):
    layer, table = _layer_table(current_app, cid)
    return _document(f"collection:{cid}", lambda base: docs.collection(base, layer, table),
                     "api/collection.html", (table.version,))


@bp.get("/collections/<cid>/queryables")
def queryables(cid):
    layer, table = _layer_table(current_app, cid)
    return _document(f"queryables:{cid}", lambda base: docs.queryables(base, layer, table),
                     None, (table.version,), media_type="application/schema+json")


@bp.get("/collections/<cid>/items")
def items(cid):
    return to_response(items_reply(current_app, request, cid))


@bp.get("/collections/<cid>/items/<path:fid>")
def item(cid, fid):
    return to_response(item_reply(current_app, request, cid, fid))


def items_reply(app, req, cid):
    """The items of collection ``cid`` for request ``req`` (needs an app context for HTML)."""
    layer, table = _layer_table(app, cid)

    def build():
        query, fmt = parse_items_query(req.args, table)
        unfiltered = query.bbox is None and not query.filters
        return (_items_body(req, layer, table, query, fmt), _media(fmt),
                _crs_header(query, fmt), unfiltered)

    return cached(state(app), req, ("items", cid, table.version), build)


def item_reply(app, req, cid, fid):
    """One feature of collection ``cid`` (needs an app context for HTML)."""
    layer, table = _layer_table(app, cid)
    position = table.id_index.get(fid)
    if position is None:
        raise NotFound(f"图层 {cid} 中没有 id 为 {fid!r} 的要素。")

    def build():
        query, fmt = parse_feature_query(req.args, table)
        return (_item_body(req, layer, table, position, query, fmt), _media(fmt),
                _crs_header(query, fmt), True)

    return cached(state(app), req, ("item", cid, table.version, fid), build)


def _document(name, build, template, versions=(), media_type=JSON):
    """A request-independent document, JSON or (with a template) HTML, built once."""
    def make():
        check_known(request.args, ("f",))
        fmt = parse_format(request.args, allowed=FORMATS if template else ("json",))
        if fmt == "html":
            return (render_template(template, doc=build(_base())).encode(),
                    "text/html; charset=utf-8", {}, True)
        return _json_body(build(_base())), media_type, {}, True

    return to_response(cached(state(), request, (name, versions), make))


def _items_body(req, layer, table, query, fmt) -> bytes | features.Page:
    selection = features.select(table, query)
    links = _items_links(req, layer, query, selection)
    if fmt == "html":
        rows = features.feature_collection(table, selection, query, links)
        return render_template("api/items.html", layer=layer, query=query,
                               collection=_loads(rows), links=links).encode()
    return features.collection_page(table, selection, query, links)


def _item_body(req, layer, table, position, query, fmt) -> bytes:
    href = absolute(req, req.path)
    coll = absolute(req, f"/api/collections/{layer.id}")
    links = [docs.link(href, "self", docs.GEOJSON), docs.link(f"{href}?f=html", "alternate",
                                                              docs.HTML),
             docs.link(coll, "collection", docs.JSON, layer.title)]
    body = features.feature(table, position, query, links)
    if fmt == "html":
        return render_template("api/item.html", layer=layer, feature=_loads(body)).encode()
    return body


def _items_links(req, layer, query, selection) -> list[dict]:
    here = absolute(req, req.path)
    rest = query_string(req.args, without=("f", "offset"))

    def href(offset: int, fmt: str = "json") -> str:
        page = f"&offset={offset}" if offset else ""
        return f"{here}?{rest}{'&' if rest else ''}f={fmt}{page}"

    links = [docs.link(href(query.offset), "self", docs.GEOJSON, "本页"),
             docs.link(href(query.offset, "html"), "alternate", docs.HTML, "本页（HTML）"),
             docs.link(absolute(req, f"/api/collections/{layer.id}"), "collection", docs.JSON,
                       layer.title)]
    end = query.offset + len(selection.positions)
    if end < selection.matched:
        links.append(docs.link(href(end), "next", docs.GEOJSON, "下一页"))
    if query.offset > 0:
        links.append(docs.link(href(max(0, query.offset - query.limit)), "prev",
                               docs.GEOJSON, "上一页"))
    return links


def _layer_table(app, cid):
    layer = _layers(app).get(cid)
    if layer is None:
        raise NotFound(f"没有 id 为 {cid!r} 的图层；全部图层见 /api/collections。")
    return layer, _table(app, cid)


def _table(app, cid) -> features.FeatureTable:
    return state(app).table(_layers(app)[cid], services(app).catalog.frame(cid))


def _versions() -> tuple:
    return tuple(_table(current_app, cid).version for cid in _layers(current_app))


def _layers(app) -> dict:
    """The app's layers: the registry's and any it was created with."""
    return services(app).catalog.layers


def _base() -> str:
    return absolute(request, "/api")


def _media(fmt: str) -> str:
    return "text/html; charset=utf-8" if fmt == "html" else docs.GEOJSON


def _crs_header(query, fmt) -> dict:
    return {} if fmt == "html" else {"Content-Crs": f"<{query.crs.uri}>"}


def _json_body(doc) -> bytes:
    return features.json_bytes(doc)


def _loads(body: bytes):
    return json.loads(body)

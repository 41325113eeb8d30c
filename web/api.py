"""The feature API under /api: OGC API – Features Part 1 (Core, 1.0.1), Part 2 (CRS)
and Part 3 (CQL2 filters).

Routes are thin: they parse the request with :mod:`web.api_query`, call the core in
:mod:`geo.features` or build a document with :mod:`web.api_docs`, and hand the bytes
to :func:`web.api_http.respond`, which does ETags, 304s, gzip and CORS; finished
responses are kept by the app's response cache (:mod:`web.cache`). Collections are
built from the app's layers (``layers.REGISTRY`` and any given to ``create_app``):
each layer serves the typed collections its ``collections()`` declares, so a new
layer appears here without a change to this module. A store-backed layer's items are
queried where they live (:mod:`web.api_store`).
"""

from __future__ import annotations

import json

from flask import Blueprint, current_app, render_template, request

from geo import features
from web import api_docs as docs
from web import services
from web.api_http import (
    CORS_HEADERS,
    PREFLIGHT_HEADERS,
    ApiState,
    Entry,
    absolute,
    respond,
    state,
    to_response,
)
from web.api_query import (
    RESPONSE_FORMATS,
    check_known,
    parse_feature_query,
    parse_format,
    parse_items_query,
    query_string,
)
from web.api_store import stored_feature, stored_page
from web.errors import InvalidParameter, NotFound

bp = Blueprint("api", __name__, url_prefix="/api")
JSON = "application/json"
REGION_LAYERS = {"province": "boundaries-province", "city": "boundaries-city",
                 "county": "boundaries-county"}


@bp.record_once
def _on_register(setup_state):
    app = setup_state.app
    svc = services(app)
    app.extensions[ApiState.KEY] = ApiState(collections={
        coll.id: (layer, coll) for layer in svc.catalog.layers.values()
        for coll in layer.collections()})
    section = "GeoJSON 接口（OGC API – Features）"
    svc.add_link(section, "接口首页 /api/（供 QGIS、GDAL、OWSLib 等程序使用）", "/api/?f=html")
    svc.add_link(section, "全部图层 /api/collections", "/api/collections?f=html")
    svc.add_link(section, "OpenAPI 3.0 接口定义 /api/openapi", "/api/openapi")


@bp.after_request
def _cors(response):
    response.headers.update(CORS_HEADERS)
    if request.method == "OPTIONS":
        response.headers.update(PREFLIGHT_HEADERS)
    return response


@bp.get("/")
def landing():
    return _document(lambda base: docs.landing(base), "api/landing.html")


@bp.get("/conformance")
def conformance():
    return _document(lambda base: docs.conformance(), "api/conformance.html")


@bp.get("/openapi")
def openapi():
    def build(base):
        colls = [coll for _, coll in state().collections.values()]
        return docs.openapi(base, colls, {c.id: _table(current_app, c.id) for c in colls})

    return _document(build, None, media_type=docs.OPENAPI)


@bp.get("/collections")
def collections():
    def build(base):
        return docs.collections(base, [docs.collection(base, coll, _table(current_app, cid))
                                       for cid, (_, coll) in state().collections.items()])

    return _document(build, "api/collections.html")


@bp.get("/collections/<cid>")
def collection(cid):
    coll, table = _collection_table(current_app, cid)
    return _document(lambda base: docs.collection(base, coll, table), "api/collection.html")


def _schema_document(cid, build):
    """A JSON Schema document of collection ``cid`` (queryables, schema, feature schema)."""
    coll, table = _collection_table(current_app, cid)
    return _document(lambda base: build(base, coll, table), None, media_type=docs.SCHEMA_JSON)


@bp.get("/collections/<cid>/queryables")
def queryables(cid):
    return _schema_document(cid, docs.queryables)


@bp.get("/collections/<cid>/schema")
def schema(cid):
    return _schema_document(cid, docs.schema)


@bp.get("/collections/<cid>/feature-schema")
def feature_schema(cid):
    return _schema_document(cid, docs.feature_schema)


@bp.get("/collections/<cid>/items")
def items(cid):
    coll, table = _collection_table(current_app, cid)
    query, fmt = parse_items_query(request.args, table, request.accept_mimetypes)
    try:
        body = _items_body(request, coll, table, query, fmt)
    except features.QueryError as exc:  # a filter whose values do not fit the columns
        raise InvalidParameter(f"filter 无效：{exc}") from None
    return _respond(body, fmt, query)


@bp.get("/collections/<cid>/items/<path:fid>")
def item(cid, fid):
    coll, table = _collection_table(current_app, cid)
    layer = state().collections[cid][0]
    if layer.storage == "store":
        table = stored_feature(services().catalog.context, layer, coll, fid)
    position = None if table is None else table.id_index.get(fid)
    if position is None:
        raise NotFound(f"集合 {cid} 中没有 id 为 {fid!r} 的要素。")
    query, fmt = parse_feature_query(request.args, table, request.accept_mimetypes)
    return _respond(_item_body(request, coll, table, position, query, fmt), fmt, query)


def _respond(body, fmt, query):
    headers = {} if fmt == "html" else {"Content-Crs": f"<{query.crs.uri}>"}
    if isinstance(body, features.FeaturePage):
        entry = Entry(body.body, _media(fmt), headers, etag=body.tag or "")
    else:
        entry = Entry(body, _media(fmt), headers)
    return to_response(respond(request, entry))


def _document(build, template, media_type=JSON):
    """A request-independent document, JSON or (with a template) HTML."""
    check_known(request.args, ("f",))
    allowed = RESPONSE_FORMATS if template else ("json",)
    fmt = parse_format(request.args, allowed=allowed, accept=request.accept_mimetypes)
    if fmt == "html":
        body, media = render_template(template, doc=build(_base())).encode(), docs.HTML
        media += "; charset=utf-8"
    else:
        body, media = features.json_bytes(build(_base())), media_type
    return to_response(respond(request, Entry(body, media, {})))


def _items_body(req, layer, table, query, fmt) -> bytes | features.FeaturePage:
    source = state().collections[layer.id][0]
    if source.storage == "store":
        table, selection = stored_page(services().catalog.context, source, layer, query)
    else:
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
    region = _region_link(req, state().collections[layer.id][0], table, position)
    if region:
        links.append(region)
    body = features.feature(table, position, query, links)
    if fmt == "html":
        return render_template("api/item.html", layer=layer, feature=_loads(body)).encode()
    return body


def _region_link(req, layer, table, position) -> dict | None:
    """The boundary of the region a record belongs to (targets, tasks: their polygon)."""
    if not layer.region_field:
        return None
    adcode = str(table.records[position].get(layer.region_field) or "")
    if len(adcode) != 6 or not adcode.isdigit():
        return None
    level = "province" if adcode.endswith("0000") else "city" if adcode.endswith("00") \
        else "county"
    href = absolute(req, f"/api/collections/{REGION_LAYERS[level]}/items/{adcode}")
    return docs.link(href, "related", docs.GEOJSON, f"所在行政区边界（{adcode}）")


def _items_links(req, layer, query, selection) -> list[dict]:
    here = absolute(req, req.path)
    args = req.args.to_dict()
    if "limit" in args:
        args["limit"] = str(query.limit)  # a limit above the maximum is the maximum
    rest = query_string(args, without=("f", "offset"))

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


def _collection_table(app, cid):
    found = state(app).collections.get(cid)
    if found is None:
        raise NotFound(f"没有 id 为 {cid!r} 的集合；全部集合见 /api/collections。")
    return found[1], _table(app, cid)


def _table(app, cid) -> features.FeatureTable:
    layer, _ = state(app).collections[cid]
    table = state(app).table(cid, services(app).catalog.frame(layer.id))
    if layer.storage == "store" and table.stored_extent is None:
        ctx = services(app).catalog.context
        table.stored_extent = lambda: (None if (box := layer.extent(ctx)) is None
                                       else list(box))
    return table


def _base() -> str:
    return absolute(request, "/api")


def _media(fmt: str) -> str:
    return "text/html; charset=utf-8" if fmt == "html" else docs.GEOJSON


def _loads(body: bytes):
    return json.loads(body)

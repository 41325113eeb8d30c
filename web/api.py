"""The feature API under /api: OGC API – Features Part 1 (Core, 1.0.1), Part 2 (CRS)
and Part 3 (CQL2 filters).

Routes are thin: they parse the request with :mod:`web.api_query`, ask the
collection for its features through the one storage contract
(:func:`web.api_store.collection_features`: items, one item, count, extent, tiles,
whatever the storage) or build a document with :mod:`web.api_docs`, and hand the
bytes to :func:`web.api_http.respond`, which does ETags, 304s, gzip and CORS;
finished responses are kept by the app's response cache (:mod:`web.cache`). The plain
JSON reads of items and of one item are answered before Flask by :mod:`web.lean`
through the same :func:`items_reply` and :func:`item_reply` these views call.
Collections are built from the app's layers (``layers.REGISTRY`` and any given to
``create_app``): each layer serves the typed collections its ``collections()``
declares, so a new layer appears here without a change to this module. Errors of
the core (``geo.features.QueryError``, …) are answered by ``web.errors``.
"""

from __future__ import annotations

import json

from flask import Blueprint, render_template, request

from geo import features
from web import api_docs as docs
from web.api_http import (
    CORS_HEADERS,
    PREFLIGHT_HEADERS,
    ApiState,
    Entry,
    Reply,
    absolute,
    link_header,
    negotiated,
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
from web.api_store import collection_features
from web.errors import NotFound
from web.services import services

bp = Blueprint("api", __name__, url_prefix="/api")
JSON = "application/json"
ITEM_TYPES = (docs.GEOJSON, JSON, docs.HTML)


@bp.record_once
def _on_register(setup_state):
    app = setup_state.app
    svc = services(app)
    app.extensions[ApiState.KEY] = ApiState()
    app.extensions[ApiState.KEY].follow(svc.catalog)
    section = "GeoJSON 接口（OGC API – Features）"
    svc.add_link(section, "接口首页 /api/（供 QGIS、GDAL、OWSLib 等程序使用）", "/api/?f=html")
    svc.add_link(section, "全部图层 /api/collections", "/api/collections?f=html")
    svc.add_link(section, "OpenAPI 3.0 接口定义 /api/openapi", "/api/openapi")
    app.after_request(_cors)


def _cors(response):
    """CORS on every answer under /api, errors included (a 405 or 404 matches no route
    of this blueprint, so this is an app-wide hook that looks at the path)."""
    if request.path == "/api" or request.path.startswith("/api/"):
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
        return docs.openapi(base, colls, {c.id: collection_features(c.id).table
                                          for c in colls})

    return _document(build, None, media_type=docs.OPENAPI)


@bp.get("/collections")
def collections():
    def build(base):
        return docs.collections(base, [_collection_doc(base, cid) for cid in state().collections])

    return _document(build, "api/collections.html")


@bp.get("/collections/<cid>")
def collection(cid):
    collection_features(cid)  # 404 before anything else
    return _document(lambda base: _collection_doc(base, cid), "api/collection.html")


def _collection_doc(base: str, cid: str) -> dict:
    source = collection_features(cid)
    return docs.collection(base, source.collection, source.table, count=source.count(),
                           extent=source.extent())


def _schema_document(cid, build):
    """A JSON Schema document of collection ``cid`` (queryables, schema, feature schema)."""
    source = collection_features(cid)
    return _document(lambda base: build(base, source.collection, source.table), None,
                     media_type=docs.SCHEMA_JSON)


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
    source = collection_features(cid)
    query, fmt = parse_items_query(request.args, source.table, request.accept_mimetypes)
    check_acceptable(request, ITEM_TYPES)
    return to_response(items_reply(request, source, query, fmt))


def items_reply(req, source, query, fmt: str) -> Reply:
    """The answer to the items request ``req`` (parsed into ``query`` and ``fmt``) of the
    collection ``source``: this view's and the lean read path's (:mod:`web.lean`), which
    passes a request of its own with the same ``environ``, ``path`` and ``args``."""
    table, selection = source.page(query)
    links = _items_links(req, source.collection, query, selection)
    if fmt == "html":
        rows = features.feature_collection(table, selection, query, links)
        body = render_template("api/items.html", layer=source.collection, query=query,
                               collection=_loads(rows), links=links).encode()
    else:
        body = features.collection_page(table, selection, query, links)
    return _reply(req, body, fmt, query, links)


@bp.get("/collections/<cid>/items/<path:fid>")
def item(cid, fid):
    source = collection_features(cid)
    found = source.item(fid)
    if found is None:
        raise NotFound(f"集合 {cid} 中没有 id 为 {fid!r} 的要素。")
    query, fmt = parse_feature_query(request.args, source.table, request.accept_mimetypes)
    check_acceptable(request, ITEM_TYPES)
    return to_response(item_reply(request, source, found, query, fmt))


def item_reply(req, source, found, query, fmt: str) -> Reply:
    """The answer to the request ``req`` for the feature ``found`` (its table and
    position) of ``source``; shared with :mod:`web.lean` like :func:`items_reply`."""
    table, position = found
    links = _item_links(req, source, table, position)
    body = features.feature(table, position, query, links)
    if fmt == "html":
        body = render_template("api/item.html", layer=source.collection,
                               feature=_loads(body)).encode()
    return _reply(req, body, fmt, query, links)


def check_acceptable(req, offered) -> None:
    """406 when the client asked for formats by ``Accept`` alone and none is offered."""
    if "f" not in req.args:
        negotiated(req, offered)


def _reply(req, body, fmt, query, links=()) -> Reply:
    headers = {} if fmt == "html" else {"Content-Crs": f"<{query.crs.uri}>"}
    if links:
        headers["Link"] = link_header(links)
    if isinstance(body, features.FeaturePage):
        entry = Entry(body.body, _media(fmt), headers, etag=body.tag or "")
    else:
        entry = Entry(body, _media(fmt), headers)
    return respond(req, entry)


def _document(build, template, media_type=JSON):
    """A request-independent document, JSON or (with a template) HTML; its links to
    itself, its other formats and its queryables also go in a ``Link`` header."""
    check_known(request.args, ("f",))
    allowed = RESPONSE_FORMATS if template else ("json",)
    fmt = parse_format(request.args, allowed=allowed, accept=request.accept_mimetypes)
    check_acceptable(request, (media_type, JSON, docs.HTML) if template else (media_type, JSON))
    doc = build(_base())
    if fmt == "html":
        body = render_template(template, doc=doc).encode()
        media = docs.HTML + "; charset=utf-8"
    else:
        body, media = features.json_bytes(doc), media_type
    header = link_header(doc.get("links", [])) if isinstance(doc, dict) else ""
    return to_response(respond(request, Entry(body, media, {"Link": header} if header else {})))


def _item_links(req, source, table, position) -> list[dict]:
    href = absolute(req, req.path)
    layer = source.collection
    coll = absolute(req, f"/api/collections/{layer.id}")
    links = [docs.link(href, "self", docs.GEOJSON), docs.link(f"{href}?f=html", "alternate",
                                                              docs.HTML),
             docs.link(coll, "collection", docs.JSON, layer.title)]
    region = _region_link(req, source.layer, table, position)
    if region:
        links.append(region)
    return links


def _region_link(req, layer, table, position) -> dict | None:
    """The boundary of the region a record belongs to (targets, tasks: their polygon)."""
    if not layer.region_field:
        return None
    adcode = str(table.records[position].get(layer.region_field) or "")
    if len(adcode) != 6 or not adcode.isdigit():
        return None
    level = "province" if adcode.endswith("0000") else "city" if adcode.endswith("00") \
        else "county"
    unit = _unit_layers().get(level)
    if unit is None:
        return None
    href = absolute(req, f"/api/collections/{unit}/items/{adcode}")
    return docs.link(href, "related", docs.GEOJSON, f"所在行政区边界（{adcode}）")


def _unit_layers() -> dict[str, str]:
    """Boundary layer id by level (``province``, ``city``, ``county``): the layers whose
    map role is ``units``."""
    return {layer.level: layer.id for layer in services().catalog.layers.values()
            if layer.map_role == "units" and getattr(layer, "level", None)}


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
                       layer.title),
             docs.link(absolute(req, f"/api/collections/{layer.id}/queryables"),
                       docs.REL_QUERYABLES, docs.SCHEMA_JSON, "可筛选属性")]
    if selection.continues(query.offset):
        end = query.offset + len(selection.positions)
        links.append(docs.link(href(end), "next", docs.GEOJSON, "下一页"))
    if query.offset > 0:
        links.append(docs.link(href(max(0, query.offset - query.limit)), "prev",
                               docs.GEOJSON, "上一页"))
    return links


def _base() -> str:
    return absolute(request, "/api")


def _media(fmt: str) -> str:
    return "text/html; charset=utf-8" if fmt == "html" else docs.GEOJSON


def _loads(body: bytes):
    return json.loads(body)

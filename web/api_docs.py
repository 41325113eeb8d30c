"""The static documents of the feature API, generated from the layer registry.

Landing page, conformance, collection descriptions, queryables and the OpenAPI 3.0
document are plain dicts built from the registered layers and their prepared
:class:`geo.features.FeatureTable`; nothing here reads a request. ``base`` is the
absolute URL of the API root without a trailing slash (``http://host/api``).
"""

from __future__ import annotations

from geo.crs import CRS84, SUPPORTED
from geo.features import DEFAULT_LIMIT, MAX_LIMIT, FeatureTable

GEOJSON = "application/geo+json"
JSON = "application/json"
HTML = "text/html"
OPENAPI = "application/vnd.oai.openapi+json;version=3.0"
REL_CONFORMANCE = "http://www.opengis.net/def/rel/ogc/1.0/conformance"
REL_DATA = "http://www.opengis.net/def/rel/ogc/1.0/data"
REL_QUERYABLES = "http://www.opengis.net/def/rel/ogc/1.0/queryables"

CONFORMANCE = [
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/oas30",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/html",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/geojson",
    "http://www.opengis.net/spec/ogcapi-features-2/1.0/conf/crs",
    "http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/queryables",
    "http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/queryables-query-parameters",
]

# Parameters of the items endpoint other than the per-collection property filters.
ITEM_PARAMETERS = ("f", "limit", "offset", "bbox", "bbox-crs", "crs", "properties",
                   "skipGeometry", "sortby")
FEATURE_PARAMETERS = ("f", "crs", "properties", "skipGeometry")
TITLE = "innomap 创新布局地图服务 – 要素接口"
DESCRIPTION = ("江苏省、连云港市、宿迁市与安徽省宿州市“十四五”科技创新规划的图层，"
               "以 GeoJSON（RFC 7946，WGS84 经纬度）提供，符合 OGC API – Features "
               "第 1 部分（核心）与第 2 部分（坐标参考系）。")
GCJ02_NOTE = ("crs=urn:x-innomap:def:crs:GCJ-02 为非标准选项：输出高德/DataV 等国内底图使用的 "
              "GCJ-02 偏移坐标，仅供叠加此类底图，切勿当作 WGS84 保存或回传。")


def link(href: str, rel: str, type_: str, title: str = "") -> dict:
    out = {"href": href, "rel": rel, "type": type_}
    if title:
        out["title"] = title
    return out


def landing(base: str) -> dict:
    return {
        "title": TITLE,
        "description": DESCRIPTION,
        "links": [
            link(f"{base}/", "self", JSON, "本页（JSON）"),
            link(f"{base}/?f=html", "alternate", HTML, "本页（HTML）"),
            link(f"{base}/openapi", "service-desc", OPENAPI, "OpenAPI 3.0 接口定义"),
            link(f"{base}/conformance", "conformance", JSON, "符合的标准类"),
            link(f"{base}/conformance", REL_CONFORMANCE, JSON, "符合的标准类"),
            link(f"{base}/collections", "data", JSON, "全部图层"),
            link(f"{base}/collections", REL_DATA, JSON, "全部图层"),
        ],
    }


def conformance() -> dict:
    return {"conformsTo": CONFORMANCE}


def collection(base: str, layer, table: FeatureTable) -> dict:
    href = f"{base}/collections/{layer.id}"
    extent = table.extent or [-180.0, -90.0, 180.0, 90.0]
    return {
        "id": layer.id,
        "title": layer.title,
        "description": layer.description,
        "itemType": "feature",
        "extent": {"spatial": {"bbox": [extent], "crs": CRS84}},
        "crs": list(SUPPORTED),
        "storageCrs": CRS84,
        "numberOfFeatures": len(table),
        "links": [
            link(href, "self", JSON, layer.title),
            link(f"{href}?f=html", "alternate", HTML, layer.title),
            link(f"{href}/items", "items", GEOJSON, "要素（GeoJSON）"),
            link(f"{href}/items?f=html", "items", HTML, "要素（HTML）"),
            link(f"{href}/queryables", REL_QUERYABLES, "application/schema+json",
                 "可筛选属性"),
        ],
    }


def collections(base: str, docs: list[dict]) -> dict:
    return {
        "collections": docs,
        "crs": list(SUPPORTED),
        "links": [link(f"{base}/collections", "self", JSON, "全部图层"),
                  link(f"{base}/collections?f=html", "alternate", HTML, "全部图层")],
    }


def queryables(base: str, layer, table: FeatureTable) -> dict:
    props = {name: {"type": kind, "title": name} for name, kind in table.kinds.items()}
    props["geometry"] = {"$ref": "https://geojson.org/schema/Geometry.json"}
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": f"{base}/collections/{layer.id}/queryables",
        "type": "object",
        "title": layer.title,
        "properties": props,
        "additionalProperties": False,
    }


def openapi(base: str, layers: list, tables: dict[str, FeatureTable]) -> dict:
    """The OpenAPI 3.0 document: shared paths plus one set of paths per layer."""
    paths = {
        "/": _get("landing", "API 首页", "LandingPage", JSON, ["f"]),
        "/conformance": _get("conformance", "符合的标准类", "ConfClasses", JSON, ["f"]),
        "/openapi": _get("openapi", "本接口定义", None, OPENAPI, ["f"]),
        "/collections": _get("collections", "全部图层", "Collections", JSON, ["f"]),
    }
    for layer in layers:
        table = tables[layer.id]
        p = f"/collections/{layer.id}"
        paths[p] = _get(f"describe-{layer.id}", layer.title, "Collection", JSON, ["f"],
                        tag=layer.id)
        paths[f"{p}/queryables"] = _get(f"queryables-{layer.id}",
                                        f"{layer.title}：可筛选属性", None,
                                        "application/schema+json", ["f"], tag=layer.id)
        paths[f"{p}/items"] = _get(
            f"items-{layer.id}", f"{layer.title}：要素", "FeatureCollection", GEOJSON,
            list(ITEM_PARAMETERS), tag=layer.id, description=layer.description,
            extra=[_queryable_parameter(name, kind) for name, kind in table.kinds.items()])
        paths[f"{p}/items/{{featureId}}"] = _get(
            f"item-{layer.id}", f"{layer.title}：单个要素（id = {layer.id_field}）",
            "Feature", GEOJSON, ["featureId", *FEATURE_PARAMETERS], tag=layer.id)
    return {
        "openapi": "3.0.3",
        "info": {"title": TITLE, "description": f"{DESCRIPTION}\n\n{GCJ02_NOTE}",
                 "version": "1.0.0"},
        "servers": [{"url": base}],
        "tags": [{"name": layer.id, "description": layer.title} for layer in layers],
        "paths": paths,
        "components": {"parameters": _parameters(), "schemas": _schemas(),
                       "responses": _responses()},
    }


def _get(op_id, summary, schema, media, params, tag=None, description="", extra=()):
    ok = {"description": "成功"}
    ok["content"] = {media: {"schema": {"$ref": f"#/components/schemas/{schema}"}
                             if schema else {"type": "object"}}}
    ok["content"][HTML] = {"schema": {"type": "string"}}
    op = {
        "operationId": op_id,
        "summary": summary,
        "parameters": [{"$ref": f"#/components/parameters/{name}"} for name in params]
        + list(extra),
        "responses": {"200": ok, "304": {"description": "未修改（If-None-Match）"},
                      "400": {"$ref": "#/components/responses/BadRequest"},
                      "404": {"$ref": "#/components/responses/NotFound"}},
    }
    if description:
        op["description"] = description
    if tag:
        op["tags"] = [tag]
    return {"get": op}


def _queryable_parameter(name: str, kind: str) -> dict:
    return {"name": name, "in": "query", "required": False, "style": "form",
            "explode": False, "description": f"属性 {name} 等于该值的要素",
            "schema": {"type": kind}}


def _query(name, schema, description, **more) -> dict:
    return {"name": name, "in": "query", "required": False, "schema": schema,
            "description": description, **more}


def _parameters() -> dict:
    crs_schema = {"type": "string", "enum": list(SUPPORTED), "default": CRS84}
    return {
        "f": _query("f", {"type": "string", "enum": ["json", "html"]},
                    "响应格式：json（默认）或 html"),
        "limit": _query("limit", {"type": "integer", "minimum": 1, "maximum": MAX_LIMIT,
                                  "default": DEFAULT_LIMIT},
                        f"每页要素数，最多 {MAX_LIMIT}；超出为 400 错误，不会静默截断"),
        "offset": _query("offset", {"type": "integer", "minimum": 0, "default": 0},
                         "跳过的要素数（分页）"),
        "bbox": _query("bbox", {"type": "array", "minItems": 4, "maxItems": 6,
                                "items": {"type": "number"}},
                       "范围：minx,miny,maxx,maxy，按 bbox-crs 的轴序", style="form",
                       explode=False),
        "bbox-crs": _query("bbox-crs", crs_schema, "bbox 的坐标参考系，默认 CRS84"),
        "crs": _query("crs", crs_schema, "输出坐标参考系，默认 CRS84。" + GCJ02_NOTE),
        "properties": _query("properties", {"type": "array", "items": {"type": "string"}},
                             "只返回这些属性（逗号分隔）", style="form", explode=False),
        "skipGeometry": _query("skipGeometry", {"type": "boolean", "default": False},
                               "为 true 时不返回几何"),
        "sortby": _query("sortby", {"type": "array", "items": {"type": "string"}},
                         "排序属性，逗号分隔，前缀 - 为降序", style="form", explode=False),
        "featureId": {"name": "featureId", "in": "path", "required": True,
                      "schema": {"type": "string"}, "description": "要素 id"},
    }


def _schemas() -> dict:
    link_schema = {"type": "object", "required": ["href", "rel"],
                   "properties": {"href": {"type": "string"}, "rel": {"type": "string"},
                                  "type": {"type": "string"}, "title": {"type": "string"}}}
    links = {"type": "array", "items": {"$ref": "#/components/schemas/Link"}}
    bbox = {"type": "array", "minItems": 4, "maxItems": 4, "items": {"type": "number"}}
    geometry = {"type": "object", "nullable": True, "required": ["type"],
                "properties": {"type": {"type": "string", "enum": [
                    "Point", "MultiPoint", "LineString", "MultiLineString", "Polygon",
                    "MultiPolygon", "GeometryCollection"]}}}
    feature = {"type": "object", "required": ["type", "geometry", "properties"],
               "properties": {"type": {"type": "string", "enum": ["Feature"]},
                              "id": {"oneOf": [{"type": "string"}, {"type": "integer"}]},
                              "geometry": {"$ref": "#/components/schemas/Geometry"},
                              "properties": {"type": "object", "nullable": True},
                              "bbox": bbox, "links": links}}
    return {
        "Link": link_schema,
        "Exception": {"type": "object", "required": ["code", "description"],
                      "properties": {"code": {"type": "string"},
                                     "description": {"type": "string"}}},
        "LandingPage": {"type": "object", "required": ["links"],
                        "properties": {"title": {"type": "string"},
                                       "description": {"type": "string"}, "links": links}},
        "ConfClasses": {"type": "object", "required": ["conformsTo"],
                        "properties": {"conformsTo": {"type": "array",
                                                      "items": {"type": "string"}}}},
        "Collection": {"type": "object", "required": ["id", "links"],
                       "properties": {"id": {"type": "string"}, "title": {"type": "string"},
                                      "description": {"type": "string"},
                                      "itemType": {"type": "string"},
                                      "crs": {"type": "array", "items": {"type": "string"}},
                                      "storageCrs": {"type": "string"},
                                      "extent": {"type": "object"}, "links": links}},
        "Collections": {"type": "object", "required": ["collections", "links"],
                        "properties": {"links": links, "collections": {
                            "type": "array",
                            "items": {"$ref": "#/components/schemas/Collection"}}}},
        "Geometry": geometry,
        "Feature": feature,
        "FeatureCollection": {
            "type": "object",
            "required": ["type", "features", "numberMatched", "numberReturned", "links"],
            "properties": {"type": {"type": "string", "enum": ["FeatureCollection"]},
                           "features": {"type": "array",
                                        "items": {"$ref": "#/components/schemas/Feature"}},
                           "numberMatched": {"type": "integer", "minimum": 0},
                           "numberReturned": {"type": "integer", "minimum": 0},
                           "links": links, "bbox": bbox}},
    }


def _responses() -> dict:
    body = {"content": {JSON: {"schema": {"$ref": "#/components/schemas/Exception"}}}}
    return {"BadRequest": {"description": "参数无效", **body},
            "NotFound": {"description": "图层或要素不存在", **body}}

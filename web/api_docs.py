"""The static documents of the feature API, generated from the layer registry.

Landing page, conformance, collection descriptions, queryables and the OpenAPI 3.0
document are plain dicts built from the registered layers and their prepared
:class:`geo.features.FeatureTable`; nothing here reads a request. ``base`` is the
absolute URL of the API root without a trailing slash (``http://host/api``).
"""

from __future__ import annotations

from geo import cql2
from geo.crs import CRS84, SUPPORTED
from geo.features import DEFAULT_LIMIT, MAX_LIMIT, FeatureTable

GEOJSON = "application/geo+json"
JSON = "application/json"
HTML = "text/html"
OPENAPI = "application/vnd.oai.openapi+json;version=3.0"
REL_CONFORMANCE = "http://www.opengis.net/def/rel/ogc/1.0/conformance"
REL_DATA = "http://www.opengis.net/def/rel/ogc/1.0/data"
REL_QUERYABLES = "http://www.opengis.net/def/rel/ogc/1.0/queryables"
REL_SCHEMA = "http://www.opengis.net/def/rel/ogc/1.0/schema"
SCHEMA_JSON = "application/schema+json"
TRS = "http://www.opengis.net/def/uom/ISO-8601/0/Gregorian"
REL_VECTOR_TILES = "http://www.opengis.net/def/rel/ogc/1.0/tilesets-vector"
REL_TILING_SCHEMES = "http://www.opengis.net/def/rel/ogc/1.0/tiling-schemes"
MVT = "application/vnd.mapbox-vector-tile"
#: The one tile matrix set the tiles are cut in (OGC 17-083r4 Annex D.1).
TMS = "WebMercatorQuad"

CONFORMANCE = [
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/oas30",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/html",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/geojson",
    "http://www.opengis.net/spec/ogcapi-features-2/1.0/conf/crs",
    "http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/queryables",
    "http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/queryables-query-parameters",
    "http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/filter",
    "http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/features-filter",
    *cql2.CONFORMANCE,  # the CQL2 classes the example suite passes
    "http://www.opengis.net/spec/ogcapi-features-5/1.0/conf/schemas",
    # OGC API – Tiles Part 1 (1.0) and the tile matrix sets it points at (OGC 17-083r4)
    "http://www.opengis.net/spec/ogcapi-tiles-1/1.0/conf/core",
    "http://www.opengis.net/spec/ogcapi-tiles-1/1.0/conf/tileset",
    "http://www.opengis.net/spec/ogcapi-tiles-1/1.0/conf/tilesets-list",
    "http://www.opengis.net/spec/ogcapi-tiles-1/1.0/conf/geodata-tilesets",
    "http://www.opengis.net/spec/ogcapi-tiles-1/1.0/conf/oas30",
    "http://www.opengis.net/spec/ogcapi-tiles-1/1.0/conf/mvt",
    "http://www.opengis.net/spec/tms/2.0/conf/tilematrixset",
    "http://www.opengis.net/spec/tms/2.0/conf/json-tilematrixset",
]

#: Parameters whose values a collection's own names fix (enums per collection).
PER_COLLECTION = ("properties", "sortby")
# Parameters of the items endpoint other than the per-collection property filters.
ITEM_PARAMETERS = ("f", "limit", "offset", "bbox", "bbox-crs", "datetime", "filter",
                   "filter-lang", "filter-crs", "crs", "properties", "skipGeometry", "sortby")
FEATURE_PARAMETERS = ("f", "crs", "properties", "skipGeometry")
TITLE = "innomap 创新布局地图服务 – 要素接口"
DESCRIPTION = ("江苏省、连云港市、宿迁市与安徽省宿州市“十四五”科技创新规划的图层，"
               "以 GeoJSON（RFC 7946，WGS84 经纬度）提供，符合 OGC API – Features "
               "第 1 部分（核心，1.0.1）、第 2 部分（坐标参考系）与第 3 部分（CQL2 筛选）；"
               "每个集合只有一种几何类型。")
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
            link(f"{base}/tileMatrixSets", REL_TILING_SCHEMES, JSON, "瓦片矩阵集"),
        ],
    }


def conformance() -> dict:
    return {"conformsTo": CONFORMANCE}


def collection(base: str, layer, table: FeatureTable, count: int,
               extent: list | None) -> dict:
    """The description of one collection (``layer`` is a ``layers.base.Collection``):
    ``count`` features within the CRS84 box ``extent``, as its storage reports them."""
    href = f"{base}/collections/{layer.id}"
    box, extent = extent, {}
    if box is not None:
        extent["spatial"] = {"bbox": [box], "crs": CRS84}
    years = table.year_range
    if years is not None:
        extent["temporal"] = {"interval": [[f"{years[0]}-01-01T00:00:00Z",
                                            f"{years[1]}-12-31T23:59:59Z"]], "trs": TRS}
    doc = {
        "id": layer.id,
        "title": layer.title,
        "description": layer.description,
        "itemType": "feature",
        "geometryType": layer.geometry_type,
        "crs": list(SUPPORTED),
        "storageCrs": CRS84,
        "numberOfFeatures": count,
        "links": [
            link(href, "self", JSON, layer.title),
            link(f"{href}?f=html", "alternate", HTML, layer.title),
            link(f"{href}/items", "items", GEOJSON, "要素（GeoJSON）"),
            link(f"{href}/items?f=html", "items", HTML, "要素（HTML）"),
            link(f"{href}/queryables", REL_QUERYABLES, SCHEMA_JSON, "可筛选属性"),
            # A GeoJSON Feature schema of the items; GDAL 3.6 (OAPIF) reads it to fix the
            # field types and looks for the relation spelt exactly "describedBy".
            link(f"{href}/feature-schema", "describedBy", SCHEMA_JSON,
                 "要素的 JSON Schema（GeoJSON Feature）"),
            link(f"{href}/schema", REL_SCHEMA, SCHEMA_JSON, "属性与几何类型（JSON Schema）"),
            *tile_links(href, layer.title),
        ],
    }
    if extent:
        doc["extent"] = extent
    return doc


def tile_links(href: str, title: str) -> list[dict]:
    """The link from a collection to the list of its vector tilesets (OGC API – Tiles,
    geodata-tilesets class)."""
    return [link(f"{href}/tiles", REL_VECTOR_TILES, JSON, f"{title}：矢量瓦片集")]


def collections(base: str, docs: list[dict]) -> dict:
    return {
        "collections": docs,
        "crs": list(SUPPORTED),
        "links": [link(f"{base}/collections", "self", JSON, "全部图层"),
                  link(f"{base}/collections?f=html", "alternate", HTML, "全部图层")],
    }


GEOMETRY_FORMATS = {"Point": "geometry-point", "MultiPoint": "geometry-multipoint",
                    "LineString": "geometry-linestring",
                    "MultiLineString": "geometry-multilinestring",
                    "Polygon": "geometry-polygon", "MultiPolygon": "geometry-multipolygon"}


def queryables(base: str, layer, table: FeatureTable) -> dict:
    """The queryables: every property a filter may name, with its type, and the geometry."""
    props = {name: {"type": kind, "title": name} for name, kind in table.kinds.items()}
    props["geometry"] = _geometry_property(layer)
    return _schema_doc(f"{base}/collections/{layer.id}/queryables", layer, props)


def schema(base: str, layer, table: FeatureTable) -> dict:
    """The schema of the features (Part 5 style): every property with its type, the same
    whatever a page holds, and the one geometry type."""
    props = {name: {"type": kind, "title": name} for name, kind in table.schema.items()}
    if table.id_field in props:
        props[table.id_field]["x-ogc-role"] = "id"
    props["geometry"] = _geometry_property(layer)
    return _schema_doc(f"{base}/collections/{layer.id}/schema", layer, props)


def feature_schema(base: str, layer, table: FeatureTable) -> dict:
    """The JSON Schema of one item as a GeoJSON Feature: its geometry type and every
    property with its type (the form GDAL's OAPIF driver reads)."""
    # A property named "id" is the feature's own id: GDAL makes that field itself.
    props = {name: {"type": kind, "title": name} for name, kind in table.schema.items()
             if name != "id"}
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": f"{base}/collections/{layer.id}/feature-schema",
        "title": layer.title,
        "type": "object",
        "required": ["type", "geometry", "properties"],
        "properties": {
            "type": {"type": "string", "enum": ["Feature"]},
            "geometry": {"$ref": f"https://geojson.org/schema/{layer.geometry_type}.json"},
            "properties": {"type": "object", "properties": props},
        },
    }


def _geometry_property(layer) -> dict:
    return {"format": GEOMETRY_FORMATS[layer.geometry_type], "x-ogc-role": "primary-geometry",
            "$ref": f"https://geojson.org/schema/{layer.geometry_type}.json"}


def _schema_doc(uri: str, layer, props: dict) -> dict:
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": uri,
        "type": "object",
        "title": layer.title,
        "properties": props,
        "additionalProperties": False,
    }


def openapi(base: str, collections: list, tables: dict[str, FeatureTable]) -> dict:
    """The OpenAPI 3.0 document: shared paths plus one set of paths per collection."""
    paths = {
        "/": _get("landing", "API 首页", "LandingPage", JSON, ["f"]),
        "/conformance": _get("conformance", "符合的标准类", "ConfClasses", JSON, ["f"]),
        "/openapi": _get("openapi", "本接口定义", None, OPENAPI, ["f-json"], html=False),
        "/collections": _get("collections", "全部图层", "Collections", JSON, ["f"]),
        "/tileMatrixSets": _get("tile-matrix-sets", "瓦片矩阵集", None, JSON, [], html=False),
        f"/tileMatrixSets/{TMS}": _get("tile-matrix-set", f"{TMS} 瓦片矩阵集", None, JSON, [],
                                       html=False),
    }
    for layer in collections:
        table = tables[layer.id]
        p = f"/collections/{layer.id}"
        paths[p] = _get(f"describe-{layer.id}", layer.title, "Collection", JSON, ["f"],
                        tag=layer.id)
        for doc, title in (("queryables", "可筛选属性"), ("schema", "属性与几何类型"),
                           ("feature-schema", "要素的 JSON Schema")):
            paths[f"{p}/{doc}"] = _get(f"{doc}-{layer.id}", f"{layer.title}：{title}", None,
                                       SCHEMA_JSON, ["f-json"], tag=layer.id, html=False)
        paths[f"{p}/items"] = _get(
            f"items-{layer.id}", f"{layer.title}：要素（{layer.geometry_type}）",
            "FeatureCollection", GEOJSON, [n for n in ITEM_PARAMETERS if n not in PER_COLLECTION],
            tag=layer.id, description=layer.description,
            extra=[*_collection_parameters(table),
                   *(_queryable_parameter(name, kind) for name, kind in table.kinds.items())])
        paths[f"{p}/items/{{featureId}}"] = _get(
            f"item-{layer.id}", f"{layer.title}：单个要素（id = {table.id_field}）",
            "Feature", GEOJSON, ["featureId", *(n for n in FEATURE_PARAMETERS
                                                if n not in PER_COLLECTION)],
            tag=layer.id, extra=_collection_parameters(table)[:1])
        paths.update(tile_paths(layer))
    return {
        "openapi": "3.0.3",
        "info": {"title": TITLE, "description": f"{DESCRIPTION}\n\n{GCJ02_NOTE}",
                 "version": "1.1.0"},
        "servers": [{"url": base}],
        "tags": [{"name": layer.id, "description": layer.title} for layer in collections],
        "paths": paths,
        "components": {"parameters": _parameters(), "schemas": _schemas(),
                       "responses": _responses()},
    }


def tile_paths(layer) -> dict:
    """The OpenAPI paths of a collection's vector tiles (OGC API – Tiles, oas30 class)."""
    p = f"/collections/{layer.id}/tiles"
    docs_ = {p: ("tilesets", "矢量瓦片集列表"), f"{p}/{TMS}": ("tileset", "矢量瓦片集元数据"),
             f"{p}/{TMS}/tilejson": ("tilejson", "TileJSON")}
    out = {path: _get(f"{kind}-{layer.id}", f"{layer.title}：{title}", None, JSON, [],
                      tag=layer.id, html=False) for path, (kind, title) in docs_.items()}
    tile = _get(f"tile-{layer.id}", f"{layer.title}：一张矢量瓦片", None, MVT,
                ["tileMatrix", "tileRow", "tileCol"], tag=layer.id, html=False)
    ok = tile["get"]["responses"]
    ok["200"]["content"] = {MVT: {"schema": {"type": "string", "format": "binary"}}}
    ok["204"] = {"description": "瓦片内没有要素"}
    ok["406"] = {"$ref": "#/components/responses/NotAcceptable"}
    out[f"{p}/{TMS}/{{tileMatrix}}/{{tileRow}}/{{tileCol}}"] = tile
    return out


def _collection_parameters(table: FeatureTable) -> list[dict]:
    """``properties`` and ``sortby``, whose values are the collection's own names."""
    names = [c for c in table.frame.columns if c != table.frame.geometry.name]
    sortable = [f"{sign}{name}" for name in table.kinds for sign in ("", "+", "-")]
    return [
        _query("properties", {"type": "array", "items": {"type": "string", "enum": names}},
               "只返回这些属性（逗号分隔）", style="form", explode=False),
        _query("sortby", {"type": "array", "items": {"type": "string", "enum": sortable}},
               "排序属性，逗号分隔，前缀 - 为降序", style="form", explode=False),
    ]


def _get(op_id, summary, schema, media, params, tag=None, description="", extra=(),
         html=True):
    """One GET operation; ``html``: it also answers ``f=html`` (and its errors) in HTML."""
    ok = {"description": "成功"}
    ok["content"] = {media: {"schema": {"$ref": f"#/components/schemas/{schema}"}
                             if schema else {"type": "object"}}}
    if html:
        ok["content"][HTML] = {"schema": {"type": "string"}}
    suffix = "" if html else "Json"
    op = {
        "operationId": op_id,
        "summary": summary,
        "parameters": [{"$ref": f"#/components/parameters/{name}"} for name in params]
        + list(extra),
        "responses": {"200": ok, "304": {"description": "未修改（If-None-Match）"},
                      "400": {"$ref": f"#/components/responses/BadRequest{suffix}"},
                      "406": {"$ref": "#/components/responses/NotAcceptable"},
                      "404": {"$ref": f"#/components/responses/NotFound{suffix}"},
                      "414": {"description": "请求行过长（服务器前端拒绝）"}},
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
                    "响应格式：json 或 html；不给出时按 Accept 头（浏览器得到 html）"),
        "f-json": _query("f", {"type": "string", "enum": ["json"]}, "响应格式：仅 json"),
        "limit": _query("limit", {"type": "integer", "minimum": 1, "maximum": MAX_LIMIT,
                                  "default": DEFAULT_LIMIT},
                        f"每页要素数，最多 {MAX_LIMIT}；更大的值按 {MAX_LIMIT} 处理"
                        f"（numberReturned 与 next 链接如实反映）", style="form", explode=False),
        "offset": _query("offset", {"type": "integer", "minimum": 0, "default": 0},
                         "跳过的要素数（分页）"),
        "bbox": _query("bbox", {"type": "array", "minItems": 4, "maxItems": 6,
                                "items": {"type": "number"}},
                       "范围：minx,miny,maxx,maxy，按 bbox-crs 的轴序", style="form",
                       explode=False),
        "bbox-crs": _query("bbox-crs", crs_schema, "bbox 的坐标参考系，默认 CRS84"),
        "datetime": _query("datetime", {"type": "string"},
                           "时刻或区间（RFC 3339，.. 或空为开放端），如 2025-01-01/2025-12-31；"
                           "按年的记录（目标、任务、导入指标）按其年份筛选，其他集合不受影响",
                           style="form", explode=False),
        "filter": _query("filter", {"type": "string"},
                         "CQL2 筛选条件，如 indicator_id='rd_intensity' AND year=2025"),
        "filter-lang": _query("filter-lang", {"type": "string",
                                              "enum": ["cql2-text", "cql2-json"],
                                              "default": "cql2-text"}, "filter 的语言"),
        "filter-crs": _query("filter-crs", crs_schema, "filter 中几何的坐标参考系，默认 CRS84"),
        "crs": _query("crs", crs_schema, "输出坐标参考系，默认 CRS84。" + GCJ02_NOTE),
        "skipGeometry": _query("skipGeometry", {"type": "boolean", "default": False},
                               "为 true（或 1、yes）时不返回几何"),
        "featureId": {"name": "featureId", "in": "path", "required": True,
                      "schema": {"type": "string"}, "description": "要素 id"},
        **{name: {"name": name, "in": "path", "required": True, "description": text,
                  "schema": {"type": "integer", "minimum": 0}}
           for name, text in (("tileMatrix", "瓦片级别（WebMercatorQuad 的矩阵 id）"),
                              ("tileRow", "瓦片行号（自北向南）"),
                              ("tileCol", "瓦片列号（自西向东）"))},
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
            "required": ["type", "features", "numberReturned", "links"],
            "properties": {"type": {"type": "string", "enum": ["FeatureCollection"]},
                           "features": {"type": "array",
                                        "items": {"$ref": "#/components/schemas/Feature"}},
                           "numberMatched": {"type": "integer", "minimum": 0},
                           "numberReturned": {"type": "integer", "minimum": 0},
                           "links": links, "bbox": bbox}},
    }


def _responses() -> dict:
    error = {"schema": {"$ref": "#/components/schemas/Exception"}}
    both = {"content": {JSON: error, HTML: {"schema": {"type": "string"}}}}
    json_only = {"content": {JSON: error}}
    return {"NotAcceptable": {"description": "无法提供 Accept 所要求的格式", **json_only},
            "BadRequest": {"description": "参数无效", **both},
            "NotFound": {"description": "图层或要素不存在", **both},
            "BadRequestJson": {"description": "参数无效", **json_only},
            "NotFoundJson": {"description": "图层或要素不存在", **json_only}}

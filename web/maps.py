"""Interactive maps for officials: ``/maps/<adcode>`` and ``/maps/corridor/<id>``.

A thin blueprint: the query string is parsed and the map described by
:mod:`mapcore` (the same description the static exports draw), then rendered with
Folium (:mod:`web.folium_map`) into a page that loads only assets served by innomap::

    ?indicator=<id>&kind=baseline|target|gap|cagr&year=2025
     &scheme=quantiles|natural_breaks|equal_interval|user_defined&k=5&breaks=1,2,3
     &level=county|city
"""

from __future__ import annotations

import gzip
from urllib.parse import quote, urlencode

from flask import Blueprint, render_template, request, url_for

from geo import thematic
from mapcore import progress
from mapcore.choice import LEVEL_LABELS
from mapcore.export import PAGE_DEFAULTS, export_query
from mapcore.overlays import corridor_legend, region_names
from mapcore.spec import build_map, map_ids
from mapcore.values import indicators, own_values
from web.assets import vendor_url
from web.basemaps import basemap_tiles
from web.regions import region_pages
from web.services import services

bp = Blueprint("maps", __name__, url_prefix="/maps")
LINK_SECTION = "交互地图"
GZIP_MIN_BYTES = 1400


@bp.record_once
def _setup(state) -> None:
    """Index links to every map (routes are not built yet here, so plain paths); the
    indicator list and the region pages' table are warm-ups (built in the background
    from a worker's first request on, so neither start-up nor a visitor waits)."""
    svc = services(state.app)
    svc.add_warmup(lambda: indicators(svc.maps))
    svc.add_warmup(region_pages)
    for map_id, name in map_ids(svc.maps):
        if map_id.startswith(("corridor/", "partners/")):
            kind, _, key = map_id.partition("/")
            title = f"走廊：{name}" if kind == "corridor" else f"合作网络：{name}"
            path = f"{bp.url_prefix}/{kind}/{quote(key, safe='')}"
        else:
            title = f"{name}：创新布局与规划指标"
            path = f"{bp.url_prefix}/{map_id}"
        svc.add_link(LINK_SECTION, title, path)


def _assets() -> tuple[list, list]:
    js = [("leaflet", vendor_url("leaflet", "leaflet.js")),
          ("markercluster", vendor_url("leaflet.markercluster", "leaflet.markercluster.js")),
          ("innomap", url_for("static", filename="maps/innomap-maps.js"))]
    css = [("leaflet_css", vendor_url("leaflet", "leaflet.css")),
           ("markercluster_css", vendor_url("leaflet.markercluster", "MarkerCluster.css")),
           ("markercluster_default_css",
            vendor_url("leaflet.markercluster", "MarkerCluster.Default.css")),
           ("innomap_css", url_for("static", filename="maps/innomap-maps.css"))]
    return js, css


def tile_scripts() -> list[str]:
    """Scripts of a page that draws large layers from vector tiles (Leaflet.VectorGrid
    from npm, served by us, then our drawing)."""
    return [vendor_url("leaflet.vectorgrid", "Leaflet.VectorGrid.bundled.min.js"),
            url_for("static", filename="maps/innomap-tiles.js")]


def export_links(map_id: str, args) -> list[tuple[str, str]]:
    """PNG / SVG / PDF download links of a map page, with the page's choices."""
    query = export_query(args)
    suffix = f"?{urlencode(query)}" if query else ""
    size = query.get("size", PAGE_DEFAULTS["size"])
    landscape = query.get("orientation", PAGE_DEFAULTS["orientation"]) == "landscape"
    orientation = "横向" if landscape else "纵向"
    dpi = query.get("dpi", PAGE_DEFAULTS["dpi"])
    return [(f"下载 PNG 图片（{size} {orientation} {dpi} dpi）", f"/export/{map_id}.png{suffix}"),
            (f"下载 SVG 矢量图（{size} {orientation}）", f"/export/{map_id}.svg{suffix}"),
            (f"下载 PDF 打印版（{size} {orientation}）", f"/export/{map_id}.pdf{suffix}")]


def _region_links() -> dict[str, tuple[str, str]]:
    """The popup link of every unit that has a region page (targets and progress)."""
    return {adcode: (f"/regions/{adcode}", "查看本地区目标与进展 →")
            for adcode in region_pages()}


def _render(spec, template: str, **context):
    from web.folium_map import build_folium  # folium: only map pages import it
    from web.folium_render import render_parts

    svc = services()
    basemap = svc.settings.map_basemap
    m = build_folium(spec, svc.maps, _assets(),
                     basemap_tiles(basemap, svc.settings.tianditu_key), gcj02=basemap == "amap",
                     region_urls=_region_links())
    parts = render_parts(m)  # never branca's Figure.render: it compiles data as templates
    tiled = [] if basemap == "amap" else tiled_layers(spec)
    return render_template(template, map_header=parts.header,
                           map_html=parts.html, map_script=parts.script,
                           downloads=export_links(spec.map_id, request.args),
                           export_id=spec.map_id, tiled_layers=tiled,
                           tile_script_urls=tile_scripts() if tiled else [], **context)


#: Zoom from which a large layer's own points are drawn from its tiles (below: the
#: counts per county of the map spec).
TILES_MIN_ZOOM = 10


def tiled_layers(spec) -> list[dict]:
    """What the page script needs to draw each large layer from its vector tiles.

    Tiles are WGS84 (Web Mercator): not drawn over the GCJ-02 amap basemap.
    """
    root = request.script_root
    names = {k: v for k, v in region_names(services().maps).items()
             if v and k[:2] in {a[:2] for a in spec.units["adcode"]}}
    grades = dict(services().maps.precision_labels)
    out = []
    for overlay in spec.overlays:
        if not overlay.tiles:
            continue
        layer = services().catalog.layer(overlay.layer_id)
        base = f"{root}/api/collections/{layer.id}"
        out.append({"id": layer.id, "title": layer.title, "minZoom": TILES_MIN_ZOOM,
                    "overlay": overlay.title, "visible": overlay.visible,
                    "tiles": base + "/tiles/WebMercatorQuad/{z}/{y}/{x}",
                    "items": base + "/items/", "color": overlay.family.color,
                    "fields": [list(f) for f in layer.popup_fields],
                    "places": names, "grades": grades,
                    "counts": [{"at": [f.geometry.y, f.geometry.x], "name": f.name,
                                "county": f.county} for f in overlay.features]})
    return out


def _query_with(**changes) -> str:
    """The current query string with ``changes`` applied."""
    query = {k: v for k, v in request.args.items() if k not in changes}
    query.update({k: v for k, v in changes.items() if v is not None})
    return urlencode(query)


def empty_notice(spec) -> str:
    """What to say when every unit of a map with an indicator is drawn as 无数据."""
    legend = spec.legend
    if legend is None or spec.notice or not len(spec.units) or \
            (spec.units["color"] != legend.no_data.color).any():
        return spec.notice
    level = LEVEL_LABELS.get(spec.choice.level, spec.choice.level)
    if spec.choice.kind == progress.KIND:
        return (f"本图各{level}都没有这项指标的进展状态（缺少实际值、基期值或目标值），"
                "所以全部显示为“无数据”。实际值可在数据导入页按模板导入。")
    return f"本图各{level}都没有这项指标的数值，所以全部显示为“无数据”。"


def page_of(spec) -> dict:
    """The template's view of a region map."""
    return {"region": spec.region, "choice": spec.choice, "legend": spec.legend,
            "classes": spec.classes, "levels": spec.levels, "units": spec.units,
            "indicators": spec.options, "notice": empty_notice(spec),
            "families": spec.families(),
            "own_values": own_values(services().maps, spec.map_id), "spec": spec}


@bp.after_request
def _compress(response):
    """Gzip a map page when the client accepts it: the page is a few hundred kB of text."""
    accepts = "gzip" in request.headers.get("Accept-Encoding", "")
    if (not accepts or response.status_code != 200 or response.direct_passthrough
            or "Content-Encoding" in response.headers or response.mimetype != "text/html"):
        return response
    body = response.get_data()
    if len(body) >= GZIP_MIN_BYTES:
        response.set_data(gzip.compress(body, compresslevel=6, mtime=0))
        response.headers["Content-Encoding"] = "gzip"
    response.vary.add("Accept-Encoding")
    return response


@bp.get("/<adcode>")
def region_map(adcode: str):
    spec = build_map(services().maps, adcode, request.args)
    return _render(spec, "maps/region.html", page=page_of(spec), thematic=thematic,
                   query_with=_query_with, level_labels=LEVEL_LABELS)


@bp.get("/partners/<adcode>")
def partners_map(adcode: str):
    spec = build_map(services().maps, f"partners/{adcode}", request.args)
    page = {"name": spec.title, "members": spec.members, "families": spec.families(),
            "spec": spec}
    return _render(spec, "maps/partners.html", page=page)


@bp.get("/corridor/<corridor_id>")
def corridor_map(corridor_id: str):
    spec = build_map(services().maps, f"corridor/{corridor_id}", request.args)
    corridor = next(o for o in spec.overlays if o.role == "corridor")
    buffers = [f for f in corridor.features if f.part == "buffer"]
    page = {"name": spec.title, "id": corridor_id, "members": spec.members,
            "structure": spec.structure, "buffered": bool(buffers),
            "legend": spec.legend, "parts": corridor.features, "families": spec.families(),
            "parts_legend": corridor_legend(spec.overlays),
            "spec": spec}
    return _render(spec, "maps/corridor.html", page=page)

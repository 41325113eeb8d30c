"""Static map export: ``/export/<map>.<fmt>`` (png, svg, pdf).

The same maps as the interactive pages, as print-ready files: ``/export/320000.png``
(江苏省), ``/export/<city adcode>.<fmt>``, ``/export/corridor/<id>.<fmt>``, with the
map page's thematic arguments (``indicator``, ``kind``, ``year``, ``scheme``, ``k``,
``breaks``, ``level``) and ``size`` (A4|A3), ``orientation`` (portrait|landscape),
``dpi`` (72–600, snapped to 72/150/300/600), ``title`` and ``note`` (e.g. a 审图号 or
内部用图). What is drawn is :func:`mapcore.export.render_export`'s; this module only
keeps a small cache and answers HTTP. ``innomap export`` writes the same bytes.
"""

from __future__ import annotations

import threading
from collections import OrderedDict

from flask import Blueprint, Response, current_app, request

from geo.cartography import Rendered
from geo.fonts import CjkFont, find_cjk_font
from mapcore.export import ExportRequest, parse_export, render_export
from mapcore.spec import CORRIDOR_PREFIX
from web import services

EXTENSION = "innomap.export"
CACHE_ENTRIES = 24
CACHE_MAX_BYTES = 16_000_000

bp = Blueprint("export", __name__)


class ExportState:
    """What exports share for the life of an app: the CJK font and a small LRU cache."""

    def __init__(self, font: CjkFont):
        self.font = font
        self._cache: OrderedDict[tuple, Rendered] = OrderedDict()
        self._lock = threading.Lock()

    def cached(self, key: tuple, make) -> Rendered:
        """The rendering for ``key``, made once and kept while it is among the last used."""
        with self._lock:
            if key in self._cache:
                self._cache.move_to_end(key)
                return self._cache[key]
        rendered = make()
        if len(rendered.data) <= CACHE_MAX_BYTES:
            with self._lock:
                self._cache[key] = rendered
                while len(self._cache) > CACHE_ENTRIES:
                    self._cache.popitem(last=False)
        return rendered


@bp.record_once
def _setup(state) -> None:
    app = state.app
    app.extensions[EXTENSION] = ExportState(find_cjk_font())
    services(app).add_link("静态地图导出", "江苏省地图（PNG，A4 横向 300 dpi）",
                           "/export/320000.png")


def export_state(app=None) -> ExportState:
    return (app or current_app).extensions[EXTENSION]


def export_map(app, req: ExportRequest) -> Rendered:
    """Render (or take from the cache) the export ``req`` for the app's current data."""
    svc, state = services(app), export_state(app)
    key = req.key + (svc.catalog.generation,)
    return state.cached(key, lambda: render_export(svc.maps, req, state.font))


def _respond(map_id: str, fmt: str) -> Response:
    req = parse_export(map_id, fmt, request.args)
    rendered = export_map(current_app, req)
    response = Response(rendered.data, mimetype=rendered.mimetype)
    response.headers["Content-Disposition"] = f'attachment; filename="{req.filename()}"'
    response.headers["X-Map-CRS"] = f"EPSG:{rendered.crs.to_epsg()}"
    return response


@bp.get("/export/<map_id>.<fmt>")
def export_region(map_id: str, fmt: str):
    return _respond(map_id, fmt)


@bp.get("/export/partners/<adcode>.<fmt>")
def export_partners(adcode: str, fmt: str):
    return _respond(f"partners/{adcode}", fmt)


@bp.get("/export/corridor/<corridor_id>.<fmt>")
def export_corridor(corridor_id: str, fmt: str):
    return _respond(CORRIDOR_PREFIX + corridor_id, fmt)

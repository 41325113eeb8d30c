"""Static map export: ``/export/<map>.<fmt>`` (png, svg, pdf).

The same maps as the interactive pages, as print-ready files: ``/export/320000.png``
(江苏省), ``/export/<city adcode>.<fmt>``, ``/export/corridor/<id>.<fmt>``,
``/export/partners/<adcode>.<fmt>``, with the map page's thematic arguments
(``indicator``, ``kind``, ``year``, ``scheme``, ``k``, ``breaks``, ``level``) and
``size`` (A4|A3), ``orientation`` (portrait|landscape), ``dpi`` (72–600, snapped to
72/150/300/600), ``title`` and ``note`` (e.g. a 审图号 or 内部用图). What is drawn is
:func:`mapcore.export.render_export`'s; renders are bounded and shared by
:mod:`web.export_work`. ``innomap export`` writes the same bytes.
"""

from __future__ import annotations

from urllib.parse import quote

from flask import Blueprint, Response, current_app, request

from geo.fonts import find_cjk_font
from geo.map_drawing import FORMATS
from mapcore.export import ExportRequest, parse_export, render_export
from mapcore.spec import CORRIDOR_PREFIX, map_ids
from web.builds import builds
from web.export_work import ExportWork
from web.services import services

EXTENSION = "innomap.export"

bp = Blueprint("export", __name__)


class ExportState:
    """What exports share for the life of an app: the CJK font (found at the first
    export, so that a worker starts without matplotlib) and the render work."""

    def __init__(self, work: ExportWork):
        self.work = work
        self._font = None

    @property
    def font(self):
        if self._font is None:
            self._font = find_cjk_font()
        return self._font


@bp.record_once
def _setup(state) -> None:
    app = state.app
    settings = services(app).settings
    app.extensions[EXTENSION] = ExportState(ExportWork(
        settings.export_cache_dir, settings.export_slots, settings.export_wait_s))
    first = next(iter(map_ids(services(app).maps)), None)  # the index's first map
    if first is not None:
        services(app).add_link("静态地图导出", f"{first[1]}地图（PNG，A4 横向 300 dpi）",
                               f"/export/{quote(first[0], safe='/')}.png")


def export_state(app=None) -> ExportState:
    return (app or current_app).extensions[EXTENSION]


def export_file(app, req: ExportRequest) -> tuple[bytes, int]:
    """(bytes, EPSG code of the map CRS) of export ``req`` for the app's current data."""
    svc, state = services(app), export_state(app)
    name = state.work.name(req.key, svc.catalog.data_identity())
    with builds(app).one_at_a_time(("export", name, req.fmt)):  # one render per file
        return state.work.render(name, req.fmt, lambda: render_export(svc.maps, req, state.font))


def _respond(map_id: str, fmt: str) -> Response:
    req = parse_export(map_id, fmt, request.args)
    data, epsg = export_file(current_app, req)  # Busy: 503 with Retry-After
    response = Response(data, mimetype=FORMATS[fmt])
    response.headers["Content-Disposition"] = f'attachment; filename="{req.filename()}"'
    response.headers["X-Map-CRS"] = f"EPSG:{epsg}"
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

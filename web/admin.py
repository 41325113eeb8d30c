"""Importing data: upload → preview and match report → confirm; versions and rollback.

Pages under ``/admin`` (all need a signed-in user; every POST also a CSRF token
or a bearer token), and public reading of the imported data of any version under
``/data``. The work is done by ``ingest.imports`` (validation) and ``store``
(versions); routes only parse, call and shape the response.
"""

from __future__ import annotations

import time
import unicodedata
from dataclasses import dataclass, replace
from urllib.parse import urlsplit

from flask import (
    Blueprint,
    Response,
    current_app,
    g,
    jsonify,
    redirect,
    render_template,
    request,
    stream_with_context,
    url_for,
)

from geo.datum import DATUMS
from ingest.base import MAX_PROBLEMS
from ingest.imports import (
    ImportContext,
    ImportOptions,
    ImportRejected,
    PreparedImport,
    parse_mapping,
    prepare_import,
    read_indicators,
)
from ingest.zones import read_zones
from layers.imported import CARRIERS_LAYER, METRICS_LAYER, version_frame
from sheets import safe_csv
from store import RollbackConflict, Store, StoreError, VersionNotFound, open_store
from store.base import MAX_VERSION_ID
from web import auth
from web.downloads import csv_chunks, geojson_chunks
from web.errors import (
    Conflict,
    InvalidParameter,
    NotFound,
    TooManyRequests,
    Unauthorized,
    wants_json,
)
from web.follow import Throttle
from web.import_cli import import_limits
from web.import_view import (
    encoding_label,
    local_time,
    preview_table,
    region_names,
    template_file,
)
from web.services import services

bp = Blueprint("admin", __name__)
EXTENSION = "innomap.imports"
PREVIEW_ROWS = 20
MAX_NOTE_CHARS = 500
KIND_LAYERS = {"metrics": METRICS_LAYER, "carriers": CARRIERS_LAYER}
KIND_TITLES = {"metrics": "区县（市）指标", "carriers": "创新载体名单"}


@dataclass
class ImportState:
    """Per app: the store, the version the loaded layers show, the validation context."""

    store: Store
    seen: int
    poll: Throttle
    context: ImportContext | None = None
    stream_context: ImportContext | None = None


@bp.record_once
def _setup(state) -> None:
    app = state.app
    settings = services(app).settings
    store = open_store(settings.store_url)
    auth.init_app(app, settings, sessions=store)
    app.extensions[EXTENSION] = ImportState(store=store, seen=store.latest_version_id(),
                                            poll=Throttle(last=time.monotonic()))
    services(app).add_refresher(_follow_store)
    services(app).add_health("store", lambda: {"latest_version": app.extensions[EXTENSION].seen})
    services(app).add_link("导入数据", "导入区县指标与创新载体（需登录）", "/admin/")
    services(app).add_link("导入数据", "导入版本列表（JSON）", "/data/versions")


def import_state() -> ImportState:
    return current_app.extensions[EXTENSION]


def _follow_store(app) -> None:
    """Reload the imported layers when another process changed the store (polled ≤ 1/s)."""
    state = app.extensions[EXTENSION]
    if not state.poll.due():
        return
    try:
        latest = state.store.latest_version_id()
    except StoreError:
        app.logger.warning("store unreachable; imported layers not refreshed")
        return
    if latest != state.seen:
        refresh_layers(latest, app)


def refresh_layers(latest: int | None = None, app=None) -> None:
    app = app or current_app
    state = app.extensions[EXTENSION]
    catalog = services(app).catalog
    for layer_id in KIND_LAYERS.values():
        catalog.refresh(layer_id)
    state.seen = state.store.latest_version_id() if latest is None else latest


def import_context(stream: bool = False) -> ImportContext:
    """Boundaries, geocoders, indicators and limits for validation; built on first use.

    ``stream``: the limits of a file checked in chunks (``ingest.stream``)."""
    state = import_state()
    if stream:
        if state.stream_context is None:
            state.stream_context = replace(import_context(),
                                           limits=import_limits(services().settings, True))
        return state.stream_context
    if state.context is None:
        from geo.geocode import Geocoder
        from layers.boundaries import display_boundaries

        svc = services()
        boundaries = display_boundaries(svc.catalog.context)
        regions = Geocoder(boundaries)
        entities = svc.catalog.frames.get("entities")
        addresses = regions if entities is None else Geocoder(boundaries, entities)
        limits = import_limits(svc.settings)
        state.context = ImportContext(boundaries=boundaries, region_geocoder=regions,
                                      address_geocoder=addresses,
                                      indicators=read_indicators(svc.settings.data_dir),
                                      limits=limits, zones=read_zones(svc.settings.data_dir))
    return state.context


# -- sign in -----------------------------------------------------------------------

@bp.route("/admin/login", methods=["GET", "POST"])
@auth.public_write
def login():
    error, status, headers = None, 200, {}
    if request.method == "POST":
        try:
            user = auth.checked_token_user(request.form.get("token", "").strip())
        except TooManyRequests as exc:
            user, error, status = None, exc.description, 429
            headers = {"Retry-After": str(exc.retry_after)}
        if user is not None:
            auth.sign_in(user)
            return redirect(safe_next(request.form.get("next")), code=303)
        if error is None:
            error, status = "令牌不正确", 401
    return render_template("admin/login.html", error=error,
                           next=safe_next(request.values.get("next"), default="")), status, headers


@bp.post("/admin/logout")
def logout():
    auth.sign_out()
    return redirect(url_for("admin.login"), code=303)


def safe_next(target: str | None, default: str | None = None) -> str:
    """``target`` if it is a path of this site, else ``default`` (the admin index).

    Refused: anything with a control, format or space character (browsers drop
    tab and newline inside URLs, so ``/\t/evil.example`` would become
    ``//evil.example``), backslashes, a scheme or host, and ``//`` at the start.
    """
    fallback = url_for("admin.index") if default is None else default
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return fallback
    if any(unicodedata.category(c)[0] in "CZ" for c in target):
        return fallback
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not parts.path.startswith("/"):
        return fallback
    return target


def page_user() -> str:
    user = auth.current_user()
    if user is None:
        if wants_json():
            raise Unauthorized("需要登录或令牌")
        raise _Redirect(url_for("admin.login", next=request.full_path.rstrip("?")))
    return user


class _Redirect(Exception):
    def __init__(self, url: str):
        self.url = url


@bp.app_errorhandler(_Redirect)  # page_user is called by other admin blueprints too
def _redirect(exc: _Redirect):
    return redirect(exc.url, code=303)


# -- pages -----------------------------------------------------------------------------

@bp.get("/admin/")
def index():
    user = page_user()
    versions = import_state().store.versions()
    if wants_json():
        return jsonify({"user": user, "versions": [v.as_dict() for v in versions]})
    return render_template("admin/index.html", user=user, versions=versions, datums=DATUMS,
                           kinds=KIND_TITLES, limits=import_context().limits,
                           stream_limits=import_context(stream=True).limits,
                           max_problems=MAX_PROBLEMS, done=request.args.get("done"))


@bp.post("/admin/import")
def upload():
    _no_running_job()
    upload_file = request.files.get("file")
    if upload_file is None or not upload_file.filename:
        raise InvalidParameter("请选择要上传的文件（表单字段 file）")
    data = upload_file.read(import_context().limits.max_bytes + 1)
    options = form_options(request.form)
    note = form_note(request.form)
    try:
        prepared = prepare_import(data, upload_file.filename, options, import_context())
    except ImportRejected as exc:
        return _rejected(exc, upload_file.filename)
    if request.form.get("commit", "").lower() in ("1", "true", "yes", "on"):
        return _committed(_commit(prepared, note))
    token = import_state().store.stage(data, {"filename": prepared.filename, "user": g.user,
                                        "options": options.as_dict(), "note": note},
                                 keep_per_user=services().settings.import_max_previews)
    return _preview(prepared, token)


@bp.post("/admin/import/<token>/confirm")
def confirm(token: str):
    _no_running_job()
    store = import_state().store
    try:
        data, meta = store.staged(token)
    except StoreError as exc:
        raise NotFound(str(exc)) from None
    if meta.get("user") != g.user:
        raise NotFound("待确认的上传不存在或已过期，请重新上传")
    try:
        prepared = prepare_import(data, meta["filename"], ImportOptions.from_dict(meta["options"]),
                                  import_context())
    except ImportRejected as exc:
        return _rejected(exc, meta["filename"])
    version = _commit(prepared, meta.get("note", ""))
    store.drop_staged(token)
    return _committed(version)


@bp.post(f"/admin/versions/<int(max={MAX_VERSION_ID}):version_id>/rollback")
def rollback(version_id: int):
    _no_running_job()
    try:
        version = import_state().store.rollback(version_id, user=g.user,
                                                note=form_note(request.form))
    except VersionNotFound as exc:
        raise NotFound(str(exc)) from None
    except RollbackConflict as exc:
        raise Conflict(str(exc)) from None
    refresh_layers()
    return _committed(version)


def _no_running_job() -> None:
    """Conflict while a large import (a background job) holds the store for writing: a
    write now would wait for it, up to minutes, then fail."""
    job = import_state().store.running_job()
    if job is not None:
        raise Conflict(f"大文件导入任务进行中（{job.get('filename', '')}，{job['label']}），"
                       f"写入要等它结束，请稍后再试：/admin/jobs/{job['id']}")


def form_options(form) -> ImportOptions:
    kind = form.get("kind", "metrics")
    if kind not in KIND_TITLES:
        raise InvalidParameter(f"kind 应为 metrics 或 carriers，收到 {kind!r}")
    year = form.get("year", "").strip()
    if year and not (year.isascii() and year.isdigit() and len(year) == 4):
        raise InvalidParameter(f"year 应为四位年份，收到 {year!r}")
    try:
        mapping = parse_mapping(form.get("mapping", ""))
    except ValueError as exc:
        raise InvalidParameter(str(exc)) from None
    return ImportOptions(kind=kind, year=int(year) if year else None,
                         datum=form.get("datum", "").strip() or None, mapping=mapping)


def form_note(form) -> str:
    note = form.get("note", "").strip()
    if len(note) > MAX_NOTE_CHARS:
        raise InvalidParameter(f"备注不能超过 {MAX_NOTE_CHARS} 字")
    return note


def _commit(prepared: PreparedImport, note: str):
    version = import_state().store.add_import(prepared.kind, prepared.rows, user=g.user,
                                        filename=prepared.filename, sha256=prepared.sha256,
                                        note=note)
    refresh_layers()
    current_app.logger.info("import %s: %s rows of %s by %s", version.id, version.row_count,
                            version.kind, version.user)
    return version


def _rejected(exc: ImportRejected, filename: str):
    status = 413 if exc.too_large else 400
    problems = [p.as_dict() for p in exc.problems]
    if wants_json():
        return jsonify({"code": "ImportRejected", "description": str(exc),
                        "problems": problems, "report": exc.report}), status
    return render_template("admin/rejected.html", filename=filename, problems=problems,
                           report=exc.report), status


def _preview(prepared: PreparedImport, token: str):
    if wants_json():
        return jsonify({"status": "preview", "token": token, "kind": prepared.kind,
                        "rows": len(prepared.rows), "report": prepared.report,
                        "confirm": url_for("admin.confirm", token=token)})
    ctx = import_context()
    columns, rows = preview_table(
        prepared.kind, prepared.rows.head(PREVIEW_ROWS),
        region_names(ctx.boundaries), {i: v.name for i, v in ctx.indicators.by_id.items()},
        services().maps.precision_labels, ctx.zones.names() if ctx.zones else {})
    return render_template("admin/preview.html", prepared=prepared, token=token,
                           kind_title=KIND_TITLES[prepared.kind], columns=columns, rows=rows)


@bp.get("/admin/import/template.<fmt>")
def import_template(fmt: str):
    """The metrics template to fill, CSV or XLSX (see ``web.import_view.template_file``)."""
    page_user()
    data, mimetype, disposition = template_file(import_context(), fmt, request.args)
    return Response(data, mimetype=mimetype, headers={"Content-Disposition": disposition})


@bp.app_template_filter("encoding_label")
def _encoding_label(encoding: str) -> str:
    return encoding_label(encoding)


@bp.app_template_filter("local_time")
def _local_time(stamp) -> str:
    return local_time(stamp)


def _committed(version):
    if wants_json():
        return jsonify({"status": "ok", "version": version.as_dict()}), 201
    return redirect(url_for("admin.index", done=version.id), code=303)


# -- public reading of any version ----------------------------------------------------

@bp.get("/data/versions")
def versions():
    return jsonify({"versions": [v.as_dict() for v in import_state().store.versions()],
                    "latest": import_state().store.latest_version_id()})


@bp.get("/data/<kind>.<fmt>")
def data(kind: str, fmt: str):
    if kind not in KIND_LAYERS:
        raise NotFound(f"没有数据集 {kind!r}；可选 metrics、carriers")
    if fmt not in ("geojson", "csv"):
        raise NotFound(f"不支持的格式 {fmt!r}；可选 geojson、csv")
    version = request.args.get("version")
    if version is not None and not (version.isascii() and version.isdigit()):
        raise InvalidParameter(f"version 应为版本号（整数），收到 {version!r}")
    if version is not None and (len(version) > 19 or int(version) > MAX_VERSION_ID):
        raise NotFound(f"版本 {version} 不存在")
    name = f"imported-{kind}-v{version or import_state().store.latest_version_id()}"
    layer = services().catalog.layer(KIND_LAYERS[kind])
    if version is None and layer.storage == "store":
        return _streamed(layer, fmt, name)
    try:
        frame = _frame_at(kind, None if version is None else int(version))
    except VersionNotFound as exc:
        raise NotFound(str(exc)) from None
    if fmt == "csv":
        table = frame.drop(columns=frame.geometry.name)
        return current_app.response_class(
            safe_csv(table), mimetype="text/csv",
            headers={"Content-Disposition": f'attachment; filename="{name}.csv"'})
    return current_app.response_class(frame.to_json(drop_id=True, ensure_ascii=False),
                                      mimetype="application/geo+json")


def _streamed(layer, fmt: str, name: str):
    """The current state of a store-backed layer, written while it is read."""
    chunks = layer.load_chunks(services().catalog.context)
    if fmt == "csv":
        body, mimetype = csv_chunks(chunks), "text/csv"
    else:
        body, mimetype = geojson_chunks(chunks), "application/geo+json"
    headers = {"Content-Disposition": f'attachment; filename="{name}.{fmt}"'}
    return current_app.response_class(stream_with_context(body), mimetype=mimetype,
                                      headers=headers)


def _frame_at(kind: str, version: int | None):
    if version is None:
        return services().catalog.whole(KIND_LAYERS[kind])
    return version_frame(KIND_LAYERS[kind], import_state().store, import_context().boundaries,
                         version)

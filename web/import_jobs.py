"""Large carrier lists imported in the background: upload, then a job page that polls.

``POST /admin/import/large`` (signed in with the form's CSRF token, or a bearer
token) takes a carriers CSV (``kind=metrics``: a metrics CSV) of up to
``stream_max_bytes``. werkzeug writes the file part to disk in ``upload_dir`` while
it reads the request (``auth.large_upload``), so the upload is never in memory;
the file is kept under the job's name, the job goes on the store's job board
(``store.jobs``: one job at a time per store, a second upload is answered 409) and
runs in a thread of this worker
(``ingest.import_job.ImportJob``). The answer is a 303 to ``/admin/jobs/<id>``
(202 with the same URL for JSON clients).

``GET /admin/jobs/<id>`` is the job page (HTML: state, rows checked of total, a
progress bar, elapsed time; it polls the JSON once a second and shows the new
version or the row-by-row report when the job ends); with ``Accept:
application/json`` or as ``/admin/jobs/<id>.json`` it is the job's state. The board
is in the store, so any worker on any host answers for any job. Any signed-in
user may follow any job: the importers are one team changing data they all see,
and a job shows only a file name, counts and that file's problems.
"""

from __future__ import annotations

import contextlib
import os
import re
import secrets
import threading
import time
from pathlib import Path

from flask import Blueprint, current_app, g, jsonify, redirect, render_template, request, url_for

from ingest.import_job import ImportJob
from store.jobs import STATES, JobBusy
from web import admin, auth
from web.errors import Conflict, InvalidParameter, NotFound, PayloadTooLarge, wants_json
from web.import_cli import is_csv
from web.services import services

bp = Blueprint("import_jobs", __name__)
JOB_ID = re.compile(r"[A-Za-z0-9_-]{8,64}")
POLL_MS = 1000
LEFTOVER_SECONDS = 24 * 3600


def _upload_limit() -> int:
    return services().settings.stream_max_bytes


def _upload_folder() -> Path:
    return services().settings.upload_dir


@bp.post("/admin/import/large")
@auth.large_upload(_upload_limit, _upload_folder)
def upload_large():
    upload_file = request.files.get("file")
    if upload_file is None or not upload_file.filename:
        raise InvalidParameter("请选择要上传的 CSV 文件（表单字段 file）")
    form = request.form.copy()
    form.setdefault("kind", "carriers")
    options, note = admin.form_options(form), admin.form_note(form)
    _check_file(upload_file)
    ctx = admin.import_context(stream=True)
    job_id = secrets.token_urlsafe(12)
    app = current_app._get_current_object()
    job = ImportJob(admin.import_state().store, job_id, _keep(upload_file, job_id),
                    upload_file.filename, options, ctx, user=g.user, note=note,
                    chunk_rows=services().settings.stream_chunk_rows,
                    after=lambda version: _refresh(app, job_id, version))
    try:
        job.start()
    except JobBusy as exc:
        raise Conflict(f"{exc}（任务页：{url_for('.job_page', job_id=exc.job['id'])}）") from None
    threading.Thread(target=_run, args=(job,), name=f"import-job-{job_id}").start()
    app.logger.info("import job %s: %s by %s", job_id, upload_file.filename, g.user)
    url = url_for(".job_page", job_id=job_id)
    if wants_json():
        return jsonify({"status": "accepted", "job": job_id, "url": url,
                        "status_url": url_for(".job_json", job_id=job_id)}), 202, \
            {"Location": url}
    return redirect(url, code=303)


def _check_file(upload_file) -> None:
    """A CSV within the size limit, or the Chinese reason (400, 413)."""
    stream = upload_file.stream
    stream.seek(0, os.SEEK_END)
    size = stream.tell()
    stream.seek(0)
    limit = _upload_limit()
    if size > limit:
        raise PayloadTooLarge(f"文件过大：{size:,} 字节，大文件导入的上限是 {limit:,} 字节"
                              "（设置 INNOMAP_STREAM_MAX_BYTES）")
    if not is_csv(stream.read(8), upload_file.filename):
        raise InvalidParameter("大文件导入只接受 CSV（UTF-8 或 GBK 编码）：XLSX 请另存为 CSV，"
                               "或用上方的表单导入")
    stream.seek(0)
    if size == 0:
        raise InvalidParameter("上传的文件是空的")


def _keep(upload_file, job_id: str) -> Path:
    """The upload under the job's name in ``upload_dir``: a second name for the spool file
    (no copy), or a copy in blocks when the file is elsewhere."""
    folder = _upload_folder()
    folder.mkdir(parents=True, exist_ok=True)
    _forget_leftovers(folder)
    path = folder / f"job-{job_id}.csv"
    spooled = getattr(upload_file.stream, "name", None)
    try:
        os.link(spooled, path)
    except (TypeError, OSError):
        upload_file.save(path)
    return path


def _forget_leftovers(folder: Path) -> None:
    """Remove uploads a killed worker left behind (a day old: no job runs that long)."""
    too_old = time.time() - LEFTOVER_SECONDS
    for path in [*folder.glob("job-*.csv"), *folder.glob("upload-*.part")]:
        with contextlib.suppress(OSError):
            if path.stat().st_mtime < too_old:
                path.unlink()


def _run(job: ImportJob) -> None:
    """The job's thread: the import, and what it kept open for this thread closed."""
    try:
        job.run()
    finally:
        job.store.release_thread()


def _refresh(app, job_id: str, version) -> None:
    """Refresh the imported layers of this worker after the job's version (before the job
    says done; the other workers follow through the store poll)."""
    with app.app_context():
        admin.refresh_layers(app=app)
    app.logger.info("import job %s: version %s, %s rows", job_id, version.id, version.row_count)


@bp.get("/admin/jobs/<job_id>.json")
def job_json(job_id: str):
    admin.page_user()
    return _json(_job(job_id))


@bp.get("/admin/jobs/<job_id>")
def job_page(job_id: str):
    admin.page_user()
    job = _job(job_id)
    if wants_json():
        return _json(job)
    return render_template("admin/job.html", job=job, states=STATES, poll_ms=POLL_MS,
                           chunk_rows=services().settings.stream_chunk_rows,
                           status_url=url_for(".job_json", job_id=job_id),
                           versions_url=url_for("admin.index") + "#versions"), 200, \
        {"Cache-Control": "no-store"}


def _job(job_id: str) -> dict:
    job = admin.import_state().store.job(job_id) if JOB_ID.fullmatch(job_id) else None
    if job is None:
        raise NotFound(f"导入任务 {job_id[:64]} 不存在（或已超过一周的保留期）")
    return job


def _json(job: dict):
    body = {key: job.get(key) for key in (
        "id", "state", "label", "finished", "filename", "user", "note", "rows_checked",
        "rows_total", "elapsed", "version", "problems", "problem_count", "message")}
    body["versions_url"] = url_for("admin.versions")
    response = jsonify(body)
    response.headers["Cache-Control"] = "no-store"
    return response

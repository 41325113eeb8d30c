"""Publishing reviewed plans: a new knowledge-base version, and its rollback.

A publish writes one version to ``store.plans`` (the plan's registry record,
text and rows); every worker then serves the knowledge base as ``data_dir`` plus
the active publications (``ingest.plans.publish.knowledge_dir``), loaded by the
same code as the curated plans, and swaps it in at once (the catalog generation
moves on, so every cache drops the old answers). Another worker follows within a
second, like imports. A reviewed set the knowledge base would not load is refused
with the reasons and nothing is stored.
"""

from __future__ import annotations

import atexit
import secrets
import shutil
import tempfile
import threading
from dataclasses import dataclass, field, replace
from pathlib import Path

from flask import Blueprint, current_app, g, jsonify, redirect, render_template, request, url_for

from ingest.plans.publish import PublishRefused, checked_catalog, payload
from layers import REGISTRY
from layers.tasks import PlanTasksLayer
from mapcore.resources import MapResources
from store import RollbackConflict, StoreError, VersionNotFound
from store.base import MAX_VERSION_ID
from web.admin import EXTENSION as IMPORTS
from web.admin import page_user
from web.api_http import ApiState
from web.errors import Conflict, NotFound, wants_json
from web.follow import Throttle
from web.monitor_data import EXTENSION as MONITOR
from web.plan_review import EXTENSION as REVIEW
from web.plan_review import plan_store
from web.services import services

bp = Blueprint("plan_publish", __name__)
EXTENSION = "innomap.plan_publish"


@dataclass
class KnowledgeState:
    """Per app: the curated data directory, where overlays are written, what is shown."""

    base: Path
    root: Path
    seen: int = 0
    poll: Throttle = field(default_factory=Throttle)
    lock: threading.Lock = field(default_factory=threading.Lock)


@bp.record_once
def _setup(state) -> None:
    app = state.app
    base = Path(services(app).settings.data_dir)
    root = Path(tempfile.mkdtemp(prefix="innomap-kb-"))
    atexit.register(shutil.rmtree, root, True)  # links and small files, made per process
    app.extensions[EXTENSION] = KnowledgeState(base=base, root=root)
    services(app).add_refresher(_follow_publications)
    latest = app.extensions[REVIEW].latest_publication_id()
    if latest:
        follow(app, latest)


def _follow_publications(app) -> None:
    """Load the knowledge base again when another process published or rolled back."""
    state = app.extensions[EXTENSION]
    if not state.poll.due():
        return
    try:
        latest = app.extensions[REVIEW].latest_publication_id()
    except StoreError:
        return
    if latest != state.seen:
        with state.lock:  # one reload per worker, however many requests notice it
            if latest != state.seen:
                follow(app, latest)


def follow(app, latest: int) -> None:
    """``install`` the publications up to ``latest``; if they no longer load (the curated
    data changed under them), log why and keep serving what is loaded."""
    try:
        install(app, latest)
    except PublishRefused as exc:
        app.logger.error("published plans not loaded: %s", exc)
        app.extensions[EXTENSION].seen = latest


def build_catalog(app, payloads: list[dict], name: str):
    """The catalog of the curated data plus ``payloads``; PublishRefused if it does not load.

    Layers the app was given besides the registry (``create_app(layers=…)``) stay; the
    plans' task layers are made again from the registry of the new data."""
    state = app.extensions[EXTENSION]
    svc = services(app)
    extra = [layer for lid, layer in svc.catalog.layers.items()
             if REGISTRY.get(lid) is not layer and not isinstance(layer, PlanTasksLayer)]
    return checked_catalog(state.base, state.root / name, payloads,
                           svc.catalog.context.options, extra)


def install(app, latest: int, catalog=None) -> None:
    """Serve the knowledge base as of publication ``latest`` (``catalog`` if built already)."""
    state = app.extensions[EXTENSION]
    svc = services(app)
    if catalog is None:
        catalog = build_catalog(app, app.extensions[REVIEW].active_payloads(), f"v{latest}")
    catalog.generation = svc.catalog.generation + 1
    maps, previous = MapResources.load(catalog), svc.catalog.context.data_dir
    svc.catalog, svc.maps = catalog, maps
    svc.settings = replace(svc.settings, data_dir=catalog.context.data_dir)
    app.extensions[IMPORTS].context = None
    app.extensions[IMPORTS].stream_context = None
    app.extensions.pop(MONITOR, None)  # its registry and indicators are the old ones
    if ApiState.KEY in app.extensions:  # the plans' task collections come and go
        app.extensions[ApiState.KEY].follow(catalog)
    state.seen = latest
    # The directory just replaced stays for requests still reading it; older ones go.
    for old in state.root.iterdir():
        if old not in (catalog.context.data_dir, previous):
            shutil.rmtree(old, ignore_errors=True)


@bp.get("/admin/plans/")
def index():
    user = page_user()
    drafts, publications = plan_store().drafts(), plan_store().publications()
    if wants_json():
        return jsonify({"drafts": drafts, "publications": [p.as_dict() for p in publications]})
    return render_template("admin/plan_index.html", user=user, drafts=drafts,
                           publications=publications, done=request.args.get("done"))


def publish_draft(draft_id: str, user: str):
    """Publish the accepted candidates of a draft; PublishRefused with the reasons."""
    store = plan_store()
    try:
        draft = store.draft(draft_id)
    except VersionNotFound as exc:
        raise NotFound(str(exc)) from None
    candidates = [c.as_dict() for c in store.candidates(draft_id)]
    made = payload(draft.plan, draft.text, candidates, services().settings.data_dir)
    others = store.active_payloads()
    catalog = build_catalog(current_app, [*others, made], f"p{secrets.token_hex(6)}")
    publication = store.publish(made["record"]["id"], draft_id, made, user)
    with current_app.extensions[EXTENSION].lock:
        install(current_app, publication.id, catalog)
    return publication


@bp.post("/admin/plans/<draft_id>/publish")
def publish(draft_id: str):
    try:
        publication = publish_draft(draft_id, g.user)
    except PublishRefused as exc:
        if wants_json():
            return jsonify({"error": "publish_refused", "problems": exc.problems}), 400
        return render_template("admin/plan_refused.html", problems=exc.problems,
                               draft_id=draft_id), 400
    except RollbackConflict as exc:
        raise Conflict(str(exc)) from None
    if wants_json():
        return jsonify(publication.as_dict()), 201
    return redirect(url_for("plan_publish.index", done=publication.id), code=303)


@bp.post(f"/admin/plans/publications/<int(max={MAX_VERSION_ID}):publication_id>/rollback")
def rollback(publication_id: int):
    try:
        done = plan_store().rollback(publication_id, g.user)
    except VersionNotFound as exc:
        raise NotFound(str(exc)) from None
    except RollbackConflict as exc:
        raise Conflict(str(exc)) from None
    with current_app.extensions[EXTENSION].lock:
        install(current_app, done.id)
    if wants_json():
        return jsonify(done.as_dict()), 201
    return redirect(url_for("plan_publish.index", done=done.id), code=303)


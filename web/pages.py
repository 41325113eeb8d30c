"""The index page and the health check."""

from __future__ import annotations

from flask import Blueprint, current_app, jsonify, render_template

from geo.boundaries import read_manifest
from layers.kb import knowledge_base_version
from layers.plans_registry import region_order
from web import services
from web.monitor_data import boundary_names

bp = Blueprint("pages", __name__)


@bp.record_once
def _setup(state) -> None:
    svc = services(state.app)
    manifest = read_manifest(svc.settings.data_dir / "boundaries")
    boundaries = {key: manifest[key] for key in ("source", "source_version", "datum")}
    knowledge = knowledge_base_version(svc.settings.data_dir)
    svc.add_health("boundaries", lambda: boundaries)
    svc.add_health("knowledge_base", lambda: knowledge)


@bp.get("/")
def index():
    svc = services()
    layers = [(layer.id, layer.title, layer.description)
              for layer in svc.catalog.layers.values()]
    sections: dict[str, list[tuple[str, str]]] = {}
    for section, title, url in svc.links:
        sections.setdefault(section, []).append((title, url))
    names = boundary_names(svc.catalog)
    regions = [names.get(a, a) for a in region_order(svc.maps.plans)]
    return render_template("pages/index.html", layers=layers, sections=sections,
                           plan_regions=regions)


@bp.get("/healthz")
def healthz():
    svc = services()
    return jsonify({
        "status": "ok",
        "data": {name: report() for name, report in svc.health.items()},
        "layers": {layer_id: len(frame) for layer_id, frame in svc.catalog.frames.items()},
        # Rows of these live in the store, not in the worker (their count above is 0).
        "stored": [layer.id for layer in svc.catalog.layers.values() if layer.storage == "store"],
    })


@bp.get("/favicon.ico")
def favicon():
    """The site icon where a browser asks for it without a page (JSON, files)."""
    return current_app.send_static_file("favicon.ico")

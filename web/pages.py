"""The index page and the health check."""

from __future__ import annotations

from flask import Blueprint, jsonify, render_template

from geo.boundaries import read_manifest
from layers import REGISTRY
from web import services

bp = Blueprint("pages", __name__)


@bp.get("/")
def index():
    svc = services()
    layers = [(layer.id, layer.title, layer.description) for layer in REGISTRY.values()]
    sections: dict[str, list[tuple[str, str]]] = {}
    for section, title, url in svc.links:
        sections.setdefault(section, []).append((title, url))
    return render_template("pages/index.html", layers=layers, sections=sections)


@bp.get("/healthz")
def healthz():
    svc = services()
    manifest = read_manifest(svc.settings.data_dir / "boundaries")
    return jsonify({
        "status": "ok",
        "data": {
            "boundaries": {"source": manifest["source"],
                           "source_version": manifest["source_version"],
                           "datum": manifest["datum"]},
        },
        "layers": {layer_id: len(frame) for layer_id, frame in svc.catalog.frames.items()},
    })

"""The index page and the health check.

The index lists the links blueprints registered at start-up and the links that
follow the plan registry (every region with a plan, every task plan): those are
made again for each catalog generation, so a plan published or rolled back in any
worker shows on the index as soon as that worker follows the store.
"""

from __future__ import annotations

from flask import Blueprint, current_app, jsonify, render_template

from geo.boundaries import read_manifest
from geo.quotes import citation, quoted
from layers.kb import knowledge_base_version
from layers.plans_registry import region_order
from layers.tasks import task_plans
from web.monitor_data import boundary_names
from web.services import services
from web.task_plan import tasks_url

bp = Blueprint("pages", __name__)
EXTENSION = "innomap.pages"
MONITOR_SECTION = "规划实施监测评估"


@bp.app_template_filter("quoted")
def _quoted(text: str) -> str:
    return quoted(text)


@bp.app_template_filter("citation")
def _citation(title: str, section: str, quote: str) -> str:
    return citation(title, section, quote)


@bp.record_once
def _setup(state) -> None:
    svc = services(state.app)
    manifest = read_manifest(svc.settings.data_dir / "boundaries")
    boundaries = {key: manifest[key] for key in ("source", "source_version", "datum")}
    knowledge = knowledge_base_version(svc.settings.data_dir)
    svc.add_health("boundaries", lambda: boundaries)
    svc.add_health("knowledge_base", lambda: knowledge)


def plan_links(svc) -> tuple[list[str], list[tuple[str, str, str]]]:
    """(names of the regions with a plan, index links of their pages and of every task
    plan) of the catalog now served, made once per catalog generation."""
    generation = svc.catalog.generation
    kept = current_app.extensions.get(EXTENSION)
    if kept is not None and kept[0] == generation:
        return kept[1]
    plans, names = svc.maps.plans, boundary_names(svc.catalog)
    regions = region_order(plans)
    links = [(MONITOR_SECTION, f"{names.get(a, a)}：目标完成情况、布局与评估报告",
              f"/regions/{a}") for a in regions]
    for plan in task_plans(None, plans):
        total = len(svc.catalog.frame(plan.tasks_collection))
        links.append((MONITOR_SECTION, f"{plan.title}：重点任务（{total}项，按季度）",
                      tasks_url(plan.id)))
    made = ([names.get(a, a) for a in regions], links)
    current_app.extensions[EXTENSION] = (generation, made)
    return made


@bp.get("/")
def index():
    svc = services()
    layers = [(layer.id, layer.title, layer.description)
              for layer in svc.catalog.layers.values()]
    regions, links = plan_links(svc)
    sections: dict[str, list[tuple[str, str]]] = {}
    for section, title, url in [*svc.links, *links]:
        sections.setdefault(section, []).append((title, url))
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

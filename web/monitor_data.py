"""What the monitoring pages share: the targets table of the current catalog, built once.

The rows follow the ``targets`` layer frame: an import or rollback swaps that
frame (``layers.Catalog.refresh`` reloads it after ``imported-metrics``), and
the next request here rebuilds the rows, in every worker.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd
from flask import current_app

from layers.plans_registry import plan_registry, region_order
from layers.targets import read_indicators
from layers.tasks import task_plans
from monitor.table import target_rows
from monitor.task_link_review import read_overrides
from monitor.task_links import link_tasks, tasks_of_targets
from monitor.task_unlinked import unlinked_tasks
from monitor.tasks import task_rows
from web.services import services
from web.task_link_store import decisions_version, stored_decisions

EXTENSION = "innomap.monitor"
# A reviewer's decisions on task links: this file, then those made in the browser (store).
OVERRIDES = "kb/task_link_overrides.csv"
BOUNDARY_LAYERS = ("boundaries-province", "boundaries-city", "boundaries-county")


@dataclass
class MonitorData:
    """The targets table and what it was built from."""

    frame: object
    rows: pd.DataFrame
    plans: dict
    registry: dict
    region_names: dict
    indicators: pd.DataFrame
    region_levels: dict
    region_cities: dict
    # Documents built from these rows (a region's PDF report): dropped with the rows.
    documents: dict = field(default_factory=dict)
    # Adcodes with a region page (web.regions.region_pages), worked out once per rows.
    pages: frozenset | None = None
    # Each task plan's tasks and their links to targets (task_links), once per rows and
    # version of the reviewers' decisions (``links_version``).
    links: dict | None = None
    links_version: int = -1


@dataclass(frozen=True)
class PlanTaskLinks:
    """A task plan's tasks (``task_rows``, ``target_ids`` = the linked targets), the
    links with their words and the tasks left unlinked with why."""

    plan: object
    tasks: pd.DataFrame
    links: pd.DataFrame
    unlinked: pd.DataFrame


def task_links() -> dict[str, PlanTaskLinks]:
    """Plan id → PlanTaskLinks of every task plan, worked out once per targets table and
    version of the reviewers' decisions."""
    data = monitor_data()
    version = decisions_version()  # read first: a decision made meanwhile is not lost
    if data.links is None or data.links_version != version:
        catalog, out = services().catalog, {}
        overrides = read_overrides(services().settings.data_dir / OVERRIDES)
        for plan in task_plans(None, data.registry):
            tasks = task_rows(catalog.frame(plan.tasks_collection))
            decided = pd.concat([overrides, stored_decisions(plan.id)], ignore_index=True)
            links = link_tasks(tasks, data.rows, data.indicators, decided)
            linked = links.groupby("task_id")["target_id"].agg(list).to_dict()
            tasks = tasks.assign(target_ids=[linked.get(i, []) for i in tasks["id"]])
            out[plan.id] = PlanTaskLinks(plan, tasks, links,
                                         unlinked_tasks(tasks, links, data.indicators,
                                                        data.rows))
        data.links, data.links_version = out, version
    return data.links


def tasks_by_target() -> dict[str, list[tuple]]:
    """Target id → [(plan, task number, task text, words)] of every task plan."""
    out: dict[str, list] = {}
    for found in task_links().values():
        text = dict(zip(found.tasks["no"], found.tasks["task"]))
        for target_id, items in tasks_of_targets(found.links).items():
            out.setdefault(target_id, []).extend(
                (found.plan, no, text.get(no, ""), words) for no, words in items)
    return out


def monitor_data() -> MonitorData:
    """The table of the catalog's current targets frame (rebuilt when the frame changed)."""
    catalog = services().catalog
    frame = catalog.frame("targets")
    data = current_app.extensions.get(EXTENSION)
    if data is None or data.frame is not frame:
        data = _build(catalog, frame, data)
        current_app.extensions[EXTENSION] = data
    return data


def boundary_names(catalog) -> dict[str, str]:
    """Adcode → name of every unit of the boundary layers."""
    names: dict[str, str] = {}
    for layer_id in BOUNDARY_LAYERS:
        units = catalog.frame(layer_id)
        names.update(zip(units["adcode"], units["name"]))
    return names


def _build(catalog, frame, previous: MonitorData | None) -> MonitorData:
    if previous is None:
        data_dir = services().settings.data_dir
        registry = plan_registry(data_dir)
        plans = {pid: plan.title for pid, plan in registry.items()}
        # Every unit of the country is a region: one without a plan still has a page.
        units = services().maps.unit_table()
        names = dict(zip(units["adcode"], units["name"]))
        levels = dict(zip(units["adcode"], units["level"]))
        cities = dict(zip(units["adcode"], units["city_adcode"].fillna("")))
        indicators = read_indicators(data_dir).set_index("id", drop=False)
    else:
        plans, names, indicators = previous.plans, previous.region_names, previous.indicators
        registry = previous.registry
        levels, cities = previous.region_levels, previous.region_cities
    entities = catalog.frame("entities")
    rows = target_rows(frame, plans, names, indicators,
                       dict(zip(entities["id"], entities["name"])), region_order(registry))
    return MonitorData(frame=frame, rows=rows, plans=plans, registry=registry, region_names=names,
                       indicators=indicators, region_levels=levels, region_cities=cities)

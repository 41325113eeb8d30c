"""``/plans/<id>/tasks``: a plan's task table with Chinese columns, unit and target filters,
a quarter timeline and links to the targets each row serves. ``/tasks/<year>`` (the
former address of the one task plan) redirects to the plan of that year."""

from __future__ import annotations

from urllib.parse import urlencode

from flask import Blueprint, redirect, render_template, request

from monitor.table import display_record
from monitor.tasks import QUARTER_LABELS, parse_task_query, select_tasks, unit_choices
from web.errors import InvalidParameter, NotFound
from web.monitor_data import monitor_data, task_links

bp = Blueprint("task_plan", __name__)


def tasks_url(plan_id: str) -> str:
    return f"/plans/{plan_id}/tasks"


def _plan(plan_id: str):
    plan = monitor_data().registry.get(plan_id)
    if plan is None or "tasks" not in plan.contains:
        raise NotFound(f"规划 {plan_id!r} 不存在或没有任务表")
    return plan


@bp.get("/tasks/<int:year>")
def tasks_of_year(year: int):
    """The former address of a year's task plan: a permanent redirect (query kept)."""
    found = [p for p in monitor_data().registry.values()
             if "tasks" in p.contains and p.period.holds(year)]
    if not found:
        raise NotFound(f"没有 {year} 年的任务计划")
    query = urlencode(list(request.args.items(multi=True)))
    return redirect(tasks_url(found[0].id) + (f"?{query}" if query else ""), code=308)


@bp.get("/plans/<plan_id>/tasks")
def tasks(plan_id: str):
    plan = _plan(plan_id)
    linked = task_links()[plan.id]
    rows = linked.tasks
    try:
        query = parse_task_query(request.args, rows)
    except ValueError as exc:
        raise InvalidParameter(str(exc)) from None
    chosen = select_tasks(rows, query)
    data = monitor_data()
    targets = {}
    for row in data.rows.to_dict("records"):
        for target_id in row["ids"]:
            targets[target_id] = (row, display_record(row))
    served = sorted({t for ids in rows["target_ids"] for t in ids if t in targets},
                    key=lambda t: (targets[t][1]["indicator"], t))
    words = {(r.task_id, r.target_id): "、".join(r.words) for r in linked.links.itertuples()}
    return render_template("monitor/tasks.html", rows=chosen.to_dict("records"), query=query,
                           plan=plan, url=tasks_url(plan.id),
                           region_name=data.region_names.get(plan.region_adcode, ""),
                           leads=unit_choices(rows, "leads"),
                           partners=unit_choices(rows, "partner_units"),
                           served=[(t, targets[t][1]["indicator"]) for t in served],
                           targets=targets, quarters=QUARTER_LABELS, total=len(rows),
                           words=words, unlinked=linked.unlinked.to_dict("records"),
                           linked_count=len(rows) - len(linked.unlinked))

"""``/tasks/2023``: 宿迁's 2023 task plan with Chinese columns, unit and target filters,
a quarter timeline and links to the targets each row serves."""

from __future__ import annotations

from flask import Blueprint, render_template, request

from monitor.table import display_record
from monitor.tasks import QUARTER_LABELS, parse_task_query, select_tasks, task_rows, unit_choices
from web.errors import InvalidParameter
from web.monitor_data import monitor_data
from web.services import services

bp = Blueprint("task_plan", __name__)


@bp.record_once
def _setup(state) -> None:
    services(state.app).add_link("规划实施监测评估",
                                 "宿迁市2023年度国家创新型城市建设重点任务（98项，按季度）",
                                 "/tasks/2023")


@bp.get("/tasks/2023")
def tasks():
    rows = task_rows(services().catalog.frame("tasks-2023"))
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
    served = sorted({t for ids in rows["target_ids"] for t in ids if t in targets})
    return render_template("monitor/tasks.html", rows=chosen.to_dict("records"), query=query,
                           leads=unit_choices(rows, "leads"),
                           partners=unit_choices(rows, "partner_units"),
                           served=[(t, targets[t][1]["indicator"]) for t in served],
                           targets=targets, quarters=QUARTER_LABELS, total=len(rows))

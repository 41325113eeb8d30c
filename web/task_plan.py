"""``/plans/<id>/tasks``: a plan's task table with Chinese columns, unit and target filters,
a quarter timeline and links to the targets each row serves. ``/tasks/<year>`` (the
former address of the one task plan) redirects to the plan of that year.

A signed-in editor (``web.auth``; the POST carries the CSRF token like every admin form)
confirms or removes a link, or adds one to any target of the plan, with a reason:
``POST /plans/<id>/tasks/links`` records it in the store (``store.task_links``) and
every surface serves the links with it (``web.task_link_store``)."""

from __future__ import annotations

from urllib.parse import urlencode

from flask import Blueprint, current_app, g, redirect, render_template, request

from monitor.table import display_record
from monitor.task_link_review import DECISIONS
from monitor.tasks import QUARTER_LABELS, parse_task_query, select_tasks, unit_choices
from web.auth import current_user
from web.errors import InvalidParameter, NotFound
from web.monitor_data import monitor_data, task_links
from web.task_link_store import decided, decision_table, setup

bp = Blueprint("task_plan", __name__)
MAX_REASON_CHARS = 200


@bp.record_once
def _setup(state) -> None:
    setup(state.app)


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
                    key=lambda t: (targets[t][1]["indicator"], target_label(*targets[t])))
    numbers = dict(zip(rows["id"], rows["no"]))
    words = {(r.task_id, r.target_id): "、".join(r.words) for r in linked.links.itertuples()}
    editor = current_user() is not None and decision_table() is not None
    return render_template("monitor/tasks.html", rows=chosen.to_dict("records"), query=query,
                           editor=editor, choices=plan_targets(plan, targets) if editor else [],
                           history=_history(plan.id, numbers, targets) if editor else [],
                           plan=plan, url=tasks_url(plan.id),
                           region_name=data.region_names.get(plan.region_adcode, ""),
                           leads=unit_choices(rows, "leads"),
                           partners=unit_choices(rows, "partner_units"),
                           served=[(t, target_label(*targets[t])) for t in served],
                           targets=targets, quarters=QUARTER_LABELS, total=len(rows),
                           words=words, unlinked=linked.unlinked.to_dict("records"),
                           linked_count=len(rows) - len(linked.unlinked))


def target_label(row: dict, cells: dict) -> str:
    """How a target is named wherever a person picks or reads one on this page: its
    plan period, indicator and target value (never its internal id)."""
    period = row.get("period_label") or ""
    return f"{period} · {cells['indicator']} {cells['target']}" if period \
        else f"{cells['indicator']} {cells['target']}"


def _history(plan_id: str, numbers: dict, targets: dict) -> list[dict]:
    """The last 50 link decisions on ``plan_id``, newest first, with the task's number
    and the target's label in place of their ids."""
    out = []
    for entry in decision_table().history(plan_id)[::-1][:50]:
        entry = dict(entry)
        no = numbers.get(entry["task_id"])
        entry["task"] = f"第 {no} 项" if no is not None else entry["task_id"]
        known = targets.get(entry["target_id"])
        entry["target"] = target_label(*known) if known else entry["target_id"]
        out.append(entry)
    return out


def plan_targets(plan, targets: dict) -> list[tuple[str, str]]:
    """(target id, label) of every target a task of ``plan`` may serve: those of its
    region and its own, by period then indicator (``targets``: id → (row, cells))."""
    out = {}
    for target_id, (row, cells) in targets.items():
        if target_id == row["ids"][0] and (row["region_adcode"] == plan.region_adcode
                                           or row.get("plan_id") == plan.id):
            out[target_id] = (row.get("period_label") or "", cells["indicator"],
                              target_label(row, cells))
    return [(t, v[2]) for t, v in sorted(out.items(), key=lambda item: item[1])]


@bp.post("/plans/<plan_id>/tasks/links")
def decide_link(plan_id: str):
    """A signed-in editor's decision on one link: form ``task_id``, ``target_id``,
    ``decision`` (confirm / remove) and ``reason``; 400 with the reason if one is wrong."""
    plan = _plan(plan_id)
    table = decision_table()
    if table is None:
        raise InvalidParameter("数据存储不支持审核记录：无法保存对应关系的审核决定")
    form = {k: (request.form.get(k) or "").strip()
            for k in ("task_id", "target_id", "decision", "reason")}
    tasks = task_links()[plan.id].tasks
    if form["task_id"] not in set(tasks["id"]):
        raise InvalidParameter(f"本规划没有任务“{form['task_id']}”")
    targets = {row["ids"][0]: row for row in monitor_data().rows.to_dict("records")}
    choices = dict(plan_targets(plan, {t: (row, display_record(row))
                                       for t, row in targets.items()}))
    if form["target_id"] not in choices:
        raise InvalidParameter(f"“{form['target_id']}”不是本规划任务可服务的目标")
    if form["decision"] not in DECISIONS:
        raise InvalidParameter("审核决定应为“确认”或“移除”")
    if not 0 < len(form["reason"]) <= MAX_REASON_CHARS:
        raise InvalidParameter(f"请填写理由（1 至 {MAX_REASON_CHARS} 字）")
    table.decide(plan.id, form["task_id"], form["target_id"], form["decision"],
                 form["reason"], g.user)
    decided(current_app)
    no = int(tasks.loc[tasks["id"] == form["task_id"], "no"].iloc[0])
    return redirect(f"{tasks_url(plan.id)}#task-{no}", code=303)

"""``/targets``: the targets table with filters, sort, comparison chart and downloads.

``/targets.csv`` and ``/targets.xlsx`` take the same query string and hold
exactly the rows and cell text the page shows (``monitor.table.display_frame``).
"""

from __future__ import annotations

from urllib.parse import urlencode

from flask import Blueprint, Response, render_template, request

from layers.plans_registry import region_order, region_rank
from monitor.compare import comparison
from monitor.progress import STATUSES
from monitor.table import (
    DISPLAY_COLUMNS,
    SORT_KEYS,
    display_frame,
    display_record,
    group_rank,
    indicator_choices,
    parse_query,
    select,
)
from sheets import safe_csv
from web.assets import echarts_url
from web.errors import InvalidParameter
from web.monitor_data import boundary_names, monitor_data, tasks_by_target
from web.services import services
from web.task_plan import tasks_url

bp = Blueprint("targets_page", __name__)
SORT_LABELS = {"region": "地区", "plan": "规划", "indicator": "指标", "group": "指标类别",
               "status": "状态", "completion": "完成率", "year": "目标年份",
               "lag": "完成率−时序进度"}


@bp.record_once
def _setup(state) -> None:
    svc = services(state.app)
    svc.add_link("规划实施监测评估", "规划指标总表：基期值、目标值、实际值、完成率与状态",
                 "/targets")
    comparison_link(svc)


def comparison_link(svc) -> None:
    """The index link to the indicator most plan regions share, compared across them."""
    frame = svc.catalog.frame("targets")
    regional = frame[(frame["kind"] == "target") & (frame["subject"] == "")
                     & (frame["entity_id"] == "")]
    if regional.empty:
        return
    spread = regional.groupby("indicator_id")["region_adcode"].nunique()
    indicator = spread.sort_values(ascending=False, kind="stable").index[0]
    names = boundary_names(svc.catalog)
    order = region_order(svc.maps.plans)
    regions = sorted(set(regional.loc[regional["indicator_id"] == indicator, "region_adcode"]),
                     key=lambda a: region_rank(a, order))
    title = regional.loc[regional["indicator_id"] == indicator, "indicator_name"].iloc[0]
    svc.add_link("规划实施监测评估",
                 f"{title}：{'、'.join(names.get(a, a) for a in regions)}对比",
                 f"/targets?indicator={indicator}")


def _selection():
    data = monitor_data()
    try:
        query = parse_query(request.args, data.rows)
    except ValueError as exc:
        raise InvalidParameter(str(exc)) from None
    return data, query, select(data.rows, query)


@bp.get("/targets")
def targets():
    data, query, rows = _selection()
    charts = comparison(data.rows, query.indicator, data.indicators) if query.indicator else []
    records = [(row, display_record(row)) for row in rows.to_dict("records")]
    choices = {
        "plan": sorted({(r.plan_id, r.plan_title) for r in data.rows.itertuples()},
                       key=lambda item: _plan_rank(data.registry, item[0])),
        "region": [(code, name) for code, name, _ in sorted(
            {(r.region_adcode, r.region_name, r.region_rank) for r in data.rows.itertuples()},
            key=lambda item: item[2])],
        "group": sorted(set(data.rows["group"]), key=group_rank),
        "indicator": indicator_choices(data.rows, data.indicators),
        "status": STATUSES}
    args = query.as_args()
    return render_template("monitor/targets.html", records=records, served=tasks_by_target(),
                           tasks_url=tasks_url,
                           query=query, args=args,
                           choices=choices, charts=charts, sort_labels=SORT_LABELS,
                           sort_keys=SORT_KEYS, columns=DISPLAY_COLUMNS, total=len(data.rows),
                           query_with=_query_with, echarts=echarts_url(),
                           qs=urlencode(args))


def _plan_rank(plans: dict, plan_id: str) -> tuple:
    """Plans in the registry's order of regions, then by period."""
    plan = plans.get(plan_id)
    if plan is None:
        return ((1 << 30, ""), 0, plan_id)
    return (region_rank(plan.region_adcode, region_order(plans)), plan.period.start_year, plan_id)


def _query_with(args: dict, **changes) -> str:
    merged = {**args, **changes}
    return urlencode({k: v for k, v in merged.items() if v})


@bp.get("/targets.csv")
def targets_csv():
    _, _, rows = _selection()
    body = safe_csv(display_frame(rows))
    return Response(body, mimetype="text/csv; charset=utf-8", headers={
        "Content-Disposition": "attachment; filename=targets.csv"})


@bp.get("/targets.xlsx")
def targets_xlsx():
    _, _, rows = _selection()
    from monitor.report_xlsx import targets_xlsx as workbook  # openpyxl: on demand

    return Response(workbook(rows),
                    mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                    headers={"Content-Disposition": "attachment; filename=targets.xlsx"})

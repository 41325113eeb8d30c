"""``/regions/<adcode>``: a region's targets by plan chapter, charts, map, layout, tasks;
``/regions/<adcode>/report.pdf`` and ``.xlsx``: its evaluation report."""

from __future__ import annotations

from datetime import date

from flask import Blueprint, Response, current_app, render_template

from geo.fonts import find_cjk_font
from layers.plans import plan_text
from mapcore import progress
from mapcore.errors import MapError
from mapcore.export import parse_export
from monitor.compare import comparison
from monitor.report import progress_spec, report_pdf
from monitor.table import Query, display_frame, display_record, select
from monitor.tasks import task_rows
from web.assets import vendor_url
from web.builds import builds
from web.errors import NotFound
from web.export import export_file
from web.monitor_data import monitor_data
from web.services import services
from web.targets_page import xlsx_bytes

bp = Blueprint("regions", __name__)
MAIN_REGIONS = (("320000", "江苏省"), ("320700", "连云港市"), ("321300", "宿迁市"),
                ("341300", "宿州市"))
HEADLINE = "rd_intensity"  # the indicator a region's progress map shows first


@bp.record_once
def _setup(state) -> None:
    svc = services(state.app)
    for adcode, name in MAIN_REGIONS:
        svc.add_link("规划实施监测评估", f"{name}：目标完成情况、布局与评估报告",
                     f"/regions/{adcode}")


def region_context(adcode: str) -> dict:
    """Name, rows and display records of a region; NotFound when it has nothing to show."""
    if not (len(adcode) == 6 and adcode.isdigit()):
        raise NotFound(f"行政区划代码应为 6 位数字，收到 {adcode!r}")
    data = monitor_data()
    actuals = services().catalog.frame("imported-metrics")
    has_targets = adcode in set(data.rows["region_adcode"])
    has_actuals = adcode in set(actuals["region_adcode"])
    if adcode not in data.region_names or not (has_targets or has_actuals
                                               or adcode in dict(MAIN_REGIONS)):
        raise NotFound(f"地区 {adcode} 没有规划目标，也没有导入的实际值")
    rows = select(data.rows, Query(region=adcode)) if has_targets else data.rows.iloc[0:0]
    return {"adcode": adcode, "name": data.region_names[adcode], "rows": rows, "data": data,
            "actuals": actuals[actuals["region_adcode"] == adcode]}


def _chapter_position(plan_id: str, chapter: str) -> int:
    """Where a chapter heading stands in its plan's text (unknown: last)."""
    position = plan_text(services().settings.data_dir, plan_id).find(chapter)
    return position if position >= 0 else 1 << 30


def _chapters(rows) -> list[tuple[str, str, list]]:
    """(plan title, chapter, [(row, cells)]) in plan order, chapters as the plan orders them."""
    groups: dict[tuple[str, str], list] = {}
    ordered = rows.assign(_at=[_chapter_position(p, c) for p, c in zip(rows["plan_id"],
                                                                        rows["chapter"])])
    for row in ordered.sort_values(["plan_id", "_at"], kind="stable").to_dict("records"):
        groups.setdefault((row["plan_title"], row["chapter"]), []).append(
            (row, display_record(row)))
    return [(plan, chapter, items) for (plan, chapter), items in groups.items()]


def _entities(adcode: str, level: str) -> list[tuple[str, list]]:
    frame = services().catalog.frame("entities")
    column = {"province": "province_adcode", "city": "city_adcode"}.get(level, "county_adcode")
    chosen = frame[frame[column] == adcode].sort_values(["type_label", "name"])
    grades = services().maps.precision_labels
    return [(label, [(r.name, grades.get(r.precision, r.precision), r.section)
                     for r in group.itertuples()])
            for label, group in chosen.groupby("type_label", sort=False)]


def _map_adcode(adcode: str, data) -> str | None:
    """The /maps page that shows the region: its own, or its city's (for a county)."""
    level = data.region_levels.get(adcode)
    if level == "province":
        return adcode if adcode == "320000" else None
    return adcode if level == "city" else (data.region_cities.get(adcode) or None)


def _tasks_of(adcode: str, level: str) -> list[dict]:
    """The 2023 task rows of a region: a city's (and its counties'), or a county's own."""
    tasks = task_rows(services().catalog.frame("tasks-2023"))
    if level == "city":
        return tasks[tasks["region_adcode"].str[:4] == adcode[:4]].to_dict("records")
    if level == "county":
        return tasks[tasks["region_adcode"] == adcode].to_dict("records")
    return []


@bp.get("/regions/<adcode>")
def region(adcode: str):
    ctx = region_context(adcode)
    data, rows = ctx["data"], ctx["rows"]
    level = data.region_levels.get(adcode, "")
    indicators = [i for i in dict.fromkeys(rows["indicator_id"])
                  if (data.rows["indicator_id"] == i).any()]
    shared = [i for i in indicators if data.rows.loc[data.rows["indicator_id"] == i,
                                                     "region_adcode"].nunique() > 1][:4]
    charts = [spec for i in shared for spec in comparison(data.rows, i, data.indicators)]
    return render_template(
        "monitor/region.html", adcode=adcode, name=ctx["name"], chapters=_chapters(rows),
        progress=progress_spec(rows, "各指标完成率与时序进度（%）"), charts=charts,
        counts=rows["status"].value_counts().to_dict(), entities=_entities(adcode, level),
        tasks=_tasks_of(adcode, level), map_adcode=_map_adcode(adcode, data),
        actuals=ctx["actuals"].sort_values(["indicator_id", "year"]).to_dict("records"),
        echarts=vendor_url("echarts", "echarts.min.js"), total=len(rows))


def region_pages() -> frozenset[str]:
    """Adcodes that have a region page: the four plans' regions and every region with
    targets or imported actuals (map popups link to them)."""
    data = monitor_data()
    if data.pages is None:  # once per targets frame, which an import or rollback replaces
        actuals = services().catalog.frame("imported-metrics")
        data.pages = frozenset(({a for a, _ in MAIN_REGIONS} | set(data.rows["region_adcode"])
                                | set(actuals["region_adcode"])) & set(data.region_names))
    return data.pages


def progress_map_args(adcode: str, rows) -> tuple[str, dict] | None:
    """The progress map of a region's headline indicator: its province by cities (a
    city's own map has only counties, which hold no city targets)."""
    indicators = list(dict.fromkeys(rows["indicator_id"]))
    if not indicators:
        return None
    indicator = HEADLINE if HEADLINE in indicators else indicators[0]
    province = adcode[:2] + "0000"
    level = "county" if province == adcode and province != "320000" else "city"
    return province, {"indicator": indicator, "kind": progress.KIND, "level": level}


def _map_png(adcode: str, rows) -> bytes | None:
    """The report's map: the traffic-light progress map of the region's headline
    indicator (the same drawing as /export/<province>.png?kind=progress)."""
    found = progress_map_args(adcode, rows)
    if found is None:
        return None
    map_id, args = found
    try:
        req = parse_export(map_id, "png", {"dpi": "150", "size": "A4",
                                           "orientation": "landscape", **args})
        return export_file(current_app, req)[0]
    except MapError:  # the headline indicator has no values on that map
        return None


@bp.get("/regions/<adcode>/report.xlsx")
def report_xlsx(adcode: str):
    ctx = region_context(adcode)
    body = builds().get(("report.xlsx", adcode), services().catalog, lambda: _xlsx_bytes(ctx))
    return Response(body, mimetype="application/vnd.openxmlformats-officedocument."
                                   "spreadsheetml.sheet",
                    headers={"Content-Disposition": f"attachment; filename=report-{adcode}.xlsx"})


def _xlsx_bytes(ctx: dict) -> bytes:
    actuals = ctx["actuals"].drop(columns="geometry")[
        ["indicator_id", "year", "value", "unit", "source", "version"]].rename(columns={
            "indicator_id": "指标", "year": "年份", "value": "数值", "unit": "单位",
            "source": "来源", "version": "导入版本"})
    return xlsx_bytes({"目标完成情况": display_frame(ctx["rows"]), "导入的实际值": actuals})


@bp.get("/regions/<adcode>/report.pdf")
def report(adcode: str):
    ctx = region_context(adcode)
    body = builds().get(("report.pdf", adcode, date.today()), services().catalog,
                        lambda: _report_bytes(ctx))  # once per data state and day
    return Response(body, mimetype="application/pdf",
                    headers={"Content-Disposition": f"inline; filename=report-{adcode}.pdf"})


def _report_bytes(ctx: dict) -> bytes:
    """The PDF of a region (seconds of matplotlib): built once per data state and day."""
    adcode, data, rows = ctx["adcode"], ctx["data"], ctx["rows"]
    charts = [spec for i in dict.fromkeys(rows["indicator_id"])
              if data.rows.loc[data.rows["indicator_id"] == i, "region_adcode"].nunique() > 1
              for spec in comparison(data.rows, i, data.indicators)][:6]
    return report_pdf(ctx["name"], display_frame(rows), rows, charts, find_cjk_font(),
                      map_image=_map_png(adcode, rows))

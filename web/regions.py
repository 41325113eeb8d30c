"""``/regions/<adcode>``: a region's targets by plan chapter, charts, map, layout, tasks;
``/regions/<adcode>/report.pdf``, ``.docx`` and ``.xlsx``: the evaluation report of one
of its plans (``?plan=<id>``; by default its current five-year plan)."""

from __future__ import annotations

from datetime import date

from flask import Blueprint, Response, current_app, jsonify, render_template, request

from geo.fonts import find_cjk_font
from geo.numbers import format_value
from geo.speaking import regional_rows
from layers.plans import plan_text
from layers.plans_registry import region_order
from layers.tasks import task_plans
from mapcore import progress
from mapcore.errors import MapError
from mapcore.export import parse_export
from monitor.compare import comparison
from monitor.lineage import lineage
from monitor.progress import NEEDS_YEARLY, STATUSES
from monitor.summary import progress_spec, report_facts, report_plan
from monitor.table import Query, display_frame, display_record, headline_indicator, select
from monitor.tasks import task_rows
from web.assets import echarts_url
from web.builds import builds
from web.errors import InvalidParameter, NotFound
from web.export import export_file
from web.monitor_data import monitor_data, tasks_by_target
from web.services import services
from web.task_plan import tasks_url

bp = Blueprint("regions", __name__)
# Reports carry the day on their cover: kept by web.builds per day, never by the response
# cache (which keys on the data alone).
REPORT_HEADERS = {"Cache-Control": "no-cache"}


@bp.app_context_processor
def _navigation() -> dict:
    """``monitor_nav()``: the monitoring pages' links, from the plan registry."""
    def monitor_nav() -> list[tuple[str, str]]:
        data = monitor_data()
        names = data.region_names
        links = [(tasks_url(p.id),
                  f"{names.get(p.region_adcode, p.region_adcode)}{p.period.label}重点任务")
                 for p in task_plans(None, data.registry)]
        return links + [(f"/regions/{a}", data.region_names.get(a, a))
                        for a in region_order(data.registry)]
    return {"monitor_nav": monitor_nav}


def region_context(adcode: str) -> dict:
    """Name, rows and display records of a region (a region without a plan has none), its
    imported actuals (``actuals``: of the whole region; ``zone_actuals``: of zones filed
    under it); NotFound for an adcode no boundary knows."""
    if not (len(adcode) == 6 and adcode.isdigit()):
        raise NotFound(f"行政区划代码应为 6 位数字，收到 {adcode!r}")
    data = monitor_data()
    actuals = services().catalog.frame("imported-metrics")
    has_targets = adcode in set(data.rows["region_adcode"])
    if adcode not in data.region_names:
        raise NotFound(f"行政区划代码 {adcode} 不在已载入的行政区划中")
    rows = select(data.rows, Query(region=adcode)) if has_targets else data.rows.iloc[0:0]
    own = actuals[actuals["region_adcode"] == adcode]
    regional = regional_rows(own) if len(own) else own
    return {"adcode": adcode, "name": data.region_names[adcode], "rows": rows, "data": data,
            "actuals": regional, "zone_actuals": own.drop(index=regional.index)}


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
    """The /maps page that shows the region: its own (every province and city of the
    country has one), or its city's for a county (a county of a province without cities,
    its province's)."""
    level = data.region_levels.get(adcode)
    if level in ("province", "city"):
        return adcode
    return data.region_cities.get(adcode) or adcode[:2] + "0000"


def _tasks_of(adcode: str, level: str) -> list[dict]:
    """Each task plan's rows of a region: a city's (and its counties'), or another
    region's own, as (plan, url, rows)."""
    out = []
    for plan in task_plans(None, monitor_data().registry):
        tasks = task_rows(services().catalog.frame(plan.tasks_collection))
        if level == "city":
            rows = tasks[tasks["region_adcode"].str[:4] == adcode[:4]]
        else:
            rows = tasks[tasks["region_adcode"] == adcode]
        if len(rows):
            out.append((plan, tasks_url(plan.id), rows.to_dict("records")))
    return out


def _lineage_links(rows) -> list[tuple[str, str]]:
    """(indicator id, name) of the region-wide indicators of a region's targets."""
    regional = rows[(rows["subject"] == "") & (rows["entity_id"] == "")]
    return list(dict.fromkeys(zip(regional["indicator_id"], regional["indicator_name"])))


def _chosen_status() -> str:
    """The ``status`` a region page shows the targets of ("" all); 400 for an unknown one."""
    chosen = request.args.get("status", "").strip()
    if chosen and chosen not in STATUSES:
        raise InvalidParameter(f"未知的状态“{chosen}”，可选：{'、'.join(STATUSES)}")
    return chosen


def _status_chips(counts: dict) -> list[tuple[str, int]]:
    """(status, count) of the chips above a region's targets: every status it has, and the
    common ones with 0 too."""
    return [(s, counts.get(s, 0)) for s in STATUSES if counts.get(s, 0) or s != NEEDS_YEARLY]


#: How many comparison charts a region page and its PDF report show.
PAGE_CHARTS, REPORT_CHARTS = 8, 6


def region_comparisons(data, rows, adcode: str, limit: int) -> list[dict]:
    """The comparison charts of a region's indicators that set the region beside another
    one (a chart of other plans' periods, without this region, says nothing about it),
    at most ``limit``."""
    charts = []
    for indicator in dict.fromkeys(rows["indicator_id"]):
        if data.rows.loc[data.rows["indicator_id"] == indicator, "region_adcode"].nunique() < 2:
            continue
        for spec in comparison(data.rows, indicator, data.indicators):
            members = {r["adcode"] for r in spec["regions"]}
            if adcode in members and len(members) > 1:
                charts.append(spec)
        if len(charts) >= limit:
            break
    return charts[:limit]


@bp.get("/regions/<adcode>")
def region(adcode: str):
    ctx = region_context(adcode)
    data, rows = ctx["data"], ctx["rows"]
    counts = rows["status"].value_counts().to_dict()
    chosen = _chosen_status()
    shown = rows[rows["status"] == chosen] if chosen else rows
    level = data.region_levels.get(adcode, "")
    charts = region_comparisons(data, rows, adcode, PAGE_CHARTS)
    return render_template(
        "monitor/region.html", adcode=adcode, name=ctx["name"], chapters=_chapters(shown),
        progress=progress_spec(rows, "各指标完成率与时序进度（%）"), charts=charts,
        chips=_status_chips(counts), chosen=chosen, shown_total=len(shown),
        entities=_entities(adcode, level),
        tasks=_tasks_of(adcode, level), map_adcode=_map_adcode(adcode, data),
        lineages=_lineage_links(rows),
        actuals=_actual_records(ctx), indicator_names=data.indicators["name"].to_dict(),
        echarts=echarts_url(), total=len(rows),
        served=tasks_by_target(), tasks_url=tasks_url, **_report_plans(data.registry, adcode))


def _actual_records(ctx: dict) -> list[dict]:
    """The region's imported actuals, then its zones', each with ``holder``: the region's
    or the zone's name."""
    zones = dict(zip(*[services().catalog.frame("entities")[c] for c in ("id", "name")]))
    out = [{**a, "holder": ctx["name"]} for a in ctx["actuals"].sort_values(
        ["indicator_id", "year"]).to_dict("records")]
    out += [{**a, "holder": zones.get(a["entity_id"], a["entity_id"])}
            for a in ctx["zone_actuals"].sort_values(
                ["entity_id", "indicator_id", "year"]).to_dict("records")]
    return [{**a, "shown": format_value(a["value"], a["unit"] or "")} for a in out]


def _report_plans(registry: dict, adcode: str) -> dict:
    """The plan a region's report evaluates by default and its other plans with targets."""
    plan = report_plan(registry, adcode)
    others = [p for p in registry.values() if p.region_adcode == adcode and p is not plan
              and "targets" in p.contains]
    return {"report_plan": plan, "other_plans": others}


def region_pages() -> frozenset[str]:
    """Adcodes whose region page has something of its own: the plan registry's regions
    and every region with targets or imported actuals (map popups link to them); every
    other known region has a page too, with its map."""
    data = monitor_data()
    if data.pages is None:  # once per targets frame, which an import or rollback replaces
        actuals = services().catalog.frame("imported-metrics")
        data.pages = frozenset((set(region_order(data.registry))
                                | set(data.rows["region_adcode"])
                                | set(actuals["region_adcode"])) & set(data.region_names))
    return data.pages


def progress_map_args(adcode: str, rows) -> tuple[str, dict] | None:
    """The progress map of a region's headline indicator: its province by cities (a
    city's own map has only counties, which hold no city targets)."""
    indicator = headline_indicator(rows, monitor_data().rows)
    if indicator is None:
        return None
    return adcode[:2] + "0000", {"indicator": indicator, "kind": progress.KIND,
                                 "level": "city"}


def _map_png(adcode: str, rows) -> bytes | None:
    """The report's map, the region's own: a province's traffic-light progress map of its
    headline indicator by cities (the same drawing as /export/<province>.png?kind=progress);
    a city's (or a county's city's) map with its counties and numbered carriers."""
    data = monitor_data()
    if data.region_levels.get(adcode) == "province":
        found = progress_map_args(adcode, rows)
        if found is None:
            return None
        map_id, args = found
    else:
        map_id, args = _map_adcode(adcode, data), {}
    try:
        req = parse_export(map_id, "png", {"dpi": "150", "size": "A4",
                                           "orientation": "landscape", **args})
        return export_file(current_app, req)[0]
    except MapError:  # the headline indicator has no values on that map
        return None


NOTHING_TO_REPORT = ("尚无已收录的规划目标，无法生成评估报告；"
                     "在“导入规划”中发布本地区的规划后即可生成。")


def _report_context(adcode: str) -> dict:
    """The region context narrowed to the plan its report evaluates (``?plan=<id>``, else
    its current five-year plan): only that plan's targets are counted."""
    ctx = region_context(adcode)
    try:
        plan = report_plan(ctx["data"].registry, adcode, request.args.get("plan", "").strip())
    except ValueError as exc:
        raise InvalidParameter(str(exc)) from None
    rows = ctx["rows"]
    if plan is not None:
        rows = rows[rows["plan_id"] == plan.id]
    if rows.empty:
        raise NotFound(f"{ctx['name']}{NOTHING_TO_REPORT}")
    at = [_chapter_position(p, c) for p, c in zip(rows["plan_id"], rows["chapter"])]
    rows = rows.assign(_at=at).sort_values("_at", kind="stable").drop(columns="_at")
    rows = rows.reset_index(drop=True)
    return {**ctx, "plan": plan, "rows": rows,
            "facts": report_facts(ctx["name"], plan, rows, ctx["actuals"])}


def _key(kind: str, ctx: dict) -> tuple:
    """A report's build key: its format, region, plan and day (the cover's date)."""
    plan = ctx["plan"].id if ctx["plan"] else ""
    return (kind, ctx["adcode"], plan, date.today())


def _xlsx_bytes(ctx: dict) -> bytes:
    from monitor.report_xlsx import report_xlsx as report_xlsx_bytes  # openpyxl: on demand

    names = ctx["data"].indicators["name"].to_dict()
    return report_xlsx_bytes(ctx["facts"], ctx["actuals"].drop(columns="geometry"), names)


def _docx_bytes(ctx: dict) -> bytes:
    """The DOCX of a region's report (a chart and the map drawn by matplotlib)."""
    from monitor.report import progress_png  # matplotlib and python-docx: at the first report
    from monitor.report_docx import report_docx as report_docx_bytes

    rows = ctx["rows"]
    cells = [display_record(r) for r in rows.to_dict("records")]
    return report_docx_bytes(ctx["facts"], rows, cells, progress_png(rows, find_cjk_font()),
                             _map_png(ctx["adcode"], rows))


def _report_bytes(ctx: dict) -> bytes:
    """The PDF of a region (seconds of matplotlib)."""
    from monitor.report import report_pdf  # matplotlib: imported at the first report

    adcode, data, rows = ctx["adcode"], ctx["data"], ctx["rows"]
    charts = region_comparisons(data, rows, adcode, REPORT_CHARTS)
    return report_pdf(ctx["facts"], display_frame(rows), rows, charts, find_cjk_font(),
                      map_image=_map_png(adcode, rows))


#: Each report format's MIME type and disposition (the PDF opens in the browser, the
#: Word and Excel files download).
REPORT_FORMATS = {
    "xlsx": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "attachment"),
    "docx": ("application/vnd.openxmlformats-officedocument.wordprocessingml.document",
             "attachment"),
    "pdf": ("application/pdf", "inline"),
}


def _report_response(adcode: str, fmt: str, make) -> Response:
    """A region's report in ``fmt``: ``make(ctx)`` builds it, once per data state and day
    (``web.builds``)."""
    ctx = _report_context(adcode)
    mimetype, disposition = REPORT_FORMATS[fmt]
    body = builds().get(_key(f"report.{fmt}", ctx), services().catalog, lambda: make(ctx))
    return Response(body, mimetype=mimetype, headers={
        **REPORT_HEADERS, "Content-Disposition": f"{disposition}; filename=report-{adcode}.{fmt}"})


@bp.get("/regions/<adcode>/report.xlsx")
def report_xlsx(adcode: str):
    return _report_response(adcode, "xlsx", _xlsx_bytes)


@bp.get("/regions/<adcode>/report.docx")
def report_docx(adcode: str):
    return _report_response(adcode, "docx", _docx_bytes)


@bp.get("/regions/<adcode>/report.pdf")
def report(adcode: str):
    return _report_response(adcode, "pdf", _report_bytes)


def _lineage(adcode: str, indicator_id: str) -> dict:
    """The lineage spec of a region's indicator; NotFound when it has no point."""
    ctx = region_context(adcode)
    data = ctx["data"]
    if indicator_id not in data.indicators.index:
        raise NotFound(f"未知的指标“{indicator_id}”")
    actuals = services().catalog.frame("imported-metrics")
    spec = lineage(data.frame, regional_rows(actuals) if len(actuals) else actuals, data.registry,
                   adcode, indicator_id, data.indicators.loc[indicator_id, "name"])
    if not spec["points"]:
        raise NotFound(f"{ctx['name']}没有“{spec['title']}”的规划值或实际值")
    return {**spec, "region_name": ctx["name"]}


@bp.get("/regions/<adcode>/lineage/<indicator_id>.json")
def lineage_json(adcode: str, indicator_id: str):
    """The lineage as JSON: the same spec the page's chart draws."""
    return jsonify(_lineage(adcode, indicator_id))


@bp.get("/regions/<adcode>/lineage/<indicator_id>")
def lineage_page(adcode: str, indicator_id: str):
    spec = _lineage(adcode, indicator_id)
    return render_template("monitor/lineage.html", spec=spec, adcode=adcode,
                           echarts=echarts_url())

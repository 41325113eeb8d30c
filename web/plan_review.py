"""Reviewing an uploaded plan: upload → one page per plan → accept, edit, reject, merge, add.

Pages under ``/admin/plans`` (signed in; every POST carries the CSRF token, as
every admin page). The upload is read by ``ingest.plans.reading`` and extracted by
``ingest.plans.extract``; a refused file is a 400 with the reason and nothing is
stored. Candidates live in ``store.plans`` with a version each: a change made on
an old version is a 409 saying who changed it. Publishing is ``web.plan_publish``.
"""

from __future__ import annotations

import hashlib

from flask import Blueprint, current_app, g, jsonify, redirect, render_template, request, url_for
from shapely.geometry import Point

from ingest.plans.errors import PlanReadingError
from ingest.plans.formats import MAX_FILE_BYTES
from layers.entities import read_entity_types, read_precision_grades
from layers.kb import read_csv
from store import StoreError, VersionNotFound
from store.plans import GROUPS, PlanStore, StaleCandidate
from web.admin import page_user
from web.assets import vendor_url
from web.errors import Conflict, InvalidParameter, NotFound
from web.plan_review_page import (
    ACTION_LABELS,
    GROUP_LABELS,
    STATUS_LABELS,
    pages,
    paragraphs,
    pending_by_section,
    progress,
    summary,
    with_segments,
)
from web.services import services

bp = Blueprint("plan_review", __name__)
EXTENSION = "innomap.plan_review"
MAX_QUOTE_CHARS = 2000
MAX_CHANGES = 1000
EDITABLE = {"targets": ("indicator", "indicator_id", "new_indicator", "value", "value_max", "unit",
                        "year", "kind", "qualifier", "region_adcode"),
            "entities": ("name", "type", "precision", "lon", "lat"),
            "tasks": ("task", "lead", "partners", "q1", "q2", "q3", "q4", "indicator_id"),
            "partnerships": ("partner", "kind", "type", "location", "precision", "lon", "lat")}
PLAN_FIELDS = ("title", "issuer", "doc_number", "date", "region_adcode", "kind", "period_start",
               "period_end")


@bp.record_once
def _setup(state) -> None:
    from web.admin import EXTENSION as IMPORTS

    app = state.app
    app.extensions[EXTENSION] = PlanStore(app.extensions[IMPORTS].store)
    services(app).add_link("导入数据", "上传规划文件并审核发布（需登录）", "/admin/plans/")


def plan_store() -> PlanStore:
    return current_app.extensions[EXTENSION]


@bp.post("/admin/plans/upload")
def upload():
    from ingest.plans.extract import extract
    from ingest.plans.reading import read_document

    upload_file = request.files.get("file")
    if upload_file is None or not upload_file.filename:
        raise InvalidParameter("请选择要上传的规划文件（表单字段 file）")
    data = upload_file.read(MAX_FILE_BYTES + 1)
    try:
        reading = read_document(data)
    except PlanReadingError as exc:
        raise InvalidParameter(f"规划文件无法读取：{exc.message}") from None
    extraction = extract(reading, services().settings.data_dir)
    sha = hashlib.sha256(data).hexdigest()
    draft = plan_store().add_draft(f"{sha[:12]}-{_serial()}", user=g.user,
                                   filename=upload_file.filename[:200], sha256=sha,
                                   fmt=reading.format, text=reading.text, extraction=extraction)
    return redirect(url_for("plan_review.review", draft_id=draft.id), code=303)


def _serial() -> str:
    import secrets

    return secrets.token_hex(4)


@bp.get("/admin/plans/<draft_id>")
def review(draft_id: str):
    user = page_user()
    draft = _draft(draft_id)
    candidates = plan_store().candidates(draft_id)
    paras = paragraphs(draft.text, candidates)
    spans = pages(paras)
    options = _options()
    names = _labels(options)
    page = _page_number(len(spans))
    first, last = spans[page - 1]
    shown = with_segments(draft.text, paras[first:last], candidates)
    return render_template(
        "admin/plan_review.html", user=user, draft=draft, paragraphs=shown,
        page=page, page_count=len(spans), progress=progress(candidates),
        audit=plan_store().audit(draft_id, 50), groups=GROUP_LABELS, statuses=STATUS_LABELS,
        actions=ACTION_LABELS,
        summary=lambda c: summary(c, names), options=options,
        region_geojson=_region_geojson(draft.plan),
        by_cid={c.cid: c.as_dict() for p in shown for c in p.candidates},
        sections={section: pending for section, pending in pending_by_section(paras).items()
                  if any(p.section == section for p in shown)},
        leaflet_js=vendor_url("leaflet", "leaflet.js"),
        leaflet_css=vendor_url("leaflet", "leaflet.css"))


def _page_number(count: int) -> int:
    try:
        page = int(request.args.get("page", "1"))
    except ValueError:
        raise InvalidParameter("page 应为正整数") from None
    if not 1 <= page <= count:
        raise InvalidParameter(f"page 应在 1 与 {count} 之间")
    return page


def _draft(draft_id: str):
    try:
        return plan_store().draft(draft_id)
    except VersionNotFound as exc:
        raise NotFound(str(exc)) from None


def _options() -> dict:
    """Indicators (for suggestions), entity types and precision grades of the knowledge base."""
    data_dir = services().settings.data_dir
    indicators = read_csv(data_dir / "kb" / "indicators.csv", ["id", "name", "variants", "unit"])
    return {"indicators": indicators[["id", "name", "variants", "unit"]].to_dict("records"),
            "types": read_entity_types(data_dir)[["id", "label"]].to_dict("records"),
            "grades": read_precision_grades(data_dir)[["id", "label"]].to_dict("records")}


def _labels(options: dict) -> dict:
    """What ``summary`` names ids by: indicator names and entity type labels."""
    return {"indicators": {i["id"]: i["name"] for i in options["indicators"]},
            "types": {t["id"]: t["label"] for t in options["types"]}}


def _region_geojson(plan: dict) -> dict | None:
    """The counties of the plan's region (WGS84), drawn under the markers; None if unknown."""
    region = str(plan.get("region_adcode") or "")
    boundaries = services().maps.boundaries
    unit = boundaries.unit(region) if len(region) == 6 else None
    if unit is None:
        return None
    counties = boundaries.frame("fine", provinces=[unit["province_adcode"]], levels=["county"])
    level_column = {"province": "province_adcode", "city": "city_adcode"}.get(unit["level"],
                                                                             "adcode")
    own = counties[counties[level_column] == region]
    return own[["adcode", "name", "geometry"]].__geo_interface__ if len(own) else None


def county_at(lon: float, lat: float) -> str | None:
    """The adcode of the county of the country holding (lon, lat) in WGS84, or None."""
    counties = services().maps.boundaries.frame("full", box=(lon, lat, lon, lat),
                                                levels=["county"])
    hits = counties[counties.intersects(Point(lon, lat))]
    return str(hits.iloc[0]["adcode"]) if len(hits) else None


@bp.post("/admin/plans/<draft_id>/changes")
def change(draft_id: str):
    """JSON {changes: [{cid, version, status?, data?, merged_into?}]}: all or none."""
    _draft(draft_id)
    body = request.get_json(silent=True)
    changes = body.get("changes") if isinstance(body, dict) else None
    if not isinstance(changes, list) or not 0 < len(changes) <= MAX_CHANGES:
        raise InvalidParameter(f"changes 应为 1 至 {MAX_CHANGES} 条修改的列表")
    current = {c.cid: c for c in plan_store().candidates(draft_id)}
    checked = [_checked_change(draft_id, item, current) for item in changes]
    try:
        done = plan_store().change(draft_id, checked, g.user)
    except StaleCandidate as exc:
        raise Conflict(str(exc)) from None
    except VersionNotFound as exc:
        raise NotFound(str(exc)) from None
    except StoreError as exc:
        raise InvalidParameter(str(exc)) from None
    names = _labels(_options())
    return jsonify({"candidates": [{**c.as_dict(), "summary": summary(c, names)} for c in done],
                    "progress": progress(plan_store().candidates(draft_id))})


@bp.post("/admin/plans/<draft_id>/sections/accept")
def accept_section(draft_id: str):
    """JSON {section, versions: {cid: version}}: accept every pending candidate of a
    section, on every page, in one change (all or none). ``versions`` are those the
    reviewer's page was given; a candidate changed since, or one pending now that the
    page did not know, is a 409."""
    draft = _draft(draft_id)
    body = request.get_json(silent=True)
    section = body.get("section") if isinstance(body, dict) else None
    seen = body.get("versions") if isinstance(body, dict) else None
    if not isinstance(section, str) or not isinstance(seen, dict) or not seen \
            or len(seen) > MAX_CHANGES:
        raise InvalidParameter(f"应给出 section（节名）与 versions（本节 1 至 {MAX_CHANGES} "
                               "条待审候选的版本）")
    try:
        seen = {int(cid): int(version) for cid, version in seen.items()}
    except (TypeError, ValueError):
        raise InvalidParameter("versions 应为 {候选编号: 版本号}") from None
    candidates = plan_store().candidates(draft_id)
    paras = paragraphs(draft.text, candidates)
    inside = {c.cid for p in paras if p.section == section for c in p.candidates}
    if set(seen) - inside:
        raise InvalidParameter(f"候选 {sorted(set(seen) - inside)[:5]} 不在本节")
    unseen = set(pending_by_section(paras).get(section, {})) - set(seen)
    if unseen:
        raise Conflict(f"本节有页面未显示的待审候选 {sorted(unseen)[:5]}，请刷新后再接受本节")
    detail = f"接受本节“{section or '正文开头'}”"
    changes = [{"cid": cid, "version": version, "status": "accepted",
                "action": "accept_section", "detail": detail} for cid, version in seen.items()]
    try:
        done = plan_store().change(draft_id, changes, g.user)
    except StaleCandidate as exc:
        raise Conflict(str(exc)) from None
    names = _labels(_options())
    return jsonify({"candidates": [{**c.as_dict(), "summary": summary(c, names)} for c in done],
                    "progress": progress(plan_store().candidates(draft_id))})


def _checked_change(draft_id: str, item, current: dict) -> dict:
    """One change, with only the fields a reviewer may edit and the county of a new site."""
    if not isinstance(item, dict) or not isinstance(item.get("cid"), int) \
            or not isinstance(item.get("version"), int):
        raise InvalidParameter("每条修改需有整数 cid 与 version")
    cand = current.get(item["cid"])
    if cand is None:
        raise NotFound(f"候选 {item['cid']} 不存在")
    out = {"cid": item["cid"], "version": item["version"], "status": item.get("status")}
    data = dict(cand.data)
    edits = item.get("data") or {}
    if not isinstance(edits, dict):
        raise InvalidParameter("data 应为对象")
    for key, value in edits.items():
        if key not in EDITABLE[cand.group]:
            raise InvalidParameter(f"{GROUP_LABELS[cand.group]}候选不能修改字段 {key!r}")
        data[key] = value
    if cand.group == "entities" and {"lon", "lat"} & set(edits):
        lon, lat = _coordinate(data.get("lon"), -180, 180), _coordinate(data.get("lat"), -90, 90)
        county = county_at(lon, lat)
        if county is None:
            raise InvalidParameter(f"位置（{lon:.5f}，{lat:.5f}）不在任何已载入的区县内")
        data.update(lon=round(lon, 6), lat=round(lat, 6), county_adcode=county)
    elif cand.group == "partnerships" and {"lon", "lat"} & set(edits):
        # A partner lies outside the plan's region, often outside the boundary data.
        data.update(lon=round(_coordinate(data.get("lon"), -180, 180), 6),
                    lat=round(_coordinate(data.get("lat"), -90, 90), 6))
    if item.get("status") == "merged":
        into = item.get("merged_into")
        target = current.get(into) if isinstance(into, int) else None
        if target is None or target.group != cand.group or into == cand.cid:
            raise InvalidParameter("合并需指定同一类别的另一条候选（merged_into）")
        data["merged_into"] = into
    out["data"] = data if (edits or "merged_into" in data) else None
    out["action"] = "edit" if edits and not item.get("status") else item.get("status")
    return out


def _coordinate(value, low: float, high: float) -> float:
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise InvalidParameter(f"坐标应为数字，收到 {value!r}") from None
    if not low <= number <= high:
        raise InvalidParameter(f"坐标 {number} 超出范围 [{low}, {high}]")
    return number


@bp.post("/admin/plans/<draft_id>/add")
def add(draft_id: str):
    """JSON {group, start, end, quote, data}: a candidate from a selection of the text;
    the quote must be exactly ``text[start:end]``."""
    draft = _draft(draft_id)
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        raise InvalidParameter("请求体应为 JSON 对象")
    group, start, end = body.get("group"), body.get("start"), body.get("end")
    if group not in GROUPS:
        raise InvalidParameter(f"group 应为 {'、'.join(GROUPS)} 之一")
    if not (isinstance(start, int) and isinstance(end, int) and 0 <= start < end
            <= len(draft.text) and end - start <= MAX_QUOTE_CHARS):
        raise InvalidParameter(f"start/end 应为原文中的位置（至多 {MAX_QUOTE_CHARS} 字）")
    quote = draft.text[start:end]
    if body.get("quote") != quote:
        raise InvalidParameter("所选文字与原文在该位置的文字不一致")
    fields = body.get("data") or {}
    if not isinstance(fields, dict):
        raise InvalidParameter("data 应为对象")
    data = {k: v for k, v in fields.items() if k in EDITABLE[group]}
    from ingest.plans.structure import Sections

    data.update(quote=quote, start=start, end=end, section=Sections(draft.text).at(start),
                source="reviewer")
    if group == "entities" and data.get("lon") is not None:
        data["county_adcode"] = county_at(_coordinate(data["lon"], -180, 180),
                                          _coordinate(data.get("lat"), -90, 90))
    cand = plan_store().add_candidate(draft_id, group, data, g.user)
    return jsonify({"candidate": cand.as_dict(),
                    "progress": progress(plan_store().candidates(draft_id))}), 201


@bp.post("/admin/plans/<draft_id>/plan")
def edit_plan(draft_id: str):
    """JSON {version, plan: {title, region_adcode, kind, period_start, period_end, …}}."""
    draft = _draft(draft_id)
    body = request.get_json(silent=True) or {}
    if not isinstance(body.get("plan"), dict):
        raise InvalidParameter("plan 应为对象")
    plan = {**draft.plan, **{k: v for k, v in (body.get("plan") or {}).items()
                             if k in PLAN_FIELDS}}
    if not isinstance(body.get("version"), int):
        raise InvalidParameter("version 应为整数（规划信息的当前版本）")
    try:
        draft = plan_store().update_plan(draft_id, plan, body["version"], g.user)
    except StaleCandidate as exc:
        raise Conflict(str(exc)) from None
    return jsonify({"plan": draft.plan, "version": draft.plan_version})

"""A reviewed plan as knowledge-base rows, and the knowledge base with published plans.

``payload(plan, text, candidates, data_dir)`` turns the accepted candidates of a
reviewed plan into what the curated plans are made of: a registry record (the
shape of ``data/plans/plans.json``), its reading text and rows shaped like
``data/kb/targets.csv``, ``entities.csv``, ``indicators.csv`` (an indicator a
reviewer created), ``partners.csv`` and ``partnerships.csv``, and its task table as a
task file of its own (``ingest.plans.publish_links``). ``knowledge_dir(base, out,
payloads)`` writes a data directory that is ``base`` plus those payloads — the same
files, read by the same code, the records in ``plans/published.json`` — so every
layer, page and the API serve a published plan exactly as a curated one.
``PublishRefused`` says (in Chinese) why a reviewed set cannot be published.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import os
import shutil
from pathlib import Path

from ingest.plans.publish_links import (
    PARTNER_FILE,
    PARTNERSHIP_FILE,
    partner_rows,
    task_rows,
    tasks_file,
)
from layers.kb import KB_DIR, read_csv
from layers.plans_registry import PLAN_KINDS, PUBLISHED_FILE
from layers.tasks import COLUMNS as TASK_COLUMNS

PLANS_DIR = "plans"
TARGET_FILE, ENTITY_FILE, INDICATOR_FILE = "targets.csv", "entities.csv", "indicators.csv"
KB_FILES = (TARGET_FILE, ENTITY_FILE, INDICATOR_FILE, PARTNER_FILE, PARTNERSHIP_FILE)
# What a record "contains", by the rows that say it.
CONTENT_ROWS = (("targets", TARGET_FILE), ("entities", ENTITY_FILE),
                ("partnerships", PARTNERSHIP_FILE))
NOTE = "上传规划经审核发布"


class PublishRefused(ValueError):
    """The reviewed set cannot be published; ``problems`` name each reason."""

    def __init__(self, problems: list[str]):
        self.problems = problems
        super().__init__("；".join(problems))


def plan_id_of(text: str) -> str:
    """The id of an uploaded plan: ``up_`` and a digest of its reading text."""
    return "up_" + hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


def plan_record(plan: dict, plan_id: str, contains: list[str]) -> dict:
    """The registry record of a reviewed plan (with its task file when ``contains`` lists
    tasks); PublishRefused naming missing fields."""
    problems = []
    region = str(plan.get("region_adcode") or "")
    if not (len(region) == 6 and region.isdigit()):
        problems.append("规划所属地区（6 位行政区划代码）未确定")
    if not plan.get("title"):
        problems.append("规划标题为空")
    if plan.get("kind") not in PLAN_KINDS:
        problems.append(f"规划类型须为 {'、'.join(PLAN_KINDS)} 之一")
    start, end = _year(plan.get("period_start")), _year(plan.get("period_end"))
    if start is None or end is None or start > end:
        problems.append("规划期（起止年份）未确定")
    if problems:
        raise PublishRefused(problems)
    return {"id": plan_id, "title": plan["title"], "issuer": plan.get("issuer") or None,
            "doc_number": plan.get("doc_number") or None, "date": plan.get("date") or None,
            "region_adcode": region, "kind": plan["kind"],
            "period": {"start_year": start, "end_year": end}, "contains": contains,
            **({"tasks": {"file": tasks_file(plan_id)}} if "tasks" in contains else {}),
            "unwrap": False, "note": NOTE}


def payload(plan: dict, text: str, candidates: list[dict], data_dir: Path) -> dict:
    """Registry record, reading text and rows of the accepted ``candidates``.

    ``candidates`` are dicts with ``cid``, ``group``, ``status`` and ``data`` (a
    candidate of the extraction schema). Only ``accepted`` ones become rows.
    """
    plan_id = plan_id_of(text)
    accepted = [c for c in candidates if c["status"] == "accepted"]
    indicators = read_csv(Path(data_dir) / KB_DIR / INDICATOR_FILE, ["id", "name", "unit"])
    units = dict(zip(indicators["id"], indicators["unit"], strict=True))
    problems: list[str] = []
    new_indicators = _new_indicators(accepted, units, problems)
    region = str(plan.get("region_adcode") or "")
    targets = _target_rows(plan_id, region, accepted, units, problems)
    entities = _entity_rows(plan_id, accepted, problems)
    tasks = task_rows(plan_id, region, accepted, problems)
    partners, links = partner_rows(plan_id, region, accepted, data_dir, problems)
    for cid, quote in ((c["cid"], c["data"].get("quote") or "") for c in accepted):
        if not quote or quote not in text:
            problems.append(f"候选 {cid} 的引文不是原文的原样片段")
    rows = {TARGET_FILE: targets, ENTITY_FILE: entities, INDICATOR_FILE: new_indicators,
            PARTNER_FILE: partners, PARTNERSHIP_FILE: links}
    contains = [name for name, file in CONTENT_ROWS if rows[file]] + (["tasks"] if tasks else [])
    try:
        record = plan_record(plan, plan_id, contains)
    except PublishRefused as exc:
        problems = exc.problems + problems
    if problems:
        raise PublishRefused(problems)
    return {"record": record, "text": text, "rows": rows, "tasks": tasks}


def _year(value) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _new_indicators(accepted, units: dict, problems: list[str]) -> list[dict]:
    """Indicators reviewers created (``new_indicator`` {name, unit}), once each; ``units``
    learns them so targets may use them."""
    rows = []
    for cand in accepted:
        new = cand["data"].get("new_indicator") if cand["group"] == "targets" else None
        if not new:
            continue
        if not isinstance(new, dict):
            problems.append(f"候选 {cand['cid']}：新建指标应给出名称与单位")
            continue
        name, unit = str(new.get("name") or "").strip(), str(new.get("unit") or "").strip()
        if not name:
            problems.append(f"候选 {cand['cid']}：新建指标缺少名称")
            continue
        ind_id = "up_" + hashlib.sha256(f"{name}|{unit}".encode()).hexdigest()[:12]
        cand["data"] = {**cand["data"], "indicator_id": ind_id}
        if ind_id not in units:
            units[ind_id] = unit
            rows.append({"id": ind_id, "name": name, "variants": name, "unit": unit,
                         "higher_is_better": "true", "scope": "全域", "population": "",
                         "measure": new.get("measure") or "stock"})
    return rows


def _target_rows(plan_id, region, accepted, units, problems) -> list[dict]:
    rows, primary = [], {}
    for cand in (c for c in accepted if c["group"] == "targets"):
        data, cid = cand["data"], cand["cid"]
        ind = data.get("indicator_id")
        if ind not in units:
            problems.append(f"候选 {cid}（{data.get('indicator')}）：请选择已有指标或新建指标")
            continue
        if (data.get("unit") or "") != units[ind]:
            problems.append(f"候选 {cid}：单位 {data.get('unit')} 与指标单位 {units[ind]} 不一致")
            continue
        if _year(data.get("year")) is None or not _is_number(data.get("value")) \
                or not (data.get("value_max") in (None, "") or _is_number(data["value_max"])):
            problems.append(f"候选 {cid}：年份或数值缺失或不是数字")
            continue
        row = {"id": f"{plan_id}-t{cid}", "region_adcode": data.get("region_adcode") or region,
               "entity_id": "", "subject": "", "indicator_id": ind,
               "year": str(_year(data["year"])),
               "value": _num(data["value"]), "value_max": _num(data.get("value_max")),
               "value_text": _value_text(data), "qualifier": data.get("qualifier") or "",
               "kind": data.get("kind") or "target", "unit": units[ind],
               "source": data.get("source") or "text", "plan_id": plan_id,
               "section": data.get("section") or "", "quote": data["quote"], "note": NOTE,
               "restates": ""}
        key = (row["region_adcode"], ind, row["year"], row["kind"])
        first = primary.setdefault(key, row)
        if first is not row:
            if (first["value"], first["value_max"]) != (row["value"], row["value_max"]):
                problems.append(f"候选 {cid}：与同一指标、年份的另一条目标数值不同")
                continue
            row["restates"] = first["id"]
        rows.append(row)
    return rows


def _entity_rows(plan_id, accepted, problems) -> list[dict]:
    rows = []
    for cand in (c for c in accepted if c["group"] == "entities"):
        data, cid = cand["data"], cand["cid"]
        county = str(data.get("county_adcode") or "")
        if not (_is_number(data.get("lon")) and _is_number(data.get("lat"))) or len(county) != 6:
            problems.append(f"候选 {cid}（{data.get('name')}）：请在地图上定位并确定所在区县")
            continue
        if not data.get("precision"):
            problems.append(f"候选 {cid}（{data.get('name')}）：请选择定位精度")
            continue
        rows.append({"id": f"{plan_id}-e{cid}", "name": data.get("name") or "", "aliases": "",
                     "type": data.get("type") or "", "parent_id": "",
                     "province_adcode": county[:2] + "0000", "city_adcode": county[:4] + "00",
                     "county_adcode": county, "precision": data["precision"],
                     "wkt": f"POINT ({float(data['lon']):.6f} {float(data['lat']):.6f})",
                     "plan_id": plan_id, "section": data.get("section") or "",
                     "quote": data["quote"], "note": NOTE, "_parent": data.get("parent") or ""})
    return _with_parents(rows)


def _with_parents(rows: list[dict]) -> list[dict]:
    """Each row's ``parent_id``: the published entity its candidate names as parent (a
    corridor's 一道, a 一区多园's park, a university's institute), when one of this
    publication's entities is called so; otherwise none (never a guess)."""
    ids = {}
    for row in rows:
        ids.setdefault(row["name"], row["id"])
    for row in rows:
        parent = ids.get(row.pop("_parent"), "")
        row["parent_id"] = parent if parent != row["id"] else ""
    return rows


def _is_number(value) -> bool:
    try:
        return value is not None and not isinstance(value, bool) and float(value) == float(value)
    except (TypeError, ValueError):
        return False


def _num(value) -> str:
    if value is None or value == "":
        return ""
    number = float(value)
    return str(int(number)) if number.is_integer() else repr(number)


def _value_text(data: dict) -> str:
    low, high = _num(data.get("value")), _num(data.get("value_max"))
    quote = data.get("quote") or ""
    text = f"{low}-{high}" if high else low
    return text if text in quote or not high else low


# -- the knowledge base with published plans ------------------------------------------------

def checked_catalog(base: Path, out: Path, payloads: list[dict], options: dict,
                    extra_layers=()):
    """The catalog of ``base`` plus ``payloads`` (written to ``out``), loaded by the same
    code as the curated plans; PublishRefused with the reason when it does not load."""
    from layers import LayerError, load_catalog

    data_dir = knowledge_dir(base, out, payloads) if payloads else Path(base)
    try:
        return load_catalog(data_dir, options=options, extra_layers=extra_layers)
    except LayerError as exc:
        raise PublishRefused([f"知识库无法载入：{exc}"]) from None


def reviewed_candidates(extraction: dict, text: str) -> list[dict]:
    """The candidates of a reviewed extract JSON (each with ``status`` accepted, rejected
    or absent = pending), numbered as a draft numbers them; PublishRefused when a quote
    is not ``text[start:end]`` (the review belongs to another document)."""
    out, problems = [], []
    for group in ("targets", "entities", "tasks", "partnerships"):
        for data in extraction.get(group) or ():
            cid = len(out) + 1
            start, end = data.get("start"), data.get("end")
            if not (isinstance(start, int) and isinstance(end, int)
                    and text[start:end] == data.get("quote")):
                problems.append(f"候选 {cid}（{group}）的引文与文档在该位置的文字不一致")
            status = data.get("status") or "pending"
            if status not in ("accepted", "rejected", "pending"):
                problems.append(f"候选 {cid} 的 status 应为 accepted 或 rejected")
            out.append({"cid": cid, "group": group, "status": status,
                        "data": {k: v for k, v in data.items() if k != "status"}})
    if problems:
        raise PublishRefused(problems)
    return out


def knowledge_dir(base: Path, out: Path, payloads: list[dict]) -> Path:
    """Write ``out``: the data directory ``base`` plus the published ``payloads``.

    Untouched files are links to ``base``; the knowledge-base files a payload
    adds rows to, each plan's task file, its text and ``plans/published.json`` (the
    payloads' registry records) are written. ``out`` is replaced whole (written
    beside it, then renamed).
    """
    base, out = Path(base).resolve(), Path(out)
    work = out.with_name(out.name + ".tmp")
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    for entry in base.iterdir():
        if entry.name not in (KB_DIR, PLANS_DIR):
            os.symlink(entry, work / entry.name)
    for folder in (KB_DIR, PLANS_DIR):
        (work / folder).mkdir()
        for entry in (base / folder).iterdir():
            os.symlink(entry, work / folder / entry.name)
    for name in KB_FILES:
        rows = [row for p in payloads for row in p["rows"].get(name, ())]
        if rows:
            _append_csv(base / KB_DIR / name, work / KB_DIR / name, rows)
    records = [p["record"] for p in payloads]
    published = work / PUBLISHED_FILE
    if published.is_symlink():
        published.unlink()
    published.write_text(json.dumps(records, ensure_ascii=False, indent=2), encoding="utf-8")
    for p in payloads:
        (work / PLANS_DIR / f"{p['record']['id']}.txt").write_text(p["text"], encoding="utf-8")
        if p.get("tasks"):
            _write_csv(work, p["record"]["tasks"]["file"], p["tasks"])
    shutil.rmtree(out, ignore_errors=True)
    os.replace(work, out)
    return out


def _replace(link: Path, text: str) -> None:
    link.unlink()
    link.write_text(text, encoding="utf-8")


def _write_csv(work: Path, name: str, rows: list[dict]) -> None:
    """A published plan's task file ``name`` (``kb/…``) in ``work``, never through a link
    to the curated data."""
    path = work / KB_DIR / Path(name).name
    if Path(name).parent != Path(KB_DIR):
        raise PublishRefused([f"任务表文件 {name!r} 不在知识库目录中"])
    if path.is_symlink():
        path.unlink()
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=list(TASK_COLUMNS), extrasaction="ignore",
                            restval="", lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    path.write_text(buffer.getvalue(), encoding="utf-8")


def _append_csv(source: Path, link: Path, rows: list[dict]) -> None:
    """``source`` with ``rows`` appended (in its columns), written over ``link``."""
    original = source.read_text(encoding="utf-8")
    columns = next(csv.reader(io.StringIO(original)))
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=columns, extrasaction="ignore", restval="",
                            lineterminator="\n")
    writer.writerows(rows)
    glue = "" if original.endswith("\n") else "\n"
    _replace(link, original + glue + buffer.getvalue())

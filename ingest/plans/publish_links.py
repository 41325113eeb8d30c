"""A reviewed plan's task table and partnerships as the curated knowledge base's rows.

``task_rows`` gives the rows of a task file shaped like the curated ones
(``layers.tasks.COLUMNS``: the file a registry record's ``tasks.file`` names), and
``partner_rows`` the rows of ``partners.csv`` (only for institutions the knowledge
base does not hold yet) and ``partnerships.csv``. Every reason a candidate cannot
become a row is appended to ``problems`` in Chinese, naming the candidate.
"""

from __future__ import annotations

from pathlib import Path

from layers.kb import KB_DIR, read_csv
from layers.partners import PARTNER_COLUMNS, PARTNERSHIP_KINDS
from layers.tasks import GOALS_GROUP, QUARTERS, split_units

PARTNER_FILE, PARTNERSHIP_FILE = "partners.csv", "partnerships.csv"


def tasks_file(plan_id: str) -> str:
    """Where a published plan's task table lives in the data directory (``kb/…``)."""
    return f"{KB_DIR}/tasks_{plan_id}.csv"


def task_rows(plan_id: str, region: str, accepted: list[dict], problems: list[str]) -> list:
    """The accepted task candidates as task-file rows, in the plan's order."""
    rows, numbers = [], set()
    for cand in (c for c in accepted if c["group"] == "tasks"):
        data, cid = cand["data"], cand["cid"]
        task = str(data.get("task") or "").strip()
        if not task:
            problems.append(f"候选 {cid}（任务）：任务内容为空")
            continue
        number = _number(data.get("no"))
        if number is None or number in numbers:
            number = max(numbers, default=0) + 1
        numbers.add(number)
        lead, partners = str(data.get("lead") or ""), str(data.get("partners") or "")
        group = str(data.get("group") or "")
        rows.append({"id": f"{plan_id}-k{cid}", "no": str(number),
                     "kind": "goal" if group == GOALS_GROUP else "key_task", "group": group,
                     "work": str(data.get("work") or ""), "task": task,
                     **{q: str(data.get(q) or "") for q in QUARTERS},
                     "lead": lead, "partners": partners,
                     "lead_units": "|".join(split_units(lead)),
                     "partner_units": "|".join(split_units(partners)),
                     "indicator_id": str(data.get("indicator_id") or ""),
                     "target_id": str(data.get("target_id") or ""),
                     "region_adcode": str(data.get("region_adcode") or region),
                     "plan_id": plan_id, "section": str(data.get("section") or ""),
                     "quote": data.get("quote") or ""})
    return rows


def _number(value) -> int | None:
    try:
        number = int(value)
    except (TypeError, ValueError):
        return None
    return number if number > 0 else None


def partner_rows(plan_id: str, region: str, accepted: list[dict], data_dir: Path,
                 problems: list[str]) -> tuple[list[dict], list[dict]]:
    """(new partners, partnerships) of the accepted partnership candidates.

    A partner the knowledge base holds (by name or alias) is cited by its id; another
    needs a place set by the reviewer (``lon``, ``lat``, ``precision``).
    """
    known = _known_partners(data_dir)
    partners: dict[str, dict] = {}
    links = []
    for cand in (c for c in accepted if c["group"] == "partnerships"):
        data, cid = cand["data"], cand["cid"]
        name = str(data.get("partner") or "").strip()
        if data.get("kind") not in PARTNERSHIP_KINDS:
            kinds = "、".join(PARTNERSHIP_KINDS)
            problems.append(f"候选 {cid}（{name}）：合作方式须为 {kinds} 之一")
            continue
        partner_id = known.get(name) or (partners[name]["id"] if name in partners else None)
        if partner_id is None:
            row = _new_partner(f"{plan_id}-p{cid}", name, data, cid, problems)
            if row is None:
                continue
            partners[name], partner_id = row, row["id"]
        quote = data.get("quote") or ""
        written = str(data.get("as_written") or "")
        if name not in quote and written and written in quote and name in partners \
                and written not in partners[name]["aliases"].split("|"):
            partners[name]["aliases"] = "|".join(filter(None, [partners[name]["aliases"],
                                                               written]))
        links.append({"id": f"{plan_id}-r{cid}", "partner_id": partner_id,
                      "region_adcode": str(data.get("region_adcode") or region),
                      "plan_id": plan_id, "section": str(data.get("section") or ""),
                      "quote": quote, "kind": data["kind"]})
    return list(partners.values()), links


def _known_partners(data_dir: Path) -> dict[str, str]:
    """Name or alias → id of every partner the knowledge base holds."""
    frame = read_csv(Path(data_dir) / KB_DIR / PARTNER_FILE, PARTNER_COLUMNS)
    out = {}
    for row in frame.itertuples():
        for name in [row.name, *filter(None, row.aliases.split("|"))]:
            out.setdefault(name, row.id)
    return out


def _new_partner(partner_id: str, name: str, data: dict, cid: int,
                 problems: list[str]) -> dict | None:
    """A partners.csv row for an institution placed by the reviewer; None (and a problem)
    when it has no name, no place or no precision grade."""
    try:
        lon, lat = float(data.get("lon")), float(data.get("lat"))
    except (TypeError, ValueError):
        lon = lat = None
    if not name or lon is None or not data.get("precision") or not data.get("type") \
            or lon != lon or lat != lat:
        problems.append(f"候选 {cid}（{name or '合作方'}）：知识库中没有该合作方，"
                        "请在地图上定位并选择定位精度")
        return None
    written = str(data.get("as_written") or "")
    return {"id": partner_id, "name": name, "aliases": written if written != name else "",
            "type": data.get("type") or "", "location": str(data.get("location") or ""),
            "country": "", "province_adcode": "", "city_adcode": "", "entity_id": "",
            "precision": data["precision"], "wkt": f"POINT ({lon:.6f} {lat:.6f})",
            "note": "上传规划经审核发布：位置由审核人在地图上确定"}

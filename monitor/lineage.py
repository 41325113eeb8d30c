"""One indicator of one region across plan periods: 十三五 outcome → 十四五 target and
actuals → 十五五 target, on one time axis, each point labelled with its plan.

The spec is plain data (the page's ECharts chart and the JSON API draw the same
one). Baselines and targets come from the ``targets`` layer frame (with its
``period_*`` columns and progress), actuals from the imported metrics. Where a
plan states no baseline of its own and the actual of the year before its period
is imported, that actual is the plan's baseline (a 十五五 plan's 2025 value).
"""

from __future__ import annotations

import math
from collections.abc import Mapping

import pandas as pd

from geo.speaking import regional_rows

KINDS = (("baseline", "基期值"), ("target", "目标值"), ("actual", "实际值"))


def _number(x):
    return None if x is None or (isinstance(x, float) and math.isnan(x)) or x is pd.NA \
        else float(x)


def _plain(x):
    return None if x is None or x is pd.NA or (isinstance(x, float) and math.isnan(x)) else x


def lineage(frame: pd.DataFrame, actuals: pd.DataFrame, plans: Mapping, region: str,
            indicator_id: str, indicator_name: str = "") -> dict:
    """The lineage spec of ``indicator_id`` in ``region``.

    ``frame`` the targets layer (baseline and target rows with ``period_start``,
    ``period_end``, ``period_label``, ``previous_period``); ``actuals`` rows of
    region_adcode, indicator_id, year, value, unit, source; ``plans`` plan id →
    ``layers.plans_registry.Plan``-like (``title``, ``period`` with ``label``,
    ``start_year``, ``end_year``, ``region_adcode``). Returns ``points`` sorted by
    year (each with kind, year, value, unit, plan_id, plan, period, label, quote,
    section, status), ``periods`` and ``series`` (ECharts ``[year, value]`` pairs).
    """
    rows = regional_rows(frame[(frame["region_adcode"] == region)
                               & (frame["indicator_id"] == indicator_id)])
    if "restates" in rows.columns:  # a figure stated twice is one point
        rows = rows[rows["restates"].fillna("") == ""]
    points = [_stated(row, plans) for row in rows.to_dict("records")]
    measured = actuals[(actuals["region_adcode"] == region)
                       & (actuals["indicator_id"] == indicator_id)]
    own = [p for p in plans.values() if p.region_adcode == region]
    points += [_actual(row, own) for row in measured.to_dict("records")]
    points += _default_baselines(points, own, measured)
    order = {kind: i for i, (kind, _) in enumerate(KINDS)}
    points.sort(key=lambda p: (p["year"], order[p["kind"]], p["plan_id"]))
    unit = next((p["unit"] for p in points if p["unit"]), "")
    return {
        "region_adcode": region, "indicator_id": indicator_id,
        "title": indicator_name or indicator_id, "unit": unit, "points": points,
        "periods": [{"label": p.period.label, "start_year": p.period.start_year,
                     "end_year": p.period.end_year, "plan_id": p.id, "plan": p.title}
                    for p in sorted(own, key=lambda p: p.period.start_year)],
        "series": [{"key": kind, "name": name,
                    "data": [[p["year"], p["value"], p["label"]] for p in points
                             if p["kind"] == kind]}
                   for kind, name in KINDS],
    }


def _stated(row: dict, plans: Mapping) -> dict:
    plan = plans.get(row["plan_id"])
    title = plan.title if plan else row["plan_id"]
    period = row.get("period_label") or ""
    previous = bool(row.get("previous_period"))
    if row["kind"] == "baseline":
        label = f"{period}末值（《{title}》所载基期值）" if previous else f"基期值（《{title}》）"
    else:
        label = f"{period}目标（《{title}》所载）" if previous else f"{period}目标（《{title}》）"
    return {"kind": row["kind"], "year": int(row["year"]), "value": _number(row["value"]),
            "unit": row.get("unit") or "", "plan_id": row["plan_id"], "plan": title,
            "period": period, "label": label, "quote": row.get("quote") or "",
            "section": row.get("section") or "", "status": _plain(row.get("status")) or "",
            "completion": _number(row.get("completion")),
            "time_progress": _number(row.get("time_progress"))}


def _actual(row: dict, own: list) -> dict:
    year = int(row["year"])
    period = next((p.period.label for p in own if p.period.holds(year)), "")
    return {"kind": "actual", "year": year, "value": _number(row["value"]),
            "unit": row.get("unit") or "", "plan_id": "", "plan": "", "period": period,
            "label": f"实际值（{row.get('source') or '导入'}）", "quote": "", "section": "",
            "status": "", "completion": None, "time_progress": None}


def _default_baselines(points: list[dict], own: list, measured: pd.DataFrame) -> list[dict]:
    """A plan without a stated baseline starts from the imported actual of the year
    before its period: that point, labelled as the plan's baseline."""
    out = []
    for plan in own:
        year = plan.period.baseline_year
        stated = any(p["kind"] == "baseline" and p["plan_id"] == plan.id for p in points)
        found = measured[measured["year"].astype(int) == year]
        if stated or found.empty or not any(p["plan_id"] == plan.id for p in points):
            continue
        value = float(found.iloc[-1]["value"])
        out.append({"kind": "baseline", "year": year, "value": value,
                    "unit": found.iloc[-1].get("unit") or "", "plan_id": plan.id,
                    "plan": plan.title, "period": plan.period.label,
                    "label": f"{plan.period.label}基期值（默认取{year}年导入的实际值）",
                    "quote": "", "section": "", "status": "", "completion": None,
                    "time_progress": None})
    return out

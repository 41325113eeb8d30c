"""One indicator across plans: which regions may share a chart axis, and the chart spec.

Two numbers go on one axis only when they measure the same thing at the same time:
the same indicator id, the same ``measure`` and ``scope`` (columns of
``data/kb/indicators.csv`` or of the target rows, when present), the same unit and
the same target year of the same plan period (the registry's periods: a province's
十三五 2020 target never stands beside the cities' 十四五 2025 targets). Rows that
differ form their own chart, never a shared axis. Every bar carries its year
(``labels``). Counts (a measure that is no ratio or rate) are also compared as
完成率 against 时序进度, which are comparable across regions of different size.
The spec is plain data: ECharts on the page and matplotlib in the report draw
the same one.
"""

from __future__ import annotations

import math

import pandas as pd

from geo.numbers import format_number, format_value
from geo.speaking import speaking_rows

SERIES = (("baseline", "基期值"), ("target", "目标值"), ("actual", "实际值"))
MEASURE_LABELS = {"stock": "存量", "annual_flow": "年度量", "ratio": "比重", "growth_rate": "增速",
                  "period_total": "期间累计", "period_increment": "期间新增", "rank": "位次"}
SHARE_MEASURES = ("ratio", "growth_rate", "rank")


def _definition(row: dict, indicators: pd.DataFrame) -> tuple:
    """(measure, scope, unit, period, target year) of a row: measure and scope the row's
    own columns, else its indicator's."""
    info = indicators.loc[row["indicator_id"]] if row["indicator_id"] in indicators.index else {}
    values = []
    for column in ("measure", "scope"):
        own = row.get(column)
        if isinstance(own, str) and own:
            values.append(own)
        else:
            values.append(str(info.get(column, "") or "") if len(info) else "")
    return values[0], values[1], row["unit"], row.get("period_label") or "", int(row["year"])


def comparison(rows: pd.DataFrame, indicator_id: str, indicators: pd.DataFrame) -> list[dict]:
    """Chart specs for ``indicator_id``: one per (measure, scope, unit, period, target
    year), one bar group per region; for a count also its 完成率 chart.

    ``rows`` are ``monitor.table.target_rows``; ``indicators`` is indexed by id.
    Each region shows its latest region-wide target (a table row first), its
    baseline and its actual (:func:`geo.thematic.speaking_rows`); a province's target
    is also a reference line when its cities or counties are on the chart.
    """
    chosen = speaking_rows(rows, indicator_id, "target").sort_values("region_rank",
                                                                      kind="stable")
    axes: dict[tuple, list[dict]] = {}
    for row in chosen.to_dict("records"):
        axes.setdefault(_definition(row, indicators), []).append(row)
    out = []
    for key, members in sorted(axes.items(), key=lambda item: (-len(item[1]), -item[0][4])):
        spec = _spec(indicator_id, key, members, indicators)
        out.append(spec)
        if key[0] not in SHARE_MEASURES and any(r["completion"] is not None
                                                for r in spec["regions"]):
            out.append(completion_spec(spec))
    return out


def _year_label(value, year) -> str:
    """A bar's label: its figure as every table writes it (“1,200”, never “1.2e+06”), then
    its year."""
    return "" if value is None or year is None else f"{format_number(value)}\n{int(year)}年"


def completion_spec(spec: dict) -> dict:
    """The 完成率 and 时序进度 (%) of the regions of a count chart, on one axis of %."""
    regions = spec["regions"]
    return {**spec, "title": f"{spec['title']}：完成率与时序进度", "unit": "%",
            "kind": "completion", "reference": None,
            "series": [{"key": k, "name": label,
                        "data": [r[k] for r in regions],
                        "labels": [_year_label(r[k], r["actual_year"]) for r in regions]}
                       for k, label in (("completion", "完成率"), ("time_progress", "时序进度"))]}


def _encloses(adcode: str, regions: list[dict]) -> bool:
    """True for a province whose cities or counties are among ``regions``."""
    return adcode.endswith("0000") and any(
        r["adcode"] != adcode and r["adcode"][:2] == adcode[:2] for r in regions)


def _number(x):
    return None if x is None or (isinstance(x, float) and math.isnan(x)) else float(x)


def _percent(x):
    number = _number(x)
    return None if number is None else round(number * 100, 1)


def _spec(indicator_id: str, key: tuple, members: list[dict], indicators) -> dict:
    measure, scope, unit, period, year = key
    name = members[0]["indicator_name"]
    regions = []
    for row in members:
        base = row["baseline_row"] or {}
        regions.append({
            "adcode": row["region_adcode"], "name": row["region_name"],
            "baseline": _number(base.get("value")), "baseline_year": base.get("year"),
            "target": _number(row["value"]), "target_year": int(row["year"]),
            "target_label": format_value(row["value"], unit, row["qualifier"] or None,
                                         row["value_max"]),
            "actual": _number(row.get("actual")),
            "actual_year": None if pd.isna(row.get("actual_year")) else int(row["actual_year"]),
            "status": row["status"], "plan": row["plan_title"],
            "completion": _percent(row.get("completion")),
            "time_progress": _percent(row.get("time_progress"))})
    reference = next((r for r in regions if _encloses(r["adcode"], regions)), None)
    return {
        "indicator_id": indicator_id, "title": f"{name}（{period or year}，{year}年目标）",
        "unit": unit, "measure": MEASURE_LABELS.get(measure, ""), "scope": scope,
        "period": period, "year": year, "regions": regions, "kind": "values",
        "categories": [r["name"] for r in regions],
        "series": [{"key": k, "name": label, "data": [r[k] for r in regions],
                    "labels": [_year_label(r[k], r[f"{k}_year"]) for r in regions]}
                   for k, label in SERIES],
        "reference": None if reference is None else {
            "name": f"{reference['name']}目标（{reference['target_year']}年）",
            "value": reference["target"]},
    }

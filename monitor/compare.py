"""One indicator across plans: which regions may share a chart axis, and the chart spec.

Two numbers go on one axis only when they measure the same thing: the same
indicator id, the same ``measure`` and ``scope`` (columns of
``data/kb/indicators.csv`` or of the target rows, when present) and the same
unit. Rows that differ form their own axis (a second chart), never a shared one.
The spec is plain data: ECharts on the page and matplotlib in the report draw
the same one.
"""

from __future__ import annotations

import math

import pandas as pd

from geo.numbers import format_value

PROVINCE = "320000"
SERIES = (("baseline", "基期值"), ("target", "目标值"), ("actual", "实际值"))


def _definition(row: dict, indicators: pd.DataFrame) -> tuple[str, str, str]:
    """(measure, scope, unit) of a row: the row's own columns, else its indicator's."""
    info = indicators.loc[row["indicator_id"]] if row["indicator_id"] in indicators.index else {}
    values = []
    for column in ("measure", "scope"):
        own = row.get(column)
        if isinstance(own, str) and own:
            values.append(own)
        else:
            values.append(str(info.get(column, "") or "") if len(info) else "")
    return values[0], values[1], row["unit"]


def comparison(rows: pd.DataFrame, indicator_id: str, indicators: pd.DataFrame) -> list[dict]:
    """Chart specs for ``indicator_id``: one per (measure, scope, unit), one bar group per region.

    ``rows`` are ``monitor.table.target_rows``; ``indicators`` is indexed by id.
    Each region shows its latest region-wide target (a table row first), its
    baseline and its actual; the province's target is also a reference line.
    """
    chosen = rows[(rows["indicator_id"] == indicator_id) & (rows["subject"] == "")
                  & (rows["entity_id"] == "")]
    chosen = chosen.sort_values(["region_rank", "year", "source"], ascending=[True, False, True],
                                kind="stable").drop_duplicates("region_adcode")
    axes: dict[tuple, list[dict]] = {}
    for row in chosen.to_dict("records"):
        axes.setdefault(_definition(row, indicators), []).append(row)
    return [_spec(indicator_id, key, members, indicators) for key, members in axes.items()]


def _number(x):
    return None if x is None or (isinstance(x, float) and math.isnan(x)) else float(x)


def _spec(indicator_id: str, key: tuple, members: list[dict], indicators) -> dict:
    measure, scope, unit = key
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
            "status": row["status"], "plan": row["plan_title"]})
    reference = next((r for r in regions if r["adcode"] == PROVINCE), None)
    return {
        "indicator_id": indicator_id, "title": name, "unit": unit, "measure": measure,
        "scope": scope, "regions": regions,
        "categories": [r["name"] for r in regions],
        "series": [{"key": k, "name": label, "data": [r[k] for r in regions]}
                   for k, label in SERIES],
        "reference": None if reference is None else {
            "name": f"{reference['name']}目标（{reference['target_year']}年）",
            "value": reference["target"]},
    }

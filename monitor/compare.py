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
from geo.speaking import speaking_rows

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
    baseline and its actual (:func:`geo.thematic.speaking_rows`); a province's target
    is also a reference line when its cities or counties are on the chart.
    """
    chosen = speaking_rows(rows, indicator_id, "target").sort_values("region_rank",
                                                                      kind="stable")
    axes: dict[tuple, list[dict]] = {}
    for row in chosen.to_dict("records"):
        axes.setdefault(_definition(row, indicators), []).append(row)
    return [_spec(indicator_id, key, members, indicators) for key, members in axes.items()]


def _encloses(adcode: str, regions: list[dict]) -> bool:
    """True for a province whose cities or counties are among ``regions``."""
    return adcode.endswith("0000") and any(
        r["adcode"] != adcode and r["adcode"][:2] == adcode[:2] for r in regions)


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
    reference = next((r for r in regions if _encloses(r["adcode"], regions)), None)
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

"""The ``progress`` value kind: each region's status against its target (时间过半、任务过半).

The statuses are computed once, in the ``targets`` layer (:mod:`monitor.progress`):
已达成, 进展正常 (完成率 ≥ 时序进度), 滞后, 无实际值, 无基期值. A progress map colours every
unit by the status of its target for the chosen year (default: its latest), with a
traffic-light legend and 无数据 for units without a computable status; popups give
完成率, 时序进度 and the actual with its source.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from geo import thematic
from geo.numbers import format_percent, format_value
from geo.speaking import speaking_rows
from monitor.progress import ACHIEVED, BEHIND, ON_TRACK

KIND = "progress"
CLASSES = (ACHIEVED, ON_TRACK, BEHIND)
COLORS = {ACHIEVED: "#1a9641", ON_TRACK: "#a6d96a", BEHIND: "#d7191c"}
COLUMNS = ("status", "completion", "time_progress", "actual", "actual_year")


def has_progress(frame: pd.DataFrame) -> bool:
    """True when a long value frame carries the targets' progress columns."""
    return all(c in frame.columns for c in COLUMNS)


def progress_table(frame: pd.DataFrame, indicator_id: str, year: int | None) -> pd.DataFrame:
    """One target row per region with its status (the plan's table row before a
    restatement, the chosen year or else the latest), shaped like a value table."""
    rows = speaking_rows(frame, indicator_id, "target", year)
    rows = rows.sort_values("region_adcode", kind="stable")
    completion = pd.to_numeric(rows["completion"], errors="coerce")
    return pd.DataFrame({
        "region_adcode": rows["region_adcode"].to_numpy(),
        "value": (completion * 100).to_numpy(dtype=float), "unit": "%",
        "year": rows["year"].to_numpy(), "baseline": np.nan, "baseline_year": np.nan,
        "target": rows["value"].to_numpy(dtype=float), "target_year": rows["year"].to_numpy(),
        "qualifier": rows.get("qualifier", pd.Series("", index=rows.index)).to_numpy(),
        "status": rows["status"].fillna("").to_numpy(),
        "rows": [_rows(r) for r in rows.itertuples()],
        "sources": [[_source(r)] for r in rows.itertuples()]})


def _source(row) -> dict:
    return {c: getattr(row, c, None) for c in thematic.SOURCE_COLUMNS} | {
        "kind": "target", "value": row.value}


def _rows(row) -> list[tuple[str, str]]:
    """Popup rows of a region's progress."""
    unit = getattr(row, "unit", "") or ""
    target = format_value(row.value, unit, getattr(row, "qualifier", None),
                          getattr(row, "value_max", None))
    out = [("状态", row.status or "无数据"), (f"目标（{row.year}年）", target)]
    if pd.notna(row.actual):
        source = getattr(row, "actual_source", "") or ""
        out.append((f"实际值（{int(row.actual_year)}年）",
                    format_value(row.actual, getattr(row, "actual_unit", "") or unit)))
        if source:  # an imported file, or the plan's own outcome
            out.append(("实际值来源", str(source)))
    out += [("完成率", format_percent(row.completion)),
            ("时序进度", format_percent(row.time_progress))]
    return out


def progress_legend(statuses: list[str], title: str) -> thematic.Legend:
    """The traffic-light legend: 已达成, 进展正常, 滞后 with their counts, then 无数据."""
    entries = tuple(thematic.LegendEntry(s, COLORS[s], statuses.count(s)) for s in CLASSES)
    missing = sum(s not in CLASSES for s in statuses)
    return thematic.Legend(title, "", entries, thematic.LegendEntry(
        thematic.NO_DATA_LABEL, thematic.NO_DATA_COLOR, missing))


def fills(statuses: list[str]) -> list[str]:
    return [COLORS.get(s, thematic.NO_DATA_COLOR) for s in statuses]


def shown(status: str, completion_pct: float) -> str:
    """A unit's progress as one phrase: 滞后（完成率 45.9%）."""
    if status not in CLASSES:
        return status or thematic.NO_DATA_LABEL
    if np.isnan(completion_pct):
        return status
    return f"{status}（完成率 {format_percent(completion_pct / 100)}）"

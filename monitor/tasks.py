"""A plan's task table as officials read it: Chinese columns, unit lists, filters.

Rows come from the plan's task layer (``layers.tasks.PlanTasksLayer``). Lead and
partner units are split on 、，, and | outside brackets (“各县（区）、市各功能区”
gives 各县（区） and 市各功能区).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import pandas as pd

QUARTER_LABELS = (("q1", "一季度"), ("q2", "二季度"), ("q3", "三季度"), ("q4", "四季度"))
COLUMNS = (("no", "序号"), ("group", "事项"), ("work", "重点工作"), ("task", "目标任务"),
           *QUARTER_LABELS, ("lead", "牵头单位"), ("partners", "配合单位"))
_SEPARATORS = "、，,|;；"
_OPEN, _CLOSE = "（(【[", "）)】]"


def split_units(text: str) -> list[str]:
    """The units of a 牵头单位/配合单位 cell, in order, without duplicates."""
    units, current, depth = [], [], 0
    for char in text or "":
        if char in _OPEN:
            depth += 1
        elif char in _CLOSE:
            depth = max(depth - 1, 0)
        if char in _SEPARATORS and depth == 0:
            units.append("".join(current).strip())
            current = []
        else:
            current.append(char)
    units.append("".join(current).strip())
    return list(dict.fromkeys(u for u in units if u))


def split_ids(text: str) -> list[str]:
    """The ``|``-separated ids of an ``indicator_id`` / ``target_id`` cell."""
    return [part.strip() for part in (text or "").split("|") if part.strip()]


@dataclass(frozen=True)
class TaskQuery:
    """Filters of the task table: a lead unit, a partner unit, a target served (empty: all)."""

    lead: str = ""
    partner: str = ""
    target: str = ""

    def as_args(self) -> dict[str, str]:
        return {k: v for k, v in self.__dict__.items() if v}


def task_rows(tasks: pd.DataFrame) -> pd.DataFrame:
    """The task layer as plain rows with ``leads``, ``partner_units``, ``target_ids`` lists."""
    frame = pd.DataFrame(tasks.drop(columns=tasks.geometry.name, errors="ignore"))
    frame = frame.assign(leads=frame["lead"].map(split_units),
                         partner_units=frame["partners"].map(split_units),
                         target_ids=frame["target_id"].map(split_ids))
    frame["no"] = frame["no"].astype(int)
    return frame.sort_values("no", kind="stable").reset_index(drop=True)


def unit_choices(rows: pd.DataFrame, column: str) -> list[tuple[str, int]]:
    """(unit, number of rows) of ``leads`` or ``partner_units``, most rows first."""
    counts = rows[column].explode().dropna().value_counts()
    return sorted(counts.items(), key=lambda item: (-item[1], item[0]))


def parse_task_query(args: Mapping[str, str], rows: pd.DataFrame) -> TaskQuery:
    """A TaskQuery from request arguments; ValueError with a Chinese reason."""
    query = TaskQuery(**{n: (args.get(n) or "").strip() for n in TaskQuery.__dataclass_fields__})
    known = {"lead": (set(rows["leads"].explode().dropna()), "牵头单位"),
             "partner": (set(rows["partner_units"].explode().dropna()), "配合单位"),
             "target": (set(rows["target_ids"].explode().dropna()), "目标")}
    for name, (allowed, label) in known.items():
        value = getattr(query, name)
        if value and value not in allowed:
            raise ValueError(f"未知的{label}“{value}”")
    return query


def select_tasks(rows: pd.DataFrame, query: TaskQuery) -> pd.DataFrame:
    """The rows ``query`` keeps, in plan order."""
    mask = pd.Series(True, index=rows.index)
    for name, column in (("lead", "leads"), ("partner", "partner_units"),
                         ("target", "target_ids")):
        value = getattr(query, name)
        if value:
            mask &= rows[column].map(lambda units, v=value: v in units)
    return rows[mask].reset_index(drop=True)

"""Task plans: a plan's task table and the layer of it (one layer per plan with tasks).

A plan whose registry entry ``contains`` ``tasks`` names its task file
(``tasks.file``) and, optionally, the API collection id (``tasks.collection``,
default ``tasks-<plan id>``); :func:`plan_task_layers` makes one layer of each.
A year plan's table is one table (事项 / 重点工作 / 具体任务 / 一季度…四季度 / 牵头单位 /
配合单位) flattened to text: a cell per line starting with a tab, a blank line
between rows, empty cells repeating the row above. ``parse_task_table`` reads
it back; the task file is its reviewed output with each row linked to the
indicator and target it serves; ``PlanTasksLayer`` maps that file.
"""

from __future__ import annotations

import re
from pathlib import Path

import geopandas as gpd
import pandas as pd

from layers.base import (
    Layer,
    LayerContext,
    LayerError,
    check_layer_class,
    region_point_collection,
)
from layers.boundaries import region_shapes
from layers.kb import read_csv
from layers.plans_registry import PLANS_FILE, Plan, plan_registry

QUARTERS = ("q1", "q2", "q3", "q4")
COLUMNS = ("id", "no", "kind", "group", "work", "task", *QUARTERS, "lead", "partners",
           "lead_units", "partner_units", "indicator_id", "target_id", "region_adcode",
           "plan_id", "section", "quote")
GOALS_GROUP = "主要工作目标"
_TASK_CELL = re.compile(r"^(\d+)\.")
_UNIT_SEPARATORS = re.compile(r"[、，,；;\s]+")
# "市住房城乡建设局市交通局市卫健委": a unit name ends in 局/委/办…, the next begins with 市.
_RUN_TOGETHER = re.compile(r"(?<=[局委办院会行处队])(?=市)")
_TABLE_START = "\n\t" + GOALS_GROUP


def parse_task_table(text: str) -> list[dict]:
    """The rows of the task table in ``text`` (the plan's reading text).

    Each row is a dict with ``no`` (int), ``group`` (事项), ``work`` (重点工作,
    empty for the 主要工作目标 rows), ``task`` (具体任务 as printed), ``q1``…``q4``,
    ``lead``, ``partners`` and ``kind`` (``goal`` or ``key_task``). Empty merged
    cells take the value of the row above. ValueError names a row that does not
    have the table's shape.
    """
    start = text.find(_TABLE_START)
    if start < 0:
        raise ValueError(f"no task table (no line {GOALS_GROUP!r}) in text")
    rows, group, work = [], "", ""
    for block in re.split(r"\n *\n", text[start + 1:]):
        cells = _cells(block)
        if not cells:
            continue
        row = _row(cells)
        group = row["group"] or group
        work = row["work"] or (work if row["group"] == "" else "")
        rows.append({**row, "group": group, "work": work,
                     "kind": "goal" if group == GOALS_GROUP else "key_task"})
    return rows


def _cells(block: str) -> list[str]:
    """Cells of one row: a line starting with a tab opens a cell; a line without
    one continues the cell above (a list of units wrapped in its cell), joined by 、."""
    cells: list[str] = []
    for line in block.split("\n"):
        if line.startswith("\t") or not cells:
            cells.append(line.strip())
        else:
            cells[-1] += "、" + line.strip()
    return cells if any(cells) else []


def _row(cells: list[str]) -> dict:
    at = next((i for i, c in enumerate(cells) if _TASK_CELL.match(c)), None)
    if at is None or at > 2 or len(cells) - at != 7:
        raise ValueError(f"task table row has an unexpected shape: {cells[:3]}")
    before = cells[:at] + [""] * (2 - at)
    quarters = dict(zip(QUARTERS, cells[at + 1:at + 5]))
    return {"no": int(_TASK_CELL.match(cells[at]).group(1)), "group": before[0],
            "work": before[1], "task": cells[at], **quarters,
            "lead": cells[at + 5], "partners": cells[at + 6]}


def split_units(text: str) -> list[str]:
    """One unit per value of a 牵头单位 / 配合单位 cell, in the order written.

    "各县（区）、市各功能区，市科技局" → ["各县（区）", "市各功能区", "市科技局"];
    a separator inside brackets belongs to the name ("各县（市、区）"); names written
    without a separator ("市住房城乡建设局市交通局") are split where one unit name
    ends and the next 市… begins; stray separators leave nothing.
    """
    units: list[str] = []
    for part in _outside_brackets(text):
        units.extend(unit for unit in _RUN_TOGETHER.split(part) if unit)
    return units


def _outside_brackets(text: str) -> list[str]:
    """``text`` split at the unit separators that stand outside brackets."""
    parts, depth, start = [], 0, 0
    for at, char in enumerate(text):
        depth += (char in "（(") - (char in "）)")
        if depth <= 0 and _UNIT_SEPARATORS.fullmatch(char):
            parts.append(text[start:at])
            start, depth = at + 1, 0
    return [*parts, text[start:]]


def read_tasks(data_dir: Path, plan: Plan | None = None) -> pd.DataFrame:
    """The task file of ``plan`` (default: the first curated plan with tasks): ``no`` as
    int, other cells as strings ("" if empty)."""
    plan = plan or task_plans(data_dir)[0]
    frame = read_csv(Path(data_dir) / plan.tasks_file, COLUMNS)
    frame["no"] = frame["no"].astype(int)
    wrong = sorted(set(frame["plan_id"]) - {plan.id})
    if wrong:
        raise LayerError(f"{plan.tasks_file}: rows cite plans {wrong}, not {plan.id}")
    return frame


def task_plans(data_dir: Path, plans: dict[str, Plan] | None = None) -> list[Plan]:
    """The plans that contain a task table (curated, then published), in registry order."""
    plans = plan_registry(data_dir) if plans is None else plans
    return [p for p in plans.values() if "tasks" in p.contains]


class PlanTasksLayer(Layer):
    """The task table of one plan: tasks, quarters, 牵头/配合 units, targets served."""

    id = "tasks"
    title = "重点任务"
    description = "一项规划的重点任务。"
    map_role = "none"
    map_reason = ("任务没有自己的位置：几何是牵头地区的边界。任务表与其服务的目标"
                  "见目标、地区页面与 API。")
    geometry_type = "Point"
    region_field = "region_adcode"

    def __init__(self, plan: Plan):
        self.plan = plan
        self.id = plan.tasks_collection
        self.title = f"{plan.title}：重点任务"
        self.description = (
            f"《{plan.title}》的主要工作目标与重点工作：具体任务、一至四季度节点、牵头与配合单位"
            "（lead_units / partner_units 每个值一个单位，以 | 分隔）及所服务的全部指标与目标"
            "（indicator_id / target_id，以 | 分隔）；几何为牵头地区边界，任务点名某一县区时"
            "为该县区边界。")
        self.year = plan.period.start_year if plan.period.start_year == plan.period.end_year \
            else None

    def collections(self):
        return region_point_collection(self)

    def load(self, ctx: LayerContext) -> gpd.GeoDataFrame:
        tasks = read_tasks(ctx.data_dir, self.plan)
        regions = region_shapes(ctx)
        unknown = set(tasks["region_adcode"]) - set(regions.index)
        if unknown:
            raise LayerError(f"{self.id}: no boundary for adcodes {sorted(unknown)}")
        geometry = regions.loc[tasks["region_adcode"]].values
        return gpd.GeoDataFrame(tasks, geometry=list(geometry), crs=4326)


def plan_task_layers(data_dir: Path) -> list[PlanTasksLayer]:
    """One task layer per plan of the registry that contains tasks (none without a
    registry file: the layers that need one, boundaries first, report what is missing)."""
    if not (Path(data_dir) / PLANS_FILE).is_file():
        return []
    layers = [PlanTasksLayer(plan) for plan in task_plans(data_dir)]
    for layer in layers:
        check_layer_class(layer)
    return layers

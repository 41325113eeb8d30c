"""宿迁's 2023 task plan (plan 002): the task table and its map layer.

The plan is one table (事项 / 重点工作 / 具体任务 / 一季度…四季度 / 牵头单位 /
配合单位) flattened to text: a cell per line starting with a tab, a blank line
between rows, empty cells repeating the row above. ``parse_task_table`` reads
it back; ``data/kb/tasks_2023.csv`` is its reviewed output with each row linked
to the indicator and target it serves; ``Tasks2023Layer`` maps that file.
"""

from __future__ import annotations

import re
from pathlib import Path

import geopandas as gpd
import pandas as pd

from layers.base import Layer, LayerContext, LayerError, region_point_collection
from layers.boundaries import region_shapes
from layers.kb import read_csv

TASK_PLAN_ID = "002_29b2058011f3f7c1"
TASKS_FILE = Path("kb") / "tasks_2023.csv"
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
    names written without a separator ("市住房城乡建设局市交通局") are split where
    one unit name ends and the next 市… begins; stray separators leave nothing.
    """
    units: list[str] = []
    for part in _UNIT_SEPARATORS.split(text):
        units.extend(unit for unit in _RUN_TOGETHER.split(part) if unit)
    return units


def read_tasks(data_dir: Path) -> pd.DataFrame:
    """``data/kb/tasks_2023.csv``: ``no`` as int, other cells as strings ("" if empty)."""
    frame = read_csv(Path(data_dir) / TASKS_FILE, COLUMNS)
    frame["no"] = frame["no"].astype(int)
    return frame


class Tasks2023Layer(Layer):
    id = "tasks-2023"
    title = "宿迁市2023年度创新型城市建设重点任务"
    description = ("《宿迁市2023年度国家创新型城市建设重点任务推进计划》的主要工作目标与重点工作："
                   "具体任务、一至四季度节点、牵头与配合单位"
                   "（lead_units / partner_units 每个值一个单位，"
                   "以 | 分隔）及所服务的全部指标与目标（indicator_id / target_id，以 | 分隔）；"
                   "几何为宿迁市边界，任务点名某一县区时为该县区边界。")
    map_role = "none"
    map_reason = ("任务没有自己的位置：几何是牵头地区的边界。任务表与其服务的目标"
                  "见目标、地区页面与 API。")
    geometry_type = "Point"
    year = 2023  # every task is of the 2023 plan year
    region_field = "region_adcode"

    def collections(self):
        return region_point_collection(self)

    def load(self, ctx: LayerContext) -> gpd.GeoDataFrame:
        tasks = read_tasks(ctx.data_dir)
        regions = region_shapes(ctx)
        unknown = set(tasks["region_adcode"]) - set(regions.index)
        if unknown:
            raise LayerError(f"tasks-2023: no boundary for adcodes {sorted(unknown)}")
        geometry = regions.loc[tasks["region_adcode"]].values
        return gpd.GeoDataFrame(tasks, geometry=list(geometry), crs=4326)


"""Task candidates from task tables: a header row naming 牵头 (lead) units and, usually,
quarter columns; every later row of the table is one task.

Columns are found by their header words, not by position: 事项 / 重点工作 /
具体任务 (or 任务, 内容), 一季度 … 四季度 (or 第一季度, 1季度, Q1), 牵头单位, 配合单位
(责任单位 is read as lead). A row with fewer cells than the header lacks its
leading merged cells; those take the value of the row above.
"""

from __future__ import annotations

import re
from dataclasses import replace

from layers.tasks import QUARTERS, split_units

_QUARTER = re.compile(r"^(第?[一二三四1-4]季度|Q[1-4])$", re.IGNORECASE)
_QUARTER_NO = {"一": 1, "二": 2, "三": 3, "四": 4, "1": 1, "2": 2, "3": 3, "4": 4}
_ROLES = (("lead", re.compile(r"牵头|责任单位|主责")), ("partners", re.compile(r"配合|协办|参与")),
          ("task", re.compile(r"具体任务|任务|内容|目标")), ("work", re.compile(r"重点工作|工作")),
          ("group", re.compile(r"事项|类别|领域|板块")))
_SERIAL = re.compile(r"^(\d{1,3})\s?[.．、]")


def _columns(cells) -> dict | None:
    """{role: column} of a task-table header, or None."""
    names = [c.replace(" ", "") for c in cells]
    roles: dict = {}
    for i, name in enumerate(names):
        quarter = _QUARTER.match(name)
        if quarter:
            number = _QUARTER_NO[re.sub(r"\D", "", name.replace("一", "1").replace("二", "2")
                                        .replace("三", "3").replace("四", "4"))[:1] or "1"]
            roles[f"q{number}"] = i
            continue
        for role, pattern in _ROLES:
            if role not in roles and pattern.search(name):
                roles[role] = i
                break
    return roles if "lead" in roles and "task" in roles else None


def task_rows(reading, ctx) -> tuple[list[dict], list]:
    """(task candidates, the spans of their 具体任务 cells) of every task table."""
    tasks, blocks, columns, carried = [], [], None, {}
    for block in reading.blocks:
        if block.kind != "table_row":
            columns = None
            continue
        header = _columns(block.cells)
        if header:
            columns, carried = header, {}
            continue
        if columns is None:
            continue
        row = _row(block.cells, columns, carried)
        if row is None:
            continue
        serial = _SERIAL.match(row["task"])
        tasks.append({"no": int(serial.group(1)) if serial else len(tasks) + 1, **row,
                      "lead_units": split_units(row["lead"]),
                      "partner_units": split_units(row["partners"]),
                      "year": ctx.period_end if ctx.annual else None,
                      "region_adcode": ctx.region_adcode,
                      "quote": reading.text[block.start:block.end], "section": block.section,
                      "start": block.start, "end": block.end})
        blocks.extend(_cell_spans(reading.text, block, row))
    return tasks, blocks


def _cell_spans(text: str, block, row: dict) -> list:
    """The 具体任务 cell and the year-end (fourth-quarter) milestone of a row as
    paragraph spans: where a task plan states what the year should reach."""
    spans, seen, at = [], set(), block.start
    for role in ("task", QUARTERS[-1]):
        cell = row[role]
        found = text.find(cell, at, block.end) if cell else -1
        if found < 0:
            continue
        at = found + len(cell)
        if cell not in seen:
            seen.add(cell)
            spans.append(replace(block, start=found, end=at, kind="paragraph"))
    return spans


def _row(cells, columns: dict, carried: dict) -> dict | None:
    """The task of one row: cells from the task column on are placed from the right;
    the cells before it fill the header's leading columns (事项, 重点工作) in order,
    and an empty leading cell takes the value of the row above."""
    width = max(columns.values()) + 1
    task_at = len(cells) - (width - columns["task"])
    if task_at < 0 or len(cells) < 3:
        return None
    offset = task_at - columns["task"]
    row = {role: cells[at + offset] if at + offset < len(cells) else ""
           for role, at in columns.items() if at >= columns["task"]}
    leading = sorted((at, role) for role, at in columns.items() if at < columns["task"])
    before = list(cells[:task_at]) + [""] * max(len(leading) - task_at, 0)
    values = dict(zip((role for _, role in leading), before))
    group = values.get("group") or carried.get("group", "")
    work = values.get("work") or (carried.get("work", "") if not values.get("group") else "")
    carried.update(group=group, work=work)
    row = {"group": group, "work": work, **{r: row.get(r, "") for r in
                                            ("task", "q1", "q2", "q3", "q4", "lead", "partners")}}
    return row if row["task"] else None

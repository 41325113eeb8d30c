"""The evaluation report as a workbook: numbers as numbers, with formats, widths,
filters and a frozen header, one sheet per table of the report.

Sheets: 目标完成情况 (one row per target of the report's plan, by chapter, with the
citation numbers of ``monitor.summary``), 出处 (the numbered quotes) and 导入的实际值.
Text cells that look like formulas are escaped (``sheets.escape_formula``).
"""

from __future__ import annotations

import io
import math

import pandas as pd
from openpyxl import Workbook
from openpyxl.utils import get_column_letter

from monitor.summary import ReportFacts
from sheets import escape_formula

PERCENT, YEAR = "0.0%", "0"
NUMBER = "number"  # a figure: shown with the decimals it was stated with (``_shown_as``)
# (header, width, number format or None for text)
TARGET_COLUMNS = (("章节", 24, None), ("地区或园区", 14, None), ("指标", 30, None),
                  ("单位", 8, None), ("基期年份", 9, YEAR), ("基期值", 11, NUMBER),
                  ("目标年份", 9, YEAR), ("目标值", 11, NUMBER), ("目标表述", 12, None),
                  ("实际值年份", 10, YEAR), ("实际值", 11, NUMBER), ("完成率", 9, PERCENT),
                  ("时序进度", 9, PERCENT), ("状态", 10, None), ("出处编号", 10, None))
CITATION_COLUMNS = (("编号", 6, YEAR), ("规划", 36, None), ("章节", 36, None),
                    ("原文", 80, None))
ACTUAL_COLUMNS = (("指标", 30, None), ("年份", 8, YEAR), ("数值", 12, NUMBER),
                  ("单位", 8, None), ("来源", 40, None), ("导入版本", 10, YEAR))


def _number(value):
    if value is None or isinstance(value, str):
        return None
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return None if math.isnan(number) else (int(number) if number.is_integer() else number)


def _shown_as(value) -> str:
    """The number format of a figure: its own decimals, never a trailing point (Excel
    writes 1500 as “1,500.” under ``#,##0.##``), never more precision than it has."""
    if not isinstance(value, float):
        return "#,##0"
    text = f"{value:.10g}"
    decimals = len(text.split(".", 1)[1]) if "." in text and "e" not in text else 0
    return "#,##0." + "0" * decimals if decimals else "#,##0"


def _sheet(book: Workbook, title: str, columns: tuple, rows: list[list]) -> None:
    sheet = book.create_sheet(title)
    sheet.append([name for name, _, _ in columns])
    for row in rows:
        sheet.append([escape_formula(v) if isinstance(v, str) else v for v in row])
    for index, (_, width, number_format) in enumerate(columns, 1):
        letter = get_column_letter(index)
        sheet.column_dimensions[letter].width = width
        if number_format:
            for (cell,) in sheet.iter_rows(min_row=2, min_col=index, max_col=index):
                cell.number_format = (_shown_as(cell.value) if number_format == NUMBER
                                      else number_format)
    sheet.freeze_panes = "A2"
    sheet.auto_filter.ref = f"A1:{get_column_letter(len(columns))}{max(len(rows) + 1, 1)}"


def _figures(row: dict) -> list:
    """单位 to 时序进度 of one target as numbers (TARGET_COLUMNS[3:13]). A period total's
    基期值 is the previous period's total, context only: no figure beside the target's."""
    base = row.get("baseline_row") or {}
    total = row.get("rule") == "total"
    return [row["unit"], None if total else _number(base.get("year")),
            None if total else _number(base.get("value")),
            _number(row["year"]), _number(row["value"]),
            (row.get("qualifier") or "") if isinstance(row.get("qualifier"), str) else "",
            _number(row.get("actual_year")), _number(row.get("actual")),
            _number(row.get("completion")), _number(row.get("time_progress"))]


def _target_row(chapter: str, row: dict, numbers: list[int], indicators) -> list:
    return [chapter, row["region_name"] + (f" · {row['holder']}" if row.get("holder") else ""),
            row["indicator_name"], *_figures(row), row["status"],
            " ".join(f"[{n}]" for n in numbers)]


def targets_xlsx(rows: pd.DataFrame) -> bytes:
    """The targets table as shown on /targets (its filter and order) as a workbook: the
    cells of the page as text, every figure of them also as a number to compute with."""
    from monitor.table import DISPLAY_COLUMNS, display_record

    texts = dict(DISPLAY_COLUMNS)
    head = [(texts[k], w, None) for k, w in (("region", 16), ("plan", 30), ("indicator", 30),
                                                ("group", 12))]
    tail = [(texts[k], w, None) for k, w in (("required", 12), ("actual_source", 24),
                                                ("status", 10), ("citation", 40),
                                                ("quote", 60), ("baseline_citation", 40))]
    columns = (*head, *TARGET_COLUMNS[3:13], *tail)
    records = []
    for row in rows.to_dict("records"):
        cells = display_record(row)
        records.append([cells[k] for k in ("region", "plan", "indicator", "group")]
                       + _figures(row)
                       + [cells[k] for k in ("required", "actual_source", "status",
                                             "citation", "quote", "baseline_citation")])
    book = Workbook()
    book.remove(book.active)
    _sheet(book, "规划指标", columns, records)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def report_xlsx(facts: ReportFacts, actuals: pd.DataFrame, indicator_names: dict) -> bytes:
    """The workbook of a report (bytes)."""
    book = Workbook()
    book.remove(book.active)
    targets = [_target_row(chapter, row, facts.citation_of.get(row["id"], []), indicator_names)
               for chapter, group, _ in facts.chapters for row in group.to_dict("records")]
    _sheet(book, "目标完成情况", TARGET_COLUMNS, targets)
    _sheet(book, "出处", CITATION_COLUMNS, [list(c) for c in facts.citations])
    _sheet(book, "导入的实际值", ACTUAL_COLUMNS, [
        [indicator_names.get(a.indicator_id, a.indicator_id), _number(a.year),
         _number(a.value), a.unit, a.source, _number(a.version)]
        for a in actuals.sort_values(["indicator_id", "year"]).itertuples()])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()

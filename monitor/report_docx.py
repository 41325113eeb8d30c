"""The evaluation report as a Word document (python-docx), for officials to edit.

It draws the same ``monitor.summary.ReportFacts`` as the PDF: cover (单位, 报告日期,
数据截至), summary, target tables by chapter with citation numbers, the progress
chart and the map as pictures, the numbered citations and the data sources. Fonts
are set for East Asian text (宋体/黑体 as Word and WPS name them) so the document
opens with Chinese type on any machine.
"""

from __future__ import annotations

import io

import pandas as pd
from docx import Document
from docx.enum.section import WD_ORIENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml.ns import qn
from docx.shared import Cm, Pt

from geo.quotes import citation
from monitor.summary import ReportFacts

BODY_FONT, HEADING_FONT = "宋体", "黑体"
TABLE_COLUMNS = (("indicator", "指标"), ("baseline", "基期值"), ("target", "目标值"),
                 ("actual", "实际值"), ("completion", "完成率"),
                 ("time_progress", "时序进度"), ("status", "状态"))
COLUMN_CM = (7.0, 3.6, 3.6, 3.2, 1.8, 1.8, 2.0, 2.7)  # 25.7 cm: the landscape text width


def _east_asian(style_or_run, name: str) -> None:
    """Set the East Asian font of a style or run (Word reads it from w:eastAsia)."""
    element = style_or_run.element
    rpr = element.get_or_add_rPr()
    fonts = rpr.find(qn("w:rFonts"))
    if fonts is None:
        fonts = rpr.makeelement(qn("w:rFonts"), {})
        rpr.append(fonts)
    fonts.set(qn("w:eastAsia"), name)


def _document() -> Document:
    doc = Document()
    section = doc.sections[0]
    section.orientation = WD_ORIENT.LANDSCAPE
    section.page_width, section.page_height = Cm(29.7), Cm(21.0)
    for side in ("left_margin", "right_margin", "top_margin", "bottom_margin"):
        setattr(section, side, Cm(2.0))
    normal = doc.styles["Normal"]
    normal.font.name, normal.font.size = BODY_FONT, Pt(10.5)
    _east_asian(normal, BODY_FONT)
    for level in (1, 2, 3):
        style = doc.styles[f"Heading {level}"]
        style.font.name = HEADING_FONT
        _east_asian(style, HEADING_FONT)
    doc.core_properties.author = "innomap"
    return doc


def report_docx(facts: ReportFacts, rows: pd.DataFrame, cells: list[dict],
                chart_png: bytes | None = None, map_png: bytes | None = None) -> bytes:
    """The DOCX bytes of a report; ``cells`` are ``display_record`` of ``rows``, in order."""
    doc = _document()
    doc.core_properties.title = facts.title
    _cover(doc, facts)
    doc.add_heading("一、总体情况", level=1)
    for text in facts.paragraphs:
        doc.add_paragraph(text)
    if chart_png:
        doc.add_heading("完成率与时序进度", level=2)
        doc.add_picture(io.BytesIO(chart_png), width=Cm(24))
    if map_png:
        doc.add_heading("地图", level=2)
        doc.add_picture(io.BytesIO(map_png), width=Cm(22))
    doc.add_heading("二、目标完成情况（按规划章节）", level=1)
    by_id = {row["id"]: cell for row, cell in zip(rows.to_dict("records"), cells)}
    for chapter, group, _ in facts.chapters:
        doc.add_heading(chapter, level=2)
        _table(doc, [(r, by_id[r["id"]], facts.citation_of.get(r["id"], []))
                     for r in group.to_dict("records")])
    doc.add_heading("三、出处（规划原文）", level=1)
    for number, title, section, quote in facts.citations:
        doc.add_paragraph(f"[{number}] {citation(title, section, quote)}")
    doc.add_heading("附录：数据来源", level=1)
    for what, where in facts.sources:
        doc.add_paragraph(f"{what}：{where}", style="List Bullet")
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()


def _cover(doc: Document, facts: ReportFacts) -> None:
    for _ in range(4):
        doc.add_paragraph()
    title = doc.add_paragraph()
    title.alignment = WD_ALIGN_PARAGRAPH.CENTER
    run = title.add_run(facts.title)
    run.bold, run.font.size = True, Pt(22)
    _east_asian(run, HEADING_FONT)
    d = facts.report_date
    for label, value in (("单位", facts.unit), ("报告日期", f"{d.year}年{d.month}月{d.day}日"),
                         ("数据截至", facts.data_as_of)):
        line = doc.add_paragraph(f"{label}：{value}")
        line.alignment = WD_ALIGN_PARAGRAPH.CENTER
    doc.add_page_break()


def _table(doc: Document, items: list) -> None:
    table = doc.add_table(rows=1, cols=len(TABLE_COLUMNS) + 1)
    table.style = "Table Grid"
    header = table.rows[0].cells
    for cell, (_, label) in zip(header, TABLE_COLUMNS):
        cell.text = label
    header[-1].text = "出处"
    for row, cells, numbers in items:
        out = table.add_row().cells
        holder = f"（{row['holder']}）" if row.get("holder") else ""
        for cell, (key, _) in zip(out, TABLE_COLUMNS):
            cell.text = cells[key] + (holder if key == "indicator" else "")
        out[-1].text = " ".join(f"[{n}]" for n in numbers)
    table.autofit = False
    for column, width in zip(table.columns, COLUMN_CM):
        column.width = Cm(width)  # the grid LibreOffice and WPS lay out by
    for row in table.rows:
        for cell, width in zip(row.cells, COLUMN_CM):
            cell.width = Cm(width)
            for paragraph in cell.paragraphs:
                for run in paragraph.runs:
                    run.font.size = Pt(9)

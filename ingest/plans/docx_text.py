"""Word documents (.docx): paragraphs and tables in the order of the body.

The zip has been measured by ``formats.check_zip`` before python-docx opens it.
Each paragraph is one line; a table is written with ``tables.table_lines``;
horizontally merged cells, which python-docx repeats, are kept once.
"""

from __future__ import annotations

import io

from ingest.plans.errors import PlanReadingError
from ingest.plans.tables import table_lines


def read_docx(data: bytes) -> str:
    """The reading text of a DOCX: one line per paragraph, tables as tab-cell rows."""
    import docx
    from docx.table import Table
    from docx.text.paragraph import Paragraph

    try:
        document = docx.Document(io.BytesIO(data))
    except Exception as exc:  # python-docx raises many kinds on a broken package
        raise PlanReadingError("damaged", f"Word 文档已损坏，无法读取：{type(exc).__name__}") \
            from None
    lines: list[str] = []
    for item in document.iter_inner_content():
        if isinstance(item, Paragraph):
            lines.append(item.text.replace("\t", " ").rstrip())
        elif isinstance(item, Table):
            if lines and lines[-1] != "":
                lines.append("")
            lines.extend(table_lines(_rows(item)))
    return "\n".join(lines).strip("\n") + "\n"


def _rows(table) -> list[list[str]]:
    """Cell texts per row; a merged cell (python-docx repeats it) once."""
    rows = []
    for row in table.rows:
        seen, cells = set(), []
        for cell in row.cells:
            if id(cell._tc) not in seen:
                seen.add(id(cell._tc))
                cells.append(cell.text)
        rows.append(cells)
    return rows

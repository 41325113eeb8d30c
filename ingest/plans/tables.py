"""How a table is written into a reading text, one rule for every format.

A row is a run of cell lines, each starting with a tab, and a blank line ends
it; the lines of a cell after its first follow without a tab. This is how the
seed texts (``data/plans/*.txt``) print their tables, so a DOCX, PDF or web page
table reads exactly like theirs and one table reader serves all.
"""

from __future__ import annotations

import re

_SPACE = re.compile(r"[ \t\u3000\xa0]+")


def clean_cell(text: str) -> str:
    """A cell's text: runs of spaces and tabs made one space, lines trimmed."""
    lines = (_SPACE.sub(" ", line).strip() for line in str(text or "").splitlines())
    return "\n".join(line for line in lines if line)


def table_lines(rows: list[list[str]]) -> list[str]:
    """The reading-text lines of a table: each cell a tab line, a blank line after each row."""
    lines: list[str] = []
    for row in rows:
        cells = [clean_cell(c) for c in row]
        if not any(cells):
            continue
        for cell in cells:
            lines.append("\t" + cell)
        lines.append("")
    return lines

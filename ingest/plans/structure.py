"""The structure of a reading text: blocks (heading, paragraph, table row) with offsets
and the section path above every position.

Section paths follow ``layers.plans.section_of`` line by line, so a candidate's
``section`` is what the knowledge base would write for its quote; chapters
(第一章, 第一部分) sit above those headings. Four ways a table row is written are
recognised: tab-cell lines ended by a blank line (the form ``tables.table_lines``
writes), one line of tab-separated cells, one line of cells between bars (a table
copied from a web page: "指标 | 单位 | 2025年 | 2030年"), and a numbered line of a
hard-wrapped indicator table ("3 高新技术企业数（家） 300").
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass

from layers.plans import heading_of as numbered_heading

KINDS = ("heading", "paragraph", "table_row")
_NUMBERED_ROW = re.compile(
    r"^(\d{1,2}|序号) {1,4}(\S[^\t，。；]{0,80}?) {1,4}([≥≤>＞]?[\d.]{1,12} ?(左右|年)?)$")
_PIPE = re.compile(r"[|｜]")
_LEVELS = 4  # 第一章 / 一、 or 第一节 / （一） / 1．
_CHAPTER = re.compile(r"^第[一二三四五六七八九十]{1,3}(章|部分|篇|节)\s?\S")
_TITLE_END = re.compile(r"[。；]")
_RUN_ON = re.compile(r"[。；]\s?[^\s。；]")  # （五）标题。正文…: a paragraph under its own title


def heading_of(line: str) -> tuple[int, str] | None:
    """(level, title) of a heading line: a chapter (第一章, 第一部分, 第一篇) is level 0,
    a 第一节 level 1 with the 一、 headings, the numbered headings of
    ``layers.plans.heading_of`` one level below theirs. A text without chapters gets
    the section paths of ``layers.plans.section_of`` (level 0 stays empty)."""
    title = line.strip()
    chapter = _CHAPTER.match(title)
    if chapter:
        level = 1 if chapter.group(1) == "节" else 0
        return level, _TITLE_END.split(title, maxsplit=1)[0][:60].strip()
    numbered = numbered_heading(line)
    return (numbered[0] + 1, numbered[1]) if numbered else None


@dataclass(frozen=True)
class Block:
    """One block of the text: ``text[start:end]``, its kind, cells of a table row."""

    kind: str
    start: int
    end: int
    section: str
    cells: tuple[str, ...] = ()
    level: int | None = None


class Sections:
    """The section path at any offset of ``text`` (see ``layers.plans.section_of``)."""

    def __init__(self, text: str):
        self.starts: list[int] = []
        self.paths: list[str] = []
        chain: list[str | None] = [None] * _LEVELS
        position = 0
        for line in text.split("\n"):
            heading = heading_of(line)
            if heading:
                level, chain[heading[0]] = heading[0], heading[1]
                chain[level + 1:] = [None] * (_LEVELS - level - 1)
            self.starts.append(position)
            self.paths.append(" > ".join(h for h in chain if h))
            position += len(line) + 1

    def at(self, offset: int) -> str:
        """The path of the line holding ``offset``."""
        return self.paths[max(bisect.bisect_right(self.starts, offset) - 1, 0)]


def blocks_of(text: str, sections: Sections) -> list[Block]:
    """Every block of ``text`` in order; blank lines are not blocks."""
    blocks: list[Block] = []
    lines = text.split("\n")
    offsets = [0]
    for line in lines:
        offsets.append(offsets[-1] + len(line) + 1)
    i = 0
    while i < len(lines):
        line, start = lines[i], offsets[i]
        if line.startswith("\t"):
            j = i + 1
            while j < len(lines) and lines[j].strip():
                j += 1
            cells = _tab_cells(lines[i:j])
            if any(cells):
                blocks.append(Block("table_row", start, offsets[j] - 1, sections.at(start),
                                    tuple(cells)))
            i = j
            continue
        i += 1
        if not line.strip():
            continue
        end = start + len(line.rstrip())
        blocks.append(_line_block(line.rstrip(), start, end, sections))
    return blocks


def _line_block(line: str, start: int, end: int, sections: Sections) -> Block:
    if "\t" in line.strip():
        return Block("table_row", start, end, sections.at(start),
                     tuple(c.strip() for c in line.split("\t")))
    piped = _pipe_cells(line)
    if piped:
        return Block("table_row", start, end, sections.at(start), piped)
    numbered = _NUMBERED_ROW.match(line.strip())
    if numbered:
        cells = (numbered.group(1), numbered.group(2).replace(" ", ""),
                 numbered.group(3).replace(" ", ""))
        return Block("table_row", start, end, sections.at(start), cells)
    heading = heading_of(line)
    if heading and len(line) <= 60 and not _RUN_ON.search(line):
        return Block("heading", start, end, sections.at(start), level=heading[0])
    return Block("paragraph", start, end, sections.at(start))


def _pipe_cells(line: str) -> tuple[str, ...] | None:
    """Cells of a row written with bars ("指标 | 单位 | 2025年 | 2030年", "｜a｜b｜"), when
    the line has three cells or more (a rule line of dashes too: it keeps the table)."""
    if line.count("|") + line.count("｜") < 2:
        return None
    cells = [c.strip() for c in _PIPE.split(line.strip())]
    cells = cells[1:] if cells and not cells[0] else cells
    cells = cells[:-1] if cells and not cells[-1] else cells
    return tuple(cells) if len(cells) >= 3 else None


def _tab_cells(lines: list[str]) -> list[str]:
    """Cells of a tab-cell row; a line without a tab continues the cell above."""
    cells: list[str] = []
    for line in lines:
        if line.startswith("\t") or not cells:
            cells.append(line.strip())
        else:
            cells[-1] += "、" + line.strip()
    return cells

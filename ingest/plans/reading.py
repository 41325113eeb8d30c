"""One plan document read into its reading text and structure.

``read_document(data)`` judges the format by the bytes (``formats.sniff``),
reads it with the reader of that format and returns a ``Reading``: the text
every quote is an exact substring of, the blocks with their offsets and
section paths. For the seed texts the reading text is exactly
``layers.plans.plan_text`` (hard wraps are detected instead of declared).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from ingest.plans.errors import PlanReadingError
from ingest.plans.formats import MAX_FILE_BYTES, sniff
from ingest.plans.structure import Block, Sections, blocks_of

MIN_TEXT_CHARS = 50


@dataclass
class Reading:
    """The reading text of one document, its format and its blocks."""

    text: str
    format: str
    unwrapped: bool = False
    blocks: list[Block] = field(default_factory=list)
    sections: Sections | None = None

    def section_at(self, offset: int) -> str:
        """The section path (headings joined by " > ") above ``offset``."""
        return self.sections.at(offset)

    def as_dict(self) -> dict:
        """JSON-ready: text, format and blocks (kind, start, end, section, cells)."""
        return {"format": self.format, "unwrapped": self.unwrapped, "text": self.text,
                "blocks": [{"kind": b.kind, "start": b.start, "end": b.end,
                            "section": b.section, "cells": list(b.cells)}
                           for b in self.blocks]}


def read_document(data: bytes) -> Reading:
    """Read a plan document (DOCX, PDF with text, HTML or TXT) from its bytes.

    Raises PlanReadingError (with a Chinese message) for an unknown format, an
    encrypted file, a zip bomb, a scanned PDF or a document without text.
    """
    fmt = sniff(data)
    unwrapped = fmt == "pdf"
    if fmt == "txt":
        from ingest.plans.txt_text import read_txt
        text, unwrapped = read_txt(data)
    elif fmt == "docx":
        from ingest.plans.docx_text import read_docx
        text = read_docx(data)
    elif fmt == "html":
        from ingest.plans.html_text import read_html
        text = read_html(data)
    else:
        from ingest.plans.pdf_text import read_pdf
        text = read_pdf(data)
    if len(text.strip()) < MIN_TEXT_CHARS:
        raise PlanReadingError("empty", f"文档几乎没有文字（{len(text.strip())} 个字符），无法提取")
    sections = Sections(text)
    return Reading(text, fmt, unwrapped, blocks_of(text, sections), sections)


def read_path(path: Path) -> Reading:
    """``read_document`` of a file, refusing one larger than the limit before reading it."""
    path = Path(path)
    if path.stat().st_size > MAX_FILE_BYTES:
        raise PlanReadingError("too_large", f"文件过大：{path.stat().st_size} 字节，"
                                            f"上限 {MAX_FILE_BYTES} 字节")
    return read_document(path.read_bytes())

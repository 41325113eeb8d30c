"""PDFs with a text layer: characters and their boxes from pdfium (pypdfium2, fast),
tables from pdfplumber on the pages that draw ruled lines.

Characters are put into lines by position (top to bottom, left to right), so a
glyph a word processor wrote out of order (a quote mark in a fallback font) is
where it is printed. On a page with ruled lines pdfplumber's table finder gives
the tables; they become tab-cell rows (``tables.table_lines``) in place of the
lines inside them. The other lines are joined back into paragraphs with the seed
texts' rule for hard-wrapped text (``layers.plans.reading_text(..., unwrap=True)``).
A PDF that needs a password is refused; so is one whose pages hold (almost) no
characters: a scan without a text layer, which would need OCR.
"""

from __future__ import annotations

import io

from ingest.plans.errors import PlanReadingError
from ingest.plans.tables import table_lines
from layers.plans import reading_text

MIN_CHARS_PER_PAGE = 20
MAX_PAGES = 2000
RULED_PAGE_PATHS = 4  # a page drawing at least this many paths may hold a table


def read_pdf(data: bytes) -> str:
    """The reading text of a PDF with a text layer."""
    import pypdfium2 as pdfium

    try:
        pdf = pdfium.PdfDocument(data)
    except pdfium.PdfiumError as exc:
        if "password" in str(exc).lower():
            raise PlanReadingError("encrypted", "PDF 已加密（需要密码），无法读取") from None
        raise PlanReadingError("damaged", "PDF 已损坏，无法读取") from None
    pages = len(pdf)
    try:
        if pages > MAX_PAGES:
            raise PlanReadingError("too_large", f"PDF 页数过多：{pages} 页")
        parts, chars = [], 0
        for index in range(pages):
            page_parts, count = _page_parts(pdf, index, data)
            parts.extend(page_parts)
            chars += count
    finally:
        pdf.close()
    if chars < MIN_CHARS_PER_PAGE * max(pages, 1):
        raise PlanReadingError("scanned_pdf", "PDF 没有文字层（疑似扫描件），无法提取文字；"
                                              "请提供带文字的 PDF 或 Word 文档")
    return _join(parts)


def _page_parts(pdf, index: int, data: bytes) -> tuple[list[tuple[str, object]], int]:
    """(("line", text) and ("table", rows) of one page top to bottom, its character count)."""
    import pypdfium2.raw as raw

    page = pdf[index]
    height = page.get_height()
    textpage = page.get_textpage()
    lines = _lines(textpage, height)
    count = textpage.count_chars()
    paths = sum(1 for _ in page.get_objects(filter=[raw.FPDF_PAGEOBJ_PATH], max_depth=2))
    items = []
    boxes = []
    if paths >= RULED_PAGE_PATHS and lines:
        for top, bbox, rows in _tables(data, index):
            boxes.append(bbox)
            items.append((top, ("table", rows)))
    for top, middle, text in lines:
        if not any(b[0] <= middle[0] <= b[2] and b[1] <= middle[1] <= b[3] for b in boxes):
            items.append((top, ("line", text)))
    items.sort(key=lambda item: item[0])
    return [part for _, part in items], count


def _lines(textpage, height: float) -> list[tuple[float, tuple[float, float], str]]:
    """(top, middle point, text) of every printed line, in page coordinates from the top."""
    chars = []
    for i in range(textpage.count_chars()):
        char = textpage.get_text_range(i, 1)
        if not char or char.isspace():
            continue
        left, bottom, right, top = textpage.get_charbox(i, loose=True)
        chars.append((height - top, height - bottom, left, right, char))
    chars.sort()
    lines: list[list] = []
    for char in chars:
        size = max(char[1] - char[0], 1.0)
        if lines and abs((char[0] + char[1]) / 2 - lines[-1][0]) <= size / 2:
            lines[-1][1].append(char)
        else:
            lines.append([(char[0] + char[1]) / 2, [char]])
    out = []
    for middle, line in lines:
        line.sort(key=lambda c: c[2])
        text, previous = "", None
        for top, bottom, left, right, char in line:
            if previous is not None and left - previous > 0.5 * (bottom - top):
                text += " "
            text += char
            previous = right
        out.append((min(c[0] for c in line), ((line[0][2] + line[-1][3]) / 2, middle), text))
    return out


def _tables(data: bytes, index: int) -> list[tuple[float, tuple, list[list[str]]]]:
    """(top, bbox, rows) of the ruled tables pdfplumber finds on page ``index``."""
    import pdfplumber

    with pdfplumber.open(io.BytesIO(data), pages=[index + 1]) as pdf:
        page = pdf.pages[0]
        return [(t.bbox[1], t.bbox, [[cell or "" for cell in row] for row in t.extract()])
                for t in page.find_tables()]


def _join(parts: list[tuple[str, object]]) -> str:
    """Wrapped lines joined into paragraphs between tables; tables as tab-cell rows."""
    out: list[str] = []
    lines: list[str] = []
    for kind, value in parts + [("table", [])]:
        if kind == "line":
            lines.append(value)
            continue
        if lines:
            out.append(reading_text("\n".join(lines), unwrap=True).rstrip("\n"))
            lines = []
        if value:
            out.append("\n".join(table_lines(value)))
    return "\n".join(part for part in out if part).strip("\n") + "\n"

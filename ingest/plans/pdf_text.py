"""PDFs with a text layer, read with pdfplumber (pdfminer.six underneath).

Per page the tables pdfplumber finds (ruled cells) become tab-cell rows
(``tables.table_lines``) at their place among the text lines; the other lines
are joined back into paragraphs with the seed texts' rule for hard-wrapped text
(``layers.plans.reading_text(..., unwrap=True)``). A PDF that needs a password
is refused; so is one whose pages hold (almost) no characters: a scan without a
text layer, which would need OCR.
"""

from __future__ import annotations

import io

from ingest.plans.errors import PlanReadingError
from ingest.plans.tables import table_lines
from layers.plans import reading_text

MIN_CHARS_PER_PAGE = 20
MAX_PAGES = 2000


def read_pdf(data: bytes) -> str:
    """The reading text of a PDF with a text layer."""
    import pdfplumber
    from pdfminer.pdfdocument import PDFPasswordIncorrect

    try:
        pdf = pdfplumber.open(io.BytesIO(data))
        pages = pdf.pages
    except PDFPasswordIncorrect:
        raise PlanReadingError("encrypted", "PDF 已加密（需要密码），无法读取") from None
    except Exception as exc:  # pdfminer raises many kinds on a broken file
        if "password" in str(exc).lower() or "encrypt" in type(exc).__name__.lower():
            raise PlanReadingError("encrypted", "PDF 已加密（需要密码），无法读取") from None
        raise PlanReadingError("damaged", f"PDF 已损坏，无法读取：{type(exc).__name__}") from None
    with pdf:
        if len(pages) > MAX_PAGES:
            raise PlanReadingError("too_large", f"PDF 页数过多：{len(pages)} 页")
        parts, chars = [], 0
        for page in pages:
            chars += len(page.chars)
            parts.extend(_page_parts(page))
            page.flush_cache()
    if chars < MIN_CHARS_PER_PAGE * max(len(pages), 1):
        raise PlanReadingError("scanned_pdf", "PDF 没有文字层（疑似扫描件），无法提取文字；"
                                              "请提供带文字的 PDF 或 Word 文档")
    return _join(parts)


def _page_parts(page) -> list[tuple[str, object]]:
    """("line", text) and ("table", rows) of one page, top to bottom."""
    tables = page.find_tables()
    boxes = [t.bbox for t in tables]
    items = [(t.bbox[1], ("table", t.extract())) for t in tables]
    for line in page.extract_text_lines(return_chars=False):
        middle = (line["x0"] + line["x1"]) / 2, (line["top"] + line["bottom"]) / 2
        if not any(b[0] <= middle[0] <= b[2] and b[1] <= middle[1] <= b[3] for b in boxes):
            items.append((line["top"], ("line", line["text"])))
    items.sort(key=lambda item: item[0])
    return [part for _, part in items]


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
        rows = [[cell or "" for cell in row] for row in value]
        if rows:
            out.append("\n".join(table_lines(rows)))
    return "\n".join(part for part in out if part).strip("\n") + "\n"

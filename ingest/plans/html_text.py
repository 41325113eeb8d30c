"""A saved government web page: the article's block elements, tables as rows.

Parsed with lxml's HTML parser (no network, no entities fetched); scripts,
styles, navigation and forms are dropped. Every block element (p, h1–h6, li,
div text) is a line; a table is written with ``tables.table_lines``.
"""

from __future__ import annotations

import re

from ingest.plans.errors import PlanReadingError
from ingest.plans.tables import clean_cell, table_lines

_DROP = ("script", "style", "noscript", "nav", "form", "select", "button", "iframe",
         "header", "footer", "template", "svg")
_BLOCK = {"p", "h1", "h2", "h3", "h4", "h5", "h6", "li", "div", "section", "article",
          "blockquote", "pre", "center", "td", "th", "dd", "dt", "title"}
_SPACE = re.compile(r"[ \t\u3000\xa0\r\n]+")


def read_html(data: bytes) -> str:
    """The reading text of an HTML page."""
    import lxml.html
    from lxml import etree

    parser = lxml.html.HTMLParser(no_network=True, remove_comments=True, huge_tree=False,
                                  encoding=_encoding(data))
    try:
        root = lxml.html.document_fromstring(data, parser=parser)
    except (etree.ParserError, ValueError) as exc:
        raise PlanReadingError("damaged", f"网页无法解析：{exc}") from None
    for element in root.iter(*_DROP):
        element.drop_tree()
    body = root.find("body")
    lines: list[str] = []
    try:
        _walk(body if body is not None else root, lines)
    except RecursionError:
        raise PlanReadingError("damaged", "网页嵌套过深，无法读取") from None
    text = "\n".join(line for line in (ln.rstrip() for ln in lines))
    return re.sub(r"\n{3,}", "\n\n", text).strip("\n") + "\n"


def _encoding(data: bytes) -> str | None:
    head = data[:4096].lower()
    match = re.search(rb"charset=[\"']?([a-z0-9_-]{2,20})", head)
    if match:
        name = match.group(1).decode("ascii")
        return "gb18030" if name in ("gb2312", "gbk", "gb18030") else name
    try:
        data.decode("utf-8")
        return "utf-8"
    except UnicodeDecodeError:
        return "gb18030"


def _walk(element, lines: list[str]) -> None:
    """Append the lines of ``element``: text runs inside a block, a block per line."""
    current: list[str] = []

    def flush():
        text = _SPACE.sub(" ", "".join(current)).strip()
        if text:
            lines.append(text)
        current.clear()

    if element.text:
        current.append(element.text)
    for child in element:
        tag = child.tag if isinstance(child.tag, str) else ""
        if tag == "table":
            flush()
            if lines and lines[-1] != "":
                lines.append("")
            lines.extend(table_lines(_table_rows(child)))
        elif tag in _BLOCK:
            flush()
            _walk(child, lines)
        elif tag == "br":
            flush()
        else:
            current.append(child.text_content() if tag else "")
        if child.tail:
            current.append(child.tail)
    flush()


def _table_rows(table) -> list[list[str]]:
    rows = []
    for tr in table.iter("tr"):
        cells = []
        for cell in tr:
            if isinstance(cell.tag, str) and cell.tag in ("td", "th"):
                cell_lines: list[str] = []
                _walk(cell, cell_lines)
                cells.append(clean_cell("\n".join(cell_lines)))
        rows.append(cells)
    return rows

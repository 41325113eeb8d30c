"""Reading uploaded spreadsheets safely, and writing CSV that spreadsheets cannot execute.

``read_table`` turns the bytes of a CSV or XLSX upload into a table of strings:

- CSV encodings UTF-8 (with or without BOM) and GB18030 (a superset of GBK and
  GB2312) are detected by strict decoding, UTF-8 first; anything else is refused;
- an XLSX is checked as a ZIP before it is opened (member count, declared
  uncompressed sizes, compression ratio), then read with formulas kept as
  formulas (``data_only=False``): a formula cell is an error, never evaluated;
- the sheet's declared dimension (``A1:XFD50000``) is checked before any cell is
  read, and rows are then streamed without padding them to it;
- rows, columns, cells and cell length are counted *as they are read*, and the
  reading stops at the first limit passed, so a hostile file costs at most the
  limits, never its declared size. Trailing empty cells and rows are trimmed in
  linear time.

Problems are collected with the spreadsheet row (1 = header) and column, so a
person can find and fix every one in a single pass.
"""

from __future__ import annotations

import csv
import hashlib
import io
import re
import warnings
import zipfile
from dataclasses import dataclass, field
from datetime import date, datetime

import pandas as pd

_XLSX_MAGIC = b"PK\x03\x04"
_OLE_MAGIC = b"\xd0\xcf\x11\xe0"  # legacy .xls / other OLE documents
_UTF16_BOMS = (b"\xff\xfe", b"\xfe\xff")
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
EXCEL_MAX_ROWS = 1_048_576
EXCEL_MAX_COLUMNS = 16_384


@dataclass(frozen=True)
class Limits:
    """Upper bounds for one upload; the defaults suit county statistics and carrier lists."""

    max_bytes: int = 10 * 1024 * 1024
    max_rows: int = 50_000
    max_columns: int = 100
    max_cell_chars: int = 500
    max_cells: int = 1_000_000
    max_unpacked_bytes: int = 100 * 1024 * 1024
    max_zip_members: int = 500
    max_zip_ratio: int = 200


@dataclass(frozen=True)
class Problem:
    """One thing wrong with an upload: where (row, column), what was found, why it is wrong."""

    row: int | None
    column: str | None
    value: str
    message: str

    def as_dict(self) -> dict:
        return {"row": self.row, "column": self.column, "value": self.value,
                "message": self.message}


class TableRejected(ValueError):
    """The upload cannot be used; ``problems`` lists every reason found."""

    def __init__(self, problems: list[Problem]):
        self.problems = list(problems)
        first = self.problems[0].message if self.problems else "rejected"
        more = f"（另有 {len(self.problems) - 1} 处问题）" if len(self.problems) > 1 else ""
        super().__init__(first + more)


class TooLarge(TableRejected):
    """The upload exceeds a size limit."""


@dataclass
class Table:
    """An upload as strings: ``frame`` has the header's columns; data row i is sheet row i+2."""

    frame: pd.DataFrame
    format: str
    encoding: str
    sha256: str
    notes: list[str] = field(default_factory=list)


def read_table(data: bytes, filename: str = "", limits: Limits = Limits()) -> Table:
    """Read a CSV or XLSX upload into a table of stripped strings.

    Parameters
    ----------
    data : bytes
        The file as uploaded.
    filename : str
        Used only for messages and to recognise ``.xls``.
    limits : Limits
        Size, row, column and ZIP limits.

    Returns
    -------
    Table
        ``frame`` of str (empty cells are ``""``), one column per header cell.

    Raises
    ------
    TableRejected
        With every problem found: too large, empty, undecodable, a ZIP bomb,
        formula cells, duplicate or blank headers, too many rows or columns.

    Examples
    --------
    >>> read_table("地区,年份\\n沭阳县,2023\\n".encode()).frame.iloc[0].tolist()
    ['沭阳县', '2023']
    """
    if len(data) > limits.max_bytes:
        raise TooLarge([Problem(None, None, f"{len(data)} 字节",
                                f"文件过大：超过上限 {limits.max_bytes:,} 字节")])
    if not data or data.isspace():
        _reject(None, None, "", "文件为空")
    digest = hashlib.sha256(data).hexdigest()
    if data.startswith(_XLSX_MAGIC):
        rows = read_xlsx_rows(data, limits)
        fmt, encoding = "xlsx", "xlsx"
    elif data.startswith(_OLE_MAGIC) or filename.lower().endswith(".xls"):
        _reject(None, None, filename, "不支持旧版 .xls 文件，请另存为 .xlsx 或 UTF-8 CSV")
    else:
        text, encoding = decode_text(data)
        rows = read_csv_rows(text, limits)
        fmt = "csv"
    frame = _frame(rows, limits)
    return Table(frame=frame, format=fmt, encoding=encoding, sha256=digest)


def decode_text(data: bytes) -> tuple[str, str]:
    """Decode CSV bytes as UTF-8 (BOM optional) or GB18030; TableRejected otherwise."""
    if data.startswith(_UTF16_BOMS):
        _reject(None, None, "UTF-16", "文件编码为 UTF-16，请另存为 UTF-8 或 GBK 编码的 CSV")
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            continue
        if not _CONTROL.search(text):
            name = "utf-8-sig" if encoding == "utf-8-sig" and data.startswith(b"\xef\xbb\xbf") \
                else ("utf-8" if encoding == "utf-8-sig" else encoding)
            return text, name
    _reject(None, None, "", "无法识别文件编码：只支持 UTF-8（可带 BOM）与 GBK/GB18030 编码的 CSV")
    raise AssertionError("unreachable")


def read_csv_rows(text: str, limits: Limits) -> list[list[str]]:
    """Split CSV text into rows of cells; the delimiter (comma, tab, semicolon) is sniffed."""
    start = 1 if text.startswith("\ufeff") else 0
    end = text.find("\n")
    end = len(text) if end < 0 else end
    delimiter = max((",", "\t", ";"), key=lambda d: text.count(d, start, end))
    rows = RowCollector(limits)
    try:
        for row in csv.reader(_short_lines(text, delimiter), delimiter=delimiter):
            rows.add(row)
    except csv.Error as exc:
        _reject(rows.row_no + 1, None, "", f"CSV 格式错误：{exc}")
    return rows.finish()


def _short_lines(text: str, delimiter: str):
    """The lines of ``text`` (with their ends, as the csv module wants them), one at a
    time; a line with more delimiters than a spreadsheet has columns is refused
    before it is even copied, let alone split into cells."""
    if "\n" not in text and "\r" in text:  # old Mac line ends: let StringIO split them
        yield from io.StringIO(text, newline="")
        return
    start, line_no = 0, 0
    while start < len(text):
        end = text.find("\n", start)
        end = len(text) if end < 0 else end + 1
        line_no += 1
        count = text.count(delimiter, start, end)
        if count >= EXCEL_MAX_COLUMNS:
            _reject(line_no, None, f"{count:,} 个分隔符",
                    f"第 {line_no} 行的分隔符多于 {EXCEL_MAX_COLUMNS:,} 个（电子表格的最大列数）")
        yield text[start:end]
        start = end


class RowCollector:
    """Rows as they are read, trimmed and counted against the limits on the way in.

    Cells are stripped and trailing empty cells dropped (linear time); empty rows
    are only counted until a non-empty one follows, so trailing blank rows cost
    nothing. TableRejected as soon as a row, column or cell limit is passed.
    """

    def __init__(self, limits: Limits):
        self.limits = limits
        self.rows: list[list[str]] = []
        self.row_no = 0
        self.cells = 0
        self.blank = 0
        self.problems: list[Problem] = []

    def add(self, cells) -> None:
        self.row_no += 1
        row = [str(c).strip() for c in trim_trailing(cells)]
        if not row:
            self.blank += 1
            if self.row_no > EXCEL_MAX_ROWS:
                _too_many_rows(self.limits)
            return
        if self.row_no > self.limits.max_rows + 1:
            _too_many_rows(self.limits)
        if len(row) > self.limits.max_columns:
            _reject(self.row_no, None, str(len(row)),
                    f"第 {self.row_no} 行有 {len(row)} 列，超过上限 {self.limits.max_columns}")
        self.cells += len(row)
        if self.cells > self.limits.max_cells:
            _reject(self.row_no, None, "", f"单元格总数超过上限 {self.limits.max_cells:,}")
        self.rows.extend([] for _ in range(self.blank))
        self.blank = 0
        self.rows.append(row)

    def skip(self, count: int) -> None:
        """``count`` rows the file leaves out (empty)."""
        if count > 0:
            self.row_no += count
            self.blank += count
            if self.row_no > EXCEL_MAX_ROWS:
                _too_many_rows(self.limits)

    def problem(self, row_no, column, value, message) -> None:
        """A problem of one cell (e.g. a formula), raised by ``finish``."""
        self.problems.append(Problem(row_no, column, value, message))

    def finish(self) -> list[list[str]]:
        if self.problems:
            raise TableRejected(self.problems)
        return self.rows


def trim_trailing(row: list) -> list:
    """``row`` without its trailing blank cells (one pass from the end)."""
    end = len(row)
    while end and not str(row[end - 1]).strip():
        end -= 1
    return row if end == len(row) else row[:end]


def check_zip(data: bytes, limits: Limits) -> None:
    """Refuse a ZIP (XLSX) whose declared content is too big or too compressed.

    The sizes come from the ZIP's central directory; Python's zipfile never
    inflates a member past its declared size, so the check bounds the real work.
    """
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile:
        _reject(None, None, "", "文件不是有效的 XLSX（ZIP 结构损坏）")
    infos = archive.infolist()
    if len(infos) > limits.max_zip_members:
        _reject(None, None, str(len(infos)), f"XLSX 内含 {len(infos)} 个部件，超过上限")
    total = sum(info.file_size for info in infos)
    if total > limits.max_unpacked_bytes:
        _reject(None, None, f"{total:,} 字节",
                f"XLSX 解压后 {total:,} 字节，超过上限 {limits.max_unpacked_bytes:,} 字节"
                "（疑似压缩炸弹）")
    for info in infos:
        ratio = info.file_size / max(info.compress_size, 1)
        if info.file_size > 1024 * 1024 and ratio > limits.max_zip_ratio:
            _reject(None, None, info.filename,
                    f"XLSX 部件 {info.filename} 压缩比 {ratio:.0f}:1，疑似压缩炸弹")


def read_xlsx_rows(data: bytes, limits: Limits) -> list[list[str]]:
    """Rows of the first worksheet as strings; formula cells are reported, never evaluated."""
    check_zip(data, limits)
    import openpyxl

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # openpyxl warns about styles it does not know
            book = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=False)
    except Exception as exc:  # openpyxl raises many types for a malformed file
        _reject(None, None, "", f"无法读取 XLSX：{type(exc).__name__}")
    try:
        if not book.worksheets:
            _reject(None, None, "", "XLSX 中没有工作表")
        return _sheet_rows(book.worksheets[0], limits)
    except TableRejected:
        raise
    except Exception as exc:  # a malformed sheet part fails while it is streamed
        _reject(None, None, "", f"无法读取 XLSX 工作表：{type(exc).__name__}")
    finally:
        book.close()


def _check_dimension(sheet, limits: Limits) -> None:
    """Refuse a sheet whose declared range (``<dimension ref>``) passes the limits."""
    rows, columns = sheet.max_row or 0, sheet.max_column or 0
    if rows > limits.max_rows + 1 or columns > limits.max_columns:
        declared = f"{rows:,} 行 × {columns:,} 列"
        _reject(None, None, declared, f"工作表声明的范围为 {declared}，超过上限"
                f"（{limits.max_rows:,} 行、{limits.max_columns} 列）；"
                "请删除多余的行列后另存")


def _sheet_rows(sheet, limits: Limits) -> list[list[str]]:
    _check_dimension(sheet, limits)
    rows = RowCollector(limits)
    for row_no, cells in _sheet_cells(sheet):
        rows.skip(row_no - rows.row_no - 1)
        present = [c for c in cells if c.get("value") is not None]
        width = max((c["column"] for c in present), default=0)
        if width > limits.max_columns:
            _reject(row_no, None, str(width),
                    f"第 {row_no} 行有第 {width} 列的数据，超过上限 {limits.max_columns} 列")
        values = [""] * width
        for cell in present:
            if cell.get("data_type") == "f":
                rows.problem(row_no, _coordinate(row_no, cell["column"]), str(cell["value"])[:80],
                             "公式单元格：不计算公式，请改为粘贴数值")
            else:
                values[cell["column"] - 1] = _cell_text(cell["value"])
        rows.add(values)
        if len(rows.problems) > 100:
            break
    return rows.finish()


def _sheet_cells(sheet):
    """``(row number, cells)`` for each row the sheet's XML holds, cells as openpyxl's
    parser gives them (dicts with ``column``, ``value``, ``data_type``), nothing padded.

    openpyxl's own row iterator pads every row to the declared range, or to the
    last cell of the row; its parser, used here, yields only what is there.
    """
    from openpyxl.worksheet._reader import WorkSheetParser

    book = sheet.parent
    with sheet._get_source() as source:
        parser = WorkSheetParser(source, sheet._shared_strings, data_only=book.data_only,
                                 epoch=book.epoch, date_formats=book._date_formats,
                                 timedelta_formats=book._timedelta_formats)
        yield from parser.parse()


def _coordinate(row: int, column: int) -> str:
    from openpyxl.utils import get_column_letter

    return f"{get_column_letter(column)}{row}"


def _cell_text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    return str(value)


def _frame(rows: list[list[str]], limits: Limits) -> pd.DataFrame:
    """The rows (already stripped and trimmed by RowCollector) under their header."""
    if not rows:
        _reject(None, None, "", "文件为空")
    header = rows[0]
    problems = _header_problems(header, limits)
    body = rows[1:]
    if not body:
        problems.append(Problem(None, None, "", "文件只有表头，没有数据行"))
    width = len(header)
    for row_no, row in enumerate(body, start=2):
        if len(row) > width:
            problems.append(Problem(row_no, None, "", f"第 {row_no} 行的单元格多于表头列数"))
        for col, cell in zip(header, row):
            if len(cell) > limits.max_cell_chars:
                problems.append(Problem(row_no, col, cell[:40] + "…",
                                        f"单元格过长（{len(cell)} 字符，"
                                        f"上限 {limits.max_cell_chars}）"))
    if problems:
        raise TableRejected(problems)
    padded = [row + [""] * (width - len(row)) if len(row) < width else row for row in body]
    return pd.DataFrame(padded, columns=header, dtype=str)


def _header_problems(header: list[str], limits: Limits) -> list[Problem]:
    problems = []
    if len(header) > limits.max_columns:
        problems.append(Problem(1, None, str(len(header)),
                                f"列数 {len(header)} 超过上限 {limits.max_columns}"))
    seen = set()
    for index, name in enumerate(header, start=1):
        if not name:
            problems.append(Problem(1, f"第 {index} 列", "", "表头为空"))
        elif name in seen:
            problems.append(Problem(1, name, name, f"表头重复：{name}"))
        seen.add(name)
    return problems


def _too_many_rows(limits: Limits) -> None:
    _reject(None, None, "", f"行数超过上限 {limits.max_rows:,}")


def _reject(row, column, value, message) -> None:
    raise TableRejected([Problem(row, column, value, message)])

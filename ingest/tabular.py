"""Reading uploaded spreadsheets safely, and writing CSV that spreadsheets cannot execute.

``read_table`` turns the bytes of a CSV or XLSX upload into a table of strings:

- CSV encodings UTF-8 (with or without BOM) and GB18030 (a superset of GBK and
  GB2312) are detected by strict decoding, UTF-8 first; anything else is refused;
- an XLSX is checked as a ZIP before it is opened (member count, declared
  uncompressed sizes, compression ratio), then read with formulas kept as
  formulas (``data_only=False``): a formula cell is an error, never evaluated;
- size, row, column and cell-length limits apply before any parsing result is used.

Problems are collected with the spreadsheet row (1 = header) and column, so a
person can find and fix every one in a single pass.
"""

from __future__ import annotations

import csv
import hashlib
import io
import unicodedata
import warnings
import zipfile
from dataclasses import dataclass, field
from datetime import date, datetime

import pandas as pd

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
_XLSX_MAGIC = b"PK\x03\x04"
_OLE_MAGIC = b"\xd0\xcf\x11\xe0"  # legacy .xls / other OLE documents
_UTF16_BOMS = (b"\xff\xfe", b"\xfe\xff")


@dataclass(frozen=True)
class Limits:
    """Upper bounds for one upload; the defaults suit county statistics and carrier lists."""

    max_bytes: int = 10 * 1024 * 1024
    max_rows: int = 50_000
    max_columns: int = 100
    max_cell_chars: int = 500
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
    if not data.strip():
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
        bad = [c for c in text if unicodedata.category(c) == "Cc" and c not in "\r\n\t"]
        if not bad:
            name = "utf-8-sig" if encoding == "utf-8-sig" and data.startswith(b"\xef\xbb\xbf") \
                else ("utf-8" if encoding == "utf-8-sig" else encoding)
            return text, name
    _reject(None, None, "", "无法识别文件编码：只支持 UTF-8（可带 BOM）与 GBK/GB18030 编码的 CSV")
    raise AssertionError("unreachable")


def read_csv_rows(text: str, limits: Limits) -> list[list[str]]:
    """Split CSV text into rows of cells; the delimiter (comma, tab, semicolon) is sniffed."""
    first = text.lstrip("\ufeff").split("\n", 1)[0]
    delimiter = max((",", "\t", ";"), key=first.count)
    rows = []
    try:
        for row in csv.reader(io.StringIO(text, newline=""), delimiter=delimiter):
            rows.append(row)
            if len(rows) > limits.max_rows + 1:
                _too_many_rows(limits)
    except csv.Error as exc:
        _reject(len(rows) + 1, None, "", f"CSV 格式错误：{exc}")
    return rows


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
                f"XLSX 解压后 {total:,} 字节，超过上限 {limits.max_unpacked_bytes:,} 字节（疑似压缩炸弹）")
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
    finally:
        book.close()


def _sheet_rows(sheet, limits: Limits) -> list[list[str]]:
    rows, problems = [], []
    for row_no, cells in enumerate(sheet.iter_rows(), start=1):
        if row_no > limits.max_rows + 1:
            _too_many_rows(limits)
        values = []
        for cell in cells:
            if getattr(cell, "data_type", None) == "f":
                problems.append(Problem(row_no, getattr(cell, "coordinate", None),
                                        str(cell.value)[:80],
                                        "公式单元格：不计算公式，请改为粘贴数值"))
                values.append("")
            else:
                values.append(_cell_text(getattr(cell, "value", None)))
        rows.append(values)
    if problems:
        raise TableRejected(problems)
    return rows


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
    rows = [[str(c).strip() for c in row] for row in rows]
    while rows and not any(rows[-1]):
        rows.pop()
    if not rows:
        _reject(None, None, "", "文件为空")
    header = rows[0]
    while header and not header[-1]:
        header = header[:-1]
    problems = _header_problems(header, limits)
    body = rows[1:]
    if not body:
        problems.append(Problem(None, None, "", "文件只有表头，没有数据行"))
    width = len(header)
    for row_no, row in enumerate(body, start=2):
        if any(row[width:]):
            problems.append(Problem(row_no, None, "", f"第 {row_no} 行的单元格多于表头列数"))
        for col, cell in zip(header, row):
            if len(cell) > limits.max_cell_chars:
                problems.append(Problem(row_no, col, cell[:40] + "…",
                                        f"单元格过长（{len(cell)} 字符，上限 {limits.max_cell_chars}）"))
    if problems:
        raise TableRejected(problems)
    padded = [(row + [""] * width)[:width] for row in body]
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


def escape_formula(value):
    """Make a text cell inert in spreadsheets: prefix ``'`` to ``= + - @`` (and tab, CR).

    Non-text values are returned unchanged, so numbers stay numbers.

    Examples
    --------
    >>> escape_formula("=HYPERLINK(\\"http://x\\")")
    '\\'=HYPERLINK("http://x")'
    >>> escape_formula(-3.5)
    -3.5
    """
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


def safe_csv(frame: pd.DataFrame) -> str:
    """``frame`` as CSV text (UTF-8 with BOM for Excel) with every text cell escaped."""
    out = frame.copy()
    for column in out.columns:
        if out[column].dtype == object or pd.api.types.is_string_dtype(out[column]):
            out[column] = out[column].map(escape_formula)
    out.columns = [escape_formula(str(c)) for c in out.columns]
    return "\ufeff" + out.to_csv(index=False, lineterminator="\r\n")

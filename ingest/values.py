"""What a value in an import may be: plain decimal numbers within a magnitude per unit,
four-digit years in ASCII digits, and text a person can see.

Every rule returns the parsed value or raises ValueError with the reason in Chinese;
``ingest.metrics`` and ``ingest.carriers`` turn the reason into a row-by-row problem.

Numbers are written the plain way: ASCII digits, an optional sign, a decimal point,
an exponent (``1.5e3``, as spreadsheets export very small or large numbers) and
thousands separators only in groups of three (``12,345.6``). Refused with a reason:
``1_5`` (Python's digit separator), full-width ``１５`` or Arabic-Indic ``١٥``
digits, ``inf``/``nan``, hexadecimal, and anything whose magnitude passes the limit
of its unit (``MAX_MAGNITUDE``; counts 1e9, default 1e12), so that no imported
value can overflow a classification or a sum downstream. A number that is not zero
but too close to it to be held as a normal double (``1e-400``, which would be stored
as 0, or ``1e-310``, which would lose digits) is refused the same way.
"""

from __future__ import annotations

import math
import re
import sys
import unicodedata

_DECIMAL = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]{1,3})?")
_GROUPED = re.compile(r"[+-]?[0-9]{1,3}(?:,[0-9]{3})+(?:\.[0-9]+)?")
_YEAR = re.compile(r"([0-9]{4})(?:\.0+)?\s*年?")
_ASCII_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
# Categories a name may not contain: controls, format characters (zero-width space,
# joiners, bidi embeddings/overrides/isolates U+202A–202E, U+2066–2069), line and
# paragraph separators (U+2028, U+2029), private use.
HIDDEN_CATEGORIES = frozenset({"Cc", "Cf", "Zl", "Zp", "Co", "Cs"})

COUNT_UNITS = ("个", "家", "项", "件", "位", "人", "人年", "户", "条", "名", "场次", "所", "座")
MAX_MAGNITUDE = {
    "%": 1e4, "百分点": 1e4,              # shares and growth rates: up to 100 times
    "亿元": 1e7, "亿美元": 1e6,            # 1e7 亿元 is eight times China's GDP
    "万元": 1e11, "元": 1e15,
    "吨标准煤/万元": 1e3,
    "万平方米": 1e7, "亩": 1e9,
    **{unit: 1e9 for unit in COUNT_UNITS},
}
DEFAULT_MAGNITUDE = 1e12


def parse_number(text: str, unit: str = "") -> float:
    """A plain decimal number within the magnitude of ``unit``; ValueError otherwise.

    A trailing ``%`` (or ``％``) is allowed when the unit is ``%``.

    Examples
    --------
    >>> parse_number("12,345.5", "万元")
    12345.5
    >>> parse_number("1_5")
    Traceback (most recent call last):
    ...
    ValueError: “1_5”不是数值：只接受普通的十进制数（含下划线）
    """
    raw = str(text).strip()
    body = raw[:-1].rstrip() if unit == "%" and raw.endswith(("%", "％")) else raw
    if not (_DECIMAL.fullmatch(body) or _GROUPED.fullmatch(body)):
        raise ValueError(f"“{raw}”不是数值：只接受普通的十进制数{_why_not_decimal(body)}")
    number = float(body.replace(",", ""))
    limit = MAX_MAGNITUDE.get(unit, DEFAULT_MAGNITUDE)
    if not math.isfinite(number) or abs(number) > limit:
        raise ValueError(f"数值 {raw} 超出单位“{unit or '无'}”允许的范围（绝对值不超过 {limit:g}）")
    if abs(number) < sys.float_info.min and _has_nonzero_digit(body):
        raise ValueError(f"数值 {raw} 过于接近 0，无法精确保存（非零值的绝对值不小于 "
                         f"{sys.float_info.min:.1e}；若为零请写 0）")
    return number


def _has_nonzero_digit(body: str) -> bool:
    """True when the digits before the exponent are not all zeros (the number is not 0)."""
    mantissa = body.lower().partition("e")[0]
    return any(c in "123456789" for c in mantissa)


def parse_coordinate(text: str) -> float:
    """A longitude or latitude in plain decimal degrees (no grouping, no exponent)."""
    raw = str(text).strip()
    if not re.fullmatch(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)", raw):
        raise ValueError(f"“{raw}”不是普通的十进制度数{_why_not_decimal(raw)}")
    return float(raw)


def _why_not_decimal(text: str) -> str:
    if "_" in text:
        return "（含下划线）"
    if any(c.isdigit() and not c.isascii() for c in text):
        return "（含全角或非拉丁数字，请改用 0–9）"
    if text.lower().lstrip("+-") in ("inf", "infinity", "nan"):
        return "（不接受无穷大或 NaN）"
    return ""


def parse_year(text: str, years: tuple[int, int]) -> int:
    """A four-digit year in ASCII digits (``2023``, ``2023年``, ``2023.0``) within ``years``."""
    raw = str(text).strip()
    match = _YEAR.fullmatch(raw)
    if not match:
        raise ValueError("年份不是四位数字" + _why_not_decimal(raw))
    year = int(match.group(1))
    low, high = years
    if not low <= year <= high:
        raise ValueError(f"年份 {year} 超出范围 {low}–{high}")
    return year


def text_problem(text: str) -> str:
    """Why ``text`` cannot be a name, region or address ("" when it can).

    Examples
    --------
    >>> text_problem("沭阳县")
    ''
    >>> text_problem("\\u200b\\u200b")
    '含不可见字符 U+200B（零宽字符、双向文字控制符、换行或行分隔符）'
    """
    if text.isascii():
        hidden = _ASCII_CONTROL.search(text)
        return "" if hidden is None else _hidden_message(hidden.group(0))
    for char in text:
        if unicodedata.category(char) in HIDDEN_CATEGORIES:
            return _hidden_message(char)
    if text and not any(unicodedata.category(c)[0] not in "CZ" for c in text):
        return "没有可见字符"
    return ""


def _hidden_message(char: str) -> str:
    return f"含不可见字符 U+{ord(char):04X}（零宽字符、双向文字控制符、换行或行分隔符）"

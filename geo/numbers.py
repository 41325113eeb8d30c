"""Numbers and plan targets written the Chinese way: one helper for every surface.

"力争达到2.5%", "1%左右", "200家以上", "1—2家", "保持全国第一", "23,000余人".
Tables, region pages, reports, maps and popups call :func:`format_value` for a
value with its unit and qualifier and :func:`format_number` for a bare number,
so a target reads the same everywhere. Pure functions, no state.

A qualifier is the ``qualifier`` column of ``data/kb/targets.csv``: one word or
several joined by ``|`` (``力争|以上``). Words written before the number
(力争, 超过, 不少于, 保持, 高于全市 …) and after it (以上, 以下, 左右, 级; 余
between the number and its unit) are placed accordingly; 力争 / 争取 alone take
the verb 达到 (降至 when the target is an upper bound, 以下).
"""

from __future__ import annotations

import math

MISSING = "—"
RANGE_DASH = "—"
PREFIX_WORDS = ("力争", "争取", "超过", "突破", "不少于", "不低于", "至少", "超", "≥",
                "保持", "进入", "高于全市")
SUFFIX_WORDS = ("以上", "以下", "左右", "余", "级")
ASPIRATION_WORDS = ("力争", "争取")
RANK_UNIT = "位"
_CHINESE_DIGITS = "零一二三四五六七八九"


def format_number(x, digits: int = 4) -> str:
    """A number with thousands separators and no trailing zeros.

    Parameters
    ----------
    x : float, int or None
        The number; None or NaN gives "—".
    digits : int
        Most decimals kept (rounded), default 4.

    Returns
    -------
    str
        e.g. ``format_number(23000) == "23,000"``, ``format_number(2.50) == "2.5"``,
        ``format_number(-0.30) == "-0.3"``.

    Examples
    --------
    >>> format_number(1234567.891)
    '1,234,567.891'
    """
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return MISSING
    text = f"{float(x):,.{digits}f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def format_percent(ratio, digits: int = 1) -> str:
    """A ratio as a percentage: 0.765 → "76.5%"; None/NaN → "—"."""
    if ratio is None or (isinstance(ratio, float) and math.isnan(ratio)):
        return MISSING
    return f"{format_number(float(ratio) * 100, digits)}%"


def split_qualifier(qualifier: str | None) -> tuple[list[str], list[str]]:
    """(words before the number, words after it) of a ``|``-joined qualifier.

    ValueError names a word that is neither (so a new qualifier in the knowledge
    base is noticed, not silently dropped).
    """
    words = [w.strip() for w in (qualifier or "").split("|") if w.strip()]
    unknown = [w for w in words if w not in PREFIX_WORDS + SUFFIX_WORDS]
    if unknown:
        raise ValueError(f"unknown qualifier word(s) {unknown} in {qualifier!r}")
    return ([w for w in words if w in PREFIX_WORDS], [w for w in words if w in SUFFIX_WORDS])


def format_value(value, unit: str = "", qualifier: str | None = None, value_max=None,
                 scope: str = "") -> str:
    """A value (or range) with its unit and qualifier, as a plan would write it.

    Parameters
    ----------
    value : float or None
        The number in ``unit``; None/NaN gives "—".
    unit : str
        Unit of ``data/kb/indicators.csv`` ("%", "家", "亿元", "位" for a rank …).
    qualifier : str, optional
        ``|``-joined words of ``data/kb/targets.csv`` (力争, 以上, 左右, 保持 …).
    value_max : float, optional
        Upper bound of a range (1—2家).
    scope : str, optional
        Where a rank is counted ("全国"): "保持全国第一".

    Returns
    -------
    str
        ``format_value(2.5, "%", "力争") == "力争达到2.5%"``,
        ``format_value(1, "%", "左右") == "1%左右"``,
        ``format_value(1, "家", value_max=2) == "1—2家"``,
        ``format_value(1, "位", "保持", scope="全国") == "保持全国第一"``.

    Raises
    ------
    ValueError
        For a qualifier word this module does not know.
    """
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return MISSING
    before, after = split_qualifier(qualifier)
    if unit == RANK_UNIT:
        body = _rank(value, scope, before)
    else:
        body = _amount(value, unit, value_max, "余" if "余" in after else "")
        after = [w for w in after if w != "余"]
    if before and all(w in ASPIRATION_WORDS for w in before) and unit != RANK_UNIT:
        before = [*before, "降至" if "以下" in after else "达到"]
    return "".join(before) + body + "".join(after)


def _amount(value, unit: str, value_max, infix: str = "") -> str:
    """The number(s) and unit; ``infix`` (余) goes between them: 2.3万余人."""
    unit_text = infix + ("个百分点" if unit == "百分点" else unit)
    low = format_number(value)
    if value_max is None or (isinstance(value_max, float) and math.isnan(value_max)):
        return low + unit_text
    high = format_number(value_max)
    if unit == "%":
        return f"{low}%{RANGE_DASH}{high}%"
    return f"{low}{RANGE_DASH}{high}{unit_text}"


def _rank(value, scope: str, before: list[str]) -> str:
    """A rank: 1 → "第一", 100 with 进入 → "前100位" (a top-100 list)."""
    number = float(value)
    if "进入" in before:
        return f"{scope}前{format_number(number)}位"
    if number.is_integer() and 1 <= number <= 10:
        digit = int(number)
        return f"{scope}第{'十' if digit == 10 else _CHINESE_DIGITS[digit]}"
    return f"{scope}第{format_number(number)}位"

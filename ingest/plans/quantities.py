"""Numbers with a unit in plan prose and table cells: the one matcher every rule uses.

The pattern is linear (no nested quantifiers, every repeat bounded): an optional
comparison word, a number or range, an optional 万/亿 magnitude, a unit of the
table below, an optional 左右/以上/以下/余. Units are general measurement words,
not taken from any plan.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from layers.targets import parse_value_text

# Longer units first so that 亿元 is not read as 亿 + 元.
UNITS = ("亿美元", "万平方米", "平方公里", "平方米", "人年", "人次", "场次", "百分点", "亿元",
         "万元", "千元", "元", "家", "个", "%", "％", "人", "名", "件", "项", "位", "户", "亩",
         "条", "所", "座", "台", "套", "支", "篇", "只", "吨", "公顷", "倍", "年", "次", "批")
NOT_TARGET_UNITS = ("百分点", "倍", "年", "次", "批")
BEFORE_WORDS = ("不少于", "不低于", "超过", "突破", "至少", "≥", "＞", ">", "超")
AFTER_WORDS = ("左右", "以上", "以下", "余")
_NUM = r"\d{1,9}(?:\.\d{1,4})?"
QUANTITY = re.compile(
    r"(?P<pre>不少于|不低于|超过|突破|至少|超|≥|＞|>)?\s?"
    rf"(?P<num>{_NUM}(?:\s?[—–~～\-－]\s?{_NUM})?)\s?(?P<mag>万亿|万|亿|千)?(?P<approx>余|多)?\s?"
    rf"(?P<unit>{'|'.join(re.escape(u) for u in UNITS)})"
    r"(?P<post>左右|以上|以下|余)?")


@dataclass(frozen=True)
class Quantity:
    """One number in a text: its span, value (in ``unit``), range top and words."""

    start: int
    end: int
    value: float
    value_max: float | None
    unit: str
    value_text: str
    before: str
    after: str


def quantities(text: str, base: int = 0) -> list[Quantity]:
    """Every number with a unit in ``text``; offsets shifted by ``base``."""
    found = []
    for match in QUANTITY.finditer(text):
        if _not_a_figure(text, match):
            continue
        unit, magnitude = ("%" if match["unit"] == "％" else match["unit"]), match["mag"] or ""
        if magnitude + unit in UNITS or (magnitude and unit == "元"):
            unit, magnitude = magnitude + unit, ""  # 62.5万平方米, 5000万元: the unit holds it
        try:
            value, value_max = parse_value_text(match["num"].replace(" ", ""), unit)
        except ValueError:
            continue
        factor = _MAGNITUDES.get(magnitude, 1)
        value, value_max, unit = _normal_unit(value * factor,
                                              value_max * factor if value_max else None, unit)
        found.append(Quantity(base + match.start(), base + match.end(), _round(value),
                              _round(value_max), unit, match.group(0).strip(),
                              match["pre"] or "", match["post"] or match["approx"] or ""))
    return found


_MAGNITUDES = {"万": 1e4, "亿": 1e8, "千": 1e3, "万亿": 1e12}
_UNIT_NAMES = {"名": ("人", 1), "万元": ("亿元", 1e-4), "万亿元": ("亿元", 1e4),
               "千元": ("亿元", 1e-5)}


def _normal_unit(value, value_max, unit):
    """The knowledge base's unit for a figure: 名 is counted in 人, money in 亿元."""
    if unit not in _UNIT_NAMES:
        return value, value_max, unit
    name, factor = _UNIT_NAMES[unit]
    return value * factor, (value_max * factor if value_max is not None else None), name


def _not_a_figure(text: str, match: re.Match) -> bool:
    """A serial number (第3个, 3号), a year, or a number glued to letters or digits."""
    before = text[max(match.start() - 1, 0):match.start()]
    after = text[match.end():match.end() + 3]
    return (match["unit"] in NOT_TARGET_UNITS or before in ("第", ".", "．")
            or after.startswith(("号", "百分点"))
            or (before.isascii() and before.isalnum()))


def _round(value: float | None) -> float | None:
    if value is None:
        return None
    return int(value) if float(value).is_integer() else round(value, 6)

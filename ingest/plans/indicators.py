"""Which indicator of ``data/kb/indicators.csv`` a plan's figure measures, if any.

An indicator is named only when the figure's name is the indicator's name or one
of its variants (compared without spaces, brackets' units and full-width forms),
its unit is the indicator's, and an increment (新增 …) is not filed under a
stock or ratio. Anything else is proposed as a new indicator (``None``).
"""

from __future__ import annotations

import re
import unicodedata

import pandas as pd

from layers.targets import is_increment

_LEVELS = ("stock", "ratio")
_COUNTING = ("个", "家", "所", "座")
_NOISE = re.compile(r"[\s“”\"'（）()]")
# What a plan writes around an indicator's name without changing what it measures (the
# patterns see the name after NFKC, so brackets are ASCII): the plan's own territory in
# front (全市, 全县…), a Latin abbreviation in brackets (研究与试验发展(R&D)经费), the
# unit in brackets at the end ((%), (亿元)) and a wish word run into the name (…力争).
_SCOPE = re.compile(r"^全[市县区省州盟旗]")
_ABBREVIATION = re.compile(r"\([A-Za-z&]{1,8}\)")
_UNIT_TAIL = re.compile(r"\([%‰A-Za-z个家所座人件项亿万元吨倍位次年平方公里千米]{1,4}\)$")
_WISH_TAIL = re.compile(r"(?:力争|力争达到|达到|突破|超过)$")


def key(name: str) -> str:
    """Comparison key of an indicator name: the words that say what is measured."""
    text = unicodedata.normalize("NFKC", str(name)).strip()
    text = _ABBREVIATION.sub("", _UNIT_TAIL.sub("", text))
    text = _SCOPE.sub("", _WISH_TAIL.sub("", text))
    text = text.replace("万人口", "万人")  # 每万人口 and 每万人 are one population
    if text.endswith("数量"):  # …企业数量 is …企业数
        text = text[:-1]
    return _NOISE.sub("", text)


def name_index(indicators: pd.DataFrame) -> dict[str, list[dict]]:
    """Indicators by the key of their name and of each variant."""
    index: dict[str, list[dict]] = {}
    for row in indicators.to_dict("records"):
        for name in {row["name"], *str(row.get("variants") or "").split("|")}:
            if name:
                index.setdefault(key(name), []).append(row)
    return index


def indicator_id(index: dict[str, list[dict]], name: str, unit: str, clause: str) -> str | None:
    """The id of the one indicator ``name`` in ``unit`` measures, else None."""
    match = indicator_of(index, name, unit, clause)
    return match["id"] if match else None


def indicator_of(index: dict[str, list[dict]], name: str, unit: str, clause: str) -> dict | None:
    """The one indicator row ``name`` in ``unit`` measures (counting words such as
    个 and 家 are one unit for a count), else None."""
    increment = is_increment("", "", note=clause)
    fits = [row for row in index.get(key(name), [])
            if same_unit(row["unit"], unit) and not (increment and row["measure"] in _LEVELS)]
    return fits[0] if len(fits) == 1 else None


def same_unit(a: str, b: str) -> bool:
    """True for one unit, a figure without a unit (a table row whose unit is not
    stated), or two counting words of whole things (个 / 家 / 所 / 座)."""
    return a == b or not b or (a in _COUNTING and b in _COUNTING)

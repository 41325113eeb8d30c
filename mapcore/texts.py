"""Texts of map features: plain values, citations and value phrases (no HTML here)."""

from __future__ import annotations

import math

from geo import thematic
from geo.numbers import format_number, format_value


def text(value) -> str:
    """``value`` as text; "" for None, NaN and pandas' missing values."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    try:
        if value != value:  # pd.NA, NaT
            return ""
    except (TypeError, ValueError):
        return ""
    return str(value)


def number_or_none(value):
    """A number, or None where there is none (None, NaN, "")."""
    if value is None or value == "" or (isinstance(value, float) and math.isnan(value)):
        return None
    return value


def citation(row, resources) -> dict:
    """The plan citation of a row (mapping or namedtuple): plan, section, exact quote."""
    get = row.get if isinstance(row, dict) else (lambda k: getattr(row, k, None))
    plan_id = text(get("plan_id"))
    return {"plan_id": plan_id, "plan_title": resources.plan_title(plan_id),
            "section": text(get("section")), "quote": text(get("quote"))}


def unique_citations(citations: list[dict]) -> list[dict]:
    """Citations without repeats (a baseline and its target often share one quote)."""
    seen, out = set(), []
    for c in citations:
        key = (c["plan_id"], c["section"], c["quote"])
        if c["quote"] and key not in seen:
            seen.add(key)
            out.append(c)
    return out


def source_label(kind: str, year, period: str | None = None, previous=False) -> str:
    """基期（2020年）, 目标（2025年）, or 十三五目标（2020年） for a target of the period
    before its plan's (``previous``, with that period's label ``period``)."""
    if kind == "baseline":
        return f"基期（{year}年）"
    earlier = previous is not None and previous == previous and bool(previous)  # NaN: no
    return f"{period if earlier and period else ''}目标（{year}年）"


def source_value(source: dict, unit: str = "") -> str:
    """A baseline/target as the plan states it: 力争达到2.5%, 1%左右, 200家以上, 1—2家."""
    try:
        return format_value(source["value"], unit, source.get("qualifier") or None,
                            number_or_none(source.get("value_max")))
    except ValueError:  # a qualifier word the formatter does not know: shown as stated
        return f"{source.get('qualifier') or ''}{format_number(source['value'])}{unit}"


def value_text(value: float, unit: str, decimals: int) -> str:
    """A unit's value with its unit, or 无数据."""
    if value is None or math.isnan(value):
        return thematic.NO_DATA_LABEL
    return f"{format_number(value, decimals)} {unit}".strip()

"""Targets of an indicator table written as a numbered list, one indicator a line:

    3．高新技术企业数（家）：由2025年的520增加到2030年的850。（预期性）
    9．财政科技支出占一般公共预算支出比重（%）：2025年7.6，2030年不低于8。

The unit stands in brackets after the name and the values are bare numbers, each
right after its year, so the prose rule (a number with its unit) reads none of
them. A number followed by a unit is left to that rule.
"""

from __future__ import annotations

import re

from ingest.plans.quantities import UNITS
from ingest.plans.targets import target_candidate

_LINE = re.compile(
    r"^\s?(?:\d{1,2}\s?[．.、]|[（(]\d{1,2}[)）])\s?(?P<name>[^：:，。；（()）\n]{2,40})"
    r"[（(](?P<unit>[^（）()\n]{1,6})[)）]\s?[：:]")
_AFTER = "|".join(re.escape(w) for w in (*UNITS, "万", "亿", "月", "日"))
_PAIR = re.compile(
    r"(?P<year>(?:19|20)\d\d)\s?年(?:底|末)?的?\s?(?P<pre>不低于|不少于|超过|突破|达到|≥|>|＞)?\s?"
    rf"(?P<num>\d{{1,9}}(?:\.\d{{1,4}})?)(?P<post>以上|左右)?(?![\d.]|\s?(?:{_AFTER}))")


def listed_targets(reading, ctx) -> list[dict]:
    """The targets of every indicator line of ``reading`` (paragraphs and headings)."""
    out: list[dict] = []
    for block in reading.blocks:
        if block.kind == "table_row" or ctx.annual:
            continue
        line = reading.text[block.start:block.end]
        head = _LINE.match(line)
        unit = head and ("%" if head["unit"] == "％" else head["unit"])
        if not head or unit not in UNITS:
            continue
        for pair in _PAIR.finditer(line, head.end()):
            year = int(pair["year"])
            out.append(target_candidate(
                ctx, indicator=head["name"].strip(), value=_number(pair["num"]), value_max=None,
                unit=unit, year=year,
                kind="baseline" if year < ctx.period_start else "target",
                qualifier="|".join(q for q in (pair["pre"], pair["post"]) if q),
                quote=line, start=block.start, end=block.end, section=block.section,
                source="table", clause=head["name"]))
    return out


def _number(text: str) -> float | int:
    value = float(text)
    return int(value) if value.is_integer() else value

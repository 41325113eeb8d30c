"""The plan itself: title, issuer, 文号, date, region, kind and period.

Rules read the cover and the first lines, never a list of plans: a 文号 is
``机关代字〔年〕序号号``; the issuer is the short line ending in a body's word
(人民政府 / 办公室 / 办公厅 / 委员会 / 小组 / 局) just above the signing date; the
title is the first line naming a 规划 / 计划 / 方案 / 纲要 (or the 《…》 of a
印发 notice); the period comes from a five-year name (十四五, 十五五 …), an
explicit span (2021—2025年) or a 年度 (2023年度); the region is the geocoder's
administrative match of the title.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass

_CN_DIGITS = "一二三四五六七八九"
_FIVE_YEAR = re.compile(r"“?十([一二三四五六七八九])?五”?(?:时期|期间|规划|末)?")
_SPAN = re.compile(r"((?:19|20)\d\d)\s?[—–\-~～至到]\s?((?:19|20)\d\d)\s?年")
_ANNUAL = re.compile(r"((?:19|20)\d\d)\s?年度")
_DOC_NUMBER = re.compile(
    r"[\u4e00-\u9fff]{1,10}[〔\[［(（]\s?(?:19|20)\d\d\s?[〕\]］)）]\s?\d{1,4}\s?号")
_HAN_DIGITS = "〇一二三四五六七八九"
_HAN_DATE = re.compile(r"^([〇○零一二三四五六七八九]{4})\s?年\s?([一二三四五六七八九十]{1,3})\s?月"
                       r"(?:\s?([一二三四五六七八九十]{1,3})\s?日)?$")
_DATE = re.compile(r"^((?:19|20)\d\d)\s?年\s?(\d{1,2})\s?月(?:\s?(\d{1,2})\s?日)?$")
_ISSUER = re.compile(r"^[\u4e00-\u9fff（）()]{2,40}(人民政府|办公室|办公厅|委员会|小组|局|厅|委)$")
_TITLE_WORDS = re.compile(r"(规划|计划|方案|纲要|要点)(（[^）]{1,20}）)?$")
_NOTICE_TITLE = re.compile(r"《([^《》]{4,60}(?:规划|计划|方案|纲要|要点))》")
_HEAD_CHARS = 3000


@dataclass
class PlanMeta:
    """The plan candidate: every field may be None when the text does not state it."""

    title: str | None = None
    issuer: str | None = None
    doc_number: str | None = None
    date: str | None = None
    region_adcode: str | None = None
    kind: str | None = None
    period_start: int | None = None
    period_end: int | None = None
    quote: str | None = None
    start: int | None = None
    end: int | None = None

    def as_dict(self) -> dict:
        return asdict(self)


def five_year_period(name: str) -> tuple[int, int] | None:
    """十四五 → (2021, 2025), 十五五 → (2026, 2030): the n-th plan from the third (1966) on."""
    match = _FIVE_YEAR.search(name)
    if not match:
        return None
    n = 10 + (_CN_DIGITS.index(match.group(1)) + 1 if match.group(1) else 0)
    start = 1966 + 5 * (n - 3)
    return start, start + 4


def read_meta(text: str, geocode_region) -> PlanMeta:
    """The plan candidate of a reading text; ``geocode_region(title)`` gives an adcode."""
    head = text[:_HEAD_CHARS]
    lines = [line.strip() for line in head.split("\n")]
    meta = PlanMeta()
    number = next((m for ln in lines if len(ln) <= 40 for m in [_DOC_NUMBER.search(ln)] if m), None)
    meta.doc_number = number.group(0).replace(" ", "") if number else None
    _signature(lines, meta)
    _title(text, head, lines, meta)
    first = next((ln for ln in lines if len(ln) > 60), "")
    meta.region_adcode = geocode_region(meta.title) if meta.title else None
    if meta.region_adcode is None and first:
        meta.region_adcode = geocode_region(first[:200])
    _period(meta.title or "", head, meta)
    return meta


def _signature(lines: list[str], meta: PlanMeta) -> None:
    for i, line in enumerate(lines):
        date = _DATE.match(_arabic_date(line))
        if not date:
            continue
        year, month, day = date.groups()
        meta.date = f"{year}-{int(month):02d}" + (f"-{int(day):02d}" if day else "")
        above = [ln for ln in lines[max(i - 3, 0):i] if ln]
        if above and _ISSUER.match(above[-1]):
            meta.issuer = above[-1]
        return


def _arabic_date(line: str) -> str:
    """A date in Chinese numerals (二〇二六年五月九日) in digits (2026年5月9日)."""
    found = _HAN_DATE.match(line)
    if not found:
        return line
    year = "".join(str(_HAN_DIGITS.index("〇" if c in "○零" else c)) for c in found.group(1))
    parts = [_han_number(found.group(i)) for i in (2, 3) if found.group(i)]
    return f"{year}年{parts[0]}月" + (f"{parts[1]}日" if len(parts) > 1 else "")


def _han_number(text: str) -> int:
    """一 … 三十一: tens before 十 (none is one ten), units after it."""
    if "十" not in text:
        return _HAN_DIGITS.index(text)
    tens, _, units = text.partition("十")
    return ((_HAN_DIGITS.index(tens) if tens else 1) * 10
            + (_HAN_DIGITS.index(units) if units else 0))


def _title(text: str, head: str, lines: list[str], meta: PlanMeta) -> None:
    title = next((ln for ln in lines if 4 <= len(ln) <= 60 and _TITLE_WORDS.search(ln)
                  and not ln.startswith(("《", "根据", "为"))), None)
    if title is None:
        notice = next((m for ln in lines if "印发" in ln for m in [_NOTICE_TITLE.search(ln)] if m),
                      None)
        title = notice.group(1) if notice else None
    if title:
        meta.title = title
        meta.quote = title
        meta.start = text.find(title)
        meta.end = meta.start + len(title)


def _period(title: str, head: str, meta: PlanMeta) -> None:
    annual = _ANNUAL.search(title)
    span = _SPAN.search(title) or _SPAN.search(head)
    five = five_year_period(title) or five_year_period(head)
    if annual:
        meta.kind, year = "年度计划", int(annual.group(1))
        meta.period_start = meta.period_end = year
    elif five:
        meta.kind = "五年规划"
        meta.period_start, meta.period_end = five
    elif span:
        meta.kind = "专项"
        meta.period_start, meta.period_end = int(span.group(1)), int(span.group(2))
    else:
        meta.kind = "专项"

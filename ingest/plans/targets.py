"""Target candidates: numbers with a unit from indicator tables and from prose.

Tables: a header row with year columns (2020年, 2025年) or a 目标 column names
what each value column holds; every later row of the table gives its indicator
(the text cell, its unit in （）) and one value per column. Prose: every number
with a unit (``quantities``) whose clause names what it counts. The year is the
one the sentence sets (到2025年, 截至2020年底, 2023年) or, failing that, the
plan's: the base year (the year before the period) in a passage about what has
been achieved, the period's end otherwise; a year before the period is a
baseline, any other a target.
"""

from __future__ import annotations

import re

from ingest.plans.indicators import indicator_of
from ingest.plans.names import name_runs
from ingest.plans.places import heading_place, one_place
from ingest.plans.quantities import AFTER_WORDS, UNITS, quantities

REACH = 200  # characters before a figure that may hold its indicator, year and qualifier
_CLAUSE_BREAK = re.compile(r"[，；。：！？,;!?\n\t]")
_SENTENCE_BREAK = re.compile(r"[；。！？;!?\n]")
_YEAR = re.compile(r"(到|至|截至|截止到|截止)?\s?((?:19|20)\d\d)\s?年(底|末|度)?")
_LEADING = re.compile(r"^(到|至|截至|力争|争取|其中|全年|年内|每年|共|累计|并|和|与|及)+")
_TRAILING = re.compile(r"(达到|达|突破|超过|不少于|不低于|至少|实现|保持在|保持|为|增长到|增加到|"
                       r"提高到|提升到|提高至|增长至|增加至|由|从|至|到|有|超|共|累计|总数|约|的|\s)+$")
# a year column: 2025年, 2025年底, 2025年（基期）
_TABLE_YEAR = re.compile(r"^((?:19|20)\d\d)\s?年?(底|末)?([（(][^（）()]{1,6}[)）])?$")
_TABLE_GOAL = re.compile(r"目标")
_UNIT_IN_NAME = re.compile(r"[（(]([^（）()]{1,12})[)）]\s?$")
_UNIT_HEADER = re.compile(r"^(计量)?单位$")
_ATTRIBUTE = re.compile(r"^(预期性|约束性|属性|序号|\d{1,2})$")
# a subsidy or a rate a policy applies (给予最高500万元奖励, 按100%加计扣除), a standard
# for each unit (每个园区培育1家以上): no figure of the region
_NOT_A_GOAL = re.compile(r"(给予|最高|奖励|补助|补贴|资助|按)$|^每[个家所座]")
_HIGHER = re.compile(r"(国家|全国|中央|省|自治区)[^，。；]{0,8}(提出|要求|明确)")
_CLAUSE_OPEN = "，,；;：:\n "
_SINCE = ("以来", "起", "开始", "至今")
_RANGE = ("—", "–", "-", "～", "~")
_ACHIEVED_SECTION = re.compile(r"基础|成效|成就|回顾|现状|进展|完成情况|取得")
_QUALIFIER_BEFORE = ("力争", "争取")
_FROM = re.compile(r"(由|从)[^，。；由从]{0,10}$")
_TO = re.compile(r"\s?(（[^）]{0,12}）)?\s?(增加到|增长到|提高到|提升到|增至|升至|到)")
_VERB_ONLY = re.compile(r"(达到|达|突破|超过|为|实现|增至|增加到|增长到|提高到|提升到)?")
_SUBJECT_END = re.compile(r"增长|提高|增加|达到|突破|超过|较|比|同比|年均|由|从")
_OPENER = re.compile(r"(新增|建成|培育|引进|建设|布局|组建|创建|新建|认定|备案|累计|共|其中)?")
_CHANGE_VERB = re.compile(r"增加|增长|提高|提升|增至|升至|净增|新增了?")
_BARE_YEAR = re.compile(r"(?:19|20)\d\d\s?年(?:底|末)?")
_COMPARISON = re.compile(r"^[）)]?\s?(较|比|同比|净增|(增加|增长|提高|下降|减少)(?![到至了]))")
_CHANGE = re.compile(r"(?<!年均)(增长|增幅|增速|同比|提高|下降|减按)(?![到至])")
# a value cell: ≥2.5, 80左右, 1.2万, 〔300〕 (a five-year sum, as tables mark it in 〔〕)
_TABLE_VALUE = re.compile(r"^(超过|不少于|不低于|突破|≥|>|＞)?\s?[〔［\[]?(\d{1,9}(?:\.\d{1,4})?)"
                          r"[〕］\]]?\s?(万|亿)?\s?(左右|以上)?$")


def table_targets(reading, ctx) -> list[dict]:
    """Targets of every indicator table (a header with year or 目标 columns)."""
    out: list[dict] = []
    columns, numbered = None, None  # numbered: (columns, last row number)
    unit_column = None  # a header's 单位 column
    previous_end = -10
    for block in reading.blocks:
        if block.kind != "table_row":
            columns = None
            continue
        if columns is None and numbered and block.cells[0] == str(numbered[1] + 1):
            columns = numbered[0]  # a numbered row a page break put after a paragraph
        if columns is not None and block.start - previous_end > 3 and "\n\n" not in \
                reading.text[previous_end:block.start + 1]:
            columns = None
        previous_end = block.end
        header = _header(block.cells, ctx)
        if header:
            columns = header
            unit_column = next((i for i, c in enumerate(block.cells)
                                if _UNIT_HEADER.match(c.replace(" ", ""))), None)
            continue
        if columns:
            out.extend(_row_targets(reading, block, columns, ctx, unit_column))
            if block.cells[0].isdigit():
                numbered = (columns, int(block.cells[0]))
    return out


def _header(cells, ctx) -> list[tuple[int, int, str]] | None:
    """[(column, year, kind)] when ``cells`` are a header of year / 目标 columns."""
    years = [(i, int(m.group(1))) for i, c in enumerate(cells)
             for m in [_TABLE_YEAR.match(c.replace(" ", ""))]
             if m and ctx.period_start - 12 <= int(m.group(1)) <= ctx.period_end + 10]
    if not years or len(cells) > 8:
        return None
    base = max(y for _, y in years)
    columns = [(i, y, "baseline" if y < ctx.period_start else "target") for i, y in years]
    for i, cell in enumerate(cells):
        if _TABLE_GOAL.search(cell) and not _TABLE_YEAR.match(cell):
            columns.append((i, base if base < ctx.period_start else ctx.period_end, "target"))
    return columns


def _row_targets(reading, block, columns, ctx, unit_column=None) -> list[dict]:
    cells = list(block.cells)
    names = [c for c in cells if re.search(r"[\u4e00-\u9fff]", c) and not _ATTRIBUTE.match(c)
             and not _TABLE_VALUE.match(c)]
    if not names:
        return []
    name = max(names, key=len)
    unit_match = _UNIT_IN_NAME.search(name)
    unit = unit_match.group(1) if unit_match else ""
    width = max(i for i, _, _ in columns) + 1
    shift = len(cells) - width if len(cells) < width else 0
    if not unit and unit_column is not None and 0 <= unit_column + shift < len(cells):
        unit = cells[unit_column + shift].strip()  # the row's cell of a 单位 column
    unit = "%" if unit == "％" else unit if unit in UNITS else ""
    out = []
    for column, year, kind in columns:
        at = column + shift
        if not 0 <= at < len(cells):
            continue
        value = _TABLE_VALUE.match(cells[at].replace("\n", ""))
        if not value:
            continue
        number = float(value.group(2)) * {"万": 1e4, "亿": 1e8, None: 1}[value.group(3)]
        out.append(target_candidate(
            ctx, indicator=name, value=number, value_max=None, unit=unit, year=year, kind=kind,
            qualifier="|".join(q for q in (value.group(1), value.group(4)) if q),
            quote=reading.text[block.start:block.end], start=block.start, end=block.end,
            section=block.section, source="table", clause=name))
    return out


def prose_targets(reading, ctx, spans=None) -> list[dict]:
    """Targets of the numbers with a unit in paragraphs (or in the given spans)."""
    out: list[dict] = []
    for block in spans if spans is not None else reading.blocks:
        if block.kind != "paragraph" and spans is None:
            continue
        text = reading.text[block.start:block.end]
        last_end, previous = 0, None
        for q in quantities(text):
            candidate = _prose_candidate(reading, block, text, q, last_end, ctx, previous)
            last_end = q.end
            if candidate:
                out.append(candidate)
                previous = candidate
    return out


def _prose_candidate(reading, block, text, q, last_end, ctx, previous) -> dict | None:
    window = max(q.start - REACH, 0)  # a figure's words are near it: linear in the text
    breaks = [m.end() for m in _CLAUSE_BREAK.finditer(text, window, q.start)] or [window]
    clause_start = max(breaks[-1] if breaks else 0, last_end)
    sentence_start = max([m.end() for m in _SENTENCE_BREAK.finditer(text, window, q.start)]
                         or [window])
    before = text[clause_start:q.start]
    if before.rfind("“") > before.rfind("”") or before.rfind("《") > before.rfind("》"):
        return None  # a number inside a name or a slogan (“科技创新40条”)
    if _COMPARISON.match(before.strip()):
        return None  # a change against an earlier year (较…净增233家), not a level
    if _NOT_A_GOAL.search(before.strip()) or _higher_level(text[sentence_start:q.start], ctx):
        return None
    indicator = _TRAILING.sub("", _LEADING.sub("", _YEAR.sub("", before).strip()).strip())
    if len(re.findall(r"[\u4e00-\u9fff]", indicator)) < 2 or _CHANGE_VERB.fullmatch(indicator):
        same_sentence = previous is not None and previous["end"] - block.start >= sentence_start
        indicator = _subject(text, clause_start, sentence_start, before, previous, same_sentence)
    quote_end = q.end
    if not indicator and _OPENER.fullmatch(_LEADING.sub("", _YEAR.sub("", before).strip())):
        indicator, quote_end = _object(text, q.end)  # "新增 20 家市级孵化器": what follows
    if not indicator:
        return None
    year, kind = _year_kind(text[sentence_start:q.start], block.section, text, ctx)
    if _FROM.search(before) and _TO.match(text[q.end:q.end + 12]) and not _YEAR.search(before):
        # "由A增加到B": A is the earlier level, the base year's or the one five years before
        year, kind = (ctx.period_start - 1 if kind == "target" else year - 5), "baseline"
    if kind == "baseline" and q.unit == "%" and _CHANGE.search(before):
        return None  # a change over the past period (增幅 374%), not a level
    qualifier = [w for w in _QUALIFIER_BEFORE if w in text[sentence_start:q.start]]
    qualifier += [w for w in (q.before, q.after) if w and w not in qualifier]
    start, end = block.start + clause_start, block.start + quote_end
    return target_candidate(ctx, indicator=indicator.strip(), value=q.value,
                            value_max=q.value_max, unit=q.unit, year=year, kind=kind,
                            qualifier="|".join(qualifier), quote=reading.text[start:end],
                            start=start, end=end, section=block.section, source="text",
                            clause=before)


def _subject(text, clause_start, sentence_start, before, previous,
             same_sentence=False) -> str | None:
    """What a bare clause counts: "…由A增加到B" continues the indicator of A; "…增长了
    2.8倍，达到4.46件" the subject of the clause before, within one sentence."""
    if previous and _TO.fullmatch(_BARE_YEAR.sub("", before).replace("的", "").replace(" ", "")):
        return previous["indicator"]
    if same_sentence and _BARE_YEAR.match(before.strip()) \
            and _VERB_ONLY.fullmatch(_BARE_YEAR.sub("", before).strip()):
        return previous["indicator"]  # "…31.6亿元，2025年达到36亿元": the same figure a year on
    if not _VERB_ONLY.fullmatch(before.strip()) or clause_start <= sentence_start:
        return None
    prior = text[sentence_start:clause_start - 1]
    prior = prior[max([m.end() for m in _CLAUSE_BREAK.finditer(prior)] or [0]):]
    subject = _LEADING.sub("", _SUBJECT_END.split(prior, maxsplit=1)[0]).strip()
    return subject if len(re.findall(r"[\u4e00-\u9fff]", subject)) >= 2 else None


def _object(text: str, end: int) -> tuple[str | None, int]:
    """(the words after a figure up to the next break, where they end), when they name
    what is counted; (None, end) otherwise."""
    stop = _CLAUSE_BREAK.search(text, end)
    stop_at = min(stop.start() if stop else len(text), end + 30)
    words = text[end:stop_at].strip().lstrip("的")
    if len(re.findall(r"[\u4e00-\u9fff]", words)) < 2:
        return None, end
    return words, stop_at


def _year_kind(sentence: str, section: str, paragraph: str, ctx) -> tuple[int, str]:
    """The year a sentence sets, else the plan's default for the passage."""
    if ctx.annual:
        return ctx.period_end, "target"
    stated = None
    for match in _YEAR.finditer(sentence):
        year = int(match.group(2))
        after = sentence[match.end():match.end() + 1]
        stated_as_of = match.group(3) in ("底", "末") or after == "的"
        if match.group(1) or stated_as_of or _opens(sentence, match) or year >= ctx.period_start:
            stated = year
    if stated is not None:
        return stated, ("baseline" if stated < ctx.period_start else "target")
    if _ACHIEVED_SECTION.search(section) or ctx.previous_period in sentence:
        return ctx.period_start - 1, "baseline"
    return ctx.period_end, "target"


def _opens(sentence: str, match: re.Match) -> bool:
    """A year that opens the figure's clause or the one before it states its date
    ("2024年全市技术交易额31.6亿元", "2024年，全市…"); not the start of a range
    (2017年—2020年), a year since when (2020年以来), nor one clauses away."""
    before = sentence[match.start() - 1:match.start()]
    after = sentence[match.end():].lstrip()
    if before not in ("", *_CLAUSE_OPEN) or after.startswith((*_SINCE, *_RANGE)):
        return False
    return len(_CLAUSE_BREAK.findall(after)) <= 1


def _higher_level(sentence: str, ctx) -> bool:
    """A goal a higher government set (自治区提出到2030年全区…达到1.8%) in a city's or a
    county's plan: context, not the plan's own target."""
    found = _HIGHER.search(sentence)
    if not found:
        return False
    province_plan = str(ctx.region_adcode or "").endswith("0000")
    return not (province_plan and found.group(1) in ("省", "自治区"))


def zone_of(indicator: str, section: str) -> str | None:
    """The zone or body a figure belongs to: a place the indicator opens with
    (宿迁高新区高新技术产业产值占比), else the place the innermost heading names
    (（二）支持宿迁农高区打造…, 3. 激光装备产业园)."""
    own = [r for r in name_runs(indicator, keep_generic=True) if one_place(r[2])]
    if own and own[0][0] == 0 and own[0][1] < len(indicator):
        return own[0][2]
    return heading_place(section)


def target_candidate(ctx, *, indicator, value, value_max, unit, year, kind, qualifier, quote,
                     start, end, section, source, clause) -> dict:
    """One target candidate, filed under a known indicator when its name and unit fit."""
    name = _UNIT_IN_NAME.sub("", indicator).strip()
    known = indicator_of(ctx.indicators, name, unit, clause)
    unit = known["unit"] if known else unit  # same name, same measure: the indicator's unit
    return {"indicator": indicator, "indicator_id": known["id"] if known else None,
            "entity": zone_of(indicator, section),
            "value": value, "value_max": value_max, "unit": unit, "year": year, "kind": kind,
            "qualifier": qualifier or None, "region_adcode": ctx.region_adcode,
            "quote": quote, "section": section, "start": start, "end": end, "source": source}


__all__ = ["table_targets", "prose_targets", "target_candidate", "AFTER_WORDS"]

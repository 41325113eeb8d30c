"""What an evaluation report says, as plain data: the plan it evaluates, its cover, the
generated summary, the chapters, the numbered citations and the data sources.

The PDF (``monitor.report``), the DOCX (``monitor.report_docx``) and the XLSX
(``monitor.report_xlsx``) all draw this one ``ReportFacts``: the same counts, the
same citation numbers. Text is wrapped by :func:`wrap_cjk`, which breaks only
between tokens: a number keeps its unit (“2.2%”, “300家”, “1.5个百分点”) and no line
begins with closing punctuation.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date

import pandas as pd

from geo.numbers import format_number, format_percent
from monitor.progress import BEHIND, STATUSES

# A figure and the measuring word after it stay on one line; closing marks stay with
# what they close, opening marks with what they open.
_TOKEN = re.compile(r"[“《（(「【]*(?:\d[\d.,]*(?:%|％|‰)?"
                    r"(?:个百分点|平方公里|亿元|万元|万人|万|亿|元|家|个|项|人|件|名|倍|年|月|日|亩)?"
                    r"|[A-Za-z&][A-Za-z&.\-]*|\S|\s)[”》）)」】，。、；：！？,.;:]*")
FIVE_YEAR = "五年规划"


def wrap_cjk(text: str, width: int) -> list[str]:
    """Lines of ``text`` at most ``width`` characters (a Latin letter or digit counts
    half), broken only between tokens (a token longer than a line stands alone); runs
    of white space (a table quote's cell breaks) read as one space."""
    lines, line, used = [], "", 0.0
    for token in _TOKEN.findall(re.sub(r"\s+", " ", str(text)).strip()):
        size = sum(0.5 if ch.isascii() else 1.0 for ch in token)
        if line and used + size > width:
            lines.append(line.rstrip())
            line, used = token.lstrip(), size
        else:
            line, used = line + token, used + size
    if line.strip():
        lines.append(line.rstrip())
    return lines


def report_plan(plans: dict, adcode: str, plan_id: str = "", today: date | None = None):
    """The plan a region's report evaluates: ``plan_id`` (a plan of the region; ValueError
    otherwise), else its five-year plan whose period holds or ends at the latest ended
    year, else its latest five-year plan, else its latest plan (None: it has none)."""
    own = sorted((p for p in plans.values() if p.region_adcode == adcode),
                 key=lambda p: (p.period.start_year, p.period.end_year, p.id))
    if plan_id:
        found = [p for p in own if p.id == plan_id]
        if not found:
            raise ValueError(f"规划“{plan_id}”不是本地区的规划")
        return found[0]
    ended = (today or date.today()).year - 1
    five = [p for p in own if p.kind == FIVE_YEAR]
    current = [p for p in five if p.period.start_year <= ended <= p.period.end_year
               or p.period.end_year == ended]
    return (current or five or own or [None])[-1]


@dataclass
class ReportFacts:
    """Everything a report states, computed once."""

    title: str
    unit: str
    plan_title: str
    report_date: date
    data_as_of: str
    counts: dict
    total: int
    lagging: list  # (indicator, completion, time progress, gap in points)
    chapters: list  # (chapter, rows frame, counts by status)
    citations: list  # (number, plan title, section, quote)
    citation_of: dict = field(default_factory=dict)  # row id -> [numbers]
    sources: list = field(default_factory=list)  # (what, where)
    paragraphs: list = field(default_factory=list)


def lag_text(completion: float, time_progress: float) -> str:
    """How far 完成率 trails 时序进度, written like the two percentages (0.5 against 0.8:
    “30个百分点”, not “30.0个百分点”)."""
    return f"{format_number((time_progress - completion) * 100, 1)}个百分点"


def report_facts(region_name: str, plan, rows: pd.DataFrame, actuals: pd.DataFrame,
                 today: date | None = None) -> ReportFacts:
    """The facts of the report of ``rows`` (one plan's target rows of one region)."""
    today = today or date.today()
    plan_title = plan.title if plan else f"{region_name}科技创新规划"
    counts = {s: int((rows["status"] == s).sum()) for s in STATUSES}
    lagging = []
    for row in rows[rows["status"] == BEHIND].sort_values("lag").itertuples():
        lagging.append((_label(row), format_percent(row.completion),
                        format_percent(row.time_progress),
                        lag_text(row.completion, row.time_progress)))
    numbers, citation_of = {}, {}
    for row in rows.to_dict("records"):
        quotes = list(row["citations"])
        base = row.get("baseline_row") or {}
        if base.get("quote"):
            quotes.append((base["plan_title"], base["section"], base["quote"]))
        for title, section, quote in quotes:
            quote = " ".join(str(quote).split())  # a table quote's cell breaks: one space
            number = numbers.setdefault(quote, (len(numbers) + 1, title, section))[0]
            citation_of.setdefault(row["id"], [])
            if number not in citation_of[row["id"]]:
                citation_of[row["id"]].append(number)
    facts = ReportFacts(
        title=f"《{plan_title}》实施情况评估报告", unit=(plan.issuer if plan and plan.issuer
                                                    else region_name),
        plan_title=plan_title, report_date=today, data_as_of=data_as_of(rows),
        counts=counts, total=len(rows), lagging=lagging, chapters=_chapters(rows),
        citations=[(n, t, s, q) for q, (n, t, s) in numbers.items()], citation_of=citation_of,
        sources=_sources(plan_title, rows, actuals))
    facts.paragraphs = summary_paragraphs(facts)
    return facts


def _label(row) -> str:
    holder = f"（{row.holder}）" if getattr(row, "holder", "") else ""
    return f"{row.indicator_name}{holder}"


def data_as_of(rows: pd.DataFrame) -> str:
    """The year of the latest actual the report's targets are measured with, saying where
    it comes from: an import, or only the plan's own statement of an outcome (a 十三五
    table's 2020 values)."""
    years = pd.to_numeric(rows["actual_year"], errors="coerce")
    if years.dropna().empty:
        return "—（尚无导入的实际值）"
    latest = years == years.max()
    imported = pd.to_numeric(rows.loc[latest, "actual_version"], errors="coerce").notna().any()
    where = "导入的最新实际值" if imported else "规划所载完成值"
    return f"{int(years.max())}年（{where}）"


def _chapters(rows: pd.DataFrame) -> list:
    out = []
    for chapter, group in rows.groupby("chapter", sort=False):
        out.append((chapter, group, {s: int((group["status"] == s).sum()) for s in STATUSES}))
    return out


def _sources(plan_title: str, rows: pd.DataFrame, actuals: pd.DataFrame) -> list:
    out = [("规划目标与基期值", f"《{plan_title}》原文（逐条引用见“出处”）")]
    others = sorted({b["plan_title"] for b in rows["baseline_row"] if b and b.get("plan_title")}
                    - {plan_title})
    out += [("基期值", f"《{t}》") for t in others]
    if "actual_source" in rows.columns:
        for source in sorted({s for s in rows["actual_source"].dropna() if s}):
            out.append(("实际值", source))
    if len(actuals) and "version" in actuals.columns:
        versions = sorted({str(v) for v in actuals["version"].dropna()})
        out.append(("导入版本", "、".join(versions)))
    return out


def summary_paragraphs(facts: ReportFacts) -> list[str]:
    """The generated summary: totals by status, the lagging targets, each chapter."""
    counted = "，".join(f"{s}{n}项" for s, n in facts.counts.items() if n)
    out = [f"《{facts.plan_title}》共设{facts.total}项目标，数据截至{facts.data_as_of}："
           f"{counted or '尚无目标'}。"]
    if facts.lagging:
        items = "；".join(f"{name}完成率{c}，低于时序进度{t}，差{gap}"
                          for name, c, t, gap in facts.lagging)
        out.append(f"滞后目标{len(facts.lagging)}项：{items}。")
    else:
        out.append("没有滞后于时序进度的目标。")
    for chapter, group, counts in facts.chapters:
        parts = "，".join(f"{s}{n}项" for s, n in counts.items() if n)
        out.append(f"{chapter}：{len(group)}项目标，{parts}。")
    return out


def progress_spec(rows: pd.DataFrame, title: str) -> dict:
    """完成率 and 时序进度 (%) of every target that has both: one bar pair per target."""
    measured = rows[rows["completion"].notna() & rows["time_progress"].notna()]
    return {"title": title,
            "categories": [f"{r.indicator_name}（{r.year}年目标）" for r in measured.itertuples()],
            "completion": [round(float(v) * 100, 1) for v in measured["completion"]],
            "time_progress": [round(float(v) * 100, 1) for v in measured["time_progress"]]}

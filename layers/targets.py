"""Plan targets and baselines: the indicator list, the target table, its map layer.

``data/kb/indicators.csv`` lines up the names the plans use for one indicator
and says what it measures (``scope``, ``population``, ``measure``, ``unit``:
two rows of one indicator are comparable on one axis); ``data/kb/targets.csv``
holds every numeric baseline and target with the exact quote it comes from;
``data/kb/statements.csv`` keeps numbers the plans state that are not targets
(slogans, counts of selected projects) as citations. ``value_text`` is the
number as the quote writes it ("3.2 万", "2—3", "百"); ``value``/``value_max``
are that number in the indicator's unit, so ``parse_value_text`` can check one
against the other.
"""

from __future__ import annotations

import re
from pathlib import Path

import geopandas as gpd
import pandas as pd

from geo.numbers import format_value
from geo.quotes import citation
from layers.base import Layer, LayerContext, LayerError, region_point_collection
from layers.boundaries import region_shapes
from layers.imported import METRICS_LAYER
from layers.kb import KB_DIR, read_csv
from layers.plans import load_plans
from layers.plans_registry import target_period
from monitor.progress import target_progress

INDICATOR_COLUMNS = ("id", "name", "variants", "unit", "higher_is_better", "scope",
                     "population", "measure")
TARGET_COLUMNS = ("id", "region_adcode", "entity_id", "subject", "indicator_id", "year",
                  "value", "value_max", "value_text", "qualifier", "kind", "unit", "source",
                  "plan_id", "section", "quote", "note", "restates")
STATEMENT_COLUMNS = ("former_target_id", "region_adcode", "subject", "indicator_id",
                     "value_text", "plan_id", "section", "quote", "reason")
# What one value of an indicator is (documented in data/kb/README.md).
MEASURES = {
    "stock": "存量：某一时点的数量或规模（到2025年达到…家）",
    "annual_flow": "年度流量：一年之内发生的数量或金额（年技术合同成交额、每年引进…）",
    "period_increment": "期间增量：规划期内新增的数量（新增、新引进、五年内培育），不是期末存量",
    "period_total": "期间合计：一段时期内累计发生的流量之和（“十三五”期间累计发放…）",
    "ratio": "比率：比重、强度、人均或每单位的数量（%、件/万人、家/重点产业）",
    "growth_rate": "增速：年均增长或下降的百分比",
    "rank": "位次：排名（数值越小越好）",
}
INCREMENT_MEASURES = ("annual_flow", "period_increment", "period_total")
# Words that make a number an increment over a period or a year, never a level.
_INCREMENT_WORDS = re.compile(r"新增|新引进|新建|五年内|累计引进|期间累计|“十四五”累计"
                              r"|年内新|每年新增")
_CLAUSE_BREAK = re.compile(r"[，；。、：\n]")
TARGET_KEY = ("region_adcode", "subject", "entity_id", "indicator_id", "year", "kind")
SOURCES = ("table", "text")
KINDS = ("baseline", "target")

_DIGITS = {"零": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6,
           "七": 7, "八": 8, "九": 9}
_SMALL_UNITS = {"十": 10, "百": 100, "千": 1000}
_BIG_UNITS = {"万": 10_000, "亿": 100_000_000}
_RANGE_SPLIT = re.compile(r"\s*[—–\-~～－]+\s*")
_NUMBER = re.compile(r"^(\d+(?:\.\d+)?)?\s*([一二两三四五六七八九十百千零]*)\s*([万亿]*)$")


def parse_number(text: str) -> float:
    """The value of one number as the plans write it: "2.2", "3.2 万", "百", "万亿".

    ValueError naming ``text`` when it is not a number.
    """
    match = _NUMBER.match(text.strip())
    if not match or not any(match.groups()):
        raise ValueError(f"not a number: {text!r}")
    arabic, chinese, big = match.groups()
    if arabic and chinese:
        raise ValueError(f"not a number: {text!r}")
    value = float(arabic) if arabic else (_chinese_integer(chinese) if chinese else 1.0)
    for unit in big:
        value *= _BIG_UNITS[unit]
    return value


def _chinese_integer(text: str) -> float:
    total, digit = 0, None
    for char in text:
        if char in _DIGITS:
            digit = _DIGITS[char]
        else:
            total += (1 if digit is None else digit) * _SMALL_UNITS[char]
            digit = None
    return float(total + (digit or 0))


def unit_scale(unit: str) -> float:
    """How many ones one ``unit`` holds: 亿元 → 1e8, 万元 → 1e4, 家 → 1."""
    return float(_BIG_UNITS.get(unit[:1], 1)) if len(unit) > 1 else 1.0


def parse_value_text(text: str, unit: str) -> tuple[float, float | None]:
    """(value, value_max) in ``unit`` of a value text.

    "2—3" → (2, 3); "8.8 万亿" in 亿元 → (88000, None).

    A value text carrying 万/亿 is scaled into ``unit``; a bare number is taken
    as written in ``unit``.
    """
    parts = [p for p in _RANGE_SPLIT.split(text.strip()) if p]
    if not 1 <= len(parts) <= 2:
        raise ValueError(f"not a value or range: {text!r}")
    values = [_in_unit(p, unit) for p in parts]
    return values[0], (values[1] if len(values) == 2 else None)


def _in_unit(text: str, unit: str) -> float:
    value = parse_number(text)
    if re.search(r"[万亿]", text):
        value /= unit_scale(unit)
    return round(value, 6)


def read_indicators(data_dir: Path) -> pd.DataFrame:
    """``data/kb/indicators.csv`` with ``higher_is_better`` as bool.

    LayerError naming the indicators whose measure is not one of ``MEASURES``
    or whose scope or unit is empty.
    """
    frame = read_csv(Path(data_dir) / KB_DIR / "indicators.csv", INDICATOR_COLUMNS)
    bad = frame[~frame["measure"].isin(MEASURES) | (frame["scope"] == "") | (frame["unit"] == "")]
    if len(bad):
        raise LayerError(f"indicators.csv: measure, scope or unit missing or unknown for "
                         f"{bad['id'].tolist()[:5]}")
    frame["higher_is_better"] = frame["higher_is_better"].str.lower() == "true"
    return frame


def read_targets(data_dir: Path) -> pd.DataFrame:
    """``data/kb/targets.csv`` with numeric year/value/value_max (value_max NaN if none)."""
    frame = read_csv(Path(data_dir) / KB_DIR / "targets.csv", TARGET_COLUMNS)
    frame["year"] = frame["year"].astype(int)
    for column in ("value", "value_max"):
        frame[column] = pd.to_numeric(frame[column].replace("", None), errors="raise")
    return frame


def read_statements(data_dir: Path) -> pd.DataFrame:
    """``data/kb/statements.csv``: numbers a plan states that are not targets, with the reason."""
    return read_csv(Path(data_dir) / KB_DIR / "statements.csv", STATEMENT_COLUMNS)


def conflicting_keys(targets: pd.DataFrame) -> list[tuple]:
    """Keys (``TARGET_KEY``) held by more than one row that restates no other row.

    A plan may state one value twice (text and table); all but one row then name
    that row in ``restates``. A key left with two such rows is two different
    values for one thing, which no comparison can use.
    """
    primary = targets[targets["restates"] == ""]
    counts = primary.groupby(list(TARGET_KEY)).size()
    return counts[counts > 1].index.tolist()


def misplaced_restatements(targets: pd.DataFrame) -> list[str]:
    """Ids of rows whose ``restates`` is not a primary row of the same key."""
    by_id = targets.set_index("id")
    bad = []
    for row in targets[targets["restates"] != ""].itertuples():
        other = by_id.loc[row.restates] if row.restates in by_id.index else None
        if other is None or other["restates"] != "" or any(
                getattr(row, k) != other[k] for k in TARGET_KEY):
            bad.append(row.id)
    return bad


def is_increment(quote: str, value_text: str, note: str = "") -> bool:
    """True when the clause a number stands in (or the note) says it is an increment.

    "新增 1-2家…" or "累计新引进…300人以上" is a change over a period, never a level.
    """
    at = quote.find(value_text)
    before = quote[:at if at >= 0 else len(quote)]
    breaks = [m.end() for m in _CLAUSE_BREAK.finditer(before)]
    clause = before[breaks[-1] if breaks else 0:]
    return bool(_INCREMENT_WORDS.search(clause) or _INCREMENT_WORDS.search(note))


def increments_filed_as_levels(targets: pd.DataFrame, indicators: pd.DataFrame) -> list[str]:
    """Ids of increment rows (``is_increment``) whose indicator's measure is not an increment."""
    measure = indicators.set_index("id")["measure"]
    return [row.id for row in targets.itertuples()
            if is_increment(row.quote, row.value_text, row.note)
            and measure[row.indicator_id] not in INCREMENT_MEASURES]


def check_targets(targets: pd.DataFrame, indicators: pd.DataFrame) -> None:
    """LayerError naming the rows that break the one-indicator-one-measure rules."""
    problems = [("two different rows for one key", conflicting_keys(targets)),
                ("restates no primary row of its key", misplaced_restatements(targets)),
                ("increment filed under a level indicator",
                 increments_filed_as_levels(targets, indicators))]
    for what, rows in problems:
        if rows:
            raise LayerError(f"targets.csv: {what}: {rows[:5]}")


class TargetsLayer(Layer):
    id = "targets"
    title = "规划指标：基期值与目标值"
    description = ("各份规划中的每个基期值与目标值（指标表与正文），"
                   "按行政区代码连接到市、县、省边界；"
                   "含指标、年份、数值、限定词及规划原文引文。"
                   "属于园区等主体的指标使用所在行政区边界，"
                   "并在 geometry_note 中说明。边界为约 50 米精度的显示版本。"
                   "目标行另含最新实际值（actual、actual_year、actual_source，来自导入数据）、"
                   "完成率 completion、时序进度 time_progress 与状态 status"
                   "（已达成 / 进展正常 / 滞后 / 无实际值 / 无基期值），导入或撤销后随之更新。")
    depends_on = (METRICS_LAYER,)
    map_role = "values"
    values_format = "long"
    geometry_type = "Point"
    year_field = "year"
    region_field = "region_adcode"

    def collections(self):
        return region_point_collection(self)

    def load(self, ctx: LayerContext) -> gpd.GeoDataFrame:
        targets = read_targets(ctx.data_dir)
        indicators = read_indicators(ctx.data_dir).set_index("id")
        unknown = set(targets["indicator_id"]) - set(indicators.index)
        if unknown:
            raise LayerError(f"targets: unknown indicator ids {sorted(unknown)}")
        check_targets(targets, indicators.reset_index())
        for column in ("name", "measure", "scope", "population"):
            targets[f"indicator_{column}"] = indicators.loc[targets["indicator_id"], column].values
        plans = load_plans(ctx.data_dir)
        targets = with_periods(targets, plans)
        targets["citation"] = [citation(plans[row.plan_id].title, row.section, row.quote)
                               for row in targets.itertuples()]
        targets["geometry_note"] = [
            f"{row.subject}无独立边界，几何为所在行政区（{row.region_adcode}）边界"
            if row.subject or row.entity_id else "" for row in targets.itertuples()]
        shapes = region_shapes(ctx)
        unknown = set(targets["region_adcode"]) - set(shapes.index)
        if unknown:
            raise LayerError(f"targets: no boundary for adcodes {sorted(unknown)}")
        targets = with_progress(targets, ctx.layer(METRICS_LAYER), indicators)
        return gpd.GeoDataFrame(targets, geometry=list(shapes.loc[targets["region_adcode"]].values),
                                crs=4326)


def with_periods(targets: pd.DataFrame, plans: dict) -> pd.DataFrame:
    """``targets`` plus the plan period each row belongs to: ``period_start``,
    ``period_end``, ``period_label`` (十四五) and ``previous_period`` (a value of the
    period before its plan's, such as the 十三五 2020 figures a 十四五 plan quotes)."""
    periods = [target_period(plans[row.plan_id], row.year) for row in targets.itertuples()]
    own = [plans[row.plan_id].period for row in targets.itertuples()]
    return targets.assign(period_start=[p.start_year for p in periods],
                          period_end=[p.end_year for p in periods],
                          period_label=[p.label for p in periods],
                          previous_period=[p != o for p, o in zip(periods, own)])


def with_progress(targets: pd.DataFrame, actuals: pd.DataFrame,
                  indicators: pd.DataFrame) -> pd.DataFrame:
    """``targets`` plus ``value_label`` (the value written the Chinese way) and, on
    target rows, the latest actual, 完成率, 时序进度 and 状态 (``monitor.progress``)."""
    labels = [format_value(row.value, row.unit, row.qualifier, row.value_max)
              for row in targets.itertuples()]
    progress = target_progress(targets, actuals, indicators["higher_is_better"].to_dict())
    merged = targets.assign(value_label=labels).merge(
        progress, on="id", how="left")
    for column in ("baseline_id", "actual_unit", "actual_source", "status"):
        merged[column] = merged[column].fillna("")
    merged.index = targets.index
    return merged

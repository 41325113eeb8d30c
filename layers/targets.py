"""Plan targets and baselines: the indicator list, the target table, its map layer.

``data/kb/indicators.csv`` lines up the names the plans use for one indicator;
``data/kb/targets.csv`` holds every numeric baseline and target with the exact
quote it comes from. ``value_text`` is the number as the quote writes it
("3.2 万", "2—3", "百"); ``value``/``value_max`` are that number in the
indicator's unit, so ``parse_value_text`` can check one against the other.
"""

from __future__ import annotations

import re
from pathlib import Path

import geopandas as gpd
import pandas as pd

from geo.numbers import format_value
from layers.base import Layer, LayerContext, LayerError
from layers.boundaries import region_shapes
from layers.imported import METRICS_LAYER
from layers.plans import load_plans
from monitor.progress import target_progress

KB_DIR = Path("kb")
INDICATOR_COLUMNS = ("id", "name", "variants", "unit", "higher_is_better")
TARGET_COLUMNS = ("id", "region_adcode", "entity_id", "subject", "indicator_id", "year",
                  "value", "value_max", "value_text", "qualifier", "kind", "unit", "source",
                  "plan_id", "section", "quote", "note")
SOURCES = ("table", "text")
KINDS = ("baseline", "target")
VALUE_COLUMNS = ("region_adcode", "value", "value_max", "qualifier", "unit", "plan_id", "quote")

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
    """``data/kb/indicators.csv`` with ``higher_is_better`` as bool."""
    frame = _read_csv(Path(data_dir) / KB_DIR / "indicators.csv", INDICATOR_COLUMNS)
    frame["higher_is_better"] = frame["higher_is_better"].str.lower() == "true"
    return frame


def read_targets(data_dir: Path) -> pd.DataFrame:
    """``data/kb/targets.csv`` with numeric year/value/value_max (value_max NaN if none)."""
    frame = _read_csv(Path(data_dir) / KB_DIR / "targets.csv", TARGET_COLUMNS)
    frame["year"] = frame["year"].astype(int)
    for column in ("value", "value_max"):
        frame[column] = pd.to_numeric(frame[column].replace("", None), errors="raise")
    return frame


def _read_csv(path: Path, columns: tuple[str, ...]) -> pd.DataFrame:
    if not path.is_file():
        raise LayerError(f"knowledge-base file missing: {path}")
    frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    missing = set(columns) - set(frame.columns)
    if missing:
        raise LayerError(f"{path}: missing columns {sorted(missing)}")
    return frame


def indicator_values(targets: pd.DataFrame, indicator_id: str, kind: str = "target",
                     year: int = 2025) -> pd.DataFrame:
    """One value per row of ``targets`` for a choropleth of ``indicator_id``.

    ``targets`` is the ``targets`` layer (or ``read_targets``); the result has
    the columns region_adcode, value, value_max, qualifier, unit, plan_id,
    quote and only region-wide rows (no subject such as a zone). A plan that
    states one target in several places gives one row per region: the one from
    its indicator table if there is one. ValueError names a bad ``kind``.
    """
    if kind not in KINDS:
        raise ValueError(f"kind must be one of {KINDS}, got {kind!r}")
    rows = targets[(targets["indicator_id"] == indicator_id) & (targets["kind"] == kind)
                   & (targets["year"] == int(year)) & (targets["subject"] == "")
                   & (targets["entity_id"] == "")]
    rows = rows.assign(_rank=(rows["source"] != "table").astype(int))
    rows = rows.sort_values(["_rank", "id"]).drop_duplicates("region_adcode")
    return pd.DataFrame(rows[list(VALUE_COLUMNS)]).reset_index(drop=True)


class TargetsLayer(Layer):
    id = "targets"
    title = "规划指标：基期值与目标值"
    description = ("五份规划中的每个基期值与目标值（指标表与正文），按行政区代码连接到市、县、省边界；"
                   "含指标、年份、数值、限定词及规划原文引文。属于园区等主体的指标使用所在行政区边界，"
                   "并在 geometry_note 中说明。边界为约 50 米精度的显示版本。"
                   "目标行另含最新实际值（actual、actual_year、actual_source，来自导入数据）、"
                   "完成率 completion、时序进度 time_progress 与状态 status"
                   "（已达成 / 进展正常 / 滞后 / 无实际值 / 无基期值），导入或撤销后随之更新。")
    group = "规划目标"
    depends_on = (METRICS_LAYER,)

    def load(self, ctx: LayerContext) -> gpd.GeoDataFrame:
        targets = read_targets(ctx.data_dir)
        indicators = read_indicators(ctx.data_dir).set_index("id")
        unknown = set(targets["indicator_id"]) - set(indicators.index)
        if unknown:
            raise LayerError(f"targets: unknown indicator ids {sorted(unknown)}")
        targets["indicator_name"] = indicators.loc[targets["indicator_id"], "name"].values
        plans = load_plans(ctx.data_dir)
        targets["citation"] = [f"《{plans[row.plan_id].title}》{row.section}：“{row.quote}”"
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

"""Progress of plan targets against actual values: 完成率 versus 时序进度, by measure.

Each measure of ``data/kb/indicators.csv`` has its rule (``RULES``, written out
with a worked example each in ``monitor/README.md``): levels (stocks, yearly
flows, rates and shares), growth rates (年均增长), period totals (累计 over the
plan period), ranks, and 保持/不低于 floors. The level rule is the one below.

The official review rule (时间过半、任务过半): a target is on course when the
share of the way from baseline to target already covered (完成率) is at least
the share of the plan period already elapsed (时序进度). For a target ``t`` in
year ``y1`` with baseline ``b`` in year ``y0`` and an actual ``a`` in year ``y``:

- 时序进度 ``p = (y − y0) / (y1 − y0)``, capped at 1 for an actual after ``y1``;
- 完成率 ``r = (a − b) / (t − b)``; for a lower-is-better target the same formula
  holds with the signs it gives; when ``t == b`` (a 保持 target) r is 1 if the
  target is met, else 0;
- 状态: 无实际值 (no usable actual), 已达成 (the actual meets the target, see
  :func:`meets`; needs no baseline), 无基期值 (not met and no baseline to measure
  the way from), 进展正常 (r ≥ p), 滞后 (r < p).

How each qualifier is read is :func:`meets` and ``monitor/README.md``.
Everything here is plain pandas: no Flask, no I/O.
"""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass

import pandas as pd

ACHIEVED, ON_TRACK, BEHIND = "已达成", "进展正常", "滞后"
NO_ACTUAL, NO_BASELINE, NEEDS_YEARLY = "无实际值", "无基期值", "需要逐年数据"
STATUSES = (ACHIEVED, ON_TRACK, BEHIND, NO_ACTUAL, NO_BASELINE, NEEDS_YEARLY)
# The rule of each measure (the ``measure`` column of indicators.csv); unknown: level.
LEVEL, GROWTH, TOTAL, RANK, FLOOR = "level", "growth", "total", "rank", "floor"
RULES = {"stock": LEVEL, "annual_flow": LEVEL, "ratio": LEVEL, "growth_rate": GROWTH,
         "period_total": TOTAL, "period_increment": TOTAL, "rank": RANK}
FLOOR_WORDS = ("保持", "不低于")
ACTUAL_COLUMNS = ("region_adcode", "indicator_id", "year", "value", "unit", "source", "version")
PROGRESS_COLUMNS = ("id", "baseline_id", "baseline_value", "baseline_year", "actual",
                    "actual_year", "actual_unit", "actual_source", "actual_version",
                    "completion", "time_progress", "status", "rule", "baseline_note")
# Words after which the target number itself does not count as reached ("超过1000家").
STRICT_WORDS = ("超过", "突破", "超", "余")
# 左右: an actual within this share of the target number counts as reached.
ABOUT_TOLERANCE = 0.05
UPPER_BOUND_WORDS = ("以下",)


@dataclass(frozen=True)
class Target:
    """What the rules need of one target row."""

    value: float
    year: int
    qualifier: str = ""
    value_max: float | None = None
    higher_is_better: bool = True
    measure: str = ""
    period_start: int | None = None  # the target's plan period (None: unknown)

    def rule(self, baseline: float | None = None) -> str:
        """The rule that judges this target (``RULES``; a floor for 保持 / 不低于 a
        number already reached at the baseline)."""
        rule = RULES.get(self.measure, LEVEL)
        if rule == LEVEL and any(w in FLOOR_WORDS for w in self.words) and (
                baseline is None or self.direction * (self.threshold - baseline) <= 0):
            return FLOOR
        return rule

    def start_year(self, baseline_year: int | None) -> int | None:
        """The year progress is measured from: the baseline's, else the year before
        the target's plan period."""
        if baseline_year is not None:
            return baseline_year
        return None if self.period_start is None else self.period_start - 1

    @property
    def words(self) -> tuple[str, ...]:
        return tuple(w for w in (self.qualifier or "").split("|") if w)

    @property
    def direction(self) -> int:
        """+1 when more is better, −1 when less is (a lower-is-better indicator, 以下)."""
        if any(w in UPPER_BOUND_WORDS for w in self.words) or RULES.get(self.measure) == RANK:
            return -1
        return 1 if self.higher_is_better else -1

    @property
    def threshold(self) -> float:
        """The number to reach: a range's lower end (higher-is-better) or upper end."""
        if self.value_max is not None and not _isnan(self.value_max) and self.direction < 0:
            return float(self.value_max)
        return float(self.value)


def _isnan(x) -> bool:
    return x is None or (isinstance(x, float) and math.isnan(x))


def meets(actual: float, target: Target) -> bool:
    """True when ``actual`` reaches ``target`` as its qualifier reads.

    No qualifier, 力争/争取 (the number is the target), 以上/不少于/不低于/至少/≥/级/
    保持/进入/高于全市: at least the number (at most, for lower-is-better).
    超过/突破/超/余: strictly beyond it. 以下: at most the number. 左右: within
    ``ABOUT_TOLERANCE`` of it on the short side. A range (1—2家): its lower end
    (its upper end for lower-is-better).
    """
    t, d = target.threshold, target.direction
    if "左右" in target.words:
        t -= d * ABOUT_TOLERANCE * abs(t)
    gap = d * (float(actual) - t)
    if any(w in STRICT_WORDS for w in target.words):
        return gap > 0
    return gap >= -1e-9


def time_progress(baseline_year: int, target_year: int, actual_year: int) -> float:
    """时序进度 p = (y − y0) / (y1 − y0), within [0, 1]. ValueError if y1 ≤ y0."""
    if target_year <= baseline_year:
        raise ValueError(f"target year {target_year} is not after baseline year {baseline_year}")
    share = (actual_year - baseline_year) / (target_year - baseline_year)
    return min(max(share, 0.0), 1.0)


def completion(baseline: float, target: Target, actual: float) -> float:
    """完成率 r = (a − b) / (t − b); 1 or 0 (met or not) when t equals b."""
    t = target.threshold
    if math.isclose(t, baseline, rel_tol=0, abs_tol=1e-12):
        return 1.0 if meets(actual, target) else 0.0
    return (float(actual) - float(baseline)) / (t - float(baseline))


def judge(target: Target, baseline: tuple[float, int] | None,
          actual: tuple[float, int] | None) -> tuple[float, float, str]:
    """(完成率, 时序进度, 状态) of one target by the level rule; NaN where a figure
    cannot be computed. ``baseline`` and ``actual`` are (value, year) or None.
    """
    nan = float("nan")
    if actual is None:
        return nan, nan, NO_ACTUAL
    a, y = actual
    r = p = nan
    if baseline is not None:
        b, y0 = baseline
        r, p = completion(b, target, a), time_progress(y0, target.year, y)
    if meets(a, target):
        return r, p, ACHIEVED
    if baseline is None:
        return r, p, NO_BASELINE
    return r, p, ON_TRACK if r >= p - 1e-9 else BEHIND


def _share(a: float, target: Target) -> float:
    """A / t (t / a for lower-is-better): how much of the number is held or reached."""
    t = target.threshold
    top, bottom = (a, t) if target.direction > 0 else (t, a)
    return float(top) / float(bottom) if bottom else float("nan")


def _elapsed(target: Target, start: int | None, year: int) -> float:
    return time_progress(start, target.year, year) if start is not None and \
        start < target.year else float("nan")


def judge_held(target: Target, baseline_year: int | None,
               actual: tuple[float, int] | None) -> tuple[float, float, str]:
    """The growth-rate and floor rules: a rate or a level to hold every year.

    Met before the target year: 进展正常 (it must still hold at the end); met in or
    after it: 已达成; not met: 滞后. 完成率 is a / t (the share of the number held).
    """
    nan = float("nan")
    if actual is None:
        return nan, nan, NO_ACTUAL
    a, y = actual
    r, p = _share(a, target), _elapsed(target, target.start_year(baseline_year), y)
    if meets(a, target):
        return r, p, ACHIEVED if y >= target.year else ON_TRACK
    return r, p, BEHIND


def cumulative(yearly: dict[int, float], start: int, end: int) -> tuple[float, int] | None:
    """(sum, last year) of the unbroken run of yearly values from ``start`` up to ``end``;
    None when ``start`` itself has no value."""
    total, last = 0.0, None
    for year in range(start, end + 1):
        if year not in yearly:
            break
        total, last = total + yearly[year], year
    return None if last is None else (total, last)


def judge_total(target: Target, yearly: dict[int, float],
                stated: tuple[float, int] | None = None) -> tuple[float, float, str, tuple | None]:
    """The period-total rule: 完成率 = the period's running total / the target total.

    ``yearly`` year → that year's actual; the total runs over the unbroken years
    from the period's first year; 时序进度 = years counted / years of the period.
    The previous period's total is context, never subtracted. Actuals that do not
    start at the period's first year (one year's figure) cannot decide: 需要逐年数据.
    ``stated`` a total the plan itself states for the target year. Returns
    (完成率, 时序进度, 状态, (total, last year) or None).
    """
    nan = float("nan")
    start = target.period_start
    run = cumulative(yearly, start, target.year) if start is not None else None
    if run is None and stated is not None:
        run = stated
    if run is None:
        return nan, nan, (NEEDS_YEARLY if yearly else NO_ACTUAL), None
    total, year = run
    first = start if start is not None else year
    r = _share(total, target)
    p = min((year - first + 1) / (target.year - first + 1), 1.0)
    if meets(total, target):
        return r, p, ACHIEVED, run
    return r, p, ON_TRACK if r >= p - 1e-9 else BEHIND, run


def pick_actual(actuals: list[tuple], baseline_year: int | None, target_year: int):
    """The actual that measures a target: the latest in (y0, y1]; else the first after y1.

    ``actuals`` are tuples whose second member is the year; None if none fits.
    """
    after_base = [a for a in actuals if baseline_year is None or a[1] > baseline_year]
    within = [a for a in after_base if a[1] <= target_year]
    if within:
        return max(within, key=lambda a: a[1])
    later = [a for a in after_base if a[1] > target_year]
    return min(later, key=lambda a: a[1]) if later else None


def pick_baseline(candidates: list[tuple], plan_id: str, target_year: int,
                  measured: tuple | None = None):
    """The baseline of a target: its own plan's latest before the target year, else the
    latest of any plan's and ``measured``.

    ``candidates`` are (id, value, year, plan_id, source) tuples; a table row wins a
    tie. ``measured`` is the imported actual of the year before the target's plan
    period, as such a tuple with id "" (a 十五五 plan that states no baseline is
    measured from the 2025 actual); a stated baseline of the same year wins over it.
    """
    earlier = [c for c in candidates if c[2] < target_year]
    own = [c for c in earlier if c[3] == plan_id]
    pool = own or earlier + ([measured] if measured and measured[2] < target_year else [])
    if pool:
        return max(pool, key=lambda c: (c[2], c[0] != "", c[4] == "table", c[0]))
    return None


def reported_outcome(candidates: list[tuple], plan_id: str, target_year: int, unit: str):
    """A plan's own value for the year of one of its targets, as an actual tuple, or None.

    The provincial plan's table of 十三五 targets states each 2020 target next to
    its 2020 outcome (a baseline row of the same year): that outcome measures the
    target when no imported actual falls in its period. Its source says, in words, where
    in the plan it stands (the row's quote is the target's 出处).
    """
    same = [c for c in candidates if c[2] == target_year and c[3] == plan_id]
    if not same:
        return None
    best = max(same, key=lambda c: (c[4] == "table", c[0]))
    where = OUTCOME_PLACES.get(best[4], "规划正文")
    return (best[1], best[2], unit, f"规划所载完成值（{where}）", None)


#: Where in its plan a stated outcome stands, by its record's ``source``.
OUTCOME_PLACES = {"table": "规划指标表", "text": "规划正文"}


def _key(row) -> tuple:
    return (row.region_adcode, row.entity_id, row.subject, row.indicator_id)


def target_progress(targets: pd.DataFrame, actuals: pd.DataFrame | None,
                    higher_is_better: dict[str, bool] | None = None) -> pd.DataFrame:
    """One row per target of ``targets`` (kind ``target``) with its baseline, actual and status.

    Parameters: ``targets`` as ``layers.targets.read_targets`` (id, region_adcode,
    entity_id, subject, indicator_id, year, value, value_max, qualifier, kind,
    unit, source, plan_id); ``actuals`` the ``imported-metrics`` layer (or any
    frame with ``ACTUAL_COLUMNS``; None or empty: no actuals); ``higher_is_better``
    indicator id → bool (default True). A region-wide target takes its region's actual,
    a zone's target (``entity_id``) the actual imported for that zone (an ``entity_id``
    column of ``actuals``), each only in the target's unit; a target of a subject with
    no entity (a group of zones such as 全省高新区) takes none.

    Returns a frame with ``PROGRESS_COLUMNS`` in the order of the targets.
    """
    directions = higher_is_better or {}
    baselines = defaultdict(list)
    for row in targets[targets["kind"] == "baseline"].itertuples():
        baselines[_key(row)].append((row.id, float(row.value), int(row.year), row.plan_id,
                                     row.source))
    measured = _actuals_by_region(actuals)
    rows = [_progress_row(row, baselines, measured, directions)
            for row in targets[targets["kind"] == "target"].itertuples()]
    frame = pd.DataFrame(rows, columns=list(PROGRESS_COLUMNS))
    for column in ("baseline_year", "actual_year", "actual_version"):
        frame[column] = frame[column].astype("Int64")
    for column in ("baseline_value", "actual", "completion", "time_progress"):
        frame[column] = frame[column].astype("float64")
    return frame


def _actuals_by_region(actuals: pd.DataFrame | None) -> dict:
    measured = defaultdict(list)
    if actuals is None or actuals.empty:
        return measured
    zones = (actuals["entity_id"].fillna("").astype(str) if "entity_id" in actuals.columns
             else [""] * len(actuals))
    for row, zone in zip(actuals.itertuples(), zones):
        measured[(str(row.region_adcode), zone, str(row.indicator_id))].append(
            (float(row.value), int(row.year), row.unit, row.source, int(row.version)))
    return measured


def _target(row, directions: dict) -> Target:
    period = getattr(row, "period_start", None)
    return Target(value=float(row.value), year=int(row.year), qualifier=row.qualifier,
                  value_max=None if _isnan(row.value_max) else float(row.value_max),
                  higher_is_better=directions.get(row.indicator_id, True),
                  measure=getattr(row, "indicator_measure", "") or "",
                  period_start=None if period is None or pd.isna(period) else int(period))


def _progress_row(row, baselines: dict, measured: dict, directions: dict) -> tuple:
    target = _target(row, directions)
    stated = baselines.get(_key(row), [])
    measurable = bool(row.entity_id) or not row.subject  # a group of zones is not
    candidates = [a for a in measured.get((row.region_adcode, row.entity_id, row.indicator_id),
                                          []) if measurable and a[2] == row.unit]
    base = pick_baseline(stated, row.plan_id, target.year, _measured_baseline(target, candidates))
    rule = target.rule(base[1] if base else None)
    if rule == TOTAL:
        actual, r, p, status = _total(target, candidates, stated, row)
    else:
        actual = pick_actual(candidates, base[2] if base else None, target.year)
        if actual is None or actual[1] > target.year:
            actual = reported_outcome(stated, row.plan_id, target.year, row.unit) or actual
        pair = (actual[0], actual[1]) if actual else None
        if rule in (GROWTH, FLOOR):
            r, p, status = judge_held(target, base[2] if base else None, pair)
        else:
            r, p, status = judge(target, (base[1], base[2]) if base else None, pair)
    nan = float("nan")
    return (row.id, base[0] if base else "", base[1] if base else nan,
            base[2] if base else pd.NA, actual[0] if actual else nan,
            actual[1] if actual else pd.NA, actual[2] if actual else "",
            actual[3] if actual else "", actual[4] if actual else pd.NA, r, p, status, rule,
            base[4] if base and not base[0] else "")


def _measured_baseline(target: Target, candidates: list[tuple]) -> tuple | None:
    """The imported actual of the year before the target's period, as a baseline tuple."""
    if target.period_start is None or RULES.get(target.measure) == TOTAL:
        return None
    year = target.period_start - 1
    same = [a for a in candidates if a[1] == year]
    if not same:
        return None
    best = max(same, key=lambda a: a[4])
    return ("", best[0], year, "", f"导入的实际值：{best[3]}")


def _total(target: Target, candidates: list[tuple], stated: list[tuple], row):
    """A period total's actual (the running total, as an actual tuple) and judgement."""
    latest: dict[int, tuple] = {}
    for a in candidates:
        if a[1] not in latest or a[4] > latest[a[1]][4]:
            latest[a[1]] = a
    yearly = {year: a[0] for year, a in latest.items() if year <= target.year}
    outcome = reported_outcome(stated, row.plan_id, target.year, row.unit)
    r, p, status, run = judge_total(target, yearly, outcome and (outcome[0], outcome[1]))
    if run is None:
        return None, r, p, status
    total, year = run
    first = target.period_start
    if first is None or first not in yearly:  # the plan's own stated total
        return outcome, r, p, status
    version = max(latest[y][4] for y in range(first, year + 1))
    source = f"逐年实际值累计（{first}—{year}年）：{latest[year][3]}"
    return (total, year, row.unit, source, version), r, p, status

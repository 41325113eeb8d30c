"""Progress by measure: one rule per measure kind, every expected figure worked by hand.

The frames are tiny and written here; each comment shows the arithmetic.
"""

from __future__ import annotations

import math

import pandas as pd
import pytest

from monitor.progress import (
    ACHIEVED,
    BEHIND,
    NEEDS_YEARLY,
    NO_ACTUAL,
    ON_TRACK,
    Target,
    cumulative,
    judge_total,
    target_progress,
)

REGION = "999901"  # a made-up region: the rules know no place


def frame(*rows, measure="stock", unit="个", period=(2021, 2025)) -> pd.DataFrame:
    """Rows (id, kind, year, value[, qualifier]) of indicator x in one plan of ``period``."""
    records = [{"id": rid, "region_adcode": REGION, "entity_id": "", "subject": "",
                "indicator_id": "x", "year": year, "value": float(value),
                "value_max": float("nan"), "qualifier": rest[0] if rest else "",
                "kind": kind, "unit": unit, "source": "table", "plan_id": "p",
                "indicator_measure": measure, "period_start": period[0],
                "period_end": period[1]}
               for rid, kind, year, value, *rest in rows]
    return pd.DataFrame(records)


def actuals(*pairs, unit="个") -> pd.DataFrame:
    return pd.DataFrame([{"region_adcode": REGION, "indicator_id": "x", "year": year,
                          "value": float(value), "unit": unit, "source": f"统计{year}",
                          "version": 1} for year, value in pairs])


def judged(targets, measured, **kwargs) -> dict:
    out = target_progress(targets, measured, **kwargs)
    return out[out["id"] == "t"].iloc[0].to_dict()


# --- period totals (累计) -------------------------------------------------------------

def test_period_total_talent_example_reads_60_percent_on_track():
    """累计引进高层次人才: 十三五 154, 十四五 target 500; 100 a year in 2021–2023 → 300.
    完成率 300 / 500 = 60 %; 时序进度 3 years of 5 = 60 %; 60 % ≥ 60 % → 进展正常.
    (Subtracting 154 would give (300 − 154) / (500 − 154) = 42 % 滞后: wrong.)"""
    row = judged(frame(("b", "baseline", 2020, 154), ("t", "target", 2025, 500, "不少于"),
                       measure="period_total"),
                 actuals((2021, 100), (2022, 100), (2023, 100)))
    assert row["rule"] == "total"
    assert row["completion"] == pytest.approx(0.60)
    assert row["time_progress"] == pytest.approx(0.60)
    assert row["status"] == ON_TRACK
    assert row["actual"] == 300 and row["actual_year"] == 2023
    assert row["baseline_value"] == 154  # shown as context, not subtracted


def test_period_total_registrations_example_reads_60_percent():
    """科技成果登记: 十三五 1,534, target 3,000; 2021–2023: 500 + 600 + 700 = 1,800.
    完成率 1,800 / 3,000 = 60 %; 时序进度 3/5 = 60 % → 进展正常."""
    row = judged(frame(("b", "baseline", 2020, 1534), ("t", "target", 2025, 3000),
                       measure="period_total", unit="项"),
                 actuals((2021, 500), (2022, 600), (2023, 700), unit="项"))
    assert (row["completion"], row["time_progress"], row["status"]) == (
        pytest.approx(0.6), pytest.approx(0.6), ON_TRACK)


def test_period_total_behind_when_the_running_total_lags():
    """2021–2024 = 4 × 80 = 320 of 500: 64 % against 4/5 = 80 % → 滞后."""
    row = judged(frame(("t", "target", 2025, 500), measure="period_total"),
                 actuals((2021, 80), (2022, 80), (2023, 80), (2024, 80)))
    assert row["completion"] == pytest.approx(0.64)
    assert row["time_progress"] == pytest.approx(0.8)
    assert row["status"] == BEHIND


def test_period_total_with_one_later_year_cannot_decide():
    """Only 2023's figure: a year's flow or the total so far? The data cannot say."""
    row = judged(frame(("t", "target", 2025, 500), measure="period_total"),
                 actuals((2023, 300)))
    assert row["status"] == NEEDS_YEARLY
    assert math.isnan(row["completion"]) and math.isnan(row["time_progress"])


def test_period_total_counts_only_the_unbroken_run_from_the_first_year():
    """2021, 2022 and 2024 imported: the total runs 2021–2022 = 250; 250/500 = 50 %,
    时序进度 2/5 = 40 % → 进展正常; 2024 waits for 2023."""
    row = judged(frame(("t", "target", 2025, 500), measure="period_total"),
                 actuals((2021, 120), (2022, 130), (2024, 400)))
    assert row["actual"] == 250 and row["actual_year"] == 2022
    assert (row["completion"], row["time_progress"]) == (pytest.approx(0.5), pytest.approx(0.4))
    assert row["status"] == ON_TRACK


def test_period_total_final_evaluation_is_100_percent_time():
    """Five years imported, 110 each = 550 ≥ 500 → 已达成 at 时序进度 100 %."""
    row = judged(frame(("t", "target", 2025, 500), measure="period_total"),
                 actuals(*[(y, 110) for y in range(2021, 2026)]))
    assert row["time_progress"] == 1.0 and row["status"] == ACHIEVED
    assert row["completion"] == pytest.approx(1.1)


def test_cumulative_and_judge_total_directly():
    assert cumulative({2021: 1, 2022: 2, 2024: 9}, 2021, 2025) == (3, 2022)
    assert cumulative({2022: 5}, 2021, 2025) is None
    target = Target(value=10, year=2025, measure="period_total", period_start=2021)
    assert judge_total(target, {})[2] == NO_ACTUAL


# --- levels: stocks, yearly flows, rates and shares ---------------------------------

@pytest.mark.parametrize("measure", ["stock", "annual_flow", "ratio"])
def test_level_rule_measures_the_way_from_baseline(measure):
    """b = 2.0 (2020), t = 3.0 (2025), a = 2.5 (2023): 完成率 0.5/1.0 = 50 %,
    时序进度 3/5 = 60 % → 滞后."""
    row = judged(frame(("b", "baseline", 2020, 2.0), ("t", "target", 2025, 3.0),
                       measure=measure, unit="%"), actuals((2023, 2.5), unit="%"))
    assert row["rule"] == "level"
    assert (row["completion"], row["time_progress"], row["status"]) == (
        pytest.approx(0.5), pytest.approx(0.6), BEHIND)


def test_final_evaluation_of_a_level_shows_full_time_progress():
    """An actual for the target year: 时序进度 (2025 − 2020) / 5 = 100 %; 2.9 of 3.0 → 滞后."""
    row = judged(frame(("b", "baseline", 2020, 2.0), ("t", "target", 2025, 3.0), unit="%"),
                 actuals((2025, 2.9), unit="%"))
    assert row["time_progress"] == 1.0
    assert row["completion"] == pytest.approx(0.9) and row["status"] == BEHIND


def test_a_period_without_a_stated_baseline_starts_from_the_imported_actual():
    """A 2026–2030 plan states 3.5 for 2030 and no baseline: the 2025 actual 3.0 is the
    baseline; a = 3.2 (2027): 完成率 0.2/0.5 = 40 %, 时序进度 2/5 = 40 % → 进展正常."""
    row = judged(frame(("t", "target", 2030, 3.5), unit="%", period=(2026, 2030)),
                 actuals((2020, 2.0), (2025, 3.0), (2027, 3.2), unit="%"))
    assert (row["baseline_value"], row["baseline_year"], row["baseline_id"]) == (3.0, 2025, "")
    assert row["baseline_note"].startswith("导入的实际值")
    assert (row["completion"], row["time_progress"], row["status"]) == (
        pytest.approx(0.4), pytest.approx(0.4), ON_TRACK)


# --- growth rates (年均增长) ----------------------------------------------------------

def test_growth_rate_is_held_not_travelled():
    """年均增长 10 %: a realised average of 11 % in 2023 is on course (进展正常, 110 %),
    9 % is 滞后 (90 %); no baseline is needed."""
    targets = frame(("t", "target", 2025, 10, "以上"), measure="growth_rate", unit="%")
    fast = judged(targets, actuals((2023, 11), unit="%"))
    slow = judged(targets, actuals((2023, 9), unit="%"))
    assert fast["rule"] == "growth"
    assert (fast["completion"], fast["status"]) == (pytest.approx(1.1), ON_TRACK)
    assert (slow["completion"], slow["status"]) == (pytest.approx(0.9), BEHIND)
    assert fast["time_progress"] == pytest.approx(0.6)  # 2020 → 2023 of 2020 → 2025


def test_growth_rate_met_in_the_target_year_is_achieved():
    row = judged(frame(("t", "target", 2025, 10), measure="growth_rate", unit="%"),
                 actuals((2025, 10.4), unit="%"))
    assert row["status"] == ACHIEVED and row["time_progress"] == 1.0


# --- ranks ----------------------------------------------------------------------------

def test_rank_lower_is_better_even_when_the_indicator_says_otherwise():
    """位次 b = 20 (2020), t = 10 (2025), a = 14 (2023): 完成率 (14 − 20)/(10 − 20) = 60 %,
    时序进度 60 % → 进展正常; 9th place is 已达成."""
    targets = frame(("b", "baseline", 2020, 20), ("t", "target", 2025, 10),
                    measure="rank", unit="位")
    row = judged(targets, actuals((2023, 14), unit="位"), higher_is_better={"x": True})
    assert row["rule"] == "rank"
    assert (row["completion"], row["status"]) == (pytest.approx(0.6), ON_TRACK)
    assert judged(targets, actuals((2023, 9), unit="位"))["status"] == ACHIEVED


# --- 保持 / 不低于 floors ----------------------------------------------------------------

def test_keep_target_is_a_floor_to_hold_every_year():
    """保持 3 % (baseline 3.1 %): 3.05 % in 2023 holds it → 进展正常 (3.05/3 = 101.7 %);
    2.9 % → 滞后 (96.7 %); 3.0 % in 2025 → 已达成."""
    targets = frame(("b", "baseline", 2020, 3.1), ("t", "target", 2025, 3.0, "保持"),
                    unit="%")
    held = judged(targets, actuals((2023, 3.05), unit="%"))
    assert held["rule"] == "floor"
    assert (held["completion"], held["status"]) == (pytest.approx(3.05 / 3), ON_TRACK)
    low = judged(targets, actuals((2023, 2.9), unit="%"))
    assert (low["completion"], low["status"]) == (pytest.approx(2.9 / 3), BEHIND)
    assert judged(targets, actuals((2025, 3.0), unit="%"))["status"] == ACHIEVED


def test_not_below_a_higher_number_is_a_level_to_reach():
    """不低于 4 % from 3 %: a way to travel, so the level rule (3.5 in 2023: 50 % < 60 %)."""
    row = judged(frame(("b", "baseline", 2020, 3.0), ("t", "target", 2025, 4.0, "不低于"),
                       unit="%"), actuals((2023, 3.5), unit="%"))
    assert row["rule"] == "level" and row["status"] == BEHIND
    assert row["completion"] == pytest.approx(0.5)

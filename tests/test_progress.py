"""The progress rules (完成率 vs 时序进度, 状态) on tiny tables."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from monitor.progress import (
    ACHIEVED,
    BEHIND,
    NO_ACTUAL,
    NO_BASELINE,
    ON_TRACK,
    Target,
    completion,
    meets,
    target_progress,
    time_progress,
)


def targets_frame(*rows) -> pd.DataFrame:
    """Rows (id, kind, year, value, qualifier, value_max, plan, indicator, subject)."""
    records = []
    for row in rows:
        rid, kind, year, value, *rest = row
        qualifier, value_max, plan, indicator, subject = _defaults(rest)
        records.append({"id": rid, "region_adcode": "321300", "entity_id": "",
                        "subject": subject, "indicator_id": indicator, "year": year,
                        "value": float(value), "value_max": value_max, "qualifier": qualifier,
                        "kind": kind, "unit": "%", "source": "text", "plan_id": plan})
    frame = pd.DataFrame(records)
    frame["value_max"] = frame["value_max"].astype(float)
    return frame


def _defaults(rest):
    defaults = ["", None, "p1", "x", ""]
    return [*rest, *defaults[len(rest):]]


def actuals_frame(*rows, unit="%") -> pd.DataFrame:
    """Rows (year, value) of indicator x in 321300 (or (region, indicator, year, value))."""
    records = []
    for row in rows:
        region, indicator, year, value = row if len(row) == 4 else ("321300", "x", *row)
        records.append({"region_adcode": region, "indicator_id": indicator, "year": year,
                        "value": float(value), "unit": unit, "source": f"a.csv {year}",
                        "version": 3})
    return pd.DataFrame(records)


def one(targets, actuals, **kwargs) -> dict:
    frame = target_progress(targets, actuals, **kwargs)
    assert len(frame) == 1
    return frame.iloc[0].to_dict()


BASE = ("b", "baseline", 2020, 2.0)


def test_on_track_when_completion_reaches_time_progress():
    row = one(targets_frame(BASE, ("t", "target", 2025, 3.0)), actuals_frame((2023, 2.7)))
    assert row["time_progress"] == pytest.approx(0.6)
    assert row["completion"] == pytest.approx(0.7)
    assert row["status"] == ON_TRACK
    assert (row["baseline_id"], row["baseline_value"], row["baseline_year"]) == ("b", 2.0, 2020)
    assert (row["actual"], row["actual_year"], row["actual_source"]) == (2.7, 2023, "a.csv 2023")


def test_behind_when_completion_lags_time_progress():
    row = one(targets_frame(BASE, ("t", "target", 2025, 3.0)), actuals_frame((2023, 2.5)))
    assert row["completion"] == pytest.approx(0.5) and row["status"] == BEHIND


def test_achieved_when_actual_meets_target_early():
    row = one(targets_frame(BASE, ("t", "target", 2025, 3.0)), actuals_frame((2022, 3.0)))
    assert row["status"] == ACHIEVED and row["completion"] == pytest.approx(1.0)


def test_no_actual_and_wrong_unit_or_region_or_subject():
    targets = targets_frame(BASE, ("t", "target", 2025, 3.0))
    assert one(targets, None)["status"] == NO_ACTUAL
    assert one(targets, actuals_frame((2023, 2.9), unit="亿元"))["status"] == NO_ACTUAL
    assert one(targets, actuals_frame(("321322", "x", 2023, 2.9)))["status"] == NO_ACTUAL
    zone = targets_frame(("b", "baseline", 2020, 2.0, "", None, "p1", "x", "高新区"),
                         ("t", "target", 2025, 3.0, "", None, "p1", "x", "高新区"))
    assert one(zone, actuals_frame((2023, 2.9)))["status"] == NO_ACTUAL


def test_actual_in_or_before_baseline_year_is_not_progress():
    row = one(targets_frame(BASE, ("t", "target", 2025, 3.0)), actuals_frame((2020, 2.9)))
    assert row["status"] == NO_ACTUAL


def test_missing_baseline():
    targets = targets_frame(("t", "target", 2025, 3.0))
    row = one(targets, actuals_frame((2023, 2.5)))
    assert row["status"] == NO_BASELINE and math.isnan(row["completion"])
    assert one(targets, actuals_frame((2023, 3.1)))["status"] == ACHIEVED  # met: no baseline needed


def test_baseline_of_the_same_year_as_the_target_is_no_baseline():
    row = one(targets_frame(BASE, ("t", "target", 2020, 3.0)), actuals_frame((2020, 2.5)))
    assert row["status"] == NO_BASELINE


def test_baseline_from_own_plan_first_then_other_plans():
    own = targets_frame(("b1", "baseline", 2020, 2.0, "", None, "p1"),
                        ("b2", "baseline", 2021, 2.2, "", None, "p2"),
                        ("t", "target", 2025, 3.0, "", None, "p1"))
    assert one(own, None)["baseline_id"] == "b1"
    other = targets_frame(("b2", "baseline", 2020, 2.0, "", None, "p2"),
                          ("t", "target", 2023, 3.0, "", None, "p3"))
    row = one(other, actuals_frame((2023, 2.5)))
    assert row["baseline_id"] == "b2" and row["time_progress"] == pytest.approx(1.0)
    assert row["status"] == BEHIND


def test_actual_after_target_year_counts_full_time():
    targets = targets_frame(BASE, ("t", "target", 2025, 3.0))
    row = one(targets, actuals_frame((2026, 2.9), (2027, 3.5)))
    assert (row["actual_year"], row["time_progress"], row["status"]) == (2026, 1.0, BEHIND)
    row = one(targets, actuals_frame((2024, 2.9), (2026, 3.5)))
    assert row["actual_year"] == 2024  # a value within the period wins


def test_latest_actual_within_period():
    row = one(targets_frame(BASE, ("t", "target", 2025, 3.0)),
              actuals_frame((2021, 2.1), (2023, 2.8), (2022, 2.5)))
    assert (row["actual"], row["actual_year"]) == (2.8, 2023)


def test_lower_is_better_signs():
    targets = targets_frame(("b", "baseline", 2020, 0.5), ("t", "target", 2025, 0.3))
    row = one(targets, actuals_frame((2023, 0.4)), higher_is_better={"x": False})
    assert row["completion"] == pytest.approx(0.5) and row["status"] == BEHIND
    row = one(targets, actuals_frame((2023, 0.3)), higher_is_better={"x": False})
    assert row["status"] == ACHIEVED
    # Read as higher-is-better, 0.4 would already be beyond the 0.3 target.
    assert one(targets, actuals_frame((2023, 0.4)))["status"] == ACHIEVED


@pytest.mark.parametrize("qualifier, actual, met", [
    ("", 3.0, True), ("", 2.99, False),
    ("力争", 3.0, True), ("争取", 2.99, False),
    ("以上", 3.0, True), ("不少于", 3.0, True), ("不低于", 2.9, False), ("至少", 3.0, True),
    ("≥", 3.0, True), ("级", 3.0, True), ("力争|以上", 3.0, True),
    ("超过", 3.0, False), ("超过", 3.01, True), ("突破", 3.0, False), ("超", 3.1, True),
    ("余", 3.0, False), ("力争|超过", 3.2, True),
    ("左右", 2.86, True), ("左右", 2.84, False), ("力争|左右", 2.9, True),
    ("保持", 3.0, True), ("高于全市", 3.5, True), ("高于全市", 2.5, False),
])
def test_each_qualifier(qualifier, actual, met):
    assert meets(actual, Target(value=3.0, year=2025, qualifier=qualifier)) is met


def test_upper_bound_qualifier_makes_lower_better():
    target = Target(value=0.3, year=2025, qualifier="力争|以下", higher_is_better=True)
    assert target.direction == -1
    assert meets(0.3, target) and meets(0.2, target) and not meets(0.31, target)
    assert completion(0.5, target, 0.4) == pytest.approx(0.5)


def test_rank_targets_keep_and_enter():
    keep = Target(value=1, year=2025, qualifier="保持", higher_is_better=False)
    assert meets(1, keep) and not meets(2, keep)
    assert completion(1, keep, 1) == 1.0 and completion(1, keep, 2) == 0.0  # t == b
    enter = Target(value=100, year=2025, qualifier="力争|进入", higher_is_better=False)
    assert meets(87, enter) and not meets(120, enter)


def test_range_targets():
    targets = targets_frame(("b", "baseline", 2020, 0.0), ("t", "target", 2025, 2.0, "", 4.0))
    row = one(targets, actuals_frame((2023, 1.0)))
    assert row["completion"] == pytest.approx(0.5)  # against the lower end
    assert row["status"] == BEHIND
    assert one(targets, actuals_frame((2023, 2.0)))["status"] == ACHIEVED
    lower = Target(value=1.0, year=2025, value_max=2.0, higher_is_better=False)
    assert lower.threshold == 2.0 and meets(1.5, lower) and not meets(2.5, lower)


def test_time_progress_refuses_empty_period():
    assert time_progress(2020, 2025, 2021) == pytest.approx(0.2)
    assert time_progress(2020, 2025, 2019) == 0.0
    with pytest.raises(ValueError):
        time_progress(2020, 2020, 2020)


def test_baselines_are_not_targets_and_order_is_kept():
    targets = targets_frame(BASE, ("t2", "target", 2025, 3.0), ("t1", "target", 2023, 2.5))
    frame = target_progress(targets, actuals_frame((2022, 2.4)))
    assert frame["id"].tolist() == ["t2", "t1"]
    assert frame["status"].tolist() == [ON_TRACK, ON_TRACK]
    # 2.4 in 2022: t2 r = 0.4 vs p = 0.4; t1 r = 0.8 vs p = 0.667


def test_a_plans_own_outcome_for_the_target_year_measures_the_target():
    targets = targets_frame(("o", "baseline", 2020, 2.85), ("t", "target", 2020, 2.8))
    row = one(targets, None)
    assert (row["actual"], row["actual_year"], row["status"]) == (2.85, 2020, ACHIEVED)
    assert row["actual_source"] == "规划所载完成值（规划正文）"  # words, not a record id
    # An imported value for the year itself wins; a later one does not replace the outcome.
    assert one(targets, actuals_frame((2020, 2.7)))["status"] == NO_BASELINE
    assert one(targets, actuals_frame((2023, 2.7)))["actual_source"] == "规划所载完成值（规划正文）"
    other_plan = targets_frame(("o", "baseline", 2020, 2.85, "", None, "p2"),
                               ("t", "target", 2020, 2.8))
    assert one(other_plan, None)["status"] == NO_ACTUAL

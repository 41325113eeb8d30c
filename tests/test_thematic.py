"""The thematic core: values per region, classes, palettes, legends."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from geo import thematic


@pytest.fixture()
def targets():
    """Three cities of 研发投入强度 (%) and one county count; 320300 has no baseline."""
    rows = [
        ("320100", "rd", 2020, 3.0, "baseline", "p1", "一、基础", "2020年达到3%"),
        ("320100", "rd", 2025, 3.6, "target", "p1", "二、目标", "2025年达到3.6%"),
        ("320200", "rd", 2020, 2.0, "baseline", "p2", "一、基础", "2020年为2%"),
        ("320200", "rd", 2025, 2.0, "target", "p2", "二、目标", "保持2%"),
        ("320300", "rd", 2025, 2.5, "target", "p3", "二、目标", "力争2.5%"),
        ("320300", "rd", 2023, 2.2, "target", "p3", "三、计划", "2023年2.2%"),
        ("", "rd", 2025, 9.9, "target", "p4", "x", "no region"),
        ("320100", "firms", 2025, 100, "target", "p1", "二、目标", "100家"),
    ]
    frame = pd.DataFrame(rows, columns=["region_adcode", "indicator_id", "year", "value",
                                        "kind", "plan_id", "section", "quote"])
    frame["unit"] = np.where(frame["indicator_id"] == "rd", "%", "家")
    return frame


def test_target_values_take_each_region_latest_year(targets):
    table = thematic.value_table(targets, "rd", "target")
    assert table["region_adcode"].tolist() == ["320100", "320200", "320300"]
    assert table["value"].tolist() == [3.6, 2.0, 2.5]
    assert table["year"].tolist() == [2025, 2025, 2025]
    assert set(table["unit"]) == {"%"}
    assert table["sources"][0] == [{"kind": "target", "year": 2025, "value": 3.6,
                                    "value_max": None, "qualifier": None, "plan_id": "p1",
                                    "section": "二、目标", "quote": "2025年达到3.6%",
                                    "source": None, "period_label": None,
                                    "previous_period": None}]


def test_target_of_a_given_year(targets):
    table = thematic.value_table(targets, "rd", "target", year=2023)
    assert table[["region_adcode", "value"]].values.tolist() == [["320300", 2.2]]


def test_gap_needs_both_and_uses_percentage_points(targets):
    table = thematic.value_table(targets, "rd", "gap")
    assert table["region_adcode"].tolist() == ["320100", "320200"]
    assert table["value"].round(6).tolist() == [0.6, 0.0]
    assert set(table["unit"]) == {"个百分点"}
    assert [s["kind"] for s in table["sources"][0]] == ["baseline", "target"]


def test_cagr_is_compound_growth_per_year(targets):
    table = thematic.value_table(targets, "rd", "cagr")
    expected = ((3.6 / 3.0) ** (1 / 5) - 1) * 100
    assert table["value"][0] == pytest.approx(expected)
    assert table["value"][1] == pytest.approx(0.0)
    assert set(table["unit"]) == {"%/年"}


def test_cagr_from_zero_baseline_is_no_data():
    frame = pd.DataFrame({"region_adcode": ["1", "1"], "indicator_id": "x",
                          "year": [2020, 2025], "value": [0.0, 5.0],
                          "kind": ["baseline", "target"]})
    assert math.isnan(thematic.value_table(frame, "x", "cagr")["value"][0])


def test_value_table_rejects_unknown_kind(targets):
    with pytest.raises(ValueError, match="value_kind"):
        thematic.value_table(targets, "rd", "level")


def test_time_steps_are_the_years_with_values(targets):
    assert thematic.time_steps(targets, "rd") == [(2020, "baseline"), (2023, "target"),
                                                  (2025, "target")]
    assert thematic.time_steps(targets, "firms") == [(2025, "target")]


@pytest.mark.parametrize("scheme", ["quantiles", "natural_breaks", "equal_interval"])
def test_classes_cover_values_and_keep_no_data(scheme):
    values = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, None, float("nan")]
    c = thematic.classify(values, scheme, k=5)
    assert c.k == 5
    assert c.class_index[-2:].tolist() == [-1, -1]
    assert c.no_data_count == 2
    assert sum(c.counts) == 10
    assert c.bins[-1] == 10
    index = c.class_index[:10]
    assert (np.diff(index) >= 0).all() and index[0] == 0 and index[-1] == 4


def test_equal_interval_breaks_and_labels():
    c = thematic.classify([0.5, 10, 20, 40], "equal_interval", k=4)
    assert c.bins == (10.375, 20.25, 30.125, 40.0)
    # classes after the first are (a, b]: their labels say so, so no bound is in two classes
    assert c.labels == ("0.5 – 10.4", "> 10.4 – 20.2", "> 20.2 – 30.1", "> 30.1 – 40")
    assert c.counts == (2, 1, 0, 1)


def test_counts_are_labelled_by_the_whole_numbers_they_hold():
    c = thematic.classify([0, 0, 1, 3, 16, 17], "user_defined", breaks=[0, 0.5, 1, 16])
    assert c.labels == ("0", "—", "1", "2 – 16", "17")
    assert c.counts == (2, 0, 1, 2, 1)


def test_user_breaks_close_with_the_maximum():
    c = thematic.classify([0.5, 1.5, 2.5, 7], "user_defined", breaks=[1, 2])
    assert c.bins == (1.0, 2.0, 7.0)
    assert c.class_index.tolist() == [0, 1, 2, 2]


@pytest.mark.parametrize("breaks", [None, [], [2, 1], [1, float("nan")]])
def test_bad_user_breaks_are_refused(breaks):
    with pytest.raises(ValueError, match="breaks"):
        thematic.classify([1, 2, 3], "user_defined", breaks=breaks)


@pytest.mark.parametrize("scheme,k", [("jenks", 5), ("quantiles", 0), ("quantiles", 10)])
def test_bad_scheme_or_k_is_refused(scheme, k):
    with pytest.raises(ValueError):
        thematic.classify([1, 2, 3], scheme, k=k)


def test_few_distinct_values_lower_k_without_warning():
    c = thematic.classify([1, 1, 1, 2], "quantiles", k=5)
    assert c.k <= 2 and sum(c.counts) == 4
    single = thematic.classify([3, 3, None], "natural_breaks", k=5)
    assert single.bins == (3.0,) and single.class_index.tolist() == [0, 0, -1]


def test_all_missing_is_all_no_data():
    c = thematic.classify([None, None], "quantiles")
    assert c.k == 0 and c.class_index.tolist() == [-1, -1] and c.no_data_count == 2


def test_palettes_are_colorbrewer_sequential_and_diverging():
    assert thematic.palette("target", 5) == ["#ffffcc", "#a1dab4", "#41b6c4", "#2c7fb8",
                                             "#253494"]
    assert thematic.palette("gap", 5) == ["#e66101", "#fdb863", "#f7f7f7", "#b2abd2",
                                          "#5e3c99"]
    assert len(thematic.palette("cagr", 1)) == 1
    with pytest.raises(ValueError):
        thematic.palette("target", 10)


def test_gap_colours_split_at_zero():
    c = thematic.classify([-2, -1, 1, 2], "user_defined", breaks=[-1, 0, 1])
    colours = thematic.class_colors(c, "gap")
    def warm(hex_colour):  # orange side: more red than blue
        return int(hex_colour[1:3], 16) > int(hex_colour[5:7], 16)
    assert [warm(c) for c in colours] == [True, True, False, False]
    assert len(set(colours)) == 4 and "#f7f7f7" not in colours


def test_legend_has_breaks_unit_and_no_data_class():
    c = thematic.classify([1, 2, 3, None], "equal_interval", k=2)
    colours = thematic.class_colors(c, "target")
    lg = thematic.legend(c, colours, "研发投入强度", "%")
    assert [(e.lower, e.upper, e.count) for e in lg.entries] == [(1.0, 2.0, 2), (2.0, 3.0, 1)]
    assert lg.no_data.label == "无数据" and lg.no_data.count == 1
    assert lg.unit == "%"
    assert thematic.value_colors(c, colours) == [colours[0], colours[0], colours[1],
                                                 thematic.NO_DATA_COLOR]
    assert lg.to_dict()["no_data"]["color"] == thematic.NO_DATA_COLOR


def test_indicator_summary(targets):
    summary = thematic.indicator_summary(targets).set_index("indicator_id")
    assert summary.loc["rd", "regions"] == 3
    assert summary.loc["rd", "years"] == (2020, 2023, 2025)
    assert summary.loc["firms", "unit"] == "家"


def test_zone_rows_are_skipped_and_table_rows_win():
    frame = pd.DataFrame({
        "region_adcode": ["321300"] * 3, "indicator_id": "firms", "year": 2025,
        "value": [50.0, 200.0, 180.0], "kind": "target",
        "subject": ["", "宿迁高新区", ""], "entity_id": "", "source": ["text", "text", "table"],
        "quote": ["正文", "高新区", "指标表"]})
    table = thematic.value_table(frame, "firms", "target")
    assert table["value"].tolist() == [180.0]
    assert table["sources"][0][0]["quote"] == "指标表"
    assert thematic.indicator_summary(frame)["regions"].tolist() == [1]


def test_a_year_with_baselines_is_a_baseline_step_before_the_last_target():
    frame = pd.DataFrame({"region_adcode": ["1", "2", "1"], "indicator_id": "x",
                          "year": [2020, 2020, 2025], "value": [1.0, 2.0, 3.0],
                          "kind": ["baseline", "target", "target"]})
    assert thematic.time_steps(frame, "x") == [(2020, "baseline"), (2025, "target")]


def test_equal_bounds_read_as_one_number_and_gaps_are_clean():
    frame = pd.DataFrame({"region_adcode": ["1", "1", "2", "2"], "indicator_id": "x",
                          "year": [2020, 2025, 2020, 2025], "value": [2.24, 2.5, 1.0, 1.37],
                          "kind": ["baseline", "target"] * 2})
    gaps = thematic.value_table(frame, "x", "gap")["value"].tolist()
    assert gaps == [0.26, 0.37]
    assert thematic.classify(gaps, "natural_breaks", k=5).labels == ("0.26", "> 0.26 – 0.37")


def test_a_map_is_classified_without_scipy_sklearn_or_matplotlib():
    """A worker that draws a map stays small: the province map of the knowledge base's
    R&D intensity, in every scheme, classes its cities with numpy alone (issue 25)."""
    import json
    import subprocess
    import sys
    from pathlib import Path

    code = """
import json, sys
import web
from geo import thematic
classes = []
classify = thematic.classify
def recording(*args, **kwargs):
    result = classify(*args, **kwargs)
    classes.append(result.k)
    return result
thematic.classify = recording
client = web.create_app().test_client()
statuses = [client.get("/maps/320000?indicator=rd_intensity&kind=baseline&scheme=" + s).status_code
            for s in ("quantiles", "natural_breaks", "equal_interval", "user_defined&breaks=1,2")]
heavy = sorted(m for m in ("matplotlib", "mapclassify", "scipy", "sklearn", "PIL", "numba")
               if m in sys.modules)
print(json.dumps({"statuses": statuses, "classes": classes, "heavy": heavy}))
"""
    root = Path(__file__).resolve().parents[1]
    out = subprocess.run([sys.executable, "-c", code], cwd=root, capture_output=True,
                         text=True, timeout=600)
    assert out.returncode == 0, out.stderr[-3000:]
    found = json.loads(out.stdout.strip().splitlines()[-1])
    assert found["statuses"] == [200, 200, 200, 200]
    assert len(found["classes"]) == 4 and min(found["classes"]) >= 2  # really classified
    assert found["heavy"] == []

"""Like with like: one axis per measure, unit, plan period and target year; every bar
carries its year; counts also compared as 完成率; Chinese labels only."""

from __future__ import annotations

import json
import re

import pandas as pd

from monitor.compare import comparison


def _specs(client, indicator):
    html = client.get(f"/targets?indicator={indicator}").get_data(as_text=True)
    return html, [json.loads(s) for s in
                  re.findall(r'id="im-compare-\d+-spec">(.*?)</script>', html, re.S)]


def test_high_tech_firms_compare_only_same_year_bars_each_labelled(client):
    html, specs = _specs(client, "hitech_enterprises")
    values = [s for s in specs if s["kind"] == "values"]
    assert len(values) >= 2  # the province's 2020 target stands apart from 2025's
    for spec in values:
        assert {r["target_year"] for r in spec["regions"]} == {spec["year"]}
        for series in spec["series"]:
            for value, label, region in zip(series["data"], series["labels"], spec["regions"]):
                year = region[f"{series['key']}_year"]
                assert (value is None and label == "") or label.endswith(f"{year}年")
        targets = spec["series"][1]
        assert all(label.endswith(f"{spec['year']}年") for label in targets["labels"] if label)
    years = {s["year"] for s in values}
    assert 2020 in years and 2025 in years
    text = re.sub(r"<script.*?</script>|<[^>]+>", " ", html, flags=re.S)
    assert not re.search(r"\b(stock|ratio|annual_flow)\b", text)
    assert not re.search(r'"measure": "[a-z_]+"', html)


def _row(adcode, year, period, completion=None, measure="stock", unit="家"):
    return {"indicator_id": "x", "subject": "", "entity_id": "", "region_adcode": adcode,
            "region_rank": (0, adcode), "year": year, "source": "table", "unit": unit,
            "value": 10.0, "value_max": float("nan"), "qualifier": "", "indicator_name": "X",
            "region_name": adcode, "baseline_row": None, "actual": 6.0, "actual_year": year - 1,
            "status": "进展正常", "plan_title": "p", "measure": measure, "period_label": period,
            "completion": completion, "time_progress": 0.8}


def test_targets_of_other_years_get_their_own_chart_and_counts_a_completion_chart():
    rows = pd.DataFrame([_row("990000", 2020, "十三五", 0.5), _row("990100", 2025, "十四五", 0.9),
                         _row("990200", 2025, "十四五", 0.7)])
    indicators = pd.DataFrame({"id": ["x"], "name": ["X"]}).set_index("id", drop=False)
    specs = comparison(rows, "x", indicators)
    values = [s for s in specs if s["kind"] == "values"]
    assert sorted(s["categories"] for s in values) == [["990000"], ["990100", "990200"]]
    shared = next(s for s in specs if s["kind"] == "completion" and len(s["categories"]) == 2)
    assert shared["unit"] == "%" and shared["series"][0]["data"] == [90.0, 70.0]
    assert shared["series"][0]["labels"] == ["90\n2024年", "70\n2024年"]
    assert all(s["measure"] == "存量" for s in values)


def test_a_ratio_has_no_completion_chart():
    rows = pd.DataFrame([_row("990100", 2025, "十四五", 0.9, "ratio", "%")])
    indicators = pd.DataFrame({"id": ["x"], "name": ["X"]}).set_index("id", drop=False)
    assert [s["kind"] for s in comparison(rows, "x", indicators)] == ["values"]


def test_bar_labels_write_figures_as_the_tables_do():
    big = {**_row("990100", 2025, "十四五", 0.5), "value": 1_234_567.0, "actual": 24.99}
    rows = pd.DataFrame([big])
    indicators = pd.DataFrame({"id": ["x"], "name": ["X"]}).set_index("id", drop=False)
    (spec, *_) = comparison(rows, "x", indicators)
    labels = {s["key"]: s["labels"][0] for s in spec["series"]}
    assert labels["target"] == "1,234,567\n2025年"  # not “1.23457e+06”
    assert labels["actual"] == "24.99\n2024年"

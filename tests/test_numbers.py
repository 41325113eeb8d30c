"""Chinese number and target formatting (geo.numbers) over every qualifier the plans use."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from geo.numbers import format_number, format_percent, format_value, split_qualifier
from web.settings import ROOT


@pytest.mark.parametrize("x, text", [
    (23000, "23,000"), (2.5, "2.5"), (2.50, "2.5"), (1000.0, "1,000"), (1.83, "1.83"),
    (-0.3, "-0.3"), (0, "0"), (-0.00001, "0"), (1234567.891, "1,234,567.891"),
    (0.123456, "0.1235"), (None, "—"), (math.nan, "—"),
])
def test_format_number(x, text):
    assert format_number(x) == text


def test_format_percent():
    assert format_percent(0.765) == "76.5%"
    assert format_percent(1.2) == "120%"
    assert format_percent(None) == "—" and format_percent(math.nan) == "—"


@pytest.mark.parametrize("args, text", [
    ((2.5, "%", "力争"), "力争达到2.5%"),
    ((1, "%", "左右"), "1%左右"),
    ((200, "家", "以上"), "200家以上"),
    ((1, "家", None, 2), "1—2家"),
    ((1, "%", None, 2), "1%—2%"),
    ((1000, "家", "突破"), "突破1,000家"),
    ((1000, "家", "超过"), "超过1,000家"),
    ((300, "家", "力争|以上"), "力争达到300家以上"),
    ((10, "家", "力争|超过"), "力争超过10家"),
    ((3, "%", "力争|左右"), "力争达到3%左右"),
    ((10, "个", "不少于"), "不少于10个"),
    ((50, "%", "不低于"), "不低于50%"),
    ((3, "个", "至少"), "至少3个"),
    ((10, "人年", "≥"), "≥10人年"),
    ((300, "亿元", "超"), "超300亿元"),
    ((23000, "人", "余"), "23,000余人"),
    ((1000, "亿元", "级"), "1,000亿元级"),
    ((10, "百分点", "高于全市"), "高于全市10个百分点"),
    ((0.3, "吨标准煤/万元", "力争|以下"), "力争降至0.3吨标准煤/万元以下"),
    ((10, "个", "争取", 20), "争取达到10—20个"),
    ((15, "%", "争取|不低于"), "争取不低于15%"),
    ((2.2, "%"), "2.2%"),
    ((None, "%", "力争"), "—"),
])
def test_format_value(args, text):
    assert format_value(*args) == text


def test_ranks():
    assert format_value(1, "位", "保持", scope="全国") == "保持全国第一"
    assert format_value(1, "位", "保持") == "保持第一"
    assert format_value(3, "位") == "第三"
    assert format_value(10, "位") == "第十"
    assert format_value(12, "位") == "第12位"
    assert format_value(100, "位", "力争|进入", scope="全国") == "力争进入全国前100位"


def test_unknown_qualifier_is_refused():
    with pytest.raises(ValueError, match="大约"):
        format_value(1, "%", "大约")
    assert split_qualifier("力争|以上") == (["力争"], ["以上"])


def test_every_target_of_the_knowledge_base_formats_with_its_number():
    targets = pd.read_csv(ROOT / "data" / "kb" / "targets.csv", dtype=str,
                          keep_default_na=False)
    for row in targets.itertuples():
        value_max = float(row.value_max) if row.value_max else None
        text = format_value(float(row.value), row.unit, row.qualifier, value_max)
        number = format_number(float(row.value))
        assert number in text or row.unit == "位", (row.id, text)
        for word in filter(None, row.qualifier.split("|")):
            assert word in text, (row.id, text)

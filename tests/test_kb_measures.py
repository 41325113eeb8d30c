"""One indicator, one measure: the definitions that make targets comparable across plans."""

from pathlib import Path

import pandas as pd
import pytest

from layers.base import LayerError
from layers.plans import plan_text
from layers.targets import (
    INCREMENT_MEASURES,
    MEASURES,
    TARGET_KEY,
    check_targets,
    conflicting_keys,
    increments_filed_as_levels,
    is_increment,
    misplaced_restatements,
    read_statements,
)

DATA = Path(__file__).resolve().parents[1] / "data"
README = DATA / "kb" / "README.md"


def test_every_indicator_states_scope_measure_and_unit(indicators):
    assert set(indicators["measure"]) <= set(MEASURES)
    assert (indicators["scope"] != "").all() and (indicators["unit"] != "").all()


def test_the_measure_vocabulary_is_documented():
    text = README.read_text(encoding="utf-8")
    assert all(f"`{measure}`" in text for measure in MEASURES)
    assert "`scope`" in text and "`population`" in text and "`restates`" in text


def test_no_two_different_rows_for_one_key(targets):
    assert conflicting_keys(targets) == []
    assert misplaced_restatements(targets) == []


def test_restatements_repeat_the_value_they_restate(targets):
    """A restatement is the same number written again (or rounded with 超过/突破)."""
    by_id = targets.set_index("id")
    for row in targets[targets["restates"] != ""].itertuples():
        primary = by_id.loc[row.restates]
        if row.value != primary.value:
            assert {"超过", "突破"} & set(row.qualifier.split("|")) and row.value < primary.value, \
                row.id


def test_every_increment_target_has_an_increment_indicator(targets, indicators):
    assert increments_filed_as_levels(targets, indicators.reset_index()) == []
    increments = [row for row in targets.itertuples()
                  if is_increment(row.quote, row.value_text, row.note)]
    assert len(increments) >= 10  # the check looks at real rows
    assert all(indicators.loc[row.indicator_id, "measure"] in INCREMENT_MEASURES
               for row in increments)


def test_one_measure_and_unit_per_indicator_across_rows(targets, indicators):
    units = targets.groupby("indicator_id")["unit"].nunique()
    assert (units == 1).all()
    assert (targets["unit"].values == indicators.loc[targets["indicator_id"], "unit"].values).all()


@pytest.mark.parametrize("quote,value_text,note,expected", [
    ("到 2025 年，新增 1-2家省级及以上孵化器和众创空间", "1-2", "", True),
    ("“十四五”期间，累计新引进外国高端人才和专业人才300人以上", "300", "", True),
    ("力争新增两院院士 25 人，全省持有效工作许可的外国人才达 2.8 万人", "2.8 万", "", False),
    ("全市累计建成科技服务业集聚区8—10个", "8—10", "", False),
    ("争取获得新药证书10~20个", "10~20", "“十四五”期间累计", True),
    ("2025年，全市省级以上众创空间、科技企业孵化器力争达到35家", "35", "", False),
])
def test_is_increment_reads_the_clause_of_the_number(quote, value_text, note, expected):
    assert is_increment(quote, value_text, note) is expected


def _row(id_, value, restates="", quote="达到10家", value_text="10", **key):
    base = {"region_adcode": "321300", "subject": "", "entity_id": "", "indicator_id": "x",
            "year": 2025, "kind": "target"}
    return {"id": id_, **base, **key, "value": value, "value_text": value_text,
            "quote": quote, "note": "", "restates": restates, "qualifier": ""}


def test_check_refuses_two_values_for_one_key_unless_one_restates_the_other():
    indicators = pd.DataFrame({"id": ["x"], "measure": ["stock"]})
    clash = pd.DataFrame([_row("a", 10.0), _row("b", 12.0, value_text="12", quote="达到12家")])
    assert conflicting_keys(clash) == [("321300", "", "", "x", 2025, "target")]
    with pytest.raises(LayerError, match="two different rows for one key"):
        check_targets(clash, indicators)
    marked = clash.assign(restates=["", "a"])
    check_targets(marked, indicators)
    other_key = pd.DataFrame([_row("a", 10.0), _row("b", 12.0, restates="a", year=2020)])
    with pytest.raises(LayerError, match="restates no primary row"):
        check_targets(other_key, indicators)


def test_check_refuses_an_increment_filed_as_a_level():
    indicators = pd.DataFrame({"id": ["x"], "measure": ["stock"]})
    frame = pd.DataFrame([_row("a", 2.0, quote="新增 2 家", value_text="2")])
    with pytest.raises(LayerError, match="increment filed under a level indicator"):
        check_targets(frame, indicators)
    check_targets(frame, indicators.assign(measure="period_increment"))


def test_the_key_is_what_a_row_measures():
    assert TARGET_KEY == ("region_adcode", "subject", "entity_id", "indicator_id", "year", "kind")


def _one(targets, quote, value):
    rows = targets[targets["quote"].str.startswith(quote) & (targets["value"] == value)]
    assert len(rows) == 1, (quote, value)
    return rows.iloc[0]


# The rows an independent reading found conflated, with the meaning they now carry.
CORRECTED = [
    # (plan quote, value, indicator, measure)
    ("省级科技创新平台达到90个", 90, "provincial_st_platforms", "stock"),
    ("重点培育30家左右具有国际影响力的企", 30, "rd_institutions_world_class", "stock"),
    ("200 家左右国内一流的企业研发机构", 200, "leading_rd_institutions", "stock"),
    ("到 2025 年，新增 1-2家省级及以上孵化器和众创空间", 1, "incubators_provincial_new",
     "period_increment"),
    ("引进建设新型研发机构9个", 9, "new_type_rd_institutions", "stock"),
    ("省级科技企业孵化器10个", 10, "incubators_in_tech_complexes", "stock"),
    ("省级备案众创空间 8家", 8, "maker_spaces_provincial", "stock"),
    ("五年内培育各领域拔尖人才1500人左右", 1500, "top_talents_trained", "period_increment"),
    ("力争每个重点产业建立 1 家市级产业研究院或研究中心", 1,
     "industry_research_institutes_per_key_industry", "ratio"),
    ("到2025年，各类科技金融中介服务机构达20家", 20, "tech_finance_agencies", "stock"),
    ("到 2025 年，引进知名科技服务机构 2 家", 2, "tech_service_agencies_introduced",
     "period_increment"),
    ("每万名劳动力中研发人员达 200 人", 200, "rd_personnel_per_10k_labour", "ratio"),
    ("全市大中型工业企业稳定在90%左右", 90, "enterprise_rd_coverage_large_medium", "ratio"),
    ("建成1—2家科技服务业集聚区", 1, "tech_service_clusters_new", "annual_flow"),
    ("每年新增知识产权“贯标”备案企业120家", 120, "ip_standard_firms_new", "annual_flow"),
]


@pytest.mark.parametrize("quote,value,indicator_id,measure", CORRECTED)
def test_named_rows_carry_their_corrected_meaning(targets, indicators, quote, value,
                                                  indicator_id, measure):
    row = _one(targets, quote, float(value))
    assert row.indicator_id == indicator_id
    assert indicators.loc[indicator_id, "measure"] == measure


def test_split_indicators_keep_their_own_rows_apart(targets, indicators):
    sq = targets[targets["region_adcode"] == "321300"]
    platforms = sq[sq["indicator_id"] == "innovation_platforms"]
    assert set(platforms["value"]) == {155.0, 300.0}  # 平台载体 only; 90 is 平台
    lyg = targets[(targets["region_adcode"] == "320700")
                  & (targets["indicator_id"] == "new_rd_institutions")]
    assert set(lyg["value"]) == {22.0, 80.0}  # 新型研发机构等重大产业创新平台; 9 is 新型研发机构
    sz_makers = targets[(targets["region_adcode"] == "341300")
                        & (targets["indicator_id"] == "maker_spaces")]
    assert sz_makers["value"].tolist() == [21.0]  # all-level only: no 8 → 21 "growth"
    talents = targets[targets["indicator_id"] == "leading_talents"]
    assert not talents["quote"].str.contains("拔尖").any()
    assert indicators.loc["rd_personnel_per_10k", "unit"] == "人年"
    assert indicators.loc["rd_personnel_per_10k_labour", "unit"] == "人"
    assert indicators.loc["enterprise_rd_coverage_large_medium", "population"] == "大中型工业企业"
    incubators = targets[targets["indicator_id"] == "incubators_provincial"]
    assert not incubators["quote"].str.contains("新增").any()


def test_slogans_and_selected_project_counts_are_statements_not_targets(targets):
    statements = read_statements(DATA)
    assert {"js-major-st-projects-2025-target", "sq-zone-output-2025-target-2"} <= set(
        statements["former_target_id"])
    assert not set(statements["former_target_id"]) & set(targets["id"])
    assert not targets["quote"].str.contains("千亿级|遴选出 18 个").any()
    for row in statements.itertuples():
        assert row.quote in plan_text(DATA, row.plan_id) and row.value_text in row.quote
        assert len(row.reason) > 10

"""Extraction on plans the rules were not written from: made-up 十五五 plans of other
provinces, each with a hand-written list of its entities, partner institutions and
targets (``*_expected.csv``, written before the extractor was first run on them).

The first three are short (a county in 四川, cities in 河南 and 湖南); the four
``LONG`` ones are 10–13 KB with the habits of real documents of other regions: a
prefecture city of 内蒙古 with 第一章/第一节 chapters and a 2025/2030 table of tab
cells, a district of a 广东 city with its indicator table between bars, a county-level
city of 浙江 with its indicators as a numbered list and a date in Chinese numerals,
a city of 云南 copied from its portal (索引号, 发布日期) with a 2025年（基期）/2027/2030
table and 〔〕 five-year sums. Before the rules were changed on them they read 115 of
147 entities (128 of 165 candidates accepted) and 148 of 169 targets (172 of 186
accepted); the floors below are what the rules reach now."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from ingest.plans.extract import extract
from ingest.plans.reading import read_path
from tests.plan_measure import DATA

PLANS = Path(__file__).parent / "data" / "plans"
HELD_OUT = ("pengxi_2026", "xuchang_2026", "hengyang_2026")
LONG = ("ordos_2026", "shunde_2026", "zhuji_2026", "qujing_2026")
# reached: (entities found, candidates accepted, targets found, target candidates accepted)
FLOORS = {"ordos_2026": (44, 46, 46, 65), "shunde_2026": (33, 39, 37, 55),
          "zhuji_2026": (29, 35, 37, 51), "qujing_2026": (37, 39, 49, 65)}


def _expected(name: str) -> list[dict]:
    with (PLANS / f"{name}_expected.csv").open(encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def _target_key(value, year, unit, kind) -> tuple:
    return (round(float(value), 4), int(year), "家" if unit == "个" else unit, kind)


@pytest.fixture(scope="module")
def results():
    return {name: extract(read_path(PLANS / f"{name}.txt"), DATA) for name in HELD_OUT + LONG}


def _entity_counts(rows, result) -> tuple[int, int, int, int]:
    """(expected found, expected, candidates accepted, candidates): a candidate is
    accepted when the list names it as an entity or a partner institution."""
    expected = [r["name"] for r in rows if r["group"] == "entity"]
    accepted = {r["name"] for r in rows if r["group"] in ("entity", "partner")}
    names = [e["name"] for e in result["entities"]]
    return (sum(n in names for n in expected), len(expected),
            sum(n in accepted for n in names), len(names))


def _target_counts(rows, result) -> tuple[int, int, int, int]:
    expected = {_target_key(r["value"], r["year"], r["unit"], r["kind"])
                for r in rows if r["group"] == "target"}
    found = [_target_key(t["value"], t["year"], t["unit"], t["kind"]) for t in result["targets"]]
    return (len(expected & set(found)), len(expected), sum(k in expected for k in found),
            len(found))


def test_plan_fields_of_the_held_out_plans(results):
    pengxi, xuchang, hengyang = (results[name]["plan"] for name in HELD_OUT)
    assert (pengxi["doc_number"], pengxi["date"]) == ("蓬府办发〔2026〕15号", "2026-05-20")
    assert (xuchang["doc_number"], xuchang["date"]) == ("许政〔2026〕9号", "2026-04-08")
    assert (hengyang["doc_number"], hengyang["date"]) == ("衡政办发〔2026〕21号", "2026-06-12")
    for plan in (pengxi, xuchang, hengyang):
        assert (plan["kind"], plan["period_start"], plan["period_end"]) == ("五年规划", 2026, 2030)
        assert plan["region_adcode"] is not None


@pytest.mark.parametrize("name", HELD_OUT)
def test_each_held_out_plan_reads_most_of_its_entities_and_targets(results, name):
    rows, result = _expected(name), results[name]
    found, expected, good, candidates = _entity_counts(rows, result)
    assert found / expected >= 0.85, (found, expected)
    assert good / candidates >= 0.80, (good, candidates)
    found, expected, good, candidates = _target_counts(rows, result)
    assert found / expected >= 0.94 and good / candidates >= 0.90


def test_held_out_figures_meet_the_goals_of_the_seeds(results):
    """Over the three: ≥ 90 % of entities, ≥ 95 % of targets, < 1 candidate in 5 rejected.
    Reached: 61 of 67 entities (63 of 70 candidates accepted), 43 of 44 targets."""
    entity = [sum(c) for c in zip(*(_entity_counts(_expected(n), results[n]) for n in HELD_OUT))]
    target = [sum(c) for c in zip(*(_target_counts(_expected(n), results[n]) for n in HELD_OUT))]
    assert entity[0] / entity[1] >= 0.90
    assert target[0] / target[1] >= 0.95
    assert 1 - (entity[2] + target[2]) / (entity[3] + target[3]) < 0.20


def test_parts_of_a_structure_and_their_parent(results):
    entities = {e["name"]: e for e in results["pengxi_2026"]["entities"]}
    assert entities["一核两带多点"]["type"] == "structure"
    for part in ("沿涪江绿色食品创新带", "遂西高速先进材料创新带"):
        assert entities[part]["parent"] == "一核两带多点"
    text = read_path(PLANS / "pengxi_2026.txt").text
    assert all(text[e["start"]:e["end"]] == e["quote"] for e in entities.values())


def test_task_table_of_a_held_out_plan(results):
    tasks = results["xuchang_2026"]["tasks"]
    assert [t["lead_units"] for t in tasks] == [["市科技局"]] * 3
    assert tasks[1]["partner_units"] == ["市财政局", "市税务局"]
    assert (tasks[0]["q1"], tasks[0]["q4"]) == ("制定年度建设方案", "完成年度目标")


def test_a_unit_column_and_a_structure_of_wings(results):
    result = results["hengyang_2026"]
    table = [(t["value"], t["year"], t["unit"]) for t in result["targets"] if t["source"] == "table"]
    assert (2.8, 2030, "%") in table and (250, 2030, "亿元") in table
    assert all(unit for _, _, unit in table)
    entities = {e["name"]: e for e in result["entities"]}
    assert entities["东翼"]["parent"] == entities["西翼"]["parent"] == "一核两翼多园"
    assert {"耒阳经济开发区", "衡阳县经济开发区"} <= set(entities)
    assert not any(name.startswith(("东翼", "西翼")) and len(name) > 2 for name in entities)


def test_plan_fields_of_the_long_plans(results):
    plans = {name: results[name]["plan"] for name in LONG}
    assert {name: (p["doc_number"], p["date"], p["region_adcode"]) for name, p in plans.items()} == {
        "ordos_2026": ("鄂府发〔2026〕18号", "2026-04-30", "150600"),
        "shunde_2026": ("顺府办发〔2026〕7号", "2026-03-18", "440606"),
        "zhuji_2026": ("诸政发〔2026〕12号", "2026-05-09", "330681"),  # 二〇二六年五月九日
        "qujing_2026": ("曲政办发〔2026〕23号", "2026-06-03", "530300"),  # not 发布日期
    }
    for plan in plans.values():
        assert (plan["kind"], plan["period_start"], plan["period_end"]) == ("五年规划", 2026, 2030)
        assert "十五五" in plan["title"] and not plan["title"].endswith("通知")


@pytest.mark.parametrize("name", LONG)
def test_each_long_plan_keeps_what_its_rules_reached(results, name):
    rows, result = _expected(name), results[name]
    found, expected, good, candidates = _entity_counts(rows, result)
    target_found, target_expected, target_good, target_candidates = _target_counts(rows, result)
    assert all(a >= b for a, b in zip((found, good, target_found, target_good), FLOORS[name]))
    assert good / candidates >= 0.80 and target_good / target_candidates >= 0.97
    assert found / expected >= 0.93 and target_found / target_expected == 1.0


def test_long_plans_together(results):
    """Over the four: 143 of 147 entities (159 of 179 candidates accepted), all 169
    targets (236 of 237 target candidates accepted), 96 target candidates filed under an
    indicator of the knowledge base (57 before)."""
    entity = [sum(c) for c in zip(*(_entity_counts(_expected(n), results[n]) for n in LONG))]
    target = [sum(c) for c in zip(*(_target_counts(_expected(n), results[n]) for n in LONG))]
    assert entity[0] / entity[1] >= 0.97 and entity[2] / entity[3] >= 0.87
    assert target[0] == target[1] and target[2] / target[3] >= 0.995
    filed = sum(1 for n in LONG for t in results[n]["targets"] if t["indicator_id"])
    assert filed >= 96
    assert 1 - (entity[2] + target[2]) / (entity[3] + target[3]) < 0.08


def test_long_plans_figures_of_their_own_kinds(results):
    def figures(name):
        return {(t["indicator"], t["value"], t["year"], t["kind"]) for t in results[name]["targets"]}

    # a 第一节 主要成就 under 第一章: what the city has reached is a 2025 baseline
    assert ("全市全社会研发经费投入", 68, 2025, "baseline") in figures("ordos_2026")
    assert not any(v == 1.8 for _, v, _, _ in figures("ordos_2026"))  # 自治区提出…1.8%
    # the table between bars and the numbered list of indicators
    assert ("PCT国际专利申请量", 600, 2030, "target") in figures("shunde_2026")
    assert ("科技型中小企业数", 2500, 2030, "target") in figures("zhuji_2026")
    # 2025年（基期）, 2027 and 〔300〕 columns
    qujing = figures("qujing_2026")
    assert ("每万人口高价值发明专利拥有量", 0.9, 2025, "baseline") in qujing
    assert ("技术合同成交额", 25, 2027, "target") in qujing
    assert ("实施市级以上科技计划项目", 300, 2030, "target") in qujing
    entities = {e["name"]: e for e in results["ordos_2026"]["entities"]}
    assert entities["伊金霍洛—东胜新能源创新走廊"]["type"] == "corridor"
    assert "国家高新区" not in entities  # the rank 鄂尔多斯高新技术产业开发区 got

import math
import re
from pathlib import Path

import pandas as pd
import pytest

from geo import thematic
from geo.boundaries import load_boundaries
from layers.plans import load_plans, plan_text, section_of
from layers.targets import (
    KINDS,
    SOURCES,
    TARGET_COLUMNS,
    parse_number,
    parse_value_text,
)
from layers.tasks import parse_task_table, task_plans

DATA = Path(__file__).resolve().parents[1] / "data"
TASK_PLAN_ID = task_plans(DATA)[0].id  # the registry's plan with a task table
SQ, SZ, LYG, JS = ("000_ad48b25927ecef2e", "001_7675cb991152f466",
                   "003_4e3fe20dd1e81567", "004_5c3bcb5129e3b430")
FIVE_YEAR_MARKS = {2015: "十二五", 2020: "十三五", 2025: "十四五"}


@pytest.fixture(scope="module")
def texts():
    return {plan_id: plan_text(DATA, plan_id) for plan_id in load_plans(DATA)}


def _rows(targets):
    return list(targets.itertuples(index=False))


def test_columns_and_keys(targets, indicators):
    assert list(targets.columns) == list(TARGET_COLUMNS)
    assert targets["id"].is_unique
    assert targets["id"].str.fullmatch(r"[a-z0-9-]+").all()
    assert set(targets["kind"]) <= set(KINDS) and set(targets["source"]) <= set(SOURCES)
    assert set(targets["indicator_id"]) <= set(indicators.index)
    assert targets["region_adcode"].str.fullmatch(r"\d{6}").all()
    assert set(targets["plan_id"]) == set(load_plans(DATA))


def test_units_are_the_indicators_units(targets, indicators):
    expected = indicators.loc[targets["indicator_id"], "unit"].values
    assert (targets["unit"].values == expected).all()


def test_every_quote_is_an_exact_substring_of_its_plan(targets, texts):
    missing = [row.id for row in _rows(targets) if row.quote not in texts[row.plan_id]]
    assert missing == []


def test_every_number_of_a_row_is_in_its_quote(targets):
    for row in _rows(targets):
        assert row.value_text in row.quote, row.id
        value, value_max = parse_value_text(row.value_text, row.unit)
        assert math.isclose(value, row.value), row.id
        if value_max is None:
            assert math.isnan(row.value_max), row.id
        else:
            assert math.isclose(value_max, row.value_max) and value_max > value, row.id


def test_qualifiers_are_written_in_the_quote(targets):
    for row in _rows(targets):
        squeezed = re.sub(r"\s", "", row.quote)
        for token in filter(None, row.qualifier.split("|")):
            assert token in squeezed, (row.id, token)


def test_year_is_stated_around_the_quote(targets, texts):
    """The year comes from the quote, its paragraph or the table header above it;
    where it does not, the note says the year is the plan's horizon."""
    unstated = []
    for row in _rows(targets):
        if row.plan_id == TASK_PLAN_ID:
            assert row.year == 2023
            continue
        text = texts[row.plan_id]
        at = text.find(row.quote)
        paragraph_start = text.rfind("\n\n", 0, max(at - 400, 0))
        context = text[max(paragraph_start, at - 1500, 0):at + len(row.quote)]
        marks = (str(row.year), FIVE_YEAR_MARKS.get(row.year, "\0"))
        if not any(m in context for m in marks) and f"规划期末（{row.year}年）" not in row.note:
            unstated.append(row.id)
    assert unstated == []


def test_sections_are_the_headings_above_the_quote(targets, texts):
    tasks = parse_task_table(texts[TASK_PLAN_ID])
    for row in _rows(targets):
        if row.plan_id == TASK_PLAN_ID:
            cells = [t for t in tasks if any(row.quote in t[k] for k in
                                             ("task", "q1", "q2", "q3", "q4"))]
            assert [" > ".join(filter(None, (t["group"], t["work"]))) for t in cells][:1] \
                == [row.section], row.id
        else:
            assert section_of(texts[row.plan_id], row.quote) == row.section, row.id


def test_every_plan_has_its_indicator_table(targets):
    tables = targets[targets["source"] == "table"].groupby("plan_id").size()
    assert tables.to_dict() == {SQ: 20, SZ: 9, "002_29b2058011f3f7c1": 36, LYG: 14, JS: 16}


# Same indicator in different plans, checked by reading each quote.
LINED_UP = [
    ("rd_intensity", SQ, "全社会研发投入占地区生产总值比重（%）", 2.2),
    ("rd_intensity", LYG, "到2025年，力争全社会研发投入占地区生产总值比重达2.5%", 2.5),
    ("rd_intensity", LYG, "全社会研发投入占GDP比重（%）", 2.5),
    ("rd_intensity", SZ, "全市研究与试验发展经费投入强度达到 1%左右", 1),
    ("rd_intensity", SZ, "4 研究与试验发展(R&D)经费支出强度（%） 1左右", 1),
    ("rd_intensity", JS, "全社会研发投入占地区生产总值比重达 3.2%", 3.2),
    ("rd_intensity", TASK_PLAN_ID, "1.全社会R&D经费支出占GDP比重2.2%", 2.2),
    ("hitech_enterprises", SQ, "国家高新技术企业达到200家以上", 200),
    ("hitech_enterprises", SZ, "到 2025 年，力争全市高新技术企业达到 300家", 300),
    ("hitech_enterprises", LYG, "力争高新技术产业产值占规上工业产值比重达45%，国家高新技术企业总数达1000家",
     1000),
    ("hitech_enterprises", JS, "高新技术企业总数超过 3.2 万家", 32000),
    ("hitech_enterprises", TASK_PLAN_ID, "4.高新技术企业数700家", 700),
    ("hitech_output_share", SQ, "全市高新技术产业产值占规模以上工业总产值的比重达到50%", 50),
    ("hitech_output_share", LYG, "到2025年，力争高新技术产业产值占规上工业产值比重达45%", 45),
    ("hitech_output_share", JS, "高新技术产业产值占规模以上工业总产值比重达 50%左右", 50),
    ("hitech_output_share", TASK_PLAN_ID, "7.高新技术产业产值占规模以上工业产值比重38.5%", 38.5),
    ("tech_contract_turnover", SQ, "技术合同成交额达80亿元", 80),
    ("tech_contract_turnover", SZ, "技术合同成交金额达到 50亿元", 50),
    ("tech_contract_turnover", LYG, "力争全市新型研发机构等重大产业创新平台达80个，各类双创孵化载体达60家以上，"
     "年技术合同成交额达100亿元", 100),
    ("tech_contract_turnover", JS, "全省技术合同成交额达 3500 亿元", 3500),
    ("invention_patents_per_10k", SZ, "每万人发明专利拥有量达到 12 件", 12),
    ("invention_patents_per_10k", JS, "万人发明专利拥有量达 36.1 件", 36.1),
    ("tech_progress_contribution", SQ, "科技进步贡献率（%）", 62),
    ("tech_progress_contribution", LYG, "力争全社会研发投入占地区生产总值比重达2.5%，万人高价值发明专利拥有量达6件，"
     "科技进步贡献率达60%", 60),
    ("tech_progress_contribution", JS, "科技进步贡献率达 70%", 70),
    ("tech_smes", LYG, "力争高新技术产业产值占规上工业产值比重达45%，国家高新技术企业总数达1000家，"
     "科技型中小企业达2000家", 2000),
    ("tech_smes", JS, "到2025年，全省科技型中小企业数量力争达6万家", 60000),
]


@pytest.mark.parametrize("indicator_id,plan_id,quote_start,value", LINED_UP)
def test_same_indicator_in_different_plans_shares_one_id(targets, indicator_id, plan_id,
                                                         quote_start, value):
    rows = targets[(targets["plan_id"] == plan_id) & targets["quote"].str.startswith(quote_start)
                   & (targets["value"] == value)]
    assert len(rows) >= 1
    assert set(rows["indicator_id"]) == {indicator_id}


def test_prose_targets_of_zones_carry_their_subject(targets):
    zone = targets[targets["quote"] == "国家高新技术企业达到200家以上"].iloc[0]
    assert (zone.subject, zone.qualifier, zone.kind, zone.year) == ("宿迁高新区", "以上", "target", 2025)


def test_indicator_variants_name_one_indicator_each(indicators):
    variants = [v for vs in indicators["variants"] for v in vs.split("|")]
    assert len(variants) == len(set(variants))
    assert indicators.index.str.fullmatch(r"[a-z0-9_]+").all()
    assert not indicators.loc["zone_energy_intensity", "higher_is_better"]
    assert indicators.loc["rd_intensity", "higher_is_better"]


@pytest.mark.parametrize("text,unit,expected", [
    ("2.2", "%", (2.2, None)),
    ("3.2 万", "家", (32000, None)),
    ("8.8 万亿", "亿元", (88000, None)),
    ("万亿", "亿元", (10000, None)),
    ("8000万", "亿元", (0.8, None)),
    ("2—3", "个", (2, 3)),
    ("10~20", "个", (10, 20)),
    ("1-2", "家", (1, 2)),
    ("百", "家", (100, None)),
])
def test_parse_value_text(text, unit, expected):
    assert parse_value_text(text, unit) == expected


@pytest.mark.parametrize("text", ["", "abc", "3百", "1—2—3"])
def test_parse_value_text_rejects_non_numbers(text):
    with pytest.raises(ValueError):
        parse_value_text(text, "家")


def test_parse_number_chinese_numerals():
    assert [parse_number(t) for t in ("十", "二十五", "三百", "一千二百", "两万")] == \
        [10, 25, 300, 1200, 20000]


def _frame(rows):
    columns = ["id", "indicator_id", "kind", "year", "subject", "entity_id", "source",
               "region_adcode", "value", "value_max", "qualifier", "unit", "plan_id", "quote"]
    return pd.DataFrame(rows, columns=columns)


def test_rd_intensity_targets_across_plans(catalog):
    result = thematic.value_table(catalog.frame("targets"), "rd_intensity", "target", 2025)
    assert dict(zip(result["region_adcode"], result["value"])) == {
        "320000": 3.2, "320700": 2.5, "321300": 2.2, "341300": 1.0}
    assert result.set_index("region_adcode").loc["341300", "qualifier"] == "左右"


def test_targets_layer_takes_the_boundary_of_its_adcode(catalog):
    layer = catalog.frame("targets")
    shapes = load_boundaries(catalog.context.data_dir / "boundaries", "fine").set_index("adcode")
    row = layer[layer["id"] == "sq-rd-intensity-2025-target"].iloc[0]
    assert row.geometry.equals(shapes.loc["321300"].geometry)
    county = layer[layer["subject"] == "激光装备产业园"].iloc[0]
    assert county.geometry.equals(shapes.loc["321302"].geometry)
    assert not county.geometry.equals(shapes.loc["321311"].geometry)
    assert "激光装备产业园" in county.geometry_note
    assert row.citation.startswith("《宿迁市“十四五”科技创新规划》") and row.quote in row.citation
    assert row.indicator_name == "全社会研发投入占地区生产总值比重"


def test_entity_rows_point_at_entities_and_their_region(targets):
    entities = pd.read_csv(DATA / "kb" / "entities.csv", dtype=str,
                           keep_default_na=False).set_index("id")
    linked = targets[targets["entity_id"] != ""]
    assert set(linked["entity_id"]) <= set(entities.index)
    for row in linked.itertuples():
        entity = entities.loc[row.entity_id]
        seats = {entity.county_adcode, entity.city_adcode, entity.province_adcode, "320000"}
        assert row.region_adcode in seats - {""}, row.id
        assert row.subject, row.id
    zone = linked[linked["quote"] == "国家高新技术企业达到200家以上"].iloc[0]
    assert (zone.entity_id, zone.region_adcode) == ("sq-hitech",
                                                    entities.loc["sq-hitech"].county_adcode)

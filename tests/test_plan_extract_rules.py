"""Each extraction rule with a sentence it must read and one it must not
(made-up sentences of the kind plans write; none is taken from the seed plans)."""

from __future__ import annotations

from pathlib import Path

import pytest

from ingest.plans.context import Context, gazetteer, indicator_index
from ingest.plans.names import clean_name, is_generic, name_runs, place_type
from ingest.plans.plan_meta import PlanMeta, five_year_period, read_meta
from ingest.plans.quantities import quantities
from ingest.plans.reading import read_document
from ingest.plans.targets import prose_targets, table_targets

DATA = Path(__file__).resolve().parents[1] / "data"


@pytest.mark.parametrize("text, expected", [
    ("企业达到1200家", [(1200, None, "家", "")]),
    ("规模超过 4.5 万家", [(45000, None, "家", "")]),
    ("资金8000万元", [(0.8, None, "亿元", "")]),
    ("建成2—3个平台", [(2, 3, "个", "")]),
    ("比重达到30%以上", [(30, None, "%", "以上")]),
    ("选派专家60名", [(60, None, "人", "")]),
    ("面积12.5万平方米", [(12.5, None, "万平方米", "")]),
    ("提高2.5个百分点", []),   # a change, not a level
    ("第3个园区", []),         # an ordinal
    ("2025年", []),            # a year
    ("翻了2倍", []),
])
def test_quantities(text, expected):
    assert [(q.value, q.value_max, q.unit, q.after) for q in quantities(text)] == expected


@pytest.mark.parametrize("name, period", [("十四五", (2021, 2025)), ("“十五五”规划", (2026, 2030)),
                                          ("十三五", (2016, 2020)), ("五年计划", None)])
def test_five_year_period(name, period):
    assert five_year_period(name) == period


def test_plan_meta_of_a_cover():
    text = ("某县人民政府办公室关于印发某县“十五五”科技创新规划的通知\n某政办发〔2026〕12号\n\n"
            "某县人民政府办公室\n2026年4月2日\n\n某县“十五五”科技创新规划\n正文。\n")
    meta = read_meta(text, lambda title: None)
    assert (meta.title, meta.issuer, meta.doc_number, meta.date) == (
        "某县“十五五”科技创新规划", "某县人民政府办公室", "某政办发〔2026〕12号", "2026-04-02")
    assert (meta.kind, meta.period_start, meta.period_end) == ("五年规划", 2026, 2030)
    for signed, date in (("二〇二六年五月九日", "2026-05-09"), ("二○二六年十二月三十日", "2026-12-30"),
                         ("二〇二六年十月", "2026-10")):
        assert read_meta(text.replace("2026年4月2日", signed), lambda title: None).date == date
    annual = read_meta("某市2027年度科技创新工作要点\n正文。\n", lambda title: None)
    assert (annual.kind, annual.period_start, annual.period_end) == ("年度计划", 2027, 2027)


@pytest.mark.parametrize("run, name", [
    ("加快建设滨湖生物医药产业园", "滨湖生物医药产业园"),
    ("依托东岭大学", "东岭大学"),
    ("支持3家省级重点实验室", "省级重点实验室"),
    ("推进众创空间—孵化器", "孵化器"),
])
def test_clean_name(run, name):
    assert clean_name(run.split("—")[-1]) == name


@pytest.mark.parametrize("name, generic", [("省级重点实验室", True), ("产业技术研究院", True),
                                           ("滨湖生物医药产业园", False),
                                           ("东岭大学", False)])
def test_is_generic(name, generic):
    assert is_generic(name) is generic


def test_place_types_follow_the_suffix_table():
    assert place_type("滨湖高新技术产业开发区") == "high_tech_zone"
    assert place_type("东岭大学科技园") == "university_science_park"
    assert place_type("中国（某省）自由贸易试验区某片区") == "ftz_area"
    assert place_type("滨湖路") is None


def test_names_sharing_one_ending_in_a_list():
    text = "支持沭阳智能家居、泗洪新能源科技产业园建设"
    leads = gazetteer(str(DATA)).leads
    names = {name for _, _, name in name_runs(text, leads)}
    assert {"泗洪新能源科技产业园", "沭阳智能家居科技产业园"} <= names
    assert all(text[s:e] for s, e, _ in name_runs(text, leads))
    # not a list of places: the items are not led by an administrative name
    assert {n for _, _, n in name_runs("加强研发、设计等公共服务平台", leads)} == set()
    # an item that names a park already does not take the shared ending
    names = {n for _, _, n in name_runs("提升宿迁海创园、泗洪“青创汇”众创空间运营水平", leads)}
    assert "宿迁海创园众创空间" not in names


def _context(kind="五年规划", start=2026, end=2030):
    meta = PlanMeta(title="某市规划", region_adcode="321300", kind=kind,
                    period_start=start, period_end=end)
    return Context(meta, gazetteer(str(DATA)), indicator_index(str(DATA)))


@pytest.mark.parametrize("sentence, expected", [
    ("到2030年，全市高新技术企业达到900家。", (900, 2030, "target")),
    ("“十四五”期间，全市高新技术企业达到500家。", (500, 2025, "baseline")),
    ("截至2025年底，全市技术合同成交额达到60亿元。", (60, 2025, "baseline")),
    ("专利授权量由3000件增加到8000件。", (3000, 2025, "baseline")),
    ("2024年全市技术交易额31.6亿元。", (31.6, 2024, "baseline")),   # a year opening the clause
    ("2024年，全市技术交易额31.6亿元。", (31.6, 2024, "baseline")),
    ("2018年，实施转化工程，三年内累计转化成果702项。", (702, 2030, "target")),  # clauses away
    ("2020年以来，全市技术交易额31.6亿元。", (31.6, 2030, "target")),  # since, not as of
    ("2017年—2020年，立项169项。", (169, 2030, "target")),           # a range of years
])
def test_year_and_kind_of_a_prose_figure(sentence, expected):
    reading = read_document(("一、发展目标\n" + sentence + "\n" * 3 + "。" * 60).encode())
    targets = prose_targets(reading, _context())
    assert (targets[0]["value"], targets[0]["year"], targets[0]["kind"]) == expected
    assert reading.text[targets[0]["start"]:targets[0]["end"]] == targets[0]["quote"]


def test_from_to_in_a_passage_of_achievements():
    reading = read_document(("一、发展基础\n专利授权量由3000件增加到8000件。" + "。" * 60).encode())
    figures = [(t["value"], t["year"], t["kind"], t["indicator"])
               for t in prose_targets(reading, _context())]
    assert figures == [(3000, 2020, "baseline", "专利授权量"), (8000, 2025, "baseline", "专利授权量")]


def test_slogans_and_comparisons_are_not_targets():
    reading = read_document(("一、发展基础\n实施“科技创新40条”，较上年净增12家，"
                             "增幅达35%。" + "。" * 60).encode())
    assert prose_targets(reading, _context()) == []


def test_indicator_table_with_year_and_attribute_columns():
    text = ("（三）主要指标\n\t指标\n\t2025年\n\t2030年\n\t属性\n\n"
            "\t全社会研发投入占地区生产总值比重（%）\n\t2.6\n\t3.1\n\t预期性\n\n" + "。" * 60)
    targets = table_targets(read_document(text.encode()), _context())
    assert [(t["value"], t["year"], t["kind"], t["indicator_id"]) for t in targets] == [
        (2.6, 2025, "baseline", "rd_intensity"), (3.1, 2030, "target", "rd_intensity")]


def test_place_types_and_grades_are_the_knowledge_base_vocabulary():
    import csv

    def ids(name):
        lines = (DATA / "kb" / name).read_text(encoding="utf-8").splitlines()
        return {row["id"] for row in csv.DictReader(lines)}

    types, grades = ids("entity_types.csv"), ids("precision_grades.csv")
    from ingest.plans.names import suffix_types
    assert {kind for _, kind in suffix_types()} <= types
    from ingest.plans.extract import extract
    from ingest.plans.reading import read_path

    for plan in ("000_ad48b25927ecef2e", "004_5c3bcb5129e3b430"):
        entities = extract(read_path(DATA / "plans" / f"{plan}.txt"), DATA)["entities"]
        assert {e["type"] for e in entities} <= types
        assert {e["precision"] for e in entities} <= grades | {None}
        for entity in entities:
            assert (entity["lon"] is None) == (entity["precision"] is None)


def test_cli_extract_prints_one_json_object(capsys):
    import json

    from web.cli import main

    fixture = Path(__file__).parent / "data" / "plans" / "fictional_2026.txt"
    assert main(["plans", "extract", str(fixture), "--data-dir", str(DATA)]) == 0
    result = json.loads(capsys.readouterr().out)
    assert set(result) == {"plan", "targets", "entities", "tasks", "partnerships"}
    assert set(result["plan"]) >= {"title", "issuer", "doc_number", "date", "region_adcode",
                                   "kind", "period_start", "period_end"}
    assert set(result["targets"][0]) >= {"indicator", "indicator_id", "value", "value_max", "unit",
                                         "year", "kind", "qualifier", "region_adcode", "entity",
                                         "quote", "section", "start", "end"}
    assert isinstance(result["targets"][0]["year"], int)
    assert set(result["entities"][0]) >= {"name", "type", "parent", "county_adcode", "precision",
                                          "lon", "lat", "quote", "section", "start", "end"}


@pytest.mark.parametrize("name, kind, outside", [
    ("浙江大学", "university", True),           # a province named: outside a city of another
    ("成都理工大学", "university", True),        # a city named
    ("海洋技术青山湖实验室", "lab", False),       # 青山湖 is no unit: no place stated
    ("智能制造太湖实验室", "lab", False),         # 太湖 is a lake here, not 太湖县
    ("太湖县农业科学研究所", "research_institute", True),  # the county by its full name
    ("苏州市先进材料重点实验室", "lab", False),   # graded by the city holding the region
    ("南京市先进材料重点实验室", "lab", True),    # another city's
    ("北京东岭大学苏州创新学院", "university", False),  # a college named by the region
    ("东岭大学南京创新学院", "university", True),
])
def test_an_institution_is_outside_only_where_its_name_places_it(name, kind, outside):
    from ingest.plans.partners import is_outside

    ctx = Context(PlanMeta(title="某市“十五五”科技创新规划", region_adcode="320500", kind="五年规划",
                           period_start=2026, period_end=2030),
                  gazetteer(str(DATA)), indicator_index(str(DATA)))
    assert is_outside(name, kind, ctx) is outside


def _places(text: str, region: str = "321300") -> dict:
    from ingest.plans.places import place_candidates

    reading = read_document(("一、空间布局\n" + text + "\n" + "。" * 60).encode())
    meta = PlanMeta(title="某市规划", region_adcode=region, kind="五年规划",
                    period_start=2026, period_end=2030)
    ctx = Context(meta, gazetteer(str(DATA)), indicator_index(str(DATA)))
    return {e["name"]: e for e in place_candidates(reading, ctx)}


def test_parts_a_plan_spells_out_of_its_structure():
    places = _places("构建“一轴两区多点”的格局。“一轴”即滨湖大道，是主要轴线；“两区”即以滨湖大道为界"
                     "形成的东西两片区，其中东片区承载研发功能；“多点”即分布在轴线两侧的功能区块，"
                     "主要包括智能装备产业园、软件研发核心区以及人才公寓服务区等功能区块。")
    assert places["一轴两区多点"]["type"] == "structure"
    assert places["滨湖大道"]["type"] == "corridor_line"
    assert {"东片区", "智能装备产业园", "软件研发核心区", "人才公寓服务区"} <= set(places)
    assert all(places[n]["parent"] == "一轴两区多点" for n in ("滨湖大道", "东片区", "软件研发核心区"))
    assert not any("分布" in name or "等" in name for name in places)


def test_names_inside_a_document_title_are_no_places():
    places = _places("修订《某市科技企业孵化器认定管理办法》，建设东岭科技企业孵化器。")
    assert set(places) == {"东岭科技企业孵化器"}


def test_one_place_named_by_class_words():
    # a city's own institute by its level word; a corridor named by what it runs along;
    # a branch of a market in a unit; a class of a city's platforms is not one place
    places = _places("立足市农科院，加快建设沿江科技走廊，争取泗洪分市场落地，"
                     "支持宿迁市众创空间提档升级，培育一批科技走廊。")
    assert {"市农科院", "沿江科技走廊", "泗洪分市场"} <= set(places)
    assert "宿迁市众创空间" not in places and "科技走廊" not in places
    assert "县农科院" not in _places("立足县农科院。")  # a county's, in a city's plan


def test_generic_suffixes_of_zones_and_incubators():
    assert place_type("滨湖自贸区") == "ftz_area"
    assert place_type("东岭青年创业园") == "incubator"
    assert place_type("南山现代农业园区") == "agri_sci_park"
    assert place_type("某某（某县）高新园区") == "industrial_park"


def test_a_name_starts_at_the_administrative_name_after_a_frame_word():
    leads = gazetteer(str(DATA)).leads
    names = {n for _, _, n in name_runs("北片以泗洪经济开发区为主", leads)}
    assert "泗洪经济开发区" in names and not any(n.startswith("北片") for n in names)
    assert "中以常州创新园" in {n for _, _, n in name_runs("建设中以常州创新园", leads)}


def test_an_institution_listed_with_the_regions_own_is_local():
    from ingest.plans.partners import listed_with_local

    ctx = _context()  # a plan of 宿迁
    text = "鼓励企业与宿迁学院、东岭职业技术学院等市内高校合作"
    at = text.index("东岭职业技术学院")
    assert listed_with_local(text, at, at + len("东岭职业技术学院"), ctx)
    text = "鼓励企业与清华大学、东岭职业技术学院等高校合作"
    at = text.index("东岭职业技术学院")
    assert not listed_with_local(text, at, at + len("东岭职业技术学院"), ctx)
    text = "鼓励企业与宿迁学院、安徽大学等高校合作"  # a province named: outside all the same
    at = text.index("安徽大学")
    assert not listed_with_local(text, at, at + 4, ctx)


def test_the_unit_column_of_an_indicator_table():
    text = ("（三）主要指标\n\t序号\n\t指标\n\t单位\n\t2025年\n\t2030年\n\n"
            "\t1\n\t技术合同成交额\n\t亿元\n\t60\n\t120\n\n" + "。" * 60)
    targets = table_targets(read_document(text.encode()), _context())
    assert [(t["value"], t["year"], t["unit"]) for t in targets] == [
        (60, 2025, "亿元"), (120, 2030, "亿元")]


def test_the_host_of_a_platform_by_its_name_or_its_clause():
    from ingest.plans.hosts import name_host, sentence_host

    assert name_host("东岭大学海洋药物研究院") == "东岭大学"
    assert name_host("东岭大学") is None and name_host("滨湖海洋药物研究院") is None
    text = "依托东岭学院重点推进甲装备研发中心、乙农产品研发中心等建设，支持滨河检测中心提升能力。"
    assert sentence_host(text, text.index("乙农产品研发中心")) == "东岭学院"
    assert sentence_host(text, text.index("滨河检测中心")) is None  # another clause
    places = _places(text)
    assert places["乙农产品研发中心"]["parent"] == "东岭学院"
    assert places["滨河检测中心"]["parent"] is None


def test_a_joint_platform_named_by_two_parties_and_a_dash():
    names = {n for _, _, n in name_runs("建设807研究所—东岭大学智能装备联合创新中心")}
    assert "807研究所—东岭大学智能装备联合创新中心" in names
    # a chain of kinds, a long dash, or no joint word: no joined name
    assert not any("—" in n for _, _, n in name_runs("推进众创空间—孵化器—加速器"))
    assert not any("—" in n for _, _, n in name_runs("建设807研究所——东岭大学联合实验室"))
    assert not any("—" in n for _, _, n in name_runs("依托807研究所—东岭大学智能装备研究中心"))


def test_chapters_and_sections_above_the_numbered_headings():
    reading = read_document(("第一章 发展基础\n第一节 主要成就\n全市高新技术企业达到300家。\n"
                             "第二章 总体要求\n（一）发展目标\n全市高新技术企业达到500家。\n"
                             + "。" * 60).encode())
    targets = prose_targets(reading, _context())
    assert [(t["value"], t["year"], t["kind"]) for t in targets] == [
        (300, 2025, "baseline"), (500, 2030, "target")]
    assert targets[0]["section"] == "第一章 发展基础 > 第一节 主要成就"
    assert targets[1]["section"] == "第二章 总体要求 > （一）发展目标"
    # a line that only starts like a chapter is no heading
    assert read_document(("第一次全体会议审议通过。" + "。" * 60).encode()).sections.at(0) == ""


def test_a_heading_run_into_its_paragraph_is_read_as_a_paragraph():
    reading = read_document(("一、发展基础\n（五）农业科技支撑有力。建成农业科技园区6个，"
                             "农业科技进步贡献率达到61%。\n（六）发展目标\n" + "。" * 60).encode())
    targets = prose_targets(reading, _context())
    assert [(t["value"], t["year"], t["kind"]) for t in targets] == [
        (6, 2025, "baseline"), (61, 2025, "baseline")]
    assert targets[0]["section"] == "一、发展基础 > （五）农业科技支撑有力"
    kinds = [b.kind for b in reading.blocks[:3]]
    assert kinds == ["heading", "paragraph", "heading"]


def test_an_indicator_table_written_with_bars():
    text = ("（三）主要指标\n指标名称 | 单位 | 2025年 | 2030年 | 属性\n"
            "---|---|---|---|---\n"
            "PCT国际专利申请量 | 件 | 410 | 600 | 预期性\n"
            "｜技术合同登记额｜亿元｜48｜100｜预期性｜\n"
            "推进甲|乙两项工作。\n" + "。" * 60)
    reading = read_document(text.encode())
    targets = table_targets(reading, _context())
    assert [(t["indicator"], t["value"], t["year"], t["unit"]) for t in targets] == [
        ("PCT国际专利申请量", 410, 2025, "件"), ("PCT国际专利申请量", 600, 2030, "件"),
        ("技术合同登记额", 48, 2025, "亿元"), ("技术合同登记额", 100, 2030, "亿元")]
    assert reading.blocks[-2].kind == "paragraph"  # one bar makes no row


def test_an_indicator_table_written_as_a_numbered_list():
    from ingest.plans.target_lines import listed_targets

    text = ("（三）主要指标\n"
            "1．高新技术企业数（家）：由2025年的520增加到2030年的850以上。（预期性）\n"
            "2．财政科技支出占一般公共预算支出比重（%）：2025年7.6，2030年不低于8。（约束性）\n"
            "3．技术合同成交额（亿元）：2030年达到80亿元。\n"   # a unit after the number: prose
            "4．建设科技园区（个）：2030年3月前完成。\n"        # a date, not a value
            + "。" * 60)
    reading = read_document(text.encode())
    targets = listed_targets(reading, _context())
    assert [(t["indicator"], t["value"], t["year"], t["kind"], t["unit"], t["qualifier"])
            for t in targets] == [
        ("高新技术企业数", 520, 2025, "baseline", "家", None),
        ("高新技术企业数", 850, 2030, "target", "家", "以上"),
        ("财政科技支出占一般公共预算支出比重", 7.6, 2025, "baseline", "%", None),
        ("财政科技支出占一般公共预算支出比重", 8, 2030, "target", "%", "不低于")]
    assert all(reading.text[t["start"]:t["end"]] == t["quote"] for t in targets)


def test_a_year_column_with_a_note():
    text = ("（三）主要指标\n\t指标\n\t单位\n\t2025年（基期）\n\t2027年\n\t2030年\n\n"
            "\t高新技术企业数\n\t家\n\t298\n\t420\n\t600\n\n" + "。" * 60)
    targets = table_targets(read_document(text.encode()), _context())
    assert [(t["value"], t["year"], t["kind"]) for t in targets] == [
        (298, 2025, "baseline"), (420, 2027, "target"), (600, 2030, "target")]
    text = text.replace("\t600\n", "\t〔600〕\n").replace("\t420\n", "\t—\n")  # a 5-year sum
    targets = table_targets(read_document(text.encode()), _context())
    assert [(t["value"], t["year"]) for t in targets] == [(298, 2025), (600, 2030)]


def test_a_figure_a_year_on_continues_the_indicator_of_its_sentence():
    reading = read_document(("一、发展基础\n2024年全市技术交易额31.6亿元，2025年达到36亿元。"
                             "全市有孵化器5家。2026年达到8家。" + "。" * 60).encode())
    figures = [(t["indicator"], t["value"], t["year"]) for t in prose_targets(reading, _context())]
    assert figures[:2] == [("全市技术交易额", 31.6, 2024), ("全市技术交易额", 36, 2025)]
    assert ("全市有孵化器", 8, 2026) not in figures  # another sentence: no subject carried over


@pytest.mark.parametrize("sentence", [
    "对新认定的国家级科技企业孵化器给予最高500万元奖励。",   # a subsidy
    "全面落实企业研发费用按100%加计扣除政策。",              # a rate a policy applies
    "每个园区培育1家以上公共技术服务平台。",                 # a standard for each park
    "自治区提出到2030年全区研发经费投入强度达到1.8%的目标。",  # a higher government's goal
])
def test_figures_that_are_no_goal_of_the_region(sentence):
    reading = read_document(("一、发展目标\n" + sentence + "\n" + "。" * 60).encode())
    assert prose_targets(reading, _context()) == []


def test_a_province_plan_keeps_what_the_province_sets_out():
    reading = read_document(("一、发展目标\n省委提出到2030年全省研发经费投入强度达到3%。\n"
                             + "。" * 60).encode())
    meta = PlanMeta(title="某省规划", region_adcode="320000", kind="五年规划",
                    period_start=2026, period_end=2030)
    ctx = Context(meta, gazetteer(str(DATA)), indicator_index(str(DATA)))
    assert [t["value"] for t in prose_targets(reading, ctx)] == [3]
    assert [t["value"] for t in prose_targets(reading, _context())] == []  # a city's plan


@pytest.mark.parametrize("name, kind", [
    ("东岭医学高等专科学校", "university"), ("滨湖大学城", "science_city"),
    ("滨湖铜加工院士专家工作站", "platform"), ("东岭珍珠产业创新服务综合体", "platform"),
    ("东岭市科技创业中心", "incubator"), ("东岭市科技成果转化中心", "platform"),
    ("东岭空港物流园区", "industrial_park"), ("滨湖能源化工园区", "industrial_park"),
    ("东岭高原特色农业科技示范园", "agri_sci_park"), ("滨湖机器人谷", "cluster"),
])
def test_kinds_of_place_plans_of_every_region_name(name, kind):
    assert place_type(name) == kind
    assert not is_generic(name)


@pytest.mark.parametrize("name", ["院士工作站", "省级科技特派员工作站", "研究生工作站", "标杆研究院"])
def test_classes_of_stations_are_no_place(name):
    assert is_generic(name)


def test_a_university_city_is_not_cut_to_a_university():
    names = {n for _, _, n in name_runs("依托滨湖大学城和东岭区大学生创新创业园")}
    assert "滨湖大学城" in names and "东岭区大学" not in names


def test_a_lab_named_by_the_city_alone_is_one_lab():
    places = _places("支持宿迁实验室建设，推动宿迁市重点实验室提档升级。")
    assert "宿迁实验室" in places and "宿迁市重点实验室" not in places


def test_the_host_named_right_before_its_branch_is_not_listed():
    places = _places("支持东岭农业研究所宿迁分所、宿迁市农业科学研究所开展良种选育，"
                     "争取青峰材料实验室在宿迁设立分中心。")
    assert "东岭农业研究所宿迁分所" in places and "东岭农业研究所" not in places
    assert "青峰材料实验室" in places


def test_an_institution_named_by_the_regions_province_is_local_when_listed_with_local_ones():
    from ingest.plans.partners import listed_with_local

    ctx = _context()  # a plan of 宿迁, in 江苏
    text = "宿迁学院、江苏能源职业技术学院等院校与企业联合攻关"
    at = text.index("江苏能源职业技术学院")
    assert listed_with_local(text, at, at + len("江苏能源职业技术学院"), ctx)


def test_words_that_open_a_list_item_are_no_part_of_the_name():
    places = _places("“两廊”：一是沿河先进材料创新走廊，串联宿迁经济技术开发区和泗洪经济开发区；"
                     "建成全国首个宿城零碳产业园，支持宿迁医学高等专科学校建设。")
    assert {"沿河先进材料创新走廊", "宿迁经济技术开发区", "宿城零碳产业园",
            "宿迁医学高等专科学校"} <= set(places)
    assert not any(n.startswith(("一是", "串联", "全国首个")) for n in places)
    places = _places("“多园”：即泗洪经济开发区、沭阳经济技术开发区等。")
    assert "泗洪经济开发区" in places and not any(n.startswith("即") for n in places)


def test_a_structure_of_platforms():
    assert _places("按照“一廊两区多平台”的总体布局推进。")["一廊两区多平台"]["type"] == "structure"
    assert "一园一平台" not in _places("推动镇街“一镇一园一平台”建设。")  # a count of other things


def test_a_zone_named_by_two_places_and_a_dash():
    leads = gazetteer(str(DATA)).leads
    names = {n for _, _, n in name_runs("打造宿城—泗洪新能源创新走廊，建设宿豫—沭阳科技创新核心区", leads)}
    assert {"宿城—泗洪新能源创新走廊", "宿豫—沭阳科技创新核心区"} <= names
    # a chain of kinds, or words that are no place, before the dash: no joined name
    names = {n for _, _, n in name_runs("推进孵化—泗洪科技园和众创空间—孵化器", leads)}
    assert not any("—" in n for n in names)


def test_a_rank_a_named_zone_gets_is_no_place():
    places = _places("宿迁高新技术产业开发区获批国家高新区，力争升格为国家高新技术产业开发区。")
    assert set(places) == {"宿迁高新技术产业开发区"}
    assert "综合保税区" in _places("加快建设综合保税区。")  # the region's own zone by its kind

import re
from pathlib import Path

import pytest

from geo.boundaries import load_boundaries
from layers.plans import plan_text
from layers.targets import read_indicators, read_targets
from layers.tasks import COLUMNS, QUARTERS, parse_task_table, read_tasks, split_units, task_plans

DATA = Path(__file__).resolve().parents[1] / "data"
TASK_PLAN_ID = task_plans(DATA)[0].id  # the registry's plan with a task table

TABLE = """宿迁市2023年度国家创新型城市建设重点任务推进计划
\t事    项
\t具体任务

\t主要工作目标
\t1.高新技术企业数700家。
\t一季度工作。
\t二季度工作。
\t三季度工作。
\t确保年底高企数超700家。
\t市科技局
\t各县（区）、市各功能区

\t
\t2.科技型中小企业数2300家。
\t甲
\t乙
\t丙
\t丁
\t市科技局
\t各县（区）

\t创新主体培育工程
\t培育科技型中小企业
\t3.每年认定科技型企业200家以上。
\t甲
\t乙
\t丙
\t丁
\t市发展改革委
市交通局
\t宿豫区

\t
\t
\t4.推动宿迁高新区发展。
\t甲
\t乙
\t丙
\t丁
\t市科技局
\t宿豫区
"""


def test_parse_task_table_fills_merged_cells():
    rows = parse_task_table(TABLE)
    assert [(r["no"], r["kind"], r["group"], r["work"]) for r in rows] == [
        (1, "goal", "主要工作目标", ""),
        (2, "goal", "主要工作目标", ""),
        (3, "key_task", "创新主体培育工程", "培育科技型中小企业"),
        (4, "key_task", "创新主体培育工程", "培育科技型中小企业"),
    ]
    assert rows[0]["q4"] == "确保年底高企数超700家。"
    assert rows[2]["lead"] == "市发展改革委、市交通局"
    assert rows[2]["partners"] == "宿豫区"


def test_parse_task_table_rejects_a_row_of_the_wrong_shape():
    broken = TABLE.replace("\t丁\n\t市科技局\n\t各县（区）\n", "\t丁\n")
    with pytest.raises(ValueError, match="unexpected shape"):
        parse_task_table(broken)
    with pytest.raises(ValueError, match="no task table"):
        parse_task_table("没有表格")


@pytest.fixture(scope="module")
def tasks():
    return read_tasks(DATA)


def test_task_file_is_the_plan_table(tasks):
    parsed = parse_task_table(plan_text(DATA, TASK_PLAN_ID))
    assert list(tasks.columns) == list(COLUMNS)
    assert tasks["no"].tolist() == list(range(1, 99)) == [r["no"] for r in parsed]
    assert (tasks["kind"] == "goal").sum() == 14
    for row, expected in zip(tasks.to_dict("records"), parsed):
        for key in ("group", "work", "task", *QUARTERS, "lead", "partners", "kind"):
            assert row[key] == expected[key], (row["id"], key)
        assert row["quote"] == row["task"]


def test_task_quotes_are_in_the_plan(tasks):
    text = plan_text(DATA, TASK_PLAN_ID)
    assert all(quote in text for quote in tasks["quote"])
    assert set(tasks["plan_id"]) == {TASK_PLAN_ID}


def test_tasks_link_to_indicators_and_targets_they_serve(tasks):
    indicators = set(read_indicators(DATA)["id"])
    targets = read_targets(DATA).set_index("id")
    linked = {i for ids in tasks["indicator_id"] for i in ids.split("|") if i}
    assert linked <= indicators
    for row in tasks[tasks["target_id"] != ""].itertuples():
        cells = " ".join(getattr(row, k) for k in ("task", *QUARTERS))
        served = row.indicator_id.split("|")
        for target_id in row.target_id.split("|"):
            target = targets.loc[target_id]
            assert target.quote in cells and target.year == 2023, target_id
            assert target.indicator_id in served, (row.no, target_id)


@pytest.mark.parametrize("no", [26, 31, 34, 61, 64])
def test_a_task_serving_two_targets_links_both_indicators(tasks, no):
    row = tasks.set_index("no").loc[no]
    targets = read_targets(DATA).set_index("id")
    ids = row.target_id.split("|")
    assert len(ids) == 2
    assert row.indicator_id.split("|") == [targets.loc[i, "indicator_id"] for i in ids]
    assert len(set(row.indicator_id.split("|"))) == 2


@pytest.mark.parametrize("text,units", [
    ("市住房城乡建设局市交通局市卫健委", ["市住房城乡建设局", "市交通局", "市卫健委"]),
    ("各县（区）、市各功能区、", ["各县（区）", "市各功能区"]),
    ("各县（区）、市各功能区，市科技局、市地方金融监管局",
     ["各县（区）", "市各功能区", "市科技局", "市地方金融监管局"]),
    ("市市场监管局", ["市市场监管局"]),
    ("各县（市、区）、市财政局", ["各县（市、区）", "市财政局"]),
    ("各县（市、区)，市财政局", ["各县（市、区)", "市财政局"]),
    ("市委组织部", ["市委组织部"]),
    ("", []),
])
def test_split_units_gives_one_unit_per_value(text, units):
    assert split_units(text) == units


def test_unit_columns_hold_one_unit_per_value(tasks):
    by_no = tasks.set_index("no")
    assert by_no.loc[36, "lead_units"].split("|") == [
        "市发展改革委", "市住房城乡建设局", "市交通局", "市卫健委"]
    assert by_no.loc[98, "partner_units"] == "各县（区）|市各功能区"
    for row in tasks.itertuples():
        assert row.lead_units == "|".join(split_units(row.lead)), row.no
        assert row.partner_units == "|".join(split_units(row.partners)), row.no
        for unit in filter(None, (row.lead_units + "|" + row.partner_units).split("|")):
            assert unit in row.lead + row.partners
            assert not re.search(r"[、，,\s]", re.sub(r"（[^）]*）", "", unit)), unit
            assert len(unit) <= 12, (row.no, unit)  # no two names run together
    goal = tasks.set_index("no").loc[1]
    assert (goal.indicator_id, goal.target_id) == ("rd_intensity",
                                                   "sq2023-rd-intensity-2023-target")
    assert tasks.set_index("no").loc[4, "indicator_id"] == "hitech_enterprises"


def test_tasks_layer_uses_the_county_a_row_names(catalog):
    layer = catalog.frame(task_plans(DATA)[0].tasks_collection).set_index("no")
    shapes = load_boundaries(catalog.context.data_dir / "boundaries", "fine").set_index("adcode")
    assert layer.loc[51, "region_adcode"] == "321311"
    assert layer.loc[51].geometry.equals(shapes.loc["321311"].geometry)
    assert layer.loc[1].geometry.equals(shapes.loc["321300"].geometry)

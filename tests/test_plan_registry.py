"""The plan registry: one file (plus published plans) drives every surface.

A plan for a region that has none today is added by registry and data rows only
(a fixture data directory this test writes); its region page, map, targets, tasks
and API collections appear. A 十五五 plan joins 宿迁's lineage the same way. No
code names a region or a plan: a test reads every code file for them.
"""

from __future__ import annotations

import ast
import json
import re
import shutil
from pathlib import Path

import pandas as pd
import pytest

from layers.base import LayerError
from layers.plans_registry import (
    PLANS_FILE,
    PUBLISHED_FILE,
    Period,
    curated_plans,
    five_year_number,
    plan_registry,
    region_order,
    target_period,
)
from web import create_app

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "data"
CODE_ROOMS = ("geo", "layers", "mapcore", "monitor", "web", "ingest", "store", "sheets")
# Files another engineer owns that still carry region names or adcodes (the national
# boundaries work replaces their Jiangsu/Anhui-only configuration and descriptions).
# Each is listed with what keeps it here.
NOT_YET = {
    "geo/boundaries.py", "layers/boundaries.py",  # the Jiangsu/Anhui boundary set
    "web/cli.py",  # an example in the export command's help
    "web/api_docs.py",  # the API's description (API work)
}


# --- the registry itself --------------------------------------------------------------

def test_periods_follow_the_national_five_year_calendar():
    assert Period(2021, 2025).label == "十四五" and Period(2026, 2030).label == "十五五"
    assert Period(2016, 2020).label == "十三五" and Period(2021, 2025).previous().label == "十三五"
    assert Period(2023, 2023).label == "2023年度" and Period(2022, 2024).label == "2022—2024年"
    assert five_year_number(2011) == 12 and five_year_number(2012) is None
    assert Period(2021, 2025).baseline_year == 2020


def test_every_curated_plan_states_kind_period_and_what_it_holds():
    plans = curated_plans(DATA)
    assert len(plans) == 5
    for plan in plans.values():
        assert plan.kind in ("五年规划", "年度计划", "专项") and plan.contains
        for content in set(plan.contains) - {"tasks"}:
            frame = pd.read_csv(DATA / "kb" / f"{content}.csv", dtype=str)
            assert (frame["plan_id"] == plan.id).any(), (plan.id, content)
    with_tasks = [p for p in plans.values() if "tasks" in p.contains]
    assert [p.tasks_collection for p in with_tasks] == ["tasks-2023"]


def test_a_target_before_its_plan_belongs_to_the_previous_period():
    plan = next(p for p in curated_plans(DATA).values() if p.period == Period(2021, 2025))
    assert target_period(plan, 2020).label == "十三五"
    assert target_period(plan, 2025) == plan.period


def test_region_order_is_provinces_then_cities_by_adcode():
    order = region_order(curated_plans(DATA))
    assert order[0].endswith("0000") and list(order[1:]) == sorted(order[1:])
    assert len(order) == len({p.region_adcode for p in curated_plans(DATA).values()})


def _with_published(tmp_path, records) -> Path:
    """A data directory whose plans are the curated file plus ``records`` as published."""
    (tmp_path / "plans").mkdir(exist_ok=True)
    shutil.copy(DATA / PLANS_FILE, tmp_path / PLANS_FILE)
    (tmp_path / PUBLISHED_FILE).write_text(json.dumps(records, ensure_ascii=False),
                                           encoding="utf-8")
    return tmp_path


def test_published_plans_join_the_curated_file(tmp_path):
    record = {"id": "later", "title": "某市“十五五”科技创新规划", "region_adcode": "320300",
              "kind": "五年规划", "period": {"start_year": 2026, "end_year": 2030},
              "contains": ["targets"]}
    assert not (DATA / PUBLISHED_FILE).exists()  # the curated data holds no publication
    assert plan_registry(DATA) == curated_plans(DATA)
    plans = plan_registry(_with_published(tmp_path, [record]))
    assert plans["later"].published and plans["later"].period.label == "十五五"
    assert not any(p.published for pid, p in plans.items() if pid != "later")
    assert list(plans)[-1] == "later" and len(plans) == len(curated_plans(DATA)) + 1
    assert "later" not in curated_plans(tmp_path)
    curated_id = next(iter(curated_plans(DATA)))
    for bad, reason in (({"id": curated_id}, "reuse curated ids"),
                        ({"region_adcode": "徐州"}, "6 digits"), ({"kind": "计划"}, "kind"),
                        ({"contains": ["tasks"]}, "tasks file")):
        with pytest.raises(LayerError, match=reason):
            plan_registry(_with_published(tmp_path, [{**record, **bad}]))


# --- no region or plan in code ----------------------------------------------------------

def _names_in_registry() -> set[str]:
    """Region names (full and short) of every registry region, and the plans' titles and ids."""
    regions = {p.region_adcode for p in curated_plans(DATA).values()}
    units = _units()
    names = set(units.loc[units["adcode"].isin(regions), "name"])
    short = {re.sub(r"(省|市)$", "", n) for n in names}
    plans = curated_plans(DATA).values()
    return names | short | {p.title for p in plans} | {p.id for p in plans}


def _code_strings(path: Path) -> list[str]:
    """The string constants of a module that are not docstrings (those are documentation)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    docstrings = {id(node.body[0].value) for node in ast.walk(tree)
                  if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef,
                                       ast.AsyncFunctionDef))
                  and node.body and isinstance(node.body[0], ast.Expr)
                  and isinstance(node.body[0].value, ast.Constant)}
    return [node.value for node in ast.walk(tree) if isinstance(node, ast.Constant)
            and isinstance(node.value, str) and id(node) not in docstrings]


def _code_files():
    for room in CODE_ROOMS:
        for path in sorted((ROOT / room).rglob("*")):
            rel = path.relative_to(ROOT).as_posix()
            if path.suffix in (".py", ".html", ".js") and rel not in NOT_YET \
                    and "vendor" not in path.parts:
                yield rel, path


def _units() -> pd.DataFrame:
    """Every unit of the country (adcode, name, level, parents)."""
    return pd.read_csv(DATA / "boundaries" / "units.csv", dtype=str, keep_default_na=False)


def _known_adcodes() -> set[str]:
    return set(_units()["adcode"])


def test_no_code_names_a_region_or_a_plan():
    words, adcodes = _names_in_registry(), _known_adcodes()
    six = re.compile(r"(?<!\d)\d{6}(?!\d)")
    found = []
    for rel, path in _code_files():
        texts = _code_strings(path) if path.suffix == ".py" else [
            path.read_text(encoding="utf-8")]
        for text in texts:
            found += [(rel, w) for w in words if w in text]
            found += [(rel, m) for m in six.findall(text) if m in adcodes]
    assert found == []


def test_the_check_would_see_a_typed_adcode(tmp_path):
    sample = tmp_path / "sample.py"
    sample.write_text('"""Docs may say 宿迁 (321300)."""\nPROVINCE = "320000"\n',
                      encoding="utf-8")
    assert _code_strings(sample) == ["320000"]


# --- a new plan by data rows only ---------------------------------------------------------

def _fixture_data(tmp: Path, plan: dict, text: str, rows: dict[str, list[dict]],
                  extra_files: dict[str, pd.DataFrame] | None = None) -> Path:
    """A copy of data/ with one more plan: its registry entry, text and data rows."""
    data = tmp / "data"
    data.mkdir()
    for entry in DATA.iterdir():
        if entry.name in ("plans", "kb"):
            shutil.copytree(entry, data / entry.name)
        else:
            (data / entry.name).symlink_to(entry)
    registry = json.loads((data / "plans" / "plans.json").read_text(encoding="utf-8"))
    (data / "plans" / "plans.json").write_text(
        json.dumps(registry + [plan], ensure_ascii=False, indent=2), encoding="utf-8")
    (data / "plans" / f"{plan['id']}.txt").write_text(text, encoding="utf-8")
    for name, new in rows.items():
        path = data / "kb" / f"{name}.csv"
        frame = pd.read_csv(path, dtype=str, keep_default_na=False)
        pd.concat([frame, pd.DataFrame(new, dtype=str)]).fillna("").to_csv(path, index=False)
    for name, frame in (extra_files or {}).items():
        frame.to_csv(data / "kb" / name, index=False)
    return data


def _store(tmp: Path, metrics: pd.DataFrame) -> str:
    from store import open_store

    path = tmp / "innomap.gpkg"
    open_store(path).add_import("metrics", metrics, user="tests", filename="m.csv", sha256="0")
    return str(path)


XZ = "900_new_city_plan"
XZ_TEXT = ("某市“十四五”科技创新规划\n一、主要目标\n到2025年，全市高新技术企业达到3000家。\n"
           "二、重点任务\n建设杭州城西科创中心。\n")


@pytest.fixture(scope="module")
def new_plan_app(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("new-plan")
    target = {"id": "hz-hitech-2025-target", "region_adcode": "330100", "entity_id": "",
              "subject": "", "indicator_id": "hitech_enterprises", "year": "2025",
              "value": "3000", "value_max": "", "value_text": "3000", "qualifier": "",
              "kind": "target", "unit": "家", "source": "text", "plan_id": XZ,
              "section": "一、主要目标", "quote": "全市高新技术企业达到3000家",
              "note": "", "restates": ""}
    entity = {"id": "hz-center", "name": "杭州城西科创中心", "aliases": "", "type": "platform",
              "parent_id": "", "province_adcode": "330000", "city_adcode": "330100",
              "county_adcode": "330106", "precision": "approximate",
              "wkt": "POINT (120.12 30.25)", "plan_id": XZ, "section": "二、重点任务",
              "quote": "建设杭州城西科创中心", "note": "fixture"}
    tasks = pd.read_csv(DATA / "kb" / "tasks_2023.csv", dtype=str, keep_default_na=False)
    task = tasks.iloc[:1].assign(id="hz-task-01", target_id="hz-hitech-2025-target",
                                 indicator_id="hitech_enterprises", region_adcode="330100",
                                 plan_id=XZ, section="一、主要目标",
                                 quote="全市高新技术企业达到3000家")
    plan = {"id": XZ, "title": "某市“十四五”科技创新规划", "issuer": None, "doc_number": None,
            "date": "2022-01-01", "region_adcode": "330100", "kind": "五年规划",
            "period": {"start_year": 2021, "end_year": 2025},
            "contains": ["targets", "entities", "tasks"],
            "tasks": {"file": "kb/tasks_new_city.csv"}, "unwrap": False, "note": "fixture"}
    data = _fixture_data(tmp, plan, XZ_TEXT, {"targets": [target], "entities": [entity]},
                         {"tasks_new_city.csv": task})
    metrics = pd.DataFrame({"region_adcode": ["330100"], "indicator_id": ["hitech_enterprises"],
                            "year": [2023], "value": [2500.0], "unit": ["家"],
                            "source": ["统计公报"]})
    return create_app({"testing": True, "data_dir": str(data),
                       "store_url": _store(tmp, metrics)})


def test_a_plan_added_by_data_rows_appears_on_every_surface(new_plan_app):
    client = new_plan_app.test_client()
    index = client.get("/").data.decode()
    assert 'href="/regions/330100"' in index and f'href="/plans/{XZ}/tasks"' in index
    region = client.get("/regions/330100").data.decode()
    assert "某市“十四五”科技创新规划" in region and "全市高新技术企业达到3000家" in region
    assert f"/plans/{XZ}/tasks" in region and 'src="/maps/330100"' in region
    assert client.get("/maps/330100").status_code == 200
    targets = client.get("/targets?region=330100").data.decode()
    assert 'data-id="hz-hitech-2025-target"' in targets
    tasks = client.get(f"/plans/{XZ}/tasks").data.decode()
    assert 'id="task-1"' in tasks and "某市“十四五”科技创新规划" in tasks
    collections = client.get("/api/collections?f=json").get_json()
    ids = {c["id"] for c in collections["collections"]}
    assert f"tasks-{XZ}" in ids and "tasks-2023" in ids
    items = client.get(f"/api/collections/tasks-{XZ}/items?f=json").get_json()
    assert [f["properties"]["id"] for f in items["features"]] == ["hz-task-01"]
    found = client.get("/api/collections/targets/items?f=json&region_adcode=330100").get_json()
    assert "hz-hitech-2025-target" in {f["properties"]["id"] for f in found["features"]}
    entities = client.get("/api/collections/entities/items/hz-center?f=json")
    assert entities.status_code == 200


def test_the_new_plans_target_is_judged_over_its_period(new_plan_app):
    from web import services

    with new_plan_app.app_context():
        frame = services(new_plan_app).catalog.frame("targets")
    row = frame.set_index("id").loc["hz-hitech-2025-target"]
    assert (row["period_label"], row["actual"], row["status"]) == ("十四五", 2500.0, "无基期值")


# --- 十五五: lineage --------------------------------------------------------------------

NEXT = "901_next_period_plan"


@pytest.fixture(scope="module")
def next_period_app(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("next-period")
    plan = {"id": NEXT, "title": "某市“十五五”科技创新规划", "issuer": None, "doc_number": None,
            "date": "2026-03-01", "region_adcode": "321300", "kind": "五年规划",
            "period": {"start_year": 2026, "end_year": 2030}, "contains": ["targets"],
            "unwrap": False, "note": "fixture"}
    text = "一、主要目标\n到2030年，全社会研发投入占地区生产总值比重达到3.2%。\n"
    target = {"id": "next-rd-2030-target", "region_adcode": "321300", "entity_id": "",
              "subject": "", "indicator_id": "rd_intensity", "year": "2030", "value": "3.2",
              "value_max": "", "value_text": "3.2", "qualifier": "", "kind": "target",
              "unit": "%", "source": "text", "plan_id": NEXT, "section": "一、主要目标",
              "quote": "全社会研发投入占地区生产总值比重达到3.2%", "note": "", "restates": ""}
    data = _fixture_data(tmp, plan, text, {"targets": [target]})
    years = [2021, 2022, 2023, 2024, 2025, 2027]
    values = [1.9, 2.0, 2.1, 2.2, 2.4, 2.8]
    metrics = pd.DataFrame({"region_adcode": "321300", "indicator_id": "rd_intensity",
                            "year": years, "value": values, "unit": "%",
                            "source": [f"统计公报{y}" for y in years]})
    return create_app({"testing": True, "data_dir": str(data),
                       "store_url": _store(tmp, metrics)})


def test_lineage_puts_three_periods_on_one_axis(next_period_app):
    client = next_period_app.test_client()
    spec = client.get("/regions/321300/lineage/rd_intensity.json").get_json()
    points = [(p["kind"], p["year"], p["period"]) for p in spec["points"]]
    assert ("baseline", 2020, "十三五") in points  # the 十四五 plan's 2020 figure
    assert ("target", 2025, "十四五") in points
    assert ("target", 2030, "十五五") in points
    assert [p[1] for p in points if p[0] == "actual"] == [2021, 2022, 2023, 2024, 2025, 2027]
    # The 十五五 plan states no baseline: its baseline is the imported 2025 actual.
    default = [p for p in spec["points"] if p["kind"] == "baseline" and p["plan_id"] == NEXT]
    assert [(p["year"], p["value"]) for p in default] == [(2025, 2.4)]
    assert "默认取2025年导入的实际值" in default[0]["label"]
    years = [p["year"] for p in spec["points"]]
    assert years == sorted(years)
    target = next(p for p in spec["points"] if p["year"] == 2030)
    # 2.4 (2025) → 3.2 (2030), 2.8 in 2027: 完成率 0.4/0.8 = 50 %, 时序进度 2/5 = 40 %.
    assert target["completion"] == pytest.approx(0.5)
    assert target["time_progress"] == pytest.approx(0.4)
    assert target["status"] == "进展正常" and "某市“十五五”科技创新规划" in target["label"]
    old = next(p for p in spec["points"] if p["kind"] == "target" and p["year"] == 2025)
    # The 十四五 2025 target: the final evaluation is the 2025 actual, 时序进度 100 %.
    assert old["time_progress"] == 1.0


def test_lineage_page_and_errors(next_period_app):
    client = next_period_app.test_client()
    region = client.get("/regions/321300").data.decode()
    assert 'href="/regions/321300/lineage/rd_intensity"' in region
    page = client.get("/regions/321300/lineage/rd_intensity")
    assert page.status_code == 200
    html = page.data.decode()
    assert 'data-chart-kind="lineage"' in html and "十五五目标" in html
    assert 'src="/vendor/' in html or "echarts" in html
    assert client.get("/regions/321300/lineage/no_such").status_code == 404
    assert client.get("/regions/321300/lineage/rd_intensity.json?x=1").status_code == 200
    assert client.get("/regions/32130/lineage/rd_intensity.json").status_code == 404

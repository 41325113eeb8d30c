"""A reviewed plan's task table and partnerships as knowledge-base rows (no Flask): the
rows have the curated files' shape, a partner the knowledge base holds is cited by its
id, one it does not hold needs a place, and every refusal names the candidate."""

from __future__ import annotations

from pathlib import Path

import pytest

from ingest.plans.publish import ENTITY_FILE, PublishRefused, knowledge_dir, payload
from layers.partners import read_partners, read_partnerships
from layers.plans_registry import curated_plans, plan_registry
from layers.tasks import read_tasks, task_plans

DATA = Path(__file__).resolve().parents[1] / "data"
TEXT = ("某市“十五五”科技创新规划\n四、合作\n与东南大学共建联合创新中心，与某某理工大学开展人才培养。\n"
        "五、任务\n\t1.建设联合创新中心。\n\t完成选址\n\t市科技局\n\t各县（市、区）、市财政局\n")
PLAN = {"title": "某市“十五五”科技创新规划", "region_adcode": "320300", "kind": "五年规划",
        "period_start": 2026, "period_end": 2030}


def cand(cid: int, group: str, status: str = "accepted", /, **data) -> dict:
    return {"cid": cid, "group": group, "status": status, "data": data}


def quote(text: str) -> dict:
    return {"quote": text, "section": "四、合作"}


SENTENCE = "与东南大学共建联合创新中心，与某某理工大学开展人才培养"
TASK = {"no": 1, "group": "重点任务", "work": "", "task": "1.建设联合创新中心。",
        "q1": "完成选址", "lead": "市科技局", "partners": "各县（市、区）、市财政局",
        "quote": "1.建设联合创新中心。", "section": "五、任务"}


def candidates(**new_partner) -> list[dict]:
    return [cand(1, "partnerships", partner="东南大学", kind="共建平台", **quote(SENTENCE)),
            cand(2, "partnerships", partner="某某理工大学", kind="人才培养", type="university",
                 **quote(SENTENCE), **new_partner),
            cand(3, "tasks", **TASK), cand(4, "tasks", "rejected", **{**TASK, "no": 2})]


def test_tasks_and_partnerships_become_rows_the_curated_readers_load(tmp_path):
    made = payload(PLAN, TEXT, candidates(lon=118.5, lat=32.1, precision="approximate",
                                          location="某省某市"), DATA)
    record = made["record"]
    assert record["contains"] == ["partnerships", "tasks"]
    assert record["tasks"]["file"].startswith("kb/") and record["id"] in record["tasks"]["file"]
    out = knowledge_dir(DATA, tmp_path / "kb", [made])
    assert record["id"] not in curated_plans(out) and plan_registry(out)[record["id"]].published
    plan = task_plans(out)[-1]
    assert plan.id == record["id"]
    tasks = read_tasks(out, plan)
    assert tasks[["no", "task", "q1", "lead", "partner_units"]].values.tolist() == [
        [1, "1.建设联合创新中心。", "完成选址", "市科技局", "各县（市、区）|市财政局"]]
    partners = read_partners(out).set_index("name")
    links = read_partnerships(out).query("plan_id == @record['id']")
    assert sorted(links["partner_id"]) == sorted(
        [partners.loc["东南大学", "id"], partners.loc["某某理工大学", "id"]])
    assert partners.loc["某某理工大学", "wkt"] == "POINT (118.500000 32.100000)"
    assert len(read_partners(out)) == len(read_partners(DATA)) + 1  # 东南大学 is not copied
    assert not (DATA / "plans" / "published.json").exists()


def test_a_new_partner_without_a_place_or_a_kind_outside_the_vocabulary_is_refused():
    with pytest.raises(PublishRefused) as refused:
        payload(PLAN, TEXT, candidates(), DATA)
    assert refused.value.problems == [
        "候选 2（某某理工大学）：知识库中没有该合作方，请在地图上定位并选择定位精度"]
    odd = [cand(1, "partnerships", partner="东南大学", kind="友好往来", **quote(SENTENCE))]
    with pytest.raises(PublishRefused, match="候选 1（东南大学）：合作方式须为"):
        payload(PLAN, TEXT, odd, DATA)
    empty = [cand(3, "tasks", **{**TASK, "task": " "})]
    with pytest.raises(PublishRefused, match="候选 3（任务）：任务内容为空"):
        payload(PLAN, TEXT, empty, DATA)


STRUCTURE_TEXT = ("某市“十五五”科技创新规划\n三、布局\n打造甲河科技走廊，形成“一道两区”格局。"
                  "“一道”即甲河大道。\n")


def test_a_part_names_its_published_whole_as_parent_and_the_catalog_loads(tmp_path):
    place = {"lon": 117.2, "lat": 34.3, "county_adcode": "320302", "precision": "approximate",
             "section": "三、布局"}
    made = payload(PLAN, STRUCTURE_TEXT, [
        cand(1, "entities", name="甲河科技走廊", type="corridor", quote="打造甲河科技走廊", **place),
        cand(2, "entities", name="一道两区", type="structure", quote="形成“一道两区”格局", **place),
        cand(3, "entities", name="甲河大道", type="corridor_line", parent="一道两区",
             quote="“一道”即甲河大道", **place),
        cand(4, "entities", name="乙园", type="industrial_park", parent="不在本次发布中",
             quote="甲河大道", **place)], DATA)
    entities = {row["name"]: row for row in made["rows"][ENTITY_FILE]}
    assert entities["甲河大道"]["parent_id"] == entities["一道两区"]["id"]
    assert entities["乙园"]["parent_id"] == "" and entities["甲河科技走廊"]["parent_id"] == ""
    assert all("_parent" not in row for row in entities.values())
    from layers import load_catalog
    catalog = load_catalog(knowledge_dir(DATA, tmp_path / "kb", [made]))
    assert "甲河大道" in set(catalog.frame("entities")["name"])

"""``innomap plans publish FILE --review REVIEWED.json`` and ``innomap plans rollback N``."""

from __future__ import annotations

import json

import pytest
from plan_review_data import TITLE, plan_docx

from store import open_store
from store.plans import PlanStore
from web import create_app
from web.cli import main


@pytest.fixture()
def reviewed(tmp_path, capsys):
    plan = tmp_path / "徐州规划.docx"
    plan.write_bytes(plan_docx())
    assert main(["plans", "extract", str(plan)]) == 0
    extraction = json.loads(capsys.readouterr().out)
    for cand in extraction["targets"]:
        cand["status"] = "accepted" if cand["indicator_id"] in ("rd_intensity",
                                                                 "tech_smes") else "rejected"
    for cand in extraction["entities"]:
        cand["status"] = "accepted" if cand["county_adcode"] else "rejected"
    for cand in extraction["tasks"]:
        cand["status"] = "accepted"
    return plan, extraction


def test_a_reviewed_set_is_published_and_rolled_back(reviewed, tmp_path, capsys):
    plan, extraction = reviewed
    review = tmp_path / "reviewed.json"
    review.write_text(json.dumps(extraction, ensure_ascii=False), encoding="utf-8")
    store = str(tmp_path / "store.gpkg")
    assert main(["plans", "publish", str(plan), "--review", str(review), "--store", store,
                 "--user", "wang"]) == 0
    version = json.loads(capsys.readouterr().out)
    assert version["action"] == "publish" and version["user"] == "wang"
    app = create_app({"testing": True, "store_url": store})
    client = app.test_client()
    features = client.get("/api/collections/targets/items?region_adcode=320300&limit=100",
                          headers={"Accept": "application/json"}).get_json()["features"]
    mine = sorted((f["properties"]["indicator_id"], f["properties"]["value"]) for f in features
                  if f["properties"]["plan_id"] == version["plan_id"])
    assert mine == [("rd_intensity", 3.2), ("tech_smes", 6000.0)]
    entities = [f["properties"]["name"] for f in client.get(
        "/api/collections/entities/items?limit=1000",
        headers={"Accept": "application/json"}).get_json()["features"]
        if f["properties"]["plan_id"] == version["plan_id"]]
    assert sorted(entities) == ["贾汪生物医药研究院", "铜山智能装备产业园"]
    tasks_page = f'href="/plans/{version["plan_id"]}/tasks"'
    index = client.get("/").get_data(as_text=True)
    assert 'href="/regions/320300"' in index and tasks_page in index
    assert main(["plans", "rollback", str(version["id"]), "--store", store]) == 0
    assert PlanStore(open_store(store)).active_payloads() == []
    app.extensions["innomap.plan_publish"].poll.expire()  # the next request polls the store
    assert TITLE not in client.get("/regions/320300").get_data(as_text=True)
    index = client.get("/").get_data(as_text=True)  # another process rolled it back
    assert 'href="/regions/320300"' not in index and tasks_page not in index
    assert client.get(f"/api/collections/tasks-{version['plan_id']}").status_code == 404


def test_a_review_of_another_document_is_refused_and_nothing_is_stored(reviewed, tmp_path,
                                                                       capsys):
    plan, extraction = reviewed
    extraction["targets"][0]["start"] += 1
    review = tmp_path / "reviewed.json"
    review.write_text(json.dumps(extraction, ensure_ascii=False), encoding="utf-8")
    store = str(tmp_path / "store.gpkg")
    assert main(["plans", "publish", str(plan), "--review", str(review),
                 "--store", store]) == 2
    assert "引文与文档在该位置的文字不一致" in capsys.readouterr().err
    assert PlanStore(open_store(store)).publications() == []

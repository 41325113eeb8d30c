"""Tasks ↔ targets: links by what a task says, each with its words; unlinked tasks listed."""

from __future__ import annotations

import pandas as pd
import pytest

from monitor.task_links import link_tasks, unlinked_tasks
from web.monitor_data import task_links

R_AND_D_TASKS = {16, 19, 20, 97}


@pytest.fixture(scope="module")
def linked(app):
    with app.test_request_context():
        found = task_links()
    return next(iter(found.values()))


def test_most_tasks_serve_a_target(linked):
    share = linked.links["task_id"].nunique() / len(linked.tasks)
    assert len(linked.tasks) == 98
    assert share >= 0.8


def test_the_r_and_d_tasks_serve_the_r_and_d_target(linked):
    rd = linked.links[linked.links["indicator_id"] == "rd_intensity"]
    assert R_AND_D_TASKS <= set(rd["task_no"])
    words = {w for ws in rd.loc[rd["task_no"].isin(R_AND_D_TASKS), "words"] for w in ws}
    assert "研发" in words  # each link says why


def test_every_link_names_words_the_task_states(linked):
    text = dict(zip(linked.tasks["id"], linked.tasks["work"] + " " + linked.tasks["task"]))
    for row in linked.links.itertuples():
        assert row.words
        for word in row.words:
            assert word == "任务表标注" or word in text[row.task_id].upper()


def test_unlinked_tasks_are_listed_with_a_reason(linked):
    linked_ids = set(linked.links["task_id"])
    assert set(linked.unlinked["id"]) == set(linked.tasks["id"]) - linked_ids
    assert linked.unlinked["reason"].str.len().gt(0).all()


def _indicators(rows):
    return pd.DataFrame(rows, columns=["id", "name", "variants"]).set_index("id", drop=False)


def _tasks(*texts):
    return pd.DataFrame({"id": [f"t{i}" for i in range(len(texts))],
                         "no": list(range(1, len(texts) + 1)), "work": "", "task": list(texts),
                         "region_adcode": "999901", "target_ids": [[] for _ in texts]})


def _targets(*indicator_ids, value=5.0, unit="家"):
    return pd.DataFrame({"ids": [[f"g-{i}"] for i in indicator_ids],
                         "indicator_id": list(indicator_ids), "region_adcode": "999901",
                         "value": value, "unit": unit})


INDICATORS = _indicators([
    ("hub", "枢纽港数量", "国际枢纽港数量|枢纽港个数"),
    ("hub_staff", "枢纽港从业人员", "枢纽港职工人数"),
    ("parks", "物流园区数", "物流园区个数"),
    ("parks_area", "物流园区面积", ""),
])


def test_a_task_links_to_the_target_whose_term_it_states_and_says_which():
    links = link_tasks(_tasks("完善枢纽港集疏运体系。", "推进全市绿化提升。"),
                       _targets("hub", "parks"), INDICATORS)
    assert list(zip(links["task_id"], links["target_id"])) == [("t0", "g-hub")]
    assert links.iloc[0]["words"] == ("枢纽港",)


def test_a_task_stating_the_figure_links_by_the_figure():
    links = link_tasks(_tasks("年内建成5家。"), _targets("parks"), INDICATORS)
    assert links.iloc[0]["words"] == ("5家",)


def test_a_task_of_another_region_does_not_link():
    tasks = _tasks("完善枢纽港集疏运体系。").assign(region_adcode="999902")
    assert link_tasks(tasks, _targets("hub"), INDICATORS).empty


def test_an_unlinked_task_says_why():
    tasks = _tasks("推进全市绿化提升。")
    links = link_tasks(tasks, _targets("hub"), INDICATORS)
    found = unlinked_tasks(tasks, links, INDICATORS)
    assert list(found["no"]) == [1] and "未提及" in found.iloc[0]["reason"]


def test_region_page_lists_a_targets_tasks_with_their_words(client):
    page = client.get("/regions/321300").get_data(as_text=True)
    assert "服务本目标的任务" in page and "依据：研发" in page


def test_task_plan_lists_unlinked_tasks(client, linked):
    page = client.get(f"/plans/{linked.plan.id}/tasks").get_data(as_text=True)
    assert f"未对应到目标的任务（{len(linked.unlinked)} 项）" in page
    assert "（依据：" in page

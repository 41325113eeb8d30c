"""The task linker against a hand-judged gold set: precision, recall, R&D tasks.

``tests/data/task_links_gold.csv`` holds tasks of the 2023 task plan judged by reading
each task row (重点工作, 目标任务 and its quarter plans) and a plan's targets, not by
running the linker. ``targets_of`` says which targets a row judges: ``十四五`` (the
period plan's targets of the task's region; all 98 tasks) or ``年度计划`` (the targets of
the task's own annual plan, its 主要工作目标 and the figures of its 重点工作; all 98
tasks). A row ``serves=yes`` says the task serves that indicator's target; every
indicator of that set not marked yes for a judged task is a no (the ``no`` rows name
the close calls and, with no indicator, the tasks serving none). The rules are
measured alone, without the reviewer's decisions.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from monitor.task_links import link_tasks
from monitor.tasks import split_ids
from web.monitor_data import monitor_data, task_links

GOLD = Path(__file__).parent / "data" / "task_links_gold.csv"
FIVE_YEAR, OWN_PLAN = "十四五", "年度计划"


@pytest.fixture(scope="module")
def gold():
    return pd.read_csv(GOLD, dtype=str, keep_default_na=False)


@pytest.fixture(scope="module")
def measured(app):
    """(rule links, {targets_of: (its target ids, its indicators)}, the tasks)."""
    with app.test_request_context():
        found = next(iter(task_links().values()))
        rows = monitor_data().rows
        indicators = monitor_data().indicators
    tasks = found.tasks.assign(target_ids=found.tasks["target_id"].map(split_ids))
    links = link_tasks(tasks, rows, indicators)
    here = rows[rows["region_adcode"] == found.plan.region_adcode]
    sets = {FIVE_YEAR: here[here["period_label"] == FIVE_YEAR],
            OWN_PLAN: here[here["plan_id"] == found.plan.id]}
    return (links, {k: ({ids[0] for ids in s["ids"]}, set(s["indicator_id"]))
                    for k, s in sets.items()}, tasks)


def _counts(gold, links, target_ids):
    """(right, found, yes) of the links to ``target_ids`` of the tasks ``gold`` judges."""
    judged = set(gold["task_id"])
    yes = set(zip(*gold.loc[gold["serves"] == "yes", ["task_id", "indicator_id"]].T.values))
    mine = links[links["target_id"].isin(target_ids) & links["task_id"].isin(judged)]
    found = set(zip(mine["task_id"], mine["indicator_id"]))
    return len(found & yes), len(found), len(yes)


def _scores(gold, measured, which=(FIVE_YEAR, OWN_PLAN)):
    links, sets, _ = measured
    right = found = yes = 0
    for name in which:
        r, f, y = _counts(gold[gold["targets_of"] == name], links, sets[name][0])
        right, found, yes = right + r, found + f, yes + y
    return right / found, right / yes


def test_the_gold_set_judges_every_task_against_its_own_plan(gold, measured):
    _, sets, tasks = measured
    assert set(gold["targets_of"]) == {FIVE_YEAR, OWN_PLAN}
    assert set(gold["serves"]) <= {"yes", "no"}
    assert not gold.duplicated(["task_id", "targets_of", "indicator_id"]).any()
    assert (gold["reason"].str.len() > 0).all()
    own = gold[gold["targets_of"] == OWN_PLAN]
    assert set(own["task_id"]) == set(tasks["id"])
    assert set(gold.loc[gold["targets_of"] == FIVE_YEAR, "task_id"]) == set(tasks["id"])
    for name, (_, indicators) in sets.items():
        part = gold[gold["targets_of"] == name]
        assert set(part.loc[part["indicator_id"] != "", "indicator_id"]) <= indicators, name


def test_precision_and_recall_against_the_gold_set(gold, measured):
    precision, recall = _scores(gold, measured)
    # Measured on the full set (98 tasks, both plans) before the rules learnt the task's
    # own plan, places, goal rows and field words: precision 0.71, recall 0.73; after:
    # 0.90 / 0.68 (十四五 0.84 / 0.56, the annual plan 0.93 / 0.77).
    assert precision >= 0.8
    assert recall >= 0.65


def test_precision_against_each_plan_of_the_gold_set(gold, measured):
    for name in (FIVE_YEAR, OWN_PLAN):
        precision, recall = _scores(gold, measured, (name,))
        assert precision >= 0.8, name
        assert recall >= 0.5, name


def test_the_rules_link_few_targets_per_task(measured):
    links, _, tasks = measured
    assert len(links) / len(tasks) <= 2.5
    assert links["task_id"].nunique() / len(tasks) >= 0.45


def test_a_task_serving_no_target_of_a_plan_gets_no_link_to_it(gold, measured):
    links, sets, _ = measured
    for name, (target_ids, _) in sets.items():
        part = gold[gold["targets_of"] == name]
        served = set(part.loc[part["serves"] == "yes", "task_id"])
        none = set(part["task_id"]) - served
        mine = links[links["target_id"].isin(target_ids)]
        wrong = set(mine["task_id"]) & none
        assert len(wrong) <= len(none) // 5, (name, sorted(wrong))


def test_most_tasks_that_serve_a_target_are_linked_and_few_others(gold, measured):
    # The share of all tasks linked is bounded by the plan: the gold set judges 44 of
    # the 98 tasks (ecology, cooperation, reform, talent services) to serve no target of
    # either plan. Of the 54 that serve one, the rules alone link 47; of the 44, one.
    links, _, tasks = measured
    serving = set(gold.loc[gold["serves"] == "yes", "task_id"])
    linked = set(links["task_id"])
    assert len(serving & linked) / len(serving) >= 0.85
    assert len(linked - serving) <= (len(tasks) - len(serving)) // 10

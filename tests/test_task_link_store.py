"""The store of task link decisions, on SQLite and PostgreSQL: append-only, last wins."""

from __future__ import annotations

import pytest

from store import StoreError
from store.task_links import TaskLinkDecisions
from tests.test_store import postgres_url, store  # noqa: F401  (fixtures)


@pytest.fixture()
def decisions(store):  # noqa: F811  (the fixture of tests.test_store)
    return TaskLinkDecisions(store)


def test_the_last_decision_on_a_link_is_in_force_and_every_one_is_kept(decisions):
    assert decisions.latest_seq() == 0 and decisions.current("p") == []
    decisions.decide("p", "t1", "g1", "remove", "只是提到", "wang")
    decisions.decide("p", "t2", "g2", "confirm", "服务该目标", "li")
    last = decisions.decide("p", "t1", "g1", "confirm", "复核后恢复", "zhao")
    decisions.decide("q", "t1", "g1", "remove", "另一规划", "wang")
    assert last == 3 and decisions.latest_seq() == 4
    assert [(r["task_id"], r["decision"], r["user_name"]) for r in decisions.current("p")] == [
        ("t2", "confirm", "li"), ("t1", "confirm", "zhao")]
    assert [r["reason"] for r in decisions.history("p")] == ["只是提到", "服务该目标", "复核后恢复"]
    assert all(r["at"] for r in decisions.history("p"))


def test_an_unknown_decision_is_refused_and_not_kept(decisions):
    with pytest.raises(StoreError, match="keep"):
        decisions.decide("p", "t1", "g1", "keep", "?", "wang")
    assert decisions.history("p") == []

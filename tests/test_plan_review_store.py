"""The store of plans under review and of published plans, on SQLite and PostgreSQL."""

from __future__ import annotations

import pytest

from store import RollbackConflict, VersionNotFound
from store.plans import PlanStore, StaleCandidate
from tests.test_store import postgres_url, store  # noqa: F401  (fixtures)

TEXT = "到2030年，全市高新技术企业超过2500家。加快建设某某高新区。"
EXTRACTION = {
    "plan": {"title": "某市规划", "region_adcode": "320300"},
    "targets": [{"indicator": "高新技术企业", "value": 2500, "quote": "全市高新技术企业超过2500家",
                 "start": 6, "end": 20}],
    "entities": [{"name": "某某高新区", "quote": "某某高新区", "start": 26, "end": 31}],
}


@pytest.fixture()
def plans(store):  # noqa: F811  (the fixture of tests.test_store)
    return PlanStore(store)


def test_a_draft_keeps_its_text_plan_and_pending_candidates(plans):
    draft = plans.add_draft("d1", user="wang", filename="规划.docx", sha256="ab" * 32,
                            fmt="docx", text=TEXT, extraction=EXTRACTION)
    assert (draft.text, draft.plan["title"], draft.plan_version) == (TEXT, "某市规划", 1)
    cands = plans.candidates("d1")
    assert [(c.cid, c.group, c.status, c.version) for c in cands] == [
        (1, "targets", "pending", 1), (2, "entities", "pending", 1)]
    assert plans.drafts()[0] | {"created_at": None} == {
        "id": "d1", "filename": "规划.docx", "user": "wang", "created_at": None,
        "title": "某市规划", "total": 2, "reviewed": 0}
    with pytest.raises(VersionNotFound):
        plans.draft("nope")


def test_a_change_on_an_old_version_is_refused_naming_who_changed_it(plans):
    plans.add_draft("d1", user="wang", filename="f", sha256="0", fmt="txt", text=TEXT,
                    extraction=EXTRACTION)
    (done,) = plans.change("d1", [{"cid": 1, "version": 1, "status": "accepted"}], "li")
    assert (done.status, done.version, done.changed_by) == ("accepted", 2, "li")
    with pytest.raises(StaleCandidate) as stale:
        plans.change("d1", [{"cid": 2, "version": 1, "status": "accepted"},
                            {"cid": 1, "version": 1, "status": "rejected"}], "zhao")
    assert stale.value.user == "li" and "li" in str(stale.value)
    # all or none: the first change of the refused batch was not written either
    assert [c.status for c in plans.candidates("d1")] == ["accepted", "pending"]
    added = plans.add_candidate("d1", "entities", {"name": "某园", "quote": "某", "start": 0,
                                                   "end": 1}, "zhao")
    assert (added.cid, added.status) == (3, "accepted")
    assert [(a["user"], a["cid"], a["action"]) for a in plans.audit("d1")] == [
        ("zhao", 3, "add"), ("li", 1, "accepted"), ("wang", None, "upload")]


def test_publish_and_rollback_are_versions(plans):
    first = plans.publish("up_a", "d1", {"record": {"id": "up_a"}}, "wang")
    second = plans.publish("up_b", "", {"record": {"id": "up_b"}}, "wang")
    assert (first.id, second.id) == (1, 2)
    with pytest.raises(RollbackConflict):
        plans.publish("up_a", "", {"record": {"id": "up_a"}}, "li")
    assert [p["record"]["id"] for p in plans.active_payloads()] == ["up_a", "up_b"]
    undo = plans.rollback(1, "li")
    assert (undo.id, undo.action, undo.target, plans.latest_publication_id()) == (
        3, "rollback", 1, 3)
    assert [p["record"]["id"] for p in plans.active_payloads()] == ["up_b"]
    with pytest.raises(RollbackConflict):
        plans.rollback(1, "li")
    with pytest.raises(RollbackConflict):
        plans.rollback(3, "li")
    with pytest.raises(VersionNotFound):
        plans.rollback(99, "li")
    assert plans.publish("up_a", "", {"record": {"id": "up_a"}}, "li").id == 4

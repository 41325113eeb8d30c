"""A reviewer's decisions on task links made in the browser: stored, audited, honoured.

A signed-in editor of an app with its own store removes a link the rules found, adds one
they did not, and the task page, the region page and /targets show the change; a form
without the CSRF token, an anonymous post or a wrong field changes nothing.
"""

from __future__ import annotations

import re

import pytest

from store.task_links import TaskLinkDecisions
from tests.conftest import ADMIN_TOKEN
from web import create_app
from web.admin import EXTENSION as IMPORTS
from web.monitor_data import task_links
from web.services import services

PLAN = "/plans/{}/tasks"


@pytest.fixture(scope="module")
def plan_id(admin_app):
    with admin_app.test_request_context():
        return next(iter(task_links()))


@pytest.fixture()
def editor(admin_app):
    client = admin_app.test_client()
    page = client.get("/admin/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    client.post("/admin/login", data={"token": ADMIN_TOKEN, "csrf_token": token})
    return client


def _csrf(client, url):
    page = client.get(url).get_data(as_text=True)
    return re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)


def _served(client, plan_id, no):
    """The target ids task ``no`` serves on the task page, as a visitor sees them."""
    page = client.get(PLAN.format(plan_id)).get_data(as_text=True)
    row = re.search(rf'<tr id="task-{no}".*?</tr>', page, re.S).group(0)
    return set(re.findall(r'data-target="([^"]+)"', row))


def _post(client, plan_id, **form):
    url = PLAN.format(plan_id)
    return client.post(url + "/links", data={"csrf_token": _csrf(client, url), **form})


def test_an_editor_sees_the_review_forms_a_visitor_does_not(admin_app, editor, plan_id):
    page = editor.get(PLAN.format(plan_id)).get_data(as_text=True)
    assert "审核对应" in page and 'action="/plans/' in page and "对应关系审核记录" in page
    visitor = admin_app.test_client().get(PLAN.format(plan_id)).get_data(as_text=True)
    assert "审核对应" not in visitor and "csrf_token" not in visitor


def test_removing_and_adding_a_link_changes_every_surface(admin_app, editor, plan_id):
    visitor = admin_app.test_client()
    before = _served(visitor, plan_id, 4)
    removed = next(t for t in sorted(before) if t.startswith("sq2023-"))
    answer = _post(editor, plan_id, task_id="sq2023-task-04", target_id=removed,
                   decision="remove", reason="测试：移除")
    assert answer.status_code == 303 and answer.headers["Location"].endswith("#task-4")
    assert removed not in _served(visitor, plan_id, 4)
    # Task 43 (人才节) serves no target by the rules; an editor adds the R&D target.
    assert _served(visitor, plan_id, 43) == set()
    _post(editor, plan_id, task_id="sq2023-task-43", target_id="sq-rd-intensity-2025-target",
          decision="confirm", reason="测试：人才节招引研发团队")
    assert _served(visitor, plan_id, 43) == {"sq-rd-intensity-2025-target"}
    region = visitor.get("/regions/321300").get_data(as_text=True)
    assert "审核确认：测试：人才节招引研发团队" in region
    targets = visitor.get("/targets?region=321300").get_data(as_text=True)
    assert "审核确认：测试：人才节招引研发团队" in targets
    # The decision is in the store with who and why, and a new app on it (a restart)
    # serves it.
    table = TaskLinkDecisions(admin_app.extensions[IMPORTS].store)
    rows = table.history(plan_id)
    assert [(r["task_id"], r["decision"], r["user_name"]) for r in rows[-2:]] == [
        ("sq2023-task-04", "remove", "tester"), ("sq2023-task-43", "confirm", "tester")]
    restarted = create_app({"testing": True, "store_url": services(admin_app).settings.store_url})
    assert _served(restarted.test_client(), plan_id, 43) == {"sq-rd-intensity-2025-target"}
    # Confirming the removed link again restores it (the last decision is in force).
    _post(editor, plan_id, task_id="sq2023-task-04", target_id=removed,
          decision="confirm", reason="测试：恢复")
    assert removed in _served(visitor, plan_id, 4)
    history = editor.get(PLAN.format(plan_id)).get_data(as_text=True)
    assert "测试：恢复" in history and "tester" in history
    _post(editor, plan_id, task_id="sq2023-task-43", target_id="sq-rd-intensity-2025-target",
          decision="remove", reason="测试：撤回")
    assert _served(visitor, plan_id, 43) == set()


@pytest.mark.parametrize("form, reason", [
    ({"task_id": "no-such-task"}, "没有任务"),
    ({"target_id": "js-rd-intensity-2025-target"}, "不是本规划任务可服务的目标"),
    ({"decision": "keep"}, "确认"),
    ({"reason": ""}, "理由"),
])
def test_a_wrong_decision_is_refused_with_its_reason(editor, plan_id, form, reason):
    data = {"task_id": "sq2023-task-05", "target_id": "sq-tech-smes-2025-target",
            "decision": "remove", "reason": "测试", **form}
    answer = _post(editor, plan_id, **data)
    assert answer.status_code == 400
    assert reason in answer.get_data(as_text=True)


def test_a_post_without_csrf_or_sign_in_changes_nothing(admin_app, editor, plan_id):
    form = {"task_id": "sq2023-task-05", "target_id": "sq-tech-smes-2025-target",
            "decision": "remove", "reason": "测试"}
    assert editor.post(PLAN.format(plan_id) + "/links", data=form).status_code == 403
    anonymous = admin_app.test_client()
    assert anonymous.post(PLAN.format(plan_id) + "/links", data=form).status_code == 401
    assert "sq-tech-smes-2025-target" in _served(anonymous, plan_id, 5)


def _visible_text(html: str) -> str:
    """What a person reads: the page without its tags, attributes and scripts."""
    html = re.sub(r"<script.*?</script>", "", html, flags=re.S)
    return re.sub(r"<[^>]+>", " ", html)


def test_the_page_names_targets_and_tasks_never_by_their_ids(admin_app, editor, plan_id):
    _post(editor, plan_id, task_id="sq2023-task-43", target_id="sq-rd-intensity-2025-target",
          decision="remove", reason="测试：审核记录的写法")
    for client in (admin_app.test_client(), editor):
        text = _visible_text(client.get(PLAN.format(plan_id)).get_data(as_text=True))
        assert "服务目标" in text
        assert not re.search(r"\b(sq|sq2023|js|lyg|sz)-[a-z0-9-]+", text), \
            re.search(r"\b(sq|sq2023|js|lyg|sz)-[a-z0-9-]+", text).group(0)
    page = editor.get(PLAN.format(plan_id)).get_data(as_text=True)
    row = re.search(r"<td>第 43 项</td><td>([^<]+)</td><td>移除</td><td>测试：审核记录的写法",
                    page)
    assert row and "研发" in row.group(1) and "2025" in row.group(1)

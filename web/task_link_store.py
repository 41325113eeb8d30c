"""The decisions reviewers make on task links in the browser, as the linker reads them.

``stored_decisions(plan_id)`` gives the decisions in force in the columns of the
override file (``monitor.task_link_review.OVERRIDE_COLUMNS``), so ``web.monitor_data``
honours both, the browser's last. A decision moves this worker's ``decisions_version``
on (task links worked out before it are worked out again) and the catalog generation
(every cached page drops its answers); the others follow within
``web.follow.POLL_SECONDS`` (``follow_decisions``, a refresher).
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field

import pandas as pd
from flask import Flask, current_app

from monitor.task_link_review import OVERRIDE_COLUMNS
from store import StoreError
from store.task_links import TaskLinkDecisions
from web.follow import Throttle
from web.services import services

EXTENSION = "innomap.task_link_decisions"


@dataclass
class DecisionState:
    """Per app: the decision table (None without an SQL store), the last decision seen
    and the version of the decisions this worker serves (moved on by each change)."""

    decisions: TaskLinkDecisions | None
    seen: int = 0
    version: int = 0
    poll: Throttle = field(default_factory=Throttle)
    lock: threading.Lock = field(default_factory=threading.Lock)


def setup(app: Flask) -> None:
    """Follow other workers' decisions (the table opens on first use: the store is
    opened by ``web.admin``, registered after the task pages)."""
    services(app).add_refresher(follow_decisions)


def _state(app: Flask) -> DecisionState:
    state = app.extensions.get(EXTENSION)
    if state is None:
        from web.admin import EXTENSION as IMPORTS

        try:
            table = TaskLinkDecisions(app.extensions[IMPORTS].store)
        except (KeyError, StoreError):
            table = None
        state = DecisionState(table, table.latest_seq() if table else 0)
        app.extensions[EXTENSION] = state
    return state


def decision_table() -> TaskLinkDecisions | None:
    """The app's decision table; None when its store is no SQL store."""
    return _state(current_app).decisions


def stored_decisions(plan_id: str) -> pd.DataFrame:
    """The decisions in force on the plan's links (``OVERRIDE_COLUMNS``), oldest first."""
    table = decision_table()
    rows = table.current(plan_id) if table else []
    return pd.DataFrame([{"task_id": r["task_id"], "target_id": r["target_id"],
                          "decision": r["decision"], "reviewer_note": r["reason"]}
                         for r in rows], columns=list(OVERRIDE_COLUMNS))


def decisions_version() -> int:
    """The version of the decisions the app serves: links worked out at another are stale."""
    return _state(current_app).version


def _changed(app: Flask) -> None:
    """Links and every cached answer built on them are stale from the next request on."""
    _state(app).version += 1
    services(app).catalog.generation += 1


def decided(app: Flask) -> None:
    """Serve a decision recorded by this worker from the next request on."""
    with _state(app).lock:
        _changed(app)


def follow_decisions(app: Flask) -> None:
    """Serve the links again when another process decided on one (polled, throttled)."""
    state = _state(app)
    if state.decisions is None or not state.poll.due():
        return
    try:
        latest = state.decisions.latest_seq()
    except StoreError:
        return
    if latest != state.seen:
        with state.lock:
            if latest != state.seen:
                state.seen = latest
                _changed(app)

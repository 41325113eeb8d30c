"""The decisions reviewers make on task links in the browser, as the linker reads them.

``stored_decisions(plan_id)`` gives the decisions in force in the columns of the
override file (``monitor.task_link_review.OVERRIDE_COLUMNS``), so ``web.monitor_data``
honours both, the browser's last. After a decision the worker that took it drops its
task links and moves the catalog generation on (every cached page drops its answers);
the others follow within ``web.follow.POLL_SECONDS`` (``follow_decisions``, a refresher).
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
MONITOR = "innomap.monitor"  # web.monitor_data.EXTENSION (not imported: it imports this)


@dataclass
class DecisionState:
    """Per app: the decision table (None without an SQL store) and the last decision seen."""

    decisions: TaskLinkDecisions | None
    seen: int = 0
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


def forget_links(app: Flask) -> None:
    """Drop the task links worked out so far and every cached answer built on them."""
    data = app.extensions.get(MONITOR)
    if data is not None:
        data.links = None
    services(app).catalog.generation += 1


def decided(app: Flask) -> None:
    """Serve a decision recorded by this worker from the next request on. The
    decision is not marked seen: the next poll drops the links once more, in case a
    request of this worker was working them out from the decisions before it."""
    with _state(app).lock:
        forget_links(app)


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
                forget_links(app)

"""A reviewer's decisions on task ↔ target links, made in the browser, in the data store.

One row per decision, never changed: who confirmed or removed (or added, a confirm of a
link the rules did not find) which link of which plan's task, when and why. The row with
the highest ``seq`` for a (plan, task, target) is the decision in force, the others its
history; ``latest_seq`` tells a worker whether another one decided since it looked. The
table lives beside the imports' in the same SQLite or PostgreSQL database (plain SQL,
``?`` placeholders), like the plan reviews'.
"""

from __future__ import annotations

from store.base import StoreError
from store.side_tables import SideTables
from store.sql import utc_now

DECISIONS = ("confirm", "remove")
DDL = ("CREATE TABLE IF NOT EXISTS task_link_decisions (seq BIGINT PRIMARY KEY, "
       "plan_id TEXT NOT NULL, task_id TEXT NOT NULL, target_id TEXT NOT NULL, "
       "decision TEXT NOT NULL, reason TEXT NOT NULL, user_name TEXT NOT NULL, "
       "at TEXT NOT NULL)",)
_COLUMNS = ("seq", "plan_id", "task_id", "target_id", "decision", "reason", "user_name", "at")


class TaskLinkDecisions(SideTables):
    """The decisions on task links of every plan, in one SQL store."""

    DDL = DDL
    PURPOSE = "task link review"

    def decide(self, plan_id: str, task_id: str, target_id: str, decision: str, reason: str,
               user: str) -> int:
        """Record a decision (``confirm`` or ``remove``) with its reason; its ``seq``."""
        if decision not in DECISIONS:
            raise StoreError(f"未知的决定“{decision}”：应为 confirm 或 remove")
        with self.store._write() as cur:
            (top,) = self._q(cur, "SELECT max(seq) FROM task_link_decisions").fetchone()
            seq = int(top or 0) + 1
            self._q(cur, f"INSERT INTO task_link_decisions ({', '.join(_COLUMNS)}) "
                    "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                    (seq, plan_id, task_id, target_id, decision, reason, user, utc_now()))
        return seq

    def history(self, plan_id: str) -> list[dict]:
        """Every decision on the plan's links, oldest first."""
        with self.store._read() as cur:
            rows = self._q(cur, f"SELECT {', '.join(_COLUMNS)} FROM task_link_decisions "
                           "WHERE plan_id = ? ORDER BY seq", (plan_id,)).fetchall()
        return [dict(zip(_COLUMNS, row)) for row in rows]

    def current(self, plan_id: str) -> list[dict]:
        """The decision in force for each decided link of the plan, oldest first."""
        latest: dict[tuple, dict] = {}
        for row in self.history(plan_id):
            latest.pop((row["task_id"], row["target_id"]), None)
            latest[(row["task_id"], row["target_id"])] = row
        return list(latest.values())

    def latest_seq(self) -> int:
        """The number of the last decision of any plan (0: none yet)."""
        with self.store._read() as cur:
            (top,) = self._q(cur, "SELECT max(seq) FROM task_link_decisions").fetchone()
        return int(top or 0)

"""Uploaded plans under review, and the plans published from them, in the data store.

A **draft** is one uploaded plan document: its reading text, the plan candidate
(title, region, period …) and every extracted candidate (target, entity, task,
partnership) as JSON with a review ``status`` and a ``version`` that each change
bumps. A change names the version it was made on; a stale one (another reviewer
changed the candidate since) raises ``StaleCandidate`` saying who and when, and
changes nothing. Every change is written to the draft's audit list.

A **publication** is a versioned change of the knowledge base: ``publish`` records
a plan's registry record and knowledge-base rows (one JSON payload), ``rollback``
undoes one; both are versions, like the imports. ``active_payloads()`` is what the
knowledge base holds now. The tables live beside the imports' in the same SQLite or
PostgreSQL database (plain SQL written once, ``?`` placeholders).
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from store.base import RollbackConflict, StoreError, VersionNotFound, check_version_id
from store.side_tables import SideTables
from store.sql import utc_now

STATUSES = ("pending", "accepted", "rejected", "merged")
GROUPS = ("targets", "entities", "tasks", "partnerships")
DDL = (
    "CREATE TABLE IF NOT EXISTS plan_drafts (id TEXT PRIMARY KEY, user_name TEXT NOT NULL, "
    "created_at TEXT NOT NULL, filename TEXT NOT NULL, sha256 TEXT NOT NULL, "
    "format TEXT NOT NULL, text TEXT NOT NULL, plan_json TEXT NOT NULL, "
    "plan_version BIGINT NOT NULL)",
    "CREATE TABLE IF NOT EXISTS plan_candidates (draft_id TEXT NOT NULL, cid BIGINT NOT NULL, "
    "grp TEXT NOT NULL, data TEXT NOT NULL, status TEXT NOT NULL, version BIGINT NOT NULL, "
    "changed_by TEXT NOT NULL, changed_at TEXT NOT NULL, PRIMARY KEY (draft_id, cid))",
    "CREATE TABLE IF NOT EXISTS plan_audit (draft_id TEXT NOT NULL, seq BIGINT NOT NULL, "
    "at TEXT NOT NULL, user_name TEXT NOT NULL, cid BIGINT, action TEXT NOT NULL, "
    "detail TEXT NOT NULL, PRIMARY KEY (draft_id, seq))",
    "CREATE TABLE IF NOT EXISTS plan_publications (id BIGINT PRIMARY KEY, action TEXT NOT NULL, "
    "plan_id TEXT NOT NULL, draft_id TEXT NOT NULL, user_name TEXT NOT NULL, "
    "created_at TEXT NOT NULL, target BIGINT, payload TEXT NOT NULL)",
)
_CANDIDATE = "cid, grp, data, status, version, changed_by, changed_at"


class StaleCandidate(StoreError):
    """A change was made on an old version of a candidate; says who changed it since."""

    def __init__(self, cid: int, version: int, user: str, at: str):
        self.cid, self.version, self.user, self.at = cid, version, user, at
        super().__init__(f"候选 {cid} 已被 {user} 于 {at} 修改（当前版本 {version}），"
                         "请刷新后再改")


@dataclass(frozen=True)
class Candidate:
    """One extracted (or added) candidate of a draft and its review state."""

    cid: int
    group: str
    data: dict
    status: str
    version: int
    changed_by: str
    changed_at: str

    def as_dict(self) -> dict:
        return {"cid": self.cid, "group": self.group, "status": self.status,
                "version": self.version, "changed_by": self.changed_by,
                "changed_at": self.changed_at, **{"data": self.data}}


@dataclass(frozen=True)
class Draft:
    """An uploaded plan: who uploaded which file, its reading text and plan candidate."""

    id: str
    user: str
    created_at: str
    filename: str
    sha256: str
    format: str
    text: str
    plan: dict
    plan_version: int


@dataclass(frozen=True)
class Publication:
    """A publish or a rollback of a plan in the knowledge base (a version)."""

    id: int
    action: str
    plan_id: str
    draft_id: str
    user: str
    created_at: str
    target: int | None
    payload: dict
    rolled_back_by: int | None = None

    def as_dict(self, payload: bool = False) -> dict:
        out = {k: v for k, v in self.__dict__.items() if k != "payload"}
        return {**out, "payload": self.payload} if payload else out


class PlanStore(SideTables):
    """Drafts, their candidates and audit list, and publications, in one SQL store."""

    DDL = DDL
    PURPOSE = "plan review"

    # -- drafts ------------------------------------------------------------------------

    def add_draft(self, draft_id: str, *, user: str, filename: str, sha256: str, fmt: str,
                  text: str, extraction: dict) -> Draft:
        """Store an uploaded plan and every candidate of ``extraction`` (all pending)."""
        now = utc_now()
        with self.store._write() as cur:
            self._q(cur, "INSERT INTO plan_drafts (id, user_name, created_at, filename, sha256, "
                    "format, text, plan_json, plan_version) VALUES (?, ?, ?, ?, ?, ?, ?, ?, 1)",
                    (draft_id, user, now, filename, sha256, fmt, text,
                     json.dumps(extraction.get("plan") or {}, ensure_ascii=False)))
            cid = 0
            for group in GROUPS:
                for data in extraction.get(group) or ():
                    cid += 1
                    self._insert_candidate(cur, draft_id, cid, group, data, "pending", user, now)
            self._audit(cur, draft_id, user, None, "upload", f"{filename}：{cid} 条候选")
        return self.draft(draft_id)

    def _insert_candidate(self, cur, draft_id, cid, group, data, status, user, now) -> None:
        self._q(cur, f"INSERT INTO plan_candidates (draft_id, {_CANDIDATE}) "
                "VALUES (?, ?, ?, ?, ?, 1, ?, ?)",
                (draft_id, cid, group, json.dumps(data, ensure_ascii=False), status, user, now))

    def draft(self, draft_id: str) -> Draft:
        with self.store._read() as cur:
            row = self._q(cur, "SELECT id, user_name, created_at, filename, sha256, format, text, "
                          "plan_json, plan_version FROM plan_drafts WHERE id = ?",
                          (draft_id,)).fetchone()
        if row is None:
            raise VersionNotFound(f"待审规划 {draft_id} 不存在")
        return Draft(*row[:7], plan=json.loads(row[7]), plan_version=int(row[8]))

    def drafts(self) -> list[dict]:
        """Every draft, newest first, with its candidate count and reviewed count."""
        with self.store._read() as cur:
            rows = self._q(cur, "SELECT d.id, d.filename, d.user_name, d.created_at, d.plan_json, "
                           "count(c.cid), sum(CASE WHEN c.status = 'pending' THEN 0 ELSE 1 END) "
                           "FROM plan_drafts d LEFT JOIN plan_candidates c ON c.draft_id = d.id "
                           "GROUP BY d.id, d.filename, d.user_name, d.created_at, d.plan_json "
                           "ORDER BY d.created_at DESC, d.id").fetchall()
        return [{"id": r[0], "filename": r[1], "user": r[2], "created_at": r[3],
                 "title": json.loads(r[4]).get("title") or r[1], "total": int(r[5] or 0),
                 "reviewed": int(r[6] or 0)} for r in rows]

    def update_plan(self, draft_id: str, plan: dict, version: int, user: str) -> Draft:
        """Replace the plan candidate (title, region, period …), checking its version."""
        with self.store._write() as cur:
            row = self._q(cur, "SELECT plan_version FROM plan_drafts WHERE id = ?",
                          (draft_id,)).fetchone()
            if row is None:
                raise VersionNotFound(f"待审规划 {draft_id} 不存在")
            if int(row[0]) != int(version):
                last = self._last_change(cur, draft_id, None)
                raise StaleCandidate(0, int(row[0]), *last)
            self._q(cur, "UPDATE plan_drafts SET plan_json = ?, plan_version = ? WHERE id = ?",
                    (json.dumps(plan, ensure_ascii=False), int(version) + 1, draft_id))
            self._audit(cur, draft_id, user, None, "plan", _summary(plan))
        return self.draft(draft_id)

    # -- candidates ----------------------------------------------------------------------

    def candidates(self, draft_id: str) -> list[Candidate]:
        with self.store._read() as cur:
            rows = self._q(cur, f"SELECT {_CANDIDATE} FROM plan_candidates WHERE draft_id = ? "
                           "ORDER BY cid", (draft_id,)).fetchall()
        return [_candidate(r) for r in rows]

    def candidate(self, draft_id: str, cid: int) -> Candidate:
        with self.store._read() as cur:
            row = self._q(cur, f"SELECT {_CANDIDATE} FROM plan_candidates "
                          "WHERE draft_id = ? AND cid = ?", (draft_id, int(cid))).fetchone()
        if row is None:
            raise VersionNotFound(f"候选 {cid} 不存在")
        return _candidate(row)

    def change(self, draft_id: str, changes: list[dict], user: str) -> list[Candidate]:
        """Apply ``changes`` ({cid, version, status?, data?, action}) all or none.

        StaleCandidate when one was made on an old version; VersionNotFound for an
        unknown candidate; StoreError for an unknown status.
        """
        now = utc_now()
        with self.store._write() as cur:
            for change in changes:
                cid = int(change["cid"])
                row = self._q(cur, f"SELECT {_CANDIDATE} FROM plan_candidates "
                              "WHERE draft_id = ? AND cid = ?", (draft_id, cid)).fetchone()
                if row is None:
                    raise VersionNotFound(f"候选 {cid} 不存在")
                current = _candidate(row)
                if current.version != int(change["version"]):
                    raise StaleCandidate(cid, current.version, current.changed_by,
                                         current.changed_at)
                status = change.get("status") or current.status
                if status not in STATUSES:
                    raise StoreError(f"未知的审核状态 {status!r}")
                data = change["data"] if change.get("data") is not None else current.data
                self._q(cur, "UPDATE plan_candidates SET data = ?, status = ?, version = ?, "
                        "changed_by = ?, changed_at = ? WHERE draft_id = ? AND cid = ?",
                        (json.dumps(data, ensure_ascii=False), status, current.version + 1,
                         user, now, draft_id, cid))
                self._audit(cur, draft_id, user, cid, change.get("action") or status,
                            change.get("detail") or _summary(data))
        return [self.candidate(draft_id, int(c["cid"])) for c in changes]

    def add_candidate(self, draft_id: str, group: str, data: dict, user: str) -> Candidate:
        """A candidate a reviewer added (accepted at once), with the next id."""
        if group not in GROUPS:
            raise StoreError(f"未知的候选类别 {group!r}")
        now = utc_now()
        with self.store._write() as cur:
            (top,) = self._q(cur, "SELECT max(cid) FROM plan_candidates WHERE draft_id = ?",
                             (draft_id,)).fetchone()
            cid = int(top or 0) + 1
            self._insert_candidate(cur, draft_id, cid, group, data, "accepted", user, now)
            self._audit(cur, draft_id, user, cid, "add", _summary(data))
        return self.candidate(draft_id, cid)

    # -- audit ---------------------------------------------------------------------------

    def _audit(self, cur, draft_id, user, cid, action, detail) -> None:
        (top,) = self._q(cur, "SELECT max(seq) FROM plan_audit WHERE draft_id = ?",
                         (draft_id,)).fetchone()
        self._q(cur, "INSERT INTO plan_audit (draft_id, seq, at, user_name, cid, action, detail) "
                "VALUES (?, ?, ?, ?, ?, ?, ?)",
                (draft_id, int(top or 0) + 1, utc_now(), user, cid, action, detail[:300]))

    def _last_change(self, cur, draft_id, cid) -> tuple[str, str]:
        clause = "cid IS NULL" if cid is None else "cid = ?"
        row = self._q(cur, f"SELECT user_name, at FROM plan_audit WHERE draft_id = ? AND {clause} "
                      "ORDER BY seq DESC", (draft_id,) + (() if cid is None else (cid,))
                      ).fetchone()
        return (row[0], row[1]) if row else ("?", "?")

    def audit(self, draft_id: str, limit: int = 200) -> list[dict]:
        """The newest ``limit`` changes of a draft: who changed what and when."""
        with self.store._read() as cur:
            rows = self._q(cur, "SELECT seq, at, user_name, cid, action, detail FROM plan_audit "
                           "WHERE draft_id = ? ORDER BY seq DESC", (draft_id,)).fetchmany(limit)
        return [dict(zip(("seq", "at", "user", "cid", "action", "detail"), r, strict=True))
                for r in rows]

    # -- publications ----------------------------------------------------------------------

    def latest_publication_id(self) -> int:
        with self.store._read() as cur:
            (value,) = self._q(cur, "SELECT max(id) FROM plan_publications").fetchone()
        return int(value or 0)

    def publications(self) -> list[Publication]:
        """Every publish and rollback, newest first, with ``rolled_back_by`` filled in."""
        with self.store._read() as cur:
            rows = self._q(cur, "SELECT id, action, plan_id, draft_id, user_name, created_at, "
                           "target, payload FROM plan_publications ORDER BY id DESC").fetchall()
        undone = {r[6]: r[0] for r in rows if r[1] == "rollback"}
        return [Publication(int(r[0]), r[1], r[2], r[3], r[4], r[5],
                            None if r[6] is None else int(r[6]), json.loads(r[7]),
                            undone.get(r[0])) for r in rows]

    def active_payloads(self) -> list[dict]:
        """The payloads of every publish not rolled back, oldest first."""
        return [p.payload for p in reversed(self.publications())
                if p.action == "publish" and p.rolled_back_by is None]

    def publish(self, plan_id: str, draft_id: str, payload: dict, user: str) -> Publication:
        """Record ``payload`` (registry record and rows) as a new version, all at once.

        RollbackConflict when a plan of that id is published and not rolled back.
        """
        with self.store._write() as cur:
            if plan_id in self._active_ids(cur):
                raise RollbackConflict(f"规划 {plan_id} 已发布；请先撤销该版本再重新发布")
            new_id = self._next_id(cur)
            self._q(cur, "INSERT INTO plan_publications (id, action, plan_id, draft_id, user_name, "
                    "created_at, target, payload) VALUES (?, 'publish', ?, ?, ?, ?, NULL, ?)",
                    (new_id, plan_id, draft_id, user, utc_now(),
                     json.dumps(payload, ensure_ascii=False)))
            if draft_id:
                self._audit(cur, draft_id, user, None, "publish", f"发布为版本 {new_id}")
        return self._publication(new_id)

    def rollback(self, publication_id: int, user: str) -> Publication:
        """Undo publication ``publication_id``; the rollback is a new version."""
        publication_id = check_version_id(publication_id)
        with self.store._write() as cur:
            row = self._q(cur, "SELECT action, plan_id, draft_id FROM plan_publications "
                          "WHERE id = ?", (publication_id,)).fetchone()
            if row is None:
                raise VersionNotFound(f"发布版本 {publication_id} 不存在")
            undone = self._q(cur, "SELECT id FROM plan_publications WHERE target = ?",
                             (publication_id,)).fetchone()
            if row[0] != "publish" or undone is not None:
                raise RollbackConflict(f"版本 {publication_id} 不是发布或已撤销")
            new_id = self._next_id(cur)
            self._q(cur, "INSERT INTO plan_publications (id, action, plan_id, draft_id, user_name, "
                    "created_at, target, payload) VALUES (?, 'rollback', ?, ?, ?, ?, ?, '{}')",
                    (new_id, row[1], row[2], user, utc_now(), publication_id))
            if row[2]:
                self._audit(cur, row[2], user, None, "rollback", f"撤销发布版本 {publication_id}")
        return self._publication(new_id)

    def _publication(self, publication_id: int) -> Publication:
        return next(p for p in self.publications() if p.id == publication_id)

    def _active_ids(self, cur) -> set[str]:
        rows = self._q(cur, "SELECT p.plan_id FROM plan_publications p WHERE p.action = 'publish' "
                       "AND NOT EXISTS (SELECT 1 FROM plan_publications r "
                       "WHERE r.target = p.id)").fetchall()
        return {r[0] for r in rows}

    def _next_id(self, cur) -> int:
        (top,) = self._q(cur, "SELECT max(id) FROM plan_publications").fetchone()
        return int(top or 0) + 1


def _candidate(row) -> Candidate:
    return Candidate(int(row[0]), row[1], json.loads(row[2]), row[3], int(row[4]), row[5], row[6])


def _summary(data: dict) -> str:
    """A short description of a candidate or plan for the audit list."""
    keys = ("title", "name", "indicator", "value", "unit", "year", "county_adcode", "partner",
            "task")
    return "，".join(f"{k}={data[k]}" for k in keys if data.get(k) not in (None, ""))

"""The job board: the state of long imports, readable by every worker and host.

A large import runs in a background thread of the worker that received the file
and writes its state here (at least once a chunk, and a heartbeat every few
seconds); the job page of any worker on any host reads it back. It cannot live in
the import's own transaction — SQLite holds its one write lock for the whole
import, and a PostgreSQL transaction shows nothing until it commits — so:

- SQLite store ``x.gpkg``: a sidecar file ``x.gpkg.jobs.sqlite`` (WAL, one short
  transaction per write);
- PostgreSQL: the table ``import_jobs``, written on connections of its own in
  autocommit mode, never the import's.

The board keeps the clock: ``created``, ``heartbeat`` and ``finished`` are stamped
by the board (the database's clock on PostgreSQL, so hosts with skewed clocks agree)
and a read returns the heartbeat's ``age`` and the job's ``elapsed`` seconds. A job
that is not finished and whose heartbeat is older than ``STALE_SECONDS`` is read as
``interrupted``: its worker died. One job at a time per store: ``start_job`` refuses
a second while one is live (:class:`JobBusy`).
"""

from __future__ import annotations

import abc
import contextlib
import json
import os
import sqlite3
import threading
import time
from pathlib import Path

from store.base import StoreError

#: Job states and their labels, in the order a job goes through them.
STATES = {"queued": "排队", "checking": "检查中", "writing": "写入中", "done": "已完成",
          "rejected": "已拒绝", "interrupted": "已中断"}
FINISHED = ("done", "rejected", "interrupted")
STALE_SECONDS = 60.0
KEEP_SECONDS = 7 * 24 * 3600  # finished jobs are forgotten after a week
_COLUMNS = "job_id, user_name, state, created, heartbeat, finished, body"


class JobBusy(StoreError):
    """Another import job of this store is live; ``job`` is its state."""

    def __init__(self, job: dict):
        self.job = job
        super().__init__(f"另一个导入任务（{job.get('filename', '')}，{job.get('user', '')}）"
                         "正在进行，请等它结束后再上传")


def live(job: dict | None, stale_seconds: float = STALE_SECONDS) -> dict | None:
    """``job`` as a reader should see it: ``interrupted`` when it is unfinished and its
    heartbeat is older than ``stale_seconds``; ``label`` its Chinese state."""
    if job is None:
        return None
    job = dict(job)
    if job["state"] not in FINISHED and job["age"] > stale_seconds:
        job["state"] = "interrupted"
        job.setdefault("message", "")
        job["message"] = job["message"] or (f"超过 {stale_seconds:.0f} 秒没有进展报告："
                                            "处理该任务的服务进程已停止，数据未写入")
    job["label"] = STATES[job["state"]]
    job["finished"] = job["state"] in FINISHED
    return job


class JobBoard(abc.ABC):
    """Job states by id: ``put`` (insert or replace), ``get``, ``start`` (one at a time)."""

    stale_seconds = STALE_SECONDS

    @abc.abstractmethod
    def _cursor(self, write: bool):
        """A context manager: a cursor in a short transaction (exclusive when ``write``)."""

    #: SQL for "now" in seconds since the epoch, and the placeholder.
    now_sql = "?"
    mark = "?"

    def _now(self) -> tuple:
        return (time.time(),) if self.now_sql == "?" else ()

    def _q(self, sql: str) -> str:
        return sql.replace("?", self.mark).replace("NOW", self.now_sql)

    def put(self, job_id: str, state: dict) -> None:
        """Write ``state`` (``state["state"]`` one of :data:`STATES`) with a new heartbeat."""
        if state.get("state") not in STATES:
            raise StoreError(f"unknown job state {state.get('state')!r}")
        done = state["state"] in FINISHED
        body = json.dumps(state, ensure_ascii=False)
        with self._cursor(write=True) as cur:
            cur.execute(self._q(
                "UPDATE import_jobs SET state = ?, heartbeat = NOW, body = ?, "
                f"finished = {'NOW' if done else 'NULL'} WHERE job_id = ?"),
                (state["state"], *self._now(), body, *(self._now() if done else ()),
                 str(job_id)))
            if cur.rowcount == 0:
                self._insert(cur, job_id, state, body)

    def _insert(self, cur, job_id: str, state: dict, body: str) -> None:
        done = state["state"] in FINISHED
        cur.execute(self._q(f"INSERT INTO import_jobs ({_COLUMNS}) VALUES (?, ?, ?, NOW, NOW, "
                            f"{'NOW' if done else 'NULL'}, ?)"),
                    (str(job_id), str(state.get("user", "")), state["state"],
                     *self._now(), *self._now(), *(self._now() if done else ()), body))

    def get(self, job_id: str) -> dict | None:
        """The job's state with ``age`` and ``elapsed`` (seconds), as :func:`live` sees it;
        None for an unknown id."""
        with self._cursor(write=False) as cur:
            cur.execute(self._q(f"SELECT {_COLUMNS}, NOW FROM import_jobs WHERE job_id = ?"),
                        (*self._now(), str(job_id)))
            row = cur.fetchone()
        return live(None if row is None else _job(row), self.stale_seconds)

    def start(self, job_id: str, state: dict) -> None:
        """Record a new job, unless another one is live (JobBusy, nothing written).

        Finished jobs older than a week are forgotten on the way."""
        with self._cursor(write=True) as cur:
            self._lock(cur)
            cur.execute(self._q("DELETE FROM import_jobs WHERE finished IS NOT NULL "
                                "AND finished < NOW - ?"), (*self._now(), KEEP_SECONDS))
            running = self._running(cur)
            if running is not None:
                raise JobBusy(running)
            self._insert(cur, job_id, state, json.dumps(state, ensure_ascii=False))

    def running(self) -> dict | None:
        """The live job (unfinished, heartbeat fresh), if there is one."""
        with self._cursor(write=False) as cur:
            return self._running(cur)

    def _running(self, cur) -> dict | None:
        placeholders = ", ".join(["?"] * len(FINISHED))
        cur.execute(self._q(f"SELECT {_COLUMNS}, NOW FROM import_jobs WHERE state NOT IN "
                            f"({placeholders}) AND heartbeat > NOW - ? ORDER BY created"),
                    (*self._now(), *FINISHED, *self._now(), self.stale_seconds))
        row = cur.fetchone()
        return None if row is None else live(_job(row), self.stale_seconds)

    def release_thread(self) -> None:
        """Close what this thread keeps open (nothing, unless a subclass keeps connections)."""
        return None

    @abc.abstractmethod
    def _lock(self, cur) -> None:
        """Keep other ``start`` calls out until this transaction ends."""


def _job(row) -> dict:
    job_id, user, state, created, heartbeat, finished, body, now = row
    job = json.loads(body)
    job.update(id=job_id, user=user, state=state, age=max(float(now) - float(heartbeat), 0.0),
               elapsed=max(float(finished if finished is not None else now) - float(created),
                           0.0))
    return job


SQLITE_DDL = ("CREATE TABLE IF NOT EXISTS import_jobs (job_id TEXT PRIMARY KEY, "
              "user_name TEXT NOT NULL, state TEXT NOT NULL, created DOUBLE NOT NULL, "
              "heartbeat DOUBLE NOT NULL, finished DOUBLE, body TEXT NOT NULL)")


class SQLiteJobBoard(JobBoard):
    """The board in its own SQLite file (WAL): never locked by the store's imports."""

    def __init__(self, path: Path):
        self.path = Path(path)
        conn = sqlite3.connect(self.path, timeout=30, isolation_level=None)
        try:
            conn.execute("PRAGMA journal_mode = WAL")
            conn.execute(SQLITE_DDL)
        finally:
            conn.close()

    @contextlib.contextmanager
    def _cursor(self, write: bool):
        conn = sqlite3.connect(self.path, timeout=30, isolation_level=None)
        try:
            cur = conn.cursor()
            cur.execute("BEGIN IMMEDIATE" if write else "BEGIN")
            try:
                yield cur
            except BaseException:
                conn.execute("ROLLBACK")
                raise
            conn.execute("COMMIT")
        finally:
            conn.close()

    def _lock(self, cur) -> None:
        pass  # a write transaction (BEGIN IMMEDIATE) already keeps other writers out


POSTGRES_DDL = ("CREATE TABLE IF NOT EXISTS import_jobs (job_id TEXT PRIMARY KEY, "
                "user_name TEXT NOT NULL, state TEXT NOT NULL, created DOUBLE PRECISION "
                "NOT NULL, heartbeat DOUBLE PRECISION NOT NULL, finished DOUBLE PRECISION, "
                "body TEXT NOT NULL)")


class PostgresJobBoard(JobBoard):
    """The board as the table ``import_jobs``, on connections of its own (one per
    thread, kept): a write commits at once, whatever import transaction is open."""

    now_sql = "extract(epoch FROM clock_timestamp())"
    mark = "%s"

    def __init__(self, connect):
        self._connect = connect
        self._conns: dict = {}
        with self._cursor(write=True) as cur:
            cur.execute("SELECT pg_advisory_xact_lock(704218)")
            cur.execute(POSTGRES_DDL)

    @contextlib.contextmanager
    def _cursor(self, write: bool):
        key = (os.getpid(), threading.get_ident())
        conn = self._conns.get(key)
        if conn is None or conn.closed:
            conn = self._conns[key] = self._connect()
        try:
            with conn.transaction(), conn.cursor() as cur:
                yield cur
        except BaseException:
            self._conns.pop(key, None)
            conn.close()
            raise

    def _lock(self, cur) -> None:
        cur.execute("LOCK TABLE import_jobs IN EXCLUSIVE MODE")

    def release_thread(self) -> None:
        conn = self._conns.pop((os.getpid(), threading.get_ident()), None)
        if conn is not None:
            conn.close()

    def close(self) -> None:
        conns, self._conns = self._conns, {}
        for conn in conns.values():
            conn.close()

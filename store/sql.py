"""The SQL implementation of the store, shared by SQLite and PostgreSQL.

Dialects differ only in connecting, placeholders, DDL and the geometry column;
every query here is written once with ``?`` placeholders.
"""

from __future__ import annotations

import abc
import contextlib
import json
import secrets
import time
from datetime import UTC, datetime

import pandas as pd

from store.base import (
    COLUMNS,
    KEYS,
    STAGED_PER_USER,
    STAGING_TTL_SECONDS,
    DuplicateKeys,
    Progress,
    RollbackConflict,
    Store,
    StoreError,
    Version,
    VersionNotFound,
    check_kind,
    check_rows,
    check_version_id,
    latest_per_key,
)
from store.cells import CountedCells, rebuild_cells
from store.current import CurrentCarriers, rebuild_sql

TABLES = {"metrics": "metric_rows", "carriers": "carrier_rows"}
# Added after the first release: created on open in existing stores too.
SESSIONS_DDL = ("CREATE TABLE IF NOT EXISTS user_sessions (user_name TEXT PRIMARY KEY, "
                "generation BIGINT NOT NULL)")
# The zone of a metric row ("" the whole region), added to stores made before it.
METRIC_ENTITY_DDL = "ALTER TABLE metric_rows ADD COLUMN entity_id TEXT NOT NULL DEFAULT ''"
CHUNK_ROWS = 5000
_VERSION_COLUMNS = ("id", "action", "kind", "user_name", "created_at", "filename", "sha256",
                    "row_count", "target", "note")


def utc_now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


class SQLStore(CurrentCarriers, CountedCells, Store, abc.ABC):
    """Versions, rows and staged uploads in four tables of one SQL database."""

    placeholder = "?"

    # -- dialect hooks ------------------------------------------------------------

    @abc.abstractmethod
    def _connection(self):
        """A new DB-API connection."""

    @abc.abstractmethod
    def _begin_write(self, cur) -> None:
        """Start a write transaction that excludes other writers."""

    @abc.abstractmethod
    def _is_unique_violation(self, exc: Exception) -> bool:
        """True if ``exc`` is a unique-constraint violation."""

    #: Appended to each key column when ordering the current carriers (PostgreSQL: "C").
    key_collation = ""

    def _rebuild_current(self, cur) -> None:
        """Refill ``carrier_current`` (and its spatial index) and the counted cells
        from the active imports."""
        for statement in rebuild_sql(self.key_collation):
            cur.execute(statement)
        rebuild_cells(cur, self._sql)

    def _current_rebuilt(self) -> None:
        """Called after a committed change of the current carriers (a dialect may tidy)."""

    def _carrier_geometry(self) -> tuple[str, callable]:
        """SQL expression for the geometry column and a function row -> its parameters."""
        return "NULL", lambda row: ()

    # -- plumbing ------------------------------------------------------------------

    def _sql(self, text: str) -> str:
        return text if self.placeholder == "?" else text.replace("?", self.placeholder)

    @contextlib.contextmanager
    def _read(self):
        conn = self._connection()
        try:
            cur = conn.cursor()
            yield cur
            conn.rollback()
        finally:
            conn.close()

    @contextlib.contextmanager
    def _write(self):
        conn = self._connection()
        try:
            cur = conn.cursor()
            self._begin_write(cur)
            try:
                yield cur
            except BaseException:
                conn.rollback()
                raise
            conn.commit()
        finally:
            conn.close()

    # -- versions --------------------------------------------------------------------

    def latest_version_id(self) -> int:
        with self._read() as cur:
            cur.execute("SELECT max(id) FROM versions")
            (value,) = cur.fetchone()
        return int(value or 0)

    def versions(self) -> list[Version]:
        with self._read() as cur:
            cur.execute(f"SELECT {', '.join(_VERSION_COLUMNS)} FROM versions ORDER BY id DESC")
            rows = cur.fetchall()
        undone = {r[8]: r[0] for r in rows if r[1] == "rollback"}
        return [_version(r, undone.get(r[0])) for r in rows]

    def version(self, version_id: int) -> Version:
        version_id = check_version_id(version_id)
        with self._read() as cur:
            cur.execute(self._sql(f"SELECT {', '.join(_VERSION_COLUMNS)} FROM versions "
                                  "WHERE id = ?"), (int(version_id),))
            row = cur.fetchone()
            if row is None:
                raise VersionNotFound(f"版本 {version_id} 不存在")
            cur.execute(self._sql("SELECT id FROM versions WHERE target = ?"), (int(version_id),))
            undone = cur.fetchone()
        return _version(row, undone[0] if undone else None)

    def add_import(self, kind: str, rows: pd.DataFrame, *, user: str, filename: str,
                   sha256: str, note: str = "", progress: Progress | None = None) -> Version:
        kind = check_kind(kind)
        rows = check_rows(kind, rows)
        records = [tuple(_plain(v) for v in rec) for rec in rows.itertuples(index=False)]
        with self._write() as cur:
            version_id = self._insert_version(cur, "import", kind, user, filename, sha256,
                                              len(records), None, note)
            self._insert_rows(cur, kind, version_id, records, progress)
            if kind == "carriers":
                self._rebuild_current(cur)
        if kind == "carriers":
            self._current_rebuilt()
        return self.version(version_id)

    def add_import_stream(self, kind: str, chunks, *, user: str, filename: str, sha256: str,
                          note: str = "", total: int | None = None,
                          progress: Progress | None = None) -> Version:
        """:meth:`add_import` of ``chunks`` (DataFrames of ``COLUMNS[kind]``) read one at a
        time, in one transaction: an exception from the iterator, or rows repeating a key
        (:class:`DuplicateKeys`), leaves the store as it was."""
        kind = check_kind(kind)
        with self._write() as cur:
            version_id = self._insert_version(cur, "import", kind, user, filename, sha256, 0,
                                              None, note)
            done = 0
            for chunk in chunks:
                rows = check_rows(kind, chunk)
                records = [tuple(_plain(v) for v in rec) for rec in rows.itertuples(index=False)]
                self._insert_rows(cur, kind, version_id, records, None, start=done)
                done += len(records)
                if progress is not None:
                    progress(done, total or done)
            if done == 0:
                raise StoreError("an import must contain at least one row")
            repeated = self._repeated_keys(cur, kind, version_id)
            if repeated:
                raise DuplicateKeys(repeated)
            cur.execute(self._sql("UPDATE versions SET row_count = ? WHERE id = ?"),
                        (done, version_id))
            if kind == "carriers":
                self._rebuild_current(cur)
        if kind == "carriers":
            self._current_rebuilt()
        return self.version(version_id)

    def _repeated_keys(self, cur, kind, version_id, limit: int = 100) -> list[tuple]:
        keys = ", ".join(KEYS[kind])
        cur.execute(self._sql(f"SELECT {keys}, count(*), min(row_no), max(row_no), "
                              f"min(source), max(source) FROM {TABLES[kind]} WHERE "
                              f"version_id = ? GROUP BY {keys} HAVING count(*) > 1 "
                              f"ORDER BY min(row_no) LIMIT {int(limit)}"), (version_id,))
        return cur.fetchall()

    def rollback(self, version_id: int, *, user: str, note: str = "") -> Version:
        version_id = check_version_id(version_id)
        try:
            with self._write() as cur:
                target = self._importable_target(cur, int(version_id))
                new_id = self._insert_version(cur, "rollback", target[2], user, target[5],
                                              target[6], target[7], target[0], note)
                if target[2] == "carriers":
                    self._rebuild_current(cur)
        except StoreError:
            raise
        except Exception as exc:
            if self._is_unique_violation(exc):
                raise RollbackConflict(f"版本 {version_id} 已被撤销") from None
            raise
        if target[2] == "carriers":
            self._current_rebuilt()
        return self.version(new_id)

    def _importable_target(self, cur, version_id: int) -> tuple:
        cur.execute(self._sql(f"SELECT {', '.join(_VERSION_COLUMNS)} FROM versions "
                              "WHERE id = ?"), (version_id,))
        row = cur.fetchone()
        if row is None:
            raise VersionNotFound(f"版本 {version_id} 不存在")
        if row[1] != "import":
            raise RollbackConflict(f"版本 {version_id} 是一次撤销，不是导入，不能撤销")
        cur.execute(self._sql("SELECT id FROM versions WHERE target = ?"), (version_id,))
        undone = cur.fetchone()
        if undone is not None:
            raise RollbackConflict(f"版本 {version_id} 已由版本 {undone[0]} 撤销")
        return row

    def _insert_version(self, cur, action, kind, user, filename, sha256, count, target, note):
        cur.execute(self._sql(
            "INSERT INTO versions (action, kind, user_name, created_at, filename, sha256, "
            "row_count, target, note) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id"),
            (action, kind, str(user), utc_now(), str(filename), str(sha256), int(count),
             target, str(note)))
        return int(cur.fetchone()[0])

    def _insert_rows(self, cur, kind, version_id, records, progress, start: int = 0) -> None:
        columns = COLUMNS[kind]
        geom_sql, geom_params = (self._carrier_geometry() if kind == "carriers"
                                 else ("NULL", lambda rec: ()))
        extra = ", geom" if kind == "carriers" else ""
        values = ", ".join(["?"] * (len(columns) + 2))
        sql = self._sql(f"INSERT INTO {TABLES[kind]} (version_id, row_no, {', '.join(columns)}"
                        f"{extra}) VALUES ({values}{', ' + geom_sql if extra else ''})")
        for at in range(0, len(records), CHUNK_ROWS):
            chunk = records[at:at + CHUNK_ROWS]
            cur.executemany(sql, [(version_id, start + at + i, *rec, *geom_params(rec))
                                  for i, rec in enumerate(chunk)])
            if progress is not None:
                progress(at + len(chunk), len(records))

    # -- rows --------------------------------------------------------------------

    def rows(self, kind: str, version_id: int | None = None) -> pd.DataFrame:
        kind = check_kind(kind)
        columns = list(COLUMNS[kind])
        with self._read() as cur:
            if version_id is None:
                cur.execute("SELECT max(id) FROM versions")
                version_id = int(cur.fetchone()[0] or 0)
            elif check_version_id(version_id) != 0:
                cur.execute(self._sql("SELECT 1 FROM versions WHERE id = ?"), (int(version_id),))
                if cur.fetchone() is None:
                    raise VersionNotFound(f"版本 {version_id} 不存在")
            cur.execute(self._sql(
                f"SELECT {', '.join(columns)}, version_id, row_no FROM {TABLES[kind]} "
                "WHERE version_id IN (SELECT id FROM versions WHERE action = 'import' "
                "AND kind = ? AND id <= ? AND id NOT IN (SELECT target FROM versions "
                "WHERE action = 'rollback' AND id <= ?))"),
                (kind, int(version_id), int(version_id)))
            data = cur.fetchall()
        frame = pd.DataFrame(data, columns=columns + ["version", "row_no"])
        return latest_per_key(kind, _typed(kind, frame))

    # -- staging -----------------------------------------------------------------

    def stage(self, payload: bytes, meta: dict, keep_per_user: int = STAGED_PER_USER) -> str:
        token = secrets.token_urlsafe(18)
        now = time.time()
        with self._write() as cur:
            cur.execute(self._sql("DELETE FROM staged_uploads WHERE created < ?"),
                        (now - STAGING_TTL_SECONDS,))
            self._drop_oldest_staged(cur, meta.get("user"), keep_per_user - 1)
            cur.execute(self._sql("INSERT INTO staged_uploads (token, created, meta, payload) "
                                  "VALUES (?, ?, ?, ?)"),
                        (token, now, json.dumps(meta, ensure_ascii=False), bytes(payload)))
        return token

    def staged(self, token: str) -> tuple[bytes, dict]:
        with self._read() as cur:
            cur.execute(self._sql("SELECT payload, meta, created FROM staged_uploads "
                                  "WHERE token = ?"), (str(token),))
            row = cur.fetchone()
        if row is None or row[2] < time.time() - STAGING_TTL_SECONDS:
            raise StoreError("待确认的上传不存在或已过期，请重新上传")
        return bytes(row[0]), json.loads(row[1])

    def drop_staged(self, token: str) -> None:
        with self._write() as cur:
            cur.execute(self._sql("DELETE FROM staged_uploads WHERE token = ?"), (str(token),))

    def _drop_oldest_staged(self, cur, user, keep: int) -> None:
        """Leave ``user`` at most ``keep`` staged uploads (the user is in the JSON meta;
        the table holds at most an hour of uploads, so reading its meta is cheap)."""
        cur.execute("SELECT token, meta FROM staged_uploads ORDER BY created DESC")
        mine = [token for token, meta in cur.fetchall() if json.loads(meta).get("user") == user]
        for token in mine[max(keep, 0):]:
            cur.execute(self._sql("DELETE FROM staged_uploads WHERE token = ?"), (token,))

    # -- sign-in generations -----------------------------------------------------------

    def session_generation(self, user: str) -> int:
        with self._read() as cur:
            cur.execute(self._sql("SELECT generation FROM user_sessions WHERE user_name = ?"),
                        (str(user),))
            row = cur.fetchone()
        return int(row[0]) if row else 0

    def revoke_sessions(self, user: str) -> int:
        with self._write() as cur:
            cur.execute(self._sql(
                "INSERT INTO user_sessions (user_name, generation) VALUES (?, 1) "
                "ON CONFLICT (user_name) DO UPDATE SET generation = user_sessions.generation + 1"),
                (str(user),))
        return self.session_generation(user)


def _version(row, rolled_back_by) -> Version:
    return Version(id=int(row[0]), action=row[1], kind=row[2], user=row[3], created_at=row[4],
                   filename=row[5], sha256=row[6], row_count=int(row[7]),
                   target=None if row[8] is None else int(row[8]), note=row[9] or "",
                   rolled_back_by=rolled_back_by)


def _plain(value):
    """A Python scalar a DB driver accepts (no NumPy types, None for missing)."""
    if value is None:
        return None
    if hasattr(value, "item"):
        value = value.item()
    if isinstance(value, float) and value != value:
        return None
    return value


def _typed(kind: str, frame: pd.DataFrame) -> pd.DataFrame:
    frame["version"] = frame["version"].astype("int64")
    frame["row_no"] = frame["row_no"].astype("int64")
    if kind == "metrics":
        frame["year"] = frame["year"].astype("int64")
        frame["value"] = frame["value"].astype("float64")
    else:
        frame["lon"] = frame["lon"].astype("float64")
        frame["lat"] = frame["lat"].astype("float64")
    return frame


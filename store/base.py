"""The storage contract for imported data: versions, rows, staging.

Every import is one version (who, when, which file, how many rows). The state
of a dataset *as of* version ``v`` is built from the imports up to ``v`` that no
rollback up to ``v`` has undone; where two imports give the same key (region,
indicator, year for metrics; name, type, county for carriers) the later wins.
A rollback is itself a version, so every change is recorded and ``latest
version id`` changes whenever the data does.
"""

from __future__ import annotations

import abc
from collections.abc import Callable
from dataclasses import dataclass

import pandas as pd

KINDS = ("metrics", "carriers")
# ``entity_id``: "" for a value of the whole region, else the zone (an entity of
# data/kb/entities.csv holding targets, such as a 高新区) within it the value is of.
METRIC_COLUMNS = ("region_adcode", "indicator_id", "year", "value", "unit", "source",
                  "entity_id")
CARRIER_COLUMNS = ("name", "type", "address", "lon", "lat", "datum", "province_adcode",
                   "city_adcode", "county_adcode", "precision", "source")
COLUMNS = {"metrics": METRIC_COLUMNS, "carriers": CARRIER_COLUMNS}
KEYS = {"metrics": ("region_adcode", "entity_id", "indicator_id", "year"),
        "carriers": ("name", "type", "county_adcode")}
#: Columns added after the first release, with the value of rows written without them.
DEFAULTS = {"metrics": {"entity_id": ""}}
STAGING_TTL_SECONDS = 3600
STAGED_PER_USER = 5
# Version ids are BIGINT (SQLite INTEGER, PostgreSQL BIGSERIAL): a larger number is
# no version, and is answered as such before it reaches the database driver.
MAX_VERSION_ID = 2**63 - 1

Progress = Callable[[int, int], None]


class StoreError(Exception):
    """The store cannot do what was asked; the message says why."""


class DuplicateKeys(StoreError):
    """Rows of one import repeat a key; ``rows`` are (key..., count, first row_no, last
    row_no, first source, last source), the first 100."""

    def __init__(self, rows: list[tuple]):
        self.rows = list(rows)
        super().__init__(f"{len(self.rows)} keys repeat within the import")


class VersionNotFound(StoreError):
    """No version with that id."""


class RollbackConflict(StoreError):
    """The version cannot be rolled back (not an import, or already undone)."""


@dataclass(frozen=True)
class Version:
    """One recorded change: an import of a file, or the rollback of an import."""

    id: int
    action: str
    kind: str
    user: str
    created_at: str
    filename: str
    sha256: str
    row_count: int
    target: int | None
    note: str
    rolled_back_by: int | None = None

    def as_dict(self) -> dict:
        return dict(self.__dict__)


class Store(abc.ABC):
    """Where imported metrics and carriers live, with their full history."""

    url: str

    @abc.abstractmethod
    def latest_version_id(self) -> int:
        """The id of the newest version, 0 for an empty store; cheap enough per request."""

    @abc.abstractmethod
    def versions(self) -> list[Version]:
        """Every version, newest first, with ``rolled_back_by`` filled in."""

    def version(self, version_id: int) -> Version:
        """One version; VersionNotFound if there is none with that id."""
        for version in self.versions():
            if version.id == version_id:
                return version
        raise VersionNotFound(f"版本 {version_id} 不存在")

    @abc.abstractmethod
    def add_import(self, kind: str, rows: pd.DataFrame, *, user: str, filename: str,
                   sha256: str, note: str = "", progress: Progress | None = None) -> Version:
        """Write ``rows`` (columns ``COLUMNS[kind]``) as a new version in one transaction."""

    @abc.abstractmethod
    def rollback(self, version_id: int, *, user: str, note: str = "") -> Version:
        """Undo import ``version_id``; record the rollback as a new version."""

    @abc.abstractmethod
    def rows(self, kind: str, version_id: int | None = None) -> pd.DataFrame:
        """The state of ``kind`` as of ``version_id`` (default: latest).

        Columns ``COLUMNS[kind]`` plus ``version`` and ``row_no`` (0-based row of that import).
        """

    @abc.abstractmethod
    def stage(self, payload: bytes, meta: dict, keep_per_user: int = STAGED_PER_USER) -> str:
        """Keep a validated upload until it is confirmed; returns an opaque token.

        ``meta["user"]`` keeps at most ``keep_per_user`` uploads: the oldest go first.
        """

    @abc.abstractmethod
    def staged(self, token: str) -> tuple[bytes, dict]:
        """The payload and metadata staged under ``token``; StoreError if gone."""

    @abc.abstractmethod
    def drop_staged(self, token: str) -> None:
        """Forget a staged upload (after it was committed or abandoned)."""

    @abc.abstractmethod
    def session_generation(self, user: str) -> int:
        """The current sign-in generation of ``user`` (0 until first revoked)."""

    @abc.abstractmethod
    def revoke_sessions(self, user: str) -> int:
        """End every session of ``user`` (all browsers): bump and return the generation."""

    # -- import jobs: a board beside the data (store.jobs), never in an import's transaction

    #: The job board (``store.jobs.JobBoard``) of this store.
    jobs = None

    def start_job(self, job_id: str, state: dict) -> None:
        """Record a new import job; ``store.jobs.JobBusy`` while another one is live."""
        self.jobs.start(job_id, state)

    def running_job(self) -> dict | None:
        """The live import job of this store (its state), if one is running."""
        return self.jobs.running()

    def put_job(self, job_id: str, state: dict) -> None:
        """Write a job's state (``state["state"]`` one of ``store.jobs.STATES``) and a
        new heartbeat, at once visible to every worker and host."""
        self.jobs.put(job_id, state)

    def release_thread(self) -> None:
        """Close connections kept for the calling thread (call when a worker thread of
        one's own, e.g. an import job's, ends); nothing to do for most stores."""
        return None

    def job(self, job_id: str) -> dict | None:
        """A job's state (with ``age``, ``elapsed``, ``label``, ``finished``; a stale one
        read as ``interrupted``), or None."""
        return self.jobs.get(job_id)


def check_version_id(version_id) -> int:
    """``version_id`` as an int; VersionNotFound when no version can have it."""
    number = int(version_id)
    if not 0 <= number <= MAX_VERSION_ID:
        raise VersionNotFound(f"版本 {version_id} 不存在")
    return number


def check_kind(kind: str) -> str:
    if kind not in KINDS:
        raise StoreError(f"unknown dataset kind {kind!r}; expected one of {', '.join(KINDS)}")
    return kind


def check_rows(kind: str, rows: pd.DataFrame) -> pd.DataFrame:
    """``rows`` with exactly the columns of ``kind``, in order; StoreError if any is missing
    (a column added later, ``DEFAULTS``, may be left out: it takes its default)."""
    rows = rows.assign(**{c: v for c, v in DEFAULTS.get(kind, {}).items()
                          if c not in rows.columns})
    missing = [c for c in COLUMNS[kind] if c not in rows.columns]
    if missing:
        raise StoreError(f"rows for {kind} lack columns {missing}")
    if rows.empty:
        raise StoreError("an import must contain at least one row")
    return rows.loc[:, list(COLUMNS[kind])]


def latest_per_key(kind: str, rows: pd.DataFrame) -> pd.DataFrame:
    """Keep, for each key of ``kind``, the row of the newest version."""
    if rows.empty:
        return rows.reset_index(drop=True)
    keys = list(KEYS[kind])
    ordered = rows.sort_values(["version", "row_no"], kind="stable")
    kept = ordered.drop_duplicates(keys, keep="last")
    return kept.sort_values(keys, kind="stable").reset_index(drop=True)

"""A large carriers or metrics import as a job: its progress on the store's job board.

``ImportJob`` runs :func:`ingest.stream.stream_import` over a CSV already on
disk and reports where it is to ``store.put_job`` — at the start, after every
chunk, when every row is checked and the store finishes the version (写入中), and
at the end: the new version, or the rejection with the first problems row by row
and how many there are (what ``innomap import`` prints), or why it stopped. A
heartbeat thread writes the state every ``heartbeat_seconds`` besides, so a job
whose worker died is read as interrupted (``store.jobs.live``) while a slow
last step (the current-carriers table of half a million rows) is not.
"""

from __future__ import annotations

import logging
import threading
from pathlib import Path

from ingest.base import ImportRejected
from ingest.stream import CHUNK_ROWS, stream_import

HEARTBEAT_SECONDS = 5.0
log = logging.getLogger(__name__)


class ImportJob:
    """One upload on disk (``path``, removed when the job ends) becoming a version."""

    def __init__(self, store, job_id: str, path: Path, filename: str, options, ctx, *,
                 user: str, note: str = "", chunk_rows: int = CHUNK_ROWS,
                 heartbeat_seconds: float = HEARTBEAT_SECONDS, after=None):
        self.store, self.id, self.path = store, job_id, Path(path)
        self.filename, self.options, self.ctx = filename, options, ctx
        self.user, self.note, self.chunk_rows = user, note, chunk_rows
        self.heartbeat_seconds = heartbeat_seconds
        self.after = after  # after(version): called before the job is reported done
        self.state = {"state": "queued", "user": user, "filename": filename, "note": note,
                      "rows_checked": 0, "rows_total": None, "version": None,
                      "problems": [], "problem_count": 0, "message": ""}
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self.version = None

    def start(self) -> None:
        """Put the job on the board as queued; ``store.jobs.JobBusy`` (and the file
        removed) while another job of the store is live."""
        try:
            self.store.start_job(self.id, dict(self.state))
        except BaseException:
            self.path.unlink(missing_ok=True)
            raise

    def run(self):
        """Do the import (in a thread of its own); the Version, or None when refused or
        stopped. Never raises: every outcome is written to the board."""
        beat = threading.Thread(target=self._beat, name=f"import-job-{self.id}-heartbeat",
                                daemon=True)
        beat.start()
        final = {}
        try:
            self._update(state="checking")
            self.version = stream_import(
                self.path, self.filename, self.options, self.ctx, self.store, user=self.user,
                note=self.note, chunk_rows=self.chunk_rows, progress=self._progress,
                writing=self._writing)
            self._after()
            final = {"state": "done", "version": self.version.as_dict()}
        except ImportRejected as exc:
            final = {"state": "rejected", "problems": [p.as_dict() for p in exc.problems],
                     "problem_count": getattr(exc, "total", len(exc.problems)),
                     "too_large": exc.too_large}
        except Exception as exc:  # the store went away, the disk is full: say so, keep going
            log.exception("import job %s failed", self.id)
            final = {"state": "interrupted", "message": f"导入中断，数据未写入：{exc}"}
        finally:
            self._stop.set()
            beat.join()
            self.path.unlink(missing_ok=True)
            self._update(**final)
        return self.version

    def _after(self) -> None:
        """The caller's follow-up of a stored version (e.g. refreshing what it serves): a
        failure there is logged, the version stands."""
        if self.after is None:
            return
        try:
            self.after(self.version)
        except Exception:
            log.exception("import job %s: version %s stored, follow-up failed", self.id,
                          self.version.id)

    def _progress(self, done: int, total: int) -> None:
        self._update(rows_checked=done, rows_total=max(total, done))

    def _writing(self) -> None:
        # Every row has been read: the count is now exact, not the line estimate.
        with self._lock:
            done = self.state["rows_checked"]
        self._update(state="writing", rows_total=done)

    def _update(self, **changes) -> None:
        with self._lock:
            self.state.update(changes)
            try:
                self.store.put_job(self.id, dict(self.state))
            except Exception:  # a lost report must not stop the import; the next one may land
                log.warning("import job %s: state not written", self.id, exc_info=True)

    def _beat(self) -> None:
        try:
            while not self._stop.wait(self.heartbeat_seconds):
                self._update()
        finally:
            self.store.release_thread()


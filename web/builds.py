"""One build per distinct document at a time, and each document kept per data generation.

A region's PDF report takes seconds of matplotlib; eight clients asking for it at once
used to build it eight times over, each slower for the others. Here a document is
named by a key (``("report.pdf", adcode, day)``) and:

- **one build at a time per key**: the first request builds it; others for the same
  key wait for that build (threads of a worker on a lock, workers of a host on an
  ``fcntl`` lock file, released by the kernel if a process dies) and get its bytes.
  A request that waits longer than ``build_wait_s`` is answered 503 with
  ``Retry-After``;
- **kept per data generation**: in the worker's memory under
  ``(key, Catalog.generation)`` (an import or rollback bumps the generation, so
  the next request builds afresh), and for the other workers of the host in a file
  named by the key, the store and :meth:`layers.Catalog.data_identity` (the same
  in every worker that loaded the same data from the same store).

Exports (:mod:`web.export`) take the same per-key turn (:meth:`Builds.one_at_a_time`)
around their own file cache. Files live in ``documents_dir``
(``INNOMAP_DOCUMENTS_DIR``); the oldest beyond ``KEEP_FILES`` are removed.
"""

from __future__ import annotations

import hashlib
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from contextlib import contextmanager
from pathlib import Path

from flask import current_app

from web.errors import ServiceError
from web.host_files import keep_newest, try_lock, unlock, wait_for, write_whole
from web.services import services

EXTENSION = "innomap.builds"
KEEP_IN_MEMORY = 32
KEEP_FILES = 200
POLL_SECONDS = 0.1


class BuildBusy(ServiceError):
    """The same document has been building for longer than a request waits."""

    http_status = 503
    code = "ServiceUnavailable"

    def __init__(self, retry_after: int):
        super().__init__(f"同一文档正在生成中，请 {retry_after} 秒后重试。")
        self.retry_after = retry_after


class Builds:
    """Documents of one app: built once per key at a time, kept per data generation."""

    def __init__(self, directory: Path, wait_s: float, scope: str = ""):
        self.directory, self.scope = Path(directory), scope
        self.directory.mkdir(parents=True, exist_ok=True)
        self.wait_s = float(wait_s)
        self.count = 0  # documents this process built (not found made)
        self._memo: OrderedDict = OrderedDict()
        self._locks: dict[tuple, list] = {}  # key -> [lock, requests holding or waiting]
        self._stripes: dict[str, list] = {}  # lock file -> [open file, users in here]
        self._guard = threading.Lock()

    def get(self, key: tuple, catalog, make: Callable[[], bytes]) -> bytes:
        """The bytes of document ``key`` for ``catalog``'s data: ``make()`` at most once
        per data state, however many requests ask at the same time."""
        memo_key = (key, catalog.generation)
        with self._guard:
            if memo_key in self._memo:
                return self._memo[memo_key]
        with self.one_at_a_time(key):
            with self._guard:
                found = self._memo.get(memo_key)
            if found is None:
                found = self._file(key, catalog.data_identity(), make)
                self._remember(memo_key, found)
        return found

    @contextmanager
    def one_at_a_time(self, key: tuple):
        """Hold the turn of ``key`` among this host's threads and workers; BuildBusy when
        it does not come within ``wait_s``."""
        deadline = time.monotonic() + self.wait_s
        with self._guard:
            entry = self._locks.setdefault(key, [threading.Lock(), 0])
            entry[1] += 1
        try:
            if not entry[0].acquire(timeout=self.wait_s):
                raise BuildBusy(self._retry_after())
            try:
                with self._host_turn(key, deadline):
                    yield
            finally:
                entry[0].release()
        finally:
            with self._guard:
                entry[1] -= 1
                if entry[1] == 0:
                    del self._locks[key]

    @contextmanager
    def _host_turn(self, key: tuple, deadline: float):
        """An ``fcntl`` lock shared by the workers of the host: one of 256 lock files,
        picked by the key. Threads of this worker share a lock file it holds (each key
        has its own thread lock above), so a build that needs another document (the
        report's map export) never waits for itself; two keys of one lock file in two
        workers take turns."""
        stripe = _digest(key)[:2]

        def join_or_take():
            with self._guard:
                held = self._stripes.get(stripe)
                if held is not None:
                    held[1] += 1
                    return held
                handle = try_lock(self.directory / f"{stripe}.lock")
                if handle is None:
                    return None
                self._stripes[stripe] = [handle, 1]
                return self._stripes[stripe]

        wait_for(join_or_take, deadline, POLL_SECONDS, lambda: BuildBusy(self._retry_after()))
        try:
            yield
        finally:
            with self._guard:
                held = self._stripes[stripe]
                held[1] -= 1
                if held[1] == 0:
                    del self._stripes[stripe]
                    unlock(held[0])

    def _file(self, key: tuple, identity: str, make: Callable[[], bytes]) -> bytes:
        """The host's file of ``key`` for data ``identity``, made now if missing."""
        path = self.directory / f"{_digest((key, self.scope, identity))}.bin"
        try:
            return path.read_bytes()
        except FileNotFoundError:
            pass
        data = make()
        self.count += 1
        write_whole(path, data)
        keep_newest(self.directory.glob("*.bin"), KEEP_FILES)
        return data

    def _remember(self, memo_key: tuple, data: bytes) -> None:
        generation = memo_key[1]
        with self._guard:
            for old in [k for k in self._memo if k[1] != generation]:
                del self._memo[old]
            self._memo[memo_key] = data
            while len(self._memo) > KEEP_IN_MEMORY:
                self._memo.popitem(last=False)

    def _retry_after(self) -> int:
        return max(5, int(self.wait_s))


def _digest(value) -> str:
    return hashlib.sha256(repr(value).encode("utf-8")).hexdigest()[:32]


def builds(app=None) -> Builds:
    """The app's Builds (made on first use, in the ``documents_dir`` setting's folder)."""
    app = app or current_app
    found = app.extensions.get(EXTENSION)
    if found is None:
        settings = services(app).settings
        found = app.extensions.setdefault(EXTENSION, Builds(
            settings.documents_dir, settings.build_wait_s, scope=str(settings.store_url)))
    return found

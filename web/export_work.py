"""Exports as bounded work: a few render slots per host, a shared file cache.

A render of A3 at 600 dpi costs seconds of CPU and hundreds of MB, so renders never
pile up: every worker process of a host takes one of ``export_slots`` lock files
(``fcntl`` locks, released by the kernel if a process dies) before it draws, and a
request that finds no slot free within ``export_wait_s`` is answered 503 with
``Retry-After``. Finished files go to ``export_cache_dir``, named by the request and
by :meth:`layers.Catalog.data_identity` (the same in every worker with the same
data), so a map rendered by one worker is served by all, and an import or rollback
gives new names. Offered resolutions are snapped (72/150/300/600 dpi,
:func:`mapcore.export.snap_dpi`) so that caches hit.
"""

from __future__ import annotations

import hashlib
import time
from contextlib import contextmanager
from pathlib import Path

from web.errors import ServiceError
from web.host_files import keep_newest, try_lock, unlock, wait_for, write_whole

POLL_SECONDS = 0.2
CACHE_FILES = 400  # oldest files beyond this are removed after each new render


class Busy(ServiceError):
    """Every render slot of the host is taken: the client should retry shortly."""

    http_status = 503
    code = "ServiceUnavailable"

    def __init__(self, retry_after: int):
        super().__init__(f"静态地图正在生成的任务较多，请 {retry_after} 秒后重试。")
        self.retry_after = retry_after


#: How maps are drawn: part of every cached file's name, so that files drawn before a
#: change of the drawing (numbered carriers and their key, corridor styles) are never
#: served for the same request and data. Raise it with every such change.
DRAWING_VERSION = 3


class ExportWork:
    """Slots and file cache of one host, in ``directory``."""

    def __init__(self, directory: Path, slots: int, wait_s: float):
        self.directory = Path(directory)
        self.directory.mkdir(parents=True, exist_ok=True)
        self.slots, self.wait_s = max(1, int(slots)), float(wait_s)

    @staticmethod
    def name(key: tuple, identity: str) -> str:
        """The file name stem of an export: its request and the data it shows."""
        return hashlib.sha256(repr((DRAWING_VERSION, key, identity)).encode("utf-8")
                              ).hexdigest()[:32]

    def cached(self, name: str, fmt: str) -> tuple[bytes, int] | None:
        """(bytes, EPSG code of the map CRS) of a finished file, or None."""
        for path in self.directory.glob(f"{name}-*.{fmt}"):
            try:
                return path.read_bytes(), int(path.stem.rsplit("-", 1)[1])
            except (FileNotFoundError, ValueError):
                continue
        return None

    @contextmanager
    def slot(self):
        """Hold one of the host's render slots; Busy when none frees in time."""
        handle = wait_for(self._free_slot, time.monotonic() + self.wait_s, POLL_SECONDS,
                          lambda: Busy(retry_after=max(5, int(self.wait_s))))
        try:
            yield
        finally:
            unlock(handle)

    def _free_slot(self):
        """The locked file of a slot no process holds, or None."""
        for i in range(self.slots):
            handle = try_lock(self.directory / f"slot-{i}.lock")
            if handle is not None:
                return handle
        return None

    def render(self, name: str, fmt: str, make) -> tuple[bytes, int]:
        """(bytes, EPSG) of export ``name``: from the cache, else ``make()`` (returning a
        :class:`geo.cartography.Rendered`) under a slot."""
        found = self.cached(name, fmt)
        if found is not None:
            return found
        with self.slot():
            found = self.cached(name, fmt)  # another worker may have made it meanwhile
            if found is None:
                rendered = make()
                found = rendered.data, rendered.crs.to_epsg()
                self._write(self.directory / f"{name}-{found[1]}.{fmt}", found[0])
        return found

    def _write(self, path: Path, data: bytes) -> None:
        write_whole(path, data)
        keep_newest((p for p in self.directory.iterdir()
                     if not p.name.endswith((".lock", ".part"))), CACHE_FILES)

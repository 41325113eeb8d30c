"""Files the workers of one host share: written whole, kept to a number, taken in turn.

Built documents (:mod:`web.builds`) and rendered exports (:mod:`web.export_work`) live
in folders every worker of a host reads. A file is written under a private name and
renamed into place, so a reader sees all of it or nothing; the oldest files beyond a
count are removed; an ``fcntl`` lock file is a turn the kernel gives back if its process
dies.
"""

from __future__ import annotations

import fcntl
import os
import time
from collections.abc import Callable, Iterable
from pathlib import Path


def write_whole(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` so that readers see the whole file or none."""
    partial = path.with_name(f"{path.name}.{os.getpid()}.part")
    partial.write_bytes(data)
    os.replace(partial, path)


def keep_newest(files: Iterable[Path], keep: int) -> None:
    """Remove all but the ``keep`` most recently written of ``files``."""
    for old in sorted(files, key=_written)[:-keep]:
        old.unlink(missing_ok=True)


def try_lock(path: Path):
    """The open, exclusively locked ``path``; None when another process holds it."""
    handle = open(path, "a+")
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        handle.close()
        return None
    return handle


def unlock(handle) -> None:
    fcntl.flock(handle, fcntl.LOCK_UN)
    handle.close()


def wait_for(attempt: Callable[[], object], deadline: float, poll_s: float,
             busy: Callable[[], Exception]):
    """The first result of ``attempt()`` that is not None, asked every ``poll_s``;
    ``busy()`` is raised once ``deadline`` (``time.monotonic``) has passed."""
    while True:
        found = attempt()
        if found is not None:
            return found
        if time.monotonic() >= deadline:
            raise busy()
        time.sleep(poll_s)


def _written(path: Path) -> float:
    try:
        return path.stat().st_mtime
    except FileNotFoundError:
        return 0.0

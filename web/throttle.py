"""Failed sign-ins and wrong tokens slow down the client that sends them, not the server.

A client is whatever key the caller counts by (:mod:`web.auth`: the address and the
token attempted, so that the right token still works from an address where someone
else keeps sending a wrong one). A client that has failed ``free`` times is locked out for
``base_delay`` seconds, doubled per further failure up to ``max_delay``; a client
that stays quiet for ``window`` seconds starts afresh. While locked out, its
attempts are answered at once with 429 and ``Retry-After`` (the token is not even
compared), so guessing costs the attacker time and the server nothing: no worker
sleeps.

The counts live in the memory of each worker process: with W workers an attacker
gets at most W × ``free`` tries per window before every worker locks it out.

Request rates (how much heavy work a client may ask for) are another concern, counted
by Flask-Limiter in :mod:`web.limits`; this module only counts failures, with the
exponential lock-out that Flask-Limiter's fixed rates do not give.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Hashable
from dataclasses import dataclass, field


@dataclass
class _Record:
    failures: int = 0
    last: float = 0.0
    locked_until: float = 0.0


@dataclass
class FailureThrottle:
    """Per-client failure counts with exponential lock-out; thread-safe, bounded in size."""

    free: int = 5
    window: float = 600.0
    base_delay: float = 2.0
    max_delay: float = 900.0
    max_clients: int = 10_000
    clock: object = time.monotonic
    _records: OrderedDict = field(default_factory=OrderedDict, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def retry_after(self, client: Hashable) -> float:
        """Seconds ``client`` must still wait (0: it may try now)."""
        with self._lock:
            record = self._records.get(client)
            if record is None:
                return 0.0
            return max(0.0, record.locked_until - self.clock())

    def failed(self, client: Hashable) -> float:
        """Count a failure of ``client``; the lock-out it now has, in seconds (0: none)."""
        now = self.clock()
        with self._lock:
            record = self._records.pop(client, None)
            if record is None or now - record.last > self.window:
                record = _Record()
            record.failures += 1
            record.last = now
            extra = record.failures - self.free
            if extra >= 0:
                delay = min(self.max_delay, self.base_delay * 2 ** min(extra, 30))
                record.locked_until = now + delay
            self._records[client] = record
            while len(self._records) > self.max_clients:
                self._records.popitem(last=False)
            return max(0.0, record.locked_until - now)

    def succeeded(self, client: Hashable) -> None:
        """Forget the failures of ``client`` (it signed in)."""
        with self._lock:
            self._records.pop(client, None)

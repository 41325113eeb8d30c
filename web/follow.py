"""How often a worker asks the store whether another process changed it.

Every request runs the app's refreshers (``Services.add_refresher``); those that poll
the store (imports, published plans) ask a ``Throttle`` first, so a worker asks at
most once per ``POLL_SECONDS`` and follows another worker's change within that time.
"""

from __future__ import annotations

import time

POLL_SECONDS = 1.0


class Throttle:
    """Says when a poll is due: at most once per ``seconds`` of the monotonic clock."""

    def __init__(self, seconds: float | None = None, last: float | None = None):
        self.seconds = POLL_SECONDS if seconds is None else seconds  # read when made
        self.last = float("-inf") if last is None else last

    def due(self) -> bool:
        """True (and the clock restarts) when ``seconds`` have passed since the last poll."""
        now = time.monotonic()
        if now - self.last < self.seconds:
            return False
        self.last = now
        return True

    def expire(self) -> None:
        """Make the next ``due()`` true (something is known to have changed)."""
        self.last = float("-inf")

"""The store poll's throttle: due at most once per its interval, at once after expire()."""

from __future__ import annotations

import time

from web.follow import POLL_SECONDS, Throttle


def test_a_poll_is_due_at_first_then_not_again_within_its_interval():
    poll = Throttle()
    assert poll.due() and not poll.due()
    poll.expire()
    assert poll.due() and not poll.due()


def test_a_poll_that_last_ran_an_interval_ago_is_due():
    poll = Throttle(last=time.monotonic() - POLL_SECONDS - 0.01)
    assert poll.due() and not poll.due()
    assert not Throttle(last=time.monotonic()).due()

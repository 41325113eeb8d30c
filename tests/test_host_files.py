"""Files the workers of a host share: whole writes, the newest kept, turns by lock."""

import os
import time

import pytest

from web.host_files import keep_newest, try_lock, unlock, wait_for, write_whole


def test_a_file_is_written_whole_and_no_partial_is_left(tmp_path):
    path = tmp_path / "doc.bin"
    write_whole(path, b"old")
    write_whole(path, b"new bytes")
    assert path.read_bytes() == b"new bytes"
    assert [p.name for p in tmp_path.iterdir()] == ["doc.bin"]


def test_only_the_newest_files_are_kept(tmp_path):
    for age, name in enumerate(["c", "a", "b", "d"]):
        path = tmp_path / name
        path.write_bytes(b"x")
        os.utime(path, (1_000 + age, 1_000 + age))
    keep_newest(tmp_path.iterdir(), 2)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["b", "d"]


def test_a_held_lock_is_not_given_twice_and_comes_back_when_released(tmp_path):
    first = try_lock(tmp_path / "turn.lock")
    assert first is not None
    assert try_lock(tmp_path / "turn.lock") is None
    unlock(first)
    again = try_lock(tmp_path / "turn.lock")
    assert again is not None
    unlock(again)


def test_waiting_ends_with_the_busy_error_once_the_deadline_passes():
    asked = []

    def never():
        asked.append(1)

    with pytest.raises(TimeoutError, match="busy"):
        wait_for(never, time.monotonic() + 0.05, 0.01, lambda: TimeoutError("busy"))
    assert len(asked) >= 2


def test_waiting_returns_the_first_answer():
    answers = iter([None, None, "turn"])
    assert wait_for(lambda: next(answers), time.monotonic() + 5, 0.001,
                    lambda: TimeoutError("busy")) == "turn"

"""The plan registry and the reading text every citation quotes from."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

PLANS_DIR = "plans"
_BOOKMARK = re.compile(r"\[bookmark: [^\]]*\]")
_SENTENCE_END = tuple("。；：！？")
_WRAP_MIN = 18  # a hard-wrapped line is at least this long


@dataclass(frozen=True)
class Plan:
    """One plan document: its id is the source file name without .txt."""

    id: str
    title: str
    issuer: str | None
    doc_number: str | None
    date: str | None
    region_adcode: str
    unwrap: bool
    note: str = ""


def load_plans(data_dir: Path) -> dict[str, Plan]:
    """All plans of ``data_dir/plans/plans.json``, by id."""
    rows = json.loads((Path(data_dir) / PLANS_DIR / "plans.json").read_text(encoding="utf-8"))
    return {row["id"]: Plan(**row) for row in rows}


def reading_text(raw: str, unwrap: bool) -> str:
    """The text citations quote: bookmarks removed, hard wraps joined if ``unwrap``."""
    text = _BOOKMARK.sub("", raw)
    return _unwrap(text) if unwrap else text


def _unwrap(text: str) -> str:
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    paragraphs: list[str] = []
    previous = ""
    for line in lines:
        if paragraphs and _continues(previous, line):
            paragraphs[-1] += line
        else:
            paragraphs.append(line)
        previous = line
    return "\n".join(paragraphs) + "\n"


def _continues(previous: str, line: str) -> bool:
    """True when ``previous`` (one source line) was wrapped and ``line`` goes on."""
    return len(previous) >= _WRAP_MIN and not previous.endswith(_SENTENCE_END) \
        and not re.match(r"^[（(]?[一二三四五六七八九十\d]+[、)）.]", line)


@lru_cache(maxsize=16)
def _cached_text(path: str, unwrap: bool) -> str:
    return reading_text(Path(path).read_text(encoding="utf-8"), unwrap)


def plan_text(data_dir: Path, plan_id: str) -> str:
    """The reading text of plan ``plan_id``; KeyError naming it if unknown."""
    plans = load_plans(data_dir)
    if plan_id not in plans:
        raise KeyError(f"unknown plan {plan_id!r}")
    path = Path(data_dir) / PLANS_DIR / f"{plan_id}.txt"
    return _cached_text(str(path), plans[plan_id].unwrap)

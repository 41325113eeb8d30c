"""The plan registry: every plan innomap knows, and the regions and periods they cover.

``data/plans/plans.json`` is the file a planner edits; ``plans/published.json``
holds the plans published later from the store (records of the same shape: an
uploaded plan once a reviewer accepted it), written beside it in the data
directory the app serves (``ingest.plans.publish.knowledge_dir``).
:func:`plan_registry` is both, and every surface asks this module which plans exist, which
regions they speak for, in which order regions are listed, and which plan period
a year belongs to. No code names a region or a plan: a sixth plan is a registry
entry and its data rows.

A record (one JSON object)::

    {"id": "…", "title": "…", "issuer": "…" | null, "doc_number": "…" | null,
     "date": "2021-12-28" | null, "region_adcode": "6 digits",
     "kind": "五年规划" | "年度计划" | "专项",
     "period": {"start_year": 2021, "end_year": 2025},
     "contains": ["targets", "entities", "tasks", …],
     "tasks": {"file": "kb/….csv", "collection": "…"}   (only with "tasks"),
     "unwrap": false, "note": ""}
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

from layers.base import LayerError

PLANS_FILE = Path("plans") / "plans.json"
PUBLISHED_FILE = Path("plans") / "published.json"
PLAN_KINDS = ("五年规划", "年度计划", "专项")
CONTENTS = ("targets", "entities", "partnerships", "citations", "statements", "tasks")
_ADCODE = re.compile(r"^\d{6}$")
_NUMERALS = "零一二三四五六七八九"
# The third five-year plan began in 1966; every plan since runs five calendar years.
_FIVE_YEAR_EPOCH, _FIVE_YEAR_FIRST = 1966, 3


@dataclass(frozen=True)
class Period:
    """The years a plan covers, both ends included."""

    start_year: int
    end_year: int

    @property
    def baseline_year(self) -> int:
        """The year a plan measures from: the last year before its period."""
        return self.start_year - 1

    @property
    def label(self) -> str:
        """十四五 for 2021–2025 (the national five-year calendar), 2023年度, else 2021—2027年."""
        number = five_year_number(self.start_year)
        if number is not None and self.end_year == self.start_year + 4:
            return f"{_chinese(number)}五"
        if self.start_year == self.end_year:
            return f"{self.start_year}年度"
        return f"{self.start_year}—{self.end_year}年"

    def holds(self, year: int) -> bool:
        return self.start_year <= int(year) <= self.end_year

    def previous(self) -> Period:
        """The period of the same length just before this one (十三五 for 十四五)."""
        length = self.end_year - self.start_year + 1
        return Period(self.start_year - length, self.start_year - 1)


def five_year_number(start_year: int) -> int | None:
    """14 for a five-year plan starting 2021; None if no national plan starts that year."""
    offset = int(start_year) - _FIVE_YEAR_EPOCH
    return offset // 5 + _FIVE_YEAR_FIRST if offset >= 0 and offset % 5 == 0 else None


def _chinese(number: int) -> str:
    """十四 for 14 (1–99)."""
    tens, ones = divmod(number, 10)
    head = "" if tens == 0 else ("十" if tens == 1 else _NUMERALS[tens] + "十")
    return head + (_NUMERALS[ones] if ones else "")


@dataclass(frozen=True)
class Plan:
    """One plan document: its id is the source file name without .txt."""

    id: str
    title: str
    issuer: str | None
    doc_number: str | None
    date: str | None
    region_adcode: str
    kind: str
    period: Period
    contains: tuple[str, ...]
    unwrap: bool = False
    note: str = ""
    tasks_file: str = ""
    tasks_collection: str = ""
    published: bool = False

    @property
    def period_label(self) -> str:
        return self.period.label


def plan_from_record(record: Mapping, published: bool = False) -> Plan:
    """A Plan from one registry record; LayerError naming the plan and the field."""
    name = record.get("id") or "?"

    def need(ok: bool, what: str) -> None:
        if not ok:
            raise LayerError(f"plan {name!r}: {what}")

    need(bool(record.get("id")) and bool(record.get("title")), "id and title are required")
    need(bool(_ADCODE.match(str(record.get("region_adcode", "")))),
         "region_adcode must be 6 digits")
    need(record.get("kind") in PLAN_KINDS, f"kind must be one of {'、'.join(PLAN_KINDS)}")
    period = record.get("period") or {}
    need(isinstance(period.get("start_year"), int) and isinstance(period.get("end_year"), int)
         and period["start_year"] <= period["end_year"], "period needs start_year ≤ end_year")
    contains = tuple(record.get("contains") or ())
    need(set(contains) <= set(CONTENTS), f"contains may list {', '.join(CONTENTS)}")
    tasks = record.get("tasks") or {}
    need(("tasks" in contains) == bool(tasks.get("file")),
         "a plan that contains tasks names its tasks file (and only then)")
    return Plan(id=record["id"], title=record["title"], issuer=record.get("issuer"),
                doc_number=record.get("doc_number"), date=record.get("date"),
                region_adcode=str(record["region_adcode"]), kind=record["kind"],
                period=Period(period["start_year"], period["end_year"]), contains=contains,
                unwrap=bool(record.get("unwrap", False)), note=record.get("note") or "",
                tasks_file=tasks.get("file", ""),
                tasks_collection=tasks.get("collection") or (
                    f"tasks-{record['id']}" if tasks else ""),
                published=published)


def curated_plans(data_dir: Path) -> dict[str, Plan]:
    """The plans of ``data_dir/plans/plans.json`` (the file a planner edits), by id."""
    return _by_id(plan_from_record(row) for row in _records(Path(data_dir) / PLANS_FILE))


def plan_registry(data_dir: Path) -> dict[str, Plan]:
    """Every plan of ``data_dir``: the curated file's, then the published ones, by id.

    The published records (``plans/published.json``, absent until a plan is published)
    are the store's active publications. A published plan may not reuse a curated id:
    LayerError naming it.
    """
    plans = curated_plans(data_dir)
    published = Path(data_dir) / PUBLISHED_FILE
    rows = _records(published) if published.is_file() else []
    later = _by_id(plan_from_record(row, published=True) for row in rows)
    clash = sorted(set(plans) & set(later))
    if clash:
        raise LayerError(f"published plans reuse curated ids: {clash}")
    return _by_id([*plans.values(), *later.values()])


def _records(path: Path) -> list:
    rows = json.loads(path.read_text(encoding="utf-8"))
    if not isinstance(rows, list):
        raise LayerError(f"{path.name}: a list of plan records is expected")
    return rows


def _by_id(plans: Iterable[Plan]) -> dict[str, Plan]:
    out: dict[str, Plan] = {}
    for plan in plans:
        if plan.id in out:
            raise LayerError(f"plan id {plan.id!r} appears twice in the registry")
        out[plan.id] = plan
    collections = [p.tasks_collection for p in out.values() if p.tasks_collection]
    if len(collections) != len(set(collections)):
        raise LayerError(f"two plans name the same tasks collection: {collections}")
    return out


def admin_level(adcode: str) -> int:
    """0 for a province (xx0000), 1 for a city (xxxx00), 2 for a county."""
    return 0 if adcode.endswith("0000") else 1 if adcode.endswith("00") else 2


def region_order(plans: Mapping[str, Plan]) -> tuple[str, ...]:
    """The regions that have a plan, as officials read them: provinces, then cities,
    then counties, each by adcode."""
    regions = {p.region_adcode for p in plans.values()}
    return tuple(sorted(regions, key=lambda a: (admin_level(a), a)))


def region_rank(adcode: str, order: tuple[str, ...]) -> tuple[int, str]:
    """Sort key of a region: its place in ``order``, regions without a plan after them."""
    return (order.index(adcode) if adcode in order else len(order), adcode)


def plans_of_region(plans: Mapping[str, Plan], adcode: str) -> list[Plan]:
    """The plans of one region, by period and then id."""
    return sorted((p for p in plans.values() if p.region_adcode == adcode),
                  key=lambda p: (p.period.start_year, p.period.end_year, p.id))


def headline_plan(plans: Mapping[str, Plan], adcode: str) -> Plan | None:
    """The plan a region's page leads with: its latest five-year plan, else its latest."""
    own = plans_of_region(plans, adcode)
    five = [p for p in own if p.kind == PLAN_KINDS[0]]
    return (five or own or [None])[-1]


def target_period(plan: Plan, year: int) -> Period:
    """The period a target of ``plan`` for ``year`` belongs to: the plan's own, or, for a
    year before it (a 十三五 2020 target a 十四五 plan quotes), the previous period."""
    period = plan.period
    while int(year) < period.start_year:
        period = period.previous()
    return period

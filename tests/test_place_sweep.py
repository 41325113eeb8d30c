"""Every named place: each place-name occurrence is an entity, a partner or excluded."""

from collections import Counter
from pathlib import Path

import pandas as pd
import pytest

from layers.plans import load_plans, place_name_runs, plan_text

DATA = Path(__file__).resolve().parents[1] / "data"
KB = DATA / "kb"
REASON_CODES = {"generic", "not_a_place", "unnamed", "no_location", "outside_scope",
                "part_of_name", "known_entity"}


def _names(path: Path) -> set[str]:
    frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    return set(frame["name"]) | {a for s in frame["aliases"] for a in s.split("|") if a}


@pytest.fixture(scope="module")
def known():
    return _names(KB / "entities.csv") | _names(KB / "partners.csv")


@pytest.fixture(scope="module")
def exclusions():
    return pd.read_csv(KB / "place_sweep_exclusions.csv", dtype=str, keep_default_na=False)


def _unknown_runs(known: set[str]) -> Counter:
    runs: Counter = Counter()
    for plan_id in sorted(load_plans(DATA)):
        for _, run in place_name_runs(plan_text(DATA, plan_id)):
            if not any(run.endswith(name) for name in known):
                runs[(plan_id, run)] += 1
    return runs


def test_every_occurrence_is_an_entity_a_partner_or_excluded(known, exclusions):
    listed = {(r.plan_id, r.run): int(r.occurrences) for r in exclusions.itertuples()}
    unknown = _unknown_runs(known)
    missing = sorted(key for key in unknown if key not in listed)
    assert missing == []
    miscounted = sorted(key for key, n in unknown.items() if listed[key] != n)
    assert miscounted == []
    stale = sorted(key for key in listed if key not in unknown)
    assert stale == []  # an exclusion for a run now covered by an entity must go


def test_exclusions_are_reviewable(exclusions):
    assert list(exclusions.columns) == ["plan_id", "run", "occurrences", "reason_code", "reason"]
    assert set(exclusions["reason_code"]) <= REASON_CODES
    assert (exclusions["reason"].str.len() > 10).all()
    assert not exclusions.duplicated(["plan_id", "run"]).any()
    assert exclusions["occurrences"].astype(int).ge(1).all()


def test_an_excluded_run_is_in_its_plan(exclusions):
    for row in exclusions.itertuples():
        assert row.run in plan_text(DATA, row.plan_id), row.run


def test_the_sweep_finds_names_the_knowledge_base_holds(known):
    """The sweep is not vacuous: most occurrences are known places."""
    total = sum(len(place_name_runs(plan_text(DATA, p))) for p in load_plans(DATA))
    assert total > 500
    assert total - sum(_unknown_runs(known).values()) > 200


def test_place_name_runs_reads_the_words_before_an_ending():
    text = "推进南京工业大学新材料研究院建设。支持宿迁高新区、沭阳软件产业园发展，建设大学科技园区。"
    assert [run for _, run in place_name_runs(text)] == [
        "推进南京工业大学", "推进南京工业大学新材料研究院", "支持宿迁高新区", "沭阳软件产业园",
        "建设大学科技园区"]


@pytest.mark.parametrize("name", ["“四化”同步集成改革示范区", "自贸试验区联动发展区", "九地合作示范区",
                                  "公用工程岛", "宿马现代产业园区", "苏宿工业园区"])
def test_named_areas_inside_the_regions_are_entities(known, name):
    assert name in known

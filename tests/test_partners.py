"""The cooperation network: partners outside the regions, one line per partnership."""

import re
import shutil
from pathlib import Path

import pandas as pd
import pytest
import shapely

from geo.boundaries import load_boundaries
from layers.base import LayerError
from layers.partners import PARTNERSHIP_KINDS, read_partners, read_partnerships
from layers.plans import load_plans, plan_text, section_of
from layers.tasks import parse_task_table, task_plans

DATA = Path(__file__).resolve().parents[1] / "data"
KB = DATA / "kb"
TASK_PLAN_ID = task_plans(DATA)[0].id  # the registry's plan with a task table
COOPERATION = re.compile(r"合作|共建|联合|对接|协议|集聚|引进|聚焦")


@pytest.fixture(scope="module")
def units():
    return load_boundaries(DATA / "boundaries", "full").set_index("adcode")


@pytest.fixture(scope="module")
def partners(catalog):
    return catalog.frame("partners").set_index("id")


@pytest.fixture(scope="module")
def links(catalog):
    return catalog.frame("partnerships")


def _sentences(text: str) -> list[str]:
    return [s for s in re.split(r"(?<=[。；\n])", text) if s.strip()]


def _names(row) -> list[str]:
    return [row.name, *filter(None, row.aliases.split("|"))]


def test_one_geometry_type_per_collection(partners, links):
    assert set(partners.geometry.geom_type) == {"Point"}
    assert set(links.geometry.geom_type) == {"LineString"}
    assert len(links) == len(pd.read_csv(KB / "partnerships.csv"))


def test_every_partnership_cites_its_plan_exactly(links):
    tasks = parse_task_table(plan_text(DATA, TASK_PLAN_ID))
    for row in links.itertuples():
        text = plan_text(DATA, row.plan_id)
        assert row.quote in text, row.id
        if row.plan_id == TASK_PLAN_ID:
            cells = [t for t in tasks if any(row.quote in t[k] for k in ("task", "q1", "q2", "q3",
                                                                          "q4"))]
            assert " > ".join(filter(None, (cells[0]["group"], cells[0]["work"]))) == row.section
        else:
            assert section_of(text, row.quote) == row.section, row.id
        assert row.quote in row.citation and row.kind in PARTNERSHIP_KINDS


def test_lines_run_from_the_partner_to_the_regions_representative_point(partners, links, units):
    for row in links.itertuples():
        start, end = row.geometry.coords[0], row.geometry.coords[-1]
        assert shapely.Point(start).equals(partners.geometry[row.partner_id]), row.id
        region = units.geometry[row.region_adcode]
        assert shapely.Point(end).distance(region.representative_point()) < 1e-9, row.id
        assert region.contains(shapely.Point(end))
        assert row.region_name == units.loc[row.region_adcode, "name"]


def test_partners_lie_outside_the_regions_they_partner(partners, links, units):
    for row in links.itertuples():
        point = partners.geometry[row.partner_id]
        assert not units.geometry[row.region_adcode].contains(point), row.id


def test_partner_grades_are_honest(partners, units):
    reps = {a: g.representative_point() for a, g in units.geometry.items()}
    for row in partners.itertuples():
        if row.precision == "city_centroid":
            assert row.geometry.distance(reps[row.city_adcode]) < 1e-6, row.Index
        if row.city_adcode:
            assert units.geometry[row.city_adcode].contains(row.geometry), row.Index
            assert units.loc[row.city_adcode, "province_adcode"] == row.province_adcode
        else:  # outside the boundary data: the note says so and where it is
            assert "outside the boundary data" in row.note and row.location, row.Index
        assert row.precision in {"approximate", "city_centroid"} and len(row.note) > 30
    assert not (partners["precision"] == "site").any()


def test_every_feature_is_complete_for_a_map(partners, links):
    for column in ("name", "type", "type_label", "location", "precision", "precision_label",
                   "region_adcodes", "kinds", "citation"):
        assert (partners[column] != "").all(), column
    for column in ("partner_name", "region_adcode", "plan_id", "section", "quote", "kind",
                   "partner_precision_label", "citation"):
        assert (links[column] != "").all(), column
    assert (partners["n_partnerships"] == links.groupby("partner_id").size()[partners.index]).all()


def test_every_partner_named_in_a_cooperation_passage_has_that_partnership(partners, links):
    """A partner outside a plan's region, named in a sentence about cooperation, is linked
    to that region by a partnership quoting that sentence."""
    plans = load_plans(DATA)
    # Longest names first, so 中科院 inside 中科院大气所 is that institute, not the academy.
    names = sorted(((n, row) for row in partners.itertuples() for n in _names(row)),
                   key=lambda item: -len(item[0]))
    unlinked = []
    for plan_id, plan in plans.items():
        linked = links[links["plan_id"] == plan_id]
        for sentence in filter(COOPERATION.search, _sentences(plan_text(DATA, plan_id))):
            rest = sentence
            for name, row in names:
                if name not in rest:
                    continue
                rest = rest.replace(name, "□")
                if plan.region_adcode in {row.province_adcode, row.city_adcode}:
                    continue  # not outside this plan's region
                quotes = linked.loc[linked["partner_id"] == row.Index, "quote"]
                if not any(q in sentence for q in quotes):
                    unlinked.append((plan_id[:3], row.name, sentence.strip()[:40]))
    assert unlinked == []
    assert len(links) > 40


@pytest.mark.parametrize("region,names", [
    ("341300", {"中科大先进技术研究院", "浙江大学", "南京农业大学", "中国矿业大学", "中国科学技术大学",
                "中国农业大学", "中国科学院", "中国农业科学院", "合肥工业大学", "安徽大学", "安徽农业大学",
                "安徽医科大学", "安徽省农科院"}),
    ("320700", {"清华大学", "中国科学院", "南京大学", "东南大学", "江苏省产业技术研究院", "南京工业大学",
                "中国科学院大气物理研究所", "中国药科大学", "南京医科大学", "乌克兰马卡洛夫造船大学",
                "中国农业科学院", "辽宁工程技术大学"}),
    ("321300", {"南京大学", "南京工业大学", "江南大学", "南京农业大学", "江苏省产业技术研究院"}),
    ("320000", {"中国科学院", "北京大学", "清华大学"}),
])
def test_each_regions_partners(links, region, names):
    assert set(links.loc[links["region_adcode"] == region, "partner_name"]) == names


def _copy_kb(tmp_path):
    kb = tmp_path / "kb"
    shutil.copytree(KB, kb)
    shutil.copytree(DATA / "plans", tmp_path / "plans")
    return kb


@pytest.mark.parametrize("column,value,message", [
    ("partner_id", "nobody", "unknown partner_id"), ("kind", "友好往来", "unknown kind"),
    ("quote", "加强与高校院所合作", "quote does not name the partner"),
    ("plan_id", "999_x", "unknown plan_id"),
])
def test_bad_partnerships_are_refused(tmp_path, column, value, message):
    kb = _copy_kb(tmp_path)
    rows = pd.read_csv(kb / "partnerships.csv", dtype=str, keep_default_na=False)
    rows.loc[0, column] = value
    rows.to_csv(kb / "partnerships.csv", index=False)
    with pytest.raises(LayerError, match=message):
        read_partnerships(tmp_path)


def test_bad_partners_are_refused(tmp_path):
    kb = _copy_kb(tmp_path)
    rows = pd.read_csv(kb / "partners.csv", dtype=str, keep_default_na=False)
    rows.loc[0, "precision"] = "exact"
    rows.to_csv(kb / "partners.csv", index=False)
    with pytest.raises(LayerError, match="unknown precision"):
        read_partners(tmp_path)

import re
import shutil
from pathlib import Path

import pandas as pd
import pytest
import shapely

from geo.boundaries import load_boundaries
from layers.base import LayerError
from layers.carriers import read_families
from layers.entities import (
    read_carriers,
    read_citations,
    read_entities,
    read_entity_types,
    read_precision_grades,
)
from layers.plans import load_plans, plan_text

DATA = Path(__file__).resolve().parents[1] / "data"
KB = DATA / "kb"


@pytest.fixture(scope="module")
def entities():
    return read_entities(DATA)


@pytest.fixture(scope="module")
def units():
    return load_boundaries(DATA / "boundaries", "full").set_index("adcode")


def _all_citations():
    citations = read_citations(DATA).assign(source="entities/citations")
    carriers = read_carriers(DATA).assign(source="corridor_carriers")
    return pd.concat([citations, carriers.drop(columns="corridor_id")], ignore_index=True)


def test_every_quote_is_an_exact_substring_of_its_plan():
    plans = load_plans(DATA)
    missing = [(row.entity_id, row.quote) for row in _all_citations().itertuples()
               if row.plan_id not in plans or row.quote not in plan_text(DATA, row.plan_id)]
    assert missing == []


def test_every_section_heading_is_in_its_plan():
    bad = []
    for row in _all_citations().itertuples():
        text = plan_text(DATA, row.plan_id)
        parts = [p for p in row.section.split(" > ") if p]
        if not parts or any(p not in text for p in parts):
            bad.append((row.entity_id, row.section))
    assert bad == []


def test_every_entity_with_a_county_lies_inside_it(entities, units):
    known = entities[entities["county_adcode"] != ""]
    assert len(known) > 60
    outside = [r.id for r in known.itertuples()
               if not units.geometry[r.county_adcode].contains(r.geometry)]
    assert outside == []


def test_adcodes_exist_and_nest(entities, units):
    for row in entities.itertuples():
        assert row.province_adcode in units.index, row.id
        if row.city_adcode:
            assert units.loc[row.city_adcode, "level"] == "city", row.id
            assert row.city_adcode[:2] == row.province_adcode[:2], row.id
        if row.county_adcode:
            assert units.loc[row.county_adcode, "level"] == "county", row.id
            assert row.county_adcode[:4] == row.city_adcode[:4], row.id


def test_centroid_grades_are_exactly_the_unit_point(entities, units):
    """A county/city centroid grade means the point *is* that unit's inner point, nothing finer."""
    reps = {a: g.representative_point() for a, g in units.geometry.items()}
    for row in entities.itertuples():
        if row.precision == "county_centroid":
            assert row.geometry.distance(reps[row.county_adcode]) < 1e-6, row.id
        if row.precision == "city_centroid":
            points = getattr(row.geometry, "geoms", [row.geometry])
            assert all(min(p.distance(r) for a, r in reps.items() if units.loc[a, "level"]
                           == "city") < 1e-6 for p in points), row.id
            if row.city_adcode:
                assert units.geometry[row.city_adcode].contains(row.geometry), row.id
    assert not (entities["precision"] == "site").any()  # no survey data: no site claims


def test_notes_explain_every_non_centroid_geometry(entities):
    approximate = entities[entities["precision"] == "approximate"]
    assert (approximate["note"].str.len() > 20).all()


def test_the_ten_suqian_science_parks_are_all_there(entities):
    text = plan_text(DATA, "000_ad48b25927ecef2e")
    box = text[text.index("科技产业园提升工程"):text.index("（四）建设区域科技成果转化承载高地")]
    listed = re.findall(r"(?m)^\s*(\d+)\.\s*([^。：]+?)[。：]", box)
    assert [int(n) for n, _ in listed] == list(range(1, 11))
    known = set(entities["name"]) | {a for s in entities["aliases"] for a in s.split("|") if a}
    assert [name for _, name in listed if name not in known] == []


@pytest.mark.parametrize("name,plan", [
    ("花果山大道科技创新走廊", "003_4e3fe20dd1e81567"), ("江苏海洋大学", "003_4e3fe20dd1e81567"),
    ("716研究所", "003_4e3fe20dd1e81567"), ("中华药港", "003_4e3fe20dd1e81567"),
    ("石化产业基地", "003_4e3fe20dd1e81567"), ("筑梦小镇", "000_ad48b25927ecef2e"),
    ("宿迁高新技术产业开发区", "000_ad48b25927ecef2e"), ("宿州高新区", "001_7675cb991152f466"),
    ("张江萧县高科技园区", "001_7675cb991152f466"), ("沿海科技走廊", "004_5c3bcb5129e3b430"),
    ("网络通信与安全紫金山实验室", "004_5c3bcb5129e3b430"),
    ("龙科微生物产业技术研究院", "002_29b2058011f3f7c1"),
])
def test_named_entities_cite_their_plan(entities, name, plan):
    row = entities[entities["name"] == name]
    assert len(row) == 1 and row["plan_id"].iloc[0] == plan
    assert name in plan_text(DATA, plan) or any(
        a in plan_text(DATA, plan) for a in row["aliases"].iloc[0].split("|") if a)


def test_spatial_structures_and_their_parts(entities):
    by_name = entities.set_index("name")
    assert by_name.loc["一区五园", "parent_id"] == "lyg-hitech"
    assert by_name.loc["一区多园", "parent_id"] == "sq-hitech"
    zones = entities[entities["type"] == "corridor_zone"]
    assert set(zones["name"]) == {"南片区", "北片区"}
    nodes = entities[entities["type"] == "corridor_node"]
    assert set(nodes["parent_id"]) == {"lyg-hgs-south", "lyg-hgs-north"}


def test_types_have_labels_roles_and_families(entities):
    types = read_entity_types(DATA)
    assert types["id"].is_unique and set(entities["type"]) <= set(types["id"])
    assert types["label"].str.match(r"^[\u4e00-\u9fff/（）]+$").all()
    assert set(types["role"]) == {"carrier", "structure", "corridor"}
    families = read_families(DATA)
    assert set(types["family"]) <= set(families["id"]) and len(families) <= 8
    assert families["colour"].str.match(r"^#[0-9a-fA-F]{6}$").all()
    assert families["shape"].is_unique and families["colour"].is_unique


def test_county_metrics_count_exactly_the_carriers_attributed_to_each_county(catalog):
    metrics = catalog.frame("county-metrics").set_index("adcode")
    carriers = catalog.frame("carriers")
    counted = carriers[carriers["county_counted"] != ""]
    for adcode, row in metrics.iterrows():
        expected = set(counted.loc[counted["county_counted"] == adcode, "id"])
        assert set(filter(None, row["entity_ids"].split("|"))) == expected, adcode
    counties = catalog.frame("boundaries-county").set_index("adcode").geometry
    assert all(counties[a].contains(p) for a, p in zip(counted["county_counted"],
                                                       counted.geometry))
    assert metrics["carriers"].sum() == len(counted)
    assert (metrics.filter(like="n_").sum(axis=1) == metrics["carriers"]).all()
    # a city centre says nothing about the county, nor does a carrier at several places
    loose = carriers[(carriers["precision"] == "city_centroid")
                     | (carriers.geometry.geom_type != "Point")]
    assert len(loose) and (loose["county_counted"] == "").all()
    # the 海州湾 marine ranch is offshore: in no county
    ranch = carriers[carriers["name"].str.contains("海洋牧场")]
    assert len(ranch) == 1 and ranch["county_counted"].item() == ""
    structures = catalog.frame("structures")
    assert not set(structures["id"]) & set(carriers["id"])


def test_entities_layer_serves_every_row(catalog):
    frame = catalog.frame("entities")
    rows = pd.read_csv(KB / "entities.csv", dtype=str)
    assert len(frame) == len(rows) and frame["id"].is_unique
    assert frame.loc[frame["id"] == "lyg-jou", "type_label"].item() == "高校"


@pytest.mark.parametrize("column,value,message", [
    ("type", "castle", "unknown type"), ("precision", "exact", "unknown precision"),
    ("parent_id", "no-such-entity", "unknown parent_id"), ("wkt", "POINT (1", "bad wkt"),
    ("id", "lyg-716", "duplicate ids"),
])
def test_bad_rows_are_rejected_naming_the_entity(tmp_path, column, value, message):
    kb = tmp_path / "kb"
    kb.mkdir()
    for name in ("entity_types.csv", "citations.csv", "corridor_carriers.csv",
                 "precision_grades.csv"):
        shutil.copy(KB / name, kb / name)
    rows = pd.read_csv(KB / "entities.csv", dtype=str, keep_default_na=False)
    rows.loc[rows.index[5], column] = value
    rows.to_csv(kb / "entities.csv", index=False)
    with pytest.raises(LayerError, match=message):
        read_entities(tmp_path)


def test_points_do_not_round_to_a_shared_spot_by_accident(entities):
    """Distinct approximate points for distinct carriers of the corridor (no copy-paste)."""
    carriers = read_carriers(DATA)["entity_id"].unique()
    points = entities.set_index("id").geometry[list(carriers)]
    assert len({(round(p.x, 5), round(p.y, 5)) for p in points}) == len(points)
    assert all(isinstance(p, shapely.Point) for p in points)


def test_precision_grades_are_one_table_with_chinese_labels(entities):
    grades = read_precision_grades(DATA)
    assert grades["id"].tolist() == ["site", "approximate", "schematic", "county_centroid",
                                     "city_centroid"]
    assert grades["label"].str.match(r"^[\u4e00-\u9fff（）]+$").all()
    assert (grades["meaning"].str.len() > 15).all()
    assert set(entities["precision"]) <= set(grades["id"])
    labels = dict(zip(grades["id"], grades["label"]))
    assert (entities["precision_label"] == entities["precision"].map(labels)).all()


def test_positions_from_a_plans_structure_are_schematic(entities):
    """A point on 花果山大道 only because the plan names a 片区 is not an approximate site."""
    by_id = entities.set_index("id")
    for entity_id in ("lyg-hgs-node-usp", "lyg-hgs-milciv-base", "lyg-716", "lyg-kangda",
                      "lyg-hgs-south"):
        assert by_id.loc[entity_id, "precision"] == "schematic", entity_id
    schematic = entities[entities["precision"] == "schematic"]
    assert schematic["note"].str.contains("chematic|no extent").all()
    assert by_id.loc["lyg-hitech", "precision"] == "approximate"


def test_designations_are_only_what_the_plan_says(entities):
    zones = entities[entities["id"].str.startswith("js-ai-zone-")]
    assert len(zones) == 3 and not zones["name"].str.contains("国家").any()


def test_a_missing_precision_table_is_named(tmp_path):
    (tmp_path / "kb").mkdir()
    with pytest.raises(LayerError, match="precision_grades.csv"):
        read_precision_grades(tmp_path)

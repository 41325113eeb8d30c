from pathlib import Path

import geopandas as gpd
import pandas as pd
import pytest
import shapely

from geo.boundaries import load_boundaries
from geo.geocode import Geocoder
from ingest.geocode_batch import geocode_file, geocode_table, read_table
from ingest.geocode_cli import main as cli_main

DATA = Path(__file__).resolve().parents[1] / "data"


@pytest.fixture(scope="module")
def boundaries():
    return load_boundaries(DATA / "boundaries", "coarse")


@pytest.fixture(scope="module")
def tiny_entities():
    rows = [
        ("sq-hitech", "宿迁高新技术产业开发区", "宿迁高新区", "high_tech_zone", "321300", "321302",
         "approximate", shapely.Point(118.33, 33.95)),
        ("lyg-hitech", "连云港高新技术产业开发区", "连云港高新区", "high_tech_zone", "320700",
         "320706", "approximate", shapely.Point(119.21, 34.60)),
        ("jou", "江苏海洋大学", "淮海工学院", "university", "320700", "320706", "approximate",
         shapely.Point(119.20, 34.60)),
    ]
    cols = ["id", "name", "aliases", "type", "city_adcode", "county_adcode", "precision"]
    return gpd.GeoDataFrame([r[:-1] for r in rows], columns=cols,
                            geometry=[r[-1] for r in rows], crs="EPSG:4326")


@pytest.fixture(scope="module")
def geocoder(boundaries, tiny_entities):
    return Geocoder(boundaries, tiny_entities)


@pytest.mark.parametrize("text,adcode", [
    ("沭阳县", "321322"), ("沭阳", "321322"), ("宿城区", "321302"), ("宿城", "321302"),
    ("宿迁", "321300"), ("宿州市", "341300"), ("苏州", "320500"), ("萧县", "341322"),
    ("江苏省连云港市海州区朝阳东路32号", "320706"),
    ("江苏省宿迁市宿城区洪泽湖路8号", "321302"),  # 洪泽 is also 淮安's 洪泽区
    ("安徽省宿州市埇桥区淮海北路", "341302"),
    ("连云港市东海县", "320722"), ("徐州市鼓楼区", "320302"), ("南京鼓楼", "320106"),
    ("淮安", "320800"), ("淮安市淮安区", "320803"), ("ＳＵＱＩＡＮ", "321300"),
    ("Shuyang County", "321322"),
    # every unit of the country, short names of autonomous units, context decides
    ("北京市朝阳区", "110105"), ("辽宁省朝阳市", "211300"), ("杭州西湖", "330106"),
    ("南昌市西湖区", "360103"), ("广西", "450000"), ("延边", "222400"),
    ("新疆和田地区于田县", "653226"), ("阜新市海州区", "210902"),
])
def test_admin_names_and_addresses(geocoder, text, adcode):
    result = geocoder.geocode(text)
    assert result.status == "matched", result
    assert result.best.kind == "admin" and result.best.adcode == adcode


def test_admin_point_lies_in_its_unit(geocoder, boundaries):
    best = geocoder.geocode("灌南县").best
    polygon = boundaries.set_index("adcode").geometry["320724"]
    assert polygon.contains(best.geometry) and best.precision == "county_centroid"


@pytest.mark.parametrize("text,entity_id", [
    ("江苏海洋大学", "jou"), ("淮海工学院", "jou"), ("宿迁高新区", "sq-hitech"),
    ("连云港市海州区江苏海洋大学", "jou"), ("宿迁市高新区", "sq-hitech"),
])
def test_entity_names_and_aliases(geocoder, text, entity_id):
    result = geocoder.geocode(text)
    assert result.status == "matched", result
    assert result.best.kind == "entity" and result.best.id == entity_id


@pytest.mark.parametrize("text,names", [
    ("高新区", {"宿迁高新技术产业开发区", "连云港高新技术产业开发区"}),
    ("Suzhou", {"宿州市", "苏州市", "肃州区"}),  # 肃州区: 酒泉, Gansu
    ("鼓楼区", {"鼓楼区"}),
    ("西湖区", {"西湖区"}),  # 杭州 and 南昌: the same county name in two provinces
    ("海州区", {"海州区"}),  # 连云港 and 阜新
])
def test_ambiguous_is_reported_with_candidates(geocoder, text, names):
    result = geocoder.geocode(text)
    assert result.status == "ambiguous" and result.best is None
    assert len(result.candidates) >= 2 and {c.name for c in result.candidates} == names


@pytest.mark.parametrize("text", ["", "   ", "火星基地", "xyz", None])
def test_unknown_is_unmatched(geocoder, text):
    result = geocoder.geocode(text)
    assert result.status == "unmatched" and result.best is None and result.candidates == ()


def test_score_falls_with_unexplained_text(geocoder):
    whole = geocoder.geocode("灌南县").best.score
    partial = geocoder.geocode("灌南县朝阳东路32号").best.score
    assert whole == 1.0 and 0 < partial < whole


def test_rejects_projected_frames(boundaries):
    with pytest.raises(ValueError, match="EPSG:4326"):
        Geocoder(boundaries.to_crs(3857))


def test_statuses_of_a_name_nothing_and_an_ambiguous_pinyin(geocoder):
    out = [geocoder.geocode(t) for t in ["沭阳", "xyz", "Suzhou"]]
    assert [r.status for r in out] == ["matched", "unmatched", "ambiguous"]


def test_batch_table(geocoder):
    frame = pd.DataFrame({"地址": ["江苏省连云港市海州区", "高新区", "火星"], "n": ["1", "2", "3"]})
    out = geocode_table(frame, "地址", geocoder, progress=False)
    assert out["gc_status"].tolist() == ["matched", "ambiguous", "unmatched"]
    assert out["gc_adcode"].tolist()[0] == "320706" and out.geometry.isna().tolist()[1:] == [
        True, True]
    assert "宿迁高新技术产业开发区" in out["gc_candidates"].iloc[1]
    with pytest.raises(ValueError, match="no-such"):
        geocode_table(frame, "no-such", geocoder)


@pytest.mark.parametrize("suffix,driver_suffix", [(".csv", ".geojson"), (".xlsx", ".gpkg")])
def test_batch_files(tmp_path, geocoder, suffix, driver_suffix):
    frame = pd.DataFrame({"地址": ["宿迁市沭阳县", "Suzhou", "江苏海洋大学", "?"]})
    source = tmp_path / f"in{suffix}"
    (frame.to_csv(source, index=False) if suffix == ".csv" else frame.to_excel(source,
                                                                              index=False))
    assert read_table(source)["地址"].tolist() == frame["地址"].tolist()
    out, report = tmp_path / f"out{driver_suffix}", tmp_path / "report.csv"
    counts = geocode_file(source, "地址", out, report, geocoder, progress=False)
    assert counts == {"matched": 2, "ambiguous": 1, "unmatched": 1}
    written = gpd.read_file(out)
    assert len(written) == 4 and written.crs.to_epsg() == 4326
    rep = pd.read_csv(report, encoding="utf-8-sig", dtype=str)
    assert rep["status"].tolist() == ["matched", "ambiguous", "matched", "unmatched"]
    assert "宿州市" in rep["candidates"].iloc[1] and "苏州市" in rep["candidates"].iloc[1]


def test_cli(tmp_path, capsys):
    source = tmp_path / "in.csv"
    pd.DataFrame({"name": ["沭阳县", "宿城"]}).to_csv(source, index=False)
    out = tmp_path / "out.geojson"
    assert cli_main([str(source), "-c", "name", "-o", str(out), "--quiet",
                     "--no-entities"]) == 0
    assert "matched 2" in capsys.readouterr().out
    assert set(gpd.read_file(out)["gc_adcode"]) == {"321322", "321302"}
    assert cli_main([str(source), "-c", "missing", "-o", str(out), "--quiet",
                     "--no-entities"]) == 2
    assert "missing" in capsys.readouterr().err


def test_bare_generic_word_is_never_a_match(boundaries, tiny_entities):
    one_park = tiny_entities.iloc[[0]].assign(type="university_science_park")
    result = Geocoder(boundaries, one_park).geocode("大学科技园")
    assert result.status == "ambiguous" and [c.id for c in result.candidates] == ["sq-hitech"]


@pytest.fixture(scope="module")
def real_geocoder():
    from geo.geocode import default_geocoder

    return default_geocoder(DATA)


@pytest.mark.parametrize("text,expected", [
    ("宿迁高新区", "sq-hitech"), ("淮海工学院", "lyg-jou"), ("苏宿工业园区", "sq-suzhou-suqian-park"),
    ("江苏省连云港市海州区江苏海洋大学", "lyg-jou"), ("安徽省宿州市萧县张江萧县高科技园区",
                                                   "sz-zhangjiang-xiao"),
    ("宿城激光装备科技产业园", "sq-laser-park"), ("紫金山实验室", "js-zijinshan"),
])
def test_plan_gazetteer_names_and_aliases(real_geocoder, text, expected):
    result = real_geocoder.geocode(text)
    assert result.status == "matched" and result.best.id == expected


@pytest.mark.parametrize("text,at_least", [
    ("高新区", {"sq-hitech", "lyg-hitech", "sz-hitech"}),
    ("连云港市高新区", {"lyg-hitech", "lyg-donghai-hitech"}),
    ("省级农业高新技术产业示范区", {"lyg-agri-hitech", "sq-agri-hitech"}),
])
def test_plan_gazetteer_ambiguity(real_geocoder, text, at_least):
    result = real_geocoder.geocode(text)
    assert result.status == "ambiguous" and at_least <= {c.id for c in result.candidates}


def test_large_batches_show_progress(geocoder, capsys):
    frame = pd.DataFrame({"addr": ["江苏省宿迁市沭阳县"] * 999 + ["火星"]})
    out = geocode_table(frame, "addr", geocoder, progress=True)
    assert "geocoding" in capsys.readouterr().err
    assert out["gc_status"].value_counts().to_dict() == {"matched": 999, "unmatched": 1}
    geocode_table(frame.head(10), "addr", geocoder, progress=True)
    assert capsys.readouterr().err == ""


def test_results_serialize_to_json(geocoder):
    import json

    payload = json.loads(json.dumps(geocoder.geocode("Suzhou").as_dict(), ensure_ascii=False))
    assert payload["status"] == "ambiguous" and payload["best"] is None
    assert {c["adcode"] for c in payload["candidates"]} == {"320500", "341300", "620902"}
    assert all(c["geometry"]["type"] == "Point" for c in payload["candidates"])
    matched = geocoder.geocode("沭阳").as_dict()
    assert matched["best"]["county_adcode"] == "321322" and matched["best"]["score"] == 1.0


@pytest.fixture(scope="module")
def county_addresses():
    """One address per county of the country, in the forms people write, with truth."""
    from geo.boundaries import load_units

    units = load_units(DATA / "boundaries").set_index("adcode", drop=False)
    counties = units[units["level"] == "county"]
    texts, truth = [], []
    for i, county in enumerate(counties.itertuples(index=False)):
        province = units.loc[county.province_adcode]
        city = units.loc[county.city_adcode] if county.city_adcode else province
        street = ["人民路8号", "朝阳东路32号", "新华街1号", "解放东路7号", ""][i % 5]
        texts.append([f"{province['name']}{city['name']}{county.name}{street}",
                      f"{city['name']}{county.name}{street}",
                      f"{city['short_name']}{county.short_name}{street}",
                      f"{province['short_name']}省{city['short_name']}市{county.name}",
                      f"{county.name}{street}"][i % 5])
        truth.append(county.adcode)
    return texts, truth


def test_a_batch_answers_as_each_text_alone(real_geocoder, county_addresses):
    from geo.geocode import default_geocoder

    texts, _truth = county_addresses
    column = texts + texts[:50] + ["高新区", "连云港市高新区", "江苏海洋大学", "Suzhou", "鼓楼区",
                                   "", None, float("nan"), "和田市于田县", "火星"]
    alone = default_geocoder(DATA)  # a fresh geocoder: no answer kept from the batch
    batch = real_geocoder.geocode_many(column)
    assert len(batch) == len(column) > 2800
    assert batch == [alone.geocode(t) for t in column]
    assert batch[len(texts)] is batch[0]  # a repeated text is resolved once per batch


def test_a_batch_finds_the_county_of_addresses_of_every_county(real_geocoder, county_addresses):
    texts, truth = county_addresses
    found = [r.best.county_adcode if r.status == "matched" else None
             for r in real_geocoder.geocode_many(texts)]
    right = sum(f == t for f, t in zip(found, truth))
    wrong = sum(f is not None and f != t for f, t in zip(found, truth))
    assert right >= 0.99 * len(truth) and wrong <= 0.001 * len(truth)


@pytest.mark.parametrize("enabled", [True, False])
def test_a_batch_leaves_the_garbage_collector_as_it_found_it(geocoder, enabled):
    import gc

    was = gc.isenabled()
    try:
        gc.enable() if enabled else gc.disable()
        geocoder.geocode_many(["沭阳", "xyz"])
        assert gc.isenabled() is enabled
    finally:
        gc.enable() if was else gc.disable()


def test_the_automaton_finds_what_a_plain_trie_scan_finds(county_addresses):
    from geo.name_index import name_automaton, trie_pattern

    texts, _truth = county_addresses
    names = {w: ([str(i)], []) for i, w in enumerate(
        {t[:k] for t in texts[:400] for k in (2, 3, 4)} | {"人民路", "朝阳", "新华"})}
    automaton, entries = name_automaton(names, {"高新区": "high_tech_zone"})
    pattern = trie_pattern([*names, "高新区"])
    for text in texts + ["连云港高新区人民路朝阳新华"]:
        plain = [(m.start(), m.group()) for m in pattern.finditer(text)]
        scanned = [(end + 1 - entries[i][0], text[end + 1 - entries[i][0]:end + 1])
                   for end, i in automaton.iter_long(text)]
        assert scanned == plain

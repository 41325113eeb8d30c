"""Zones (a 高新区, a 农高区: entities holding targets) as the subject of an import of
actuals: the template lists them, the importer files their values under the zone, and the
targets table and region page measure the zone's targets with them, never the region's or
another zone's. A subject that is no single zone says why it cannot be measured."""

from __future__ import annotations

import csv
import io

import openpyxl
import pytest

from tests.conftest import ADMIN_TOKEN
from tests.test_store import emptied, postgres_url  # noqa: F401  (the throwaway PostgreSQL cluster)
from web import create_app

AUTH = {"Authorization": f"Bearer {ADMIN_TOKEN}", "Accept": "application/json"}
BODY = ("地区,年份,指标,数值,单位\n"
        "宿迁农高区,2024,digital_agri_level,80,%\n"           # an alias of the zone
        "宿迁高新技术产业开发区,2024,hitech_enterprises,150,家\n"  # its name
        "宿迁市,2024,digital_agri_level,50,%\n")               # the city's own value


@pytest.fixture(scope="module")
def client(tmp_path_factory):
    store = tmp_path_factory.mktemp("zones") / "store.gpkg"
    app = create_app({"testing": True, "store_url": str(store),
                      "admin_tokens": f"tester:{ADMIN_TOKEN}"})
    return app.test_client()


def upload(client, body: str, commit: bool):
    fields = {"file": (io.BytesIO(body.encode()), "zones.csv"), "kind": "metrics"}
    if commit:
        fields["commit"] = "1"
    return client.post("/admin/import", data=fields, headers=AUTH)


def table(client, query: str) -> list[dict]:
    text = client.get(f"/targets.csv?{query}").data.decode("utf-8-sig")
    return list(csv.DictReader(io.StringIO(text)))


def test_the_template_lists_the_zones_with_their_indicators(client):
    rows = list(csv.DictReader(io.StringIO(client.get(
        "/admin/import/template.csv?region=321300&year=2024", headers=AUTH
    ).data.decode("utf-8-sig"))))
    zone = [r for r in rows if r["地区"] == "宿迁高新技术产业开发区"]
    assert {r["指标"] for r in zone} >= {"高新技术企业数"} and {r["单位"] for r in zone} >= {"家"}
    assert not [r for r in rows if r["地区"] == "连云港省级农业高新技术产业示范区"]  # not within
    book = openpyxl.load_workbook(io.BytesIO(client.get(
        "/admin/import/template.xlsx?region=321300", headers=AUTH).data))
    listed = [tuple(r) for r in book["园区等主体"].iter_rows(values_only=True)]
    assert listed[0] == ("编号", "名称", "所在地区", "有目标的指标")
    hitech = [r for r in listed if r[0] == "sq-hitech"]
    assert hitech and hitech[0][1] == "宿迁高新技术产业开发区" and "321311" in hitech[0][2]


def test_an_alias_two_zones_share_is_refused_with_both(client):
    answer = upload(client, "地区,年份,指标,数值,单位\n农高区,2024,agri_export,2,亿美元\n", False)
    assert answer.status_code == 400
    (problem,) = answer.get_json()["problems"]
    assert "可指多个园区" in problem["message"]
    assert "江苏宿迁省级农业高新技术产业示范区" in problem["message"]
    assert "连云港省级农业高新技术产业示范区" in problem["message"]


def test_a_zone_value_measures_that_zone_only(client):
    preview = client.post("/admin/import", headers={"Authorization": AUTH["Authorization"]},
                          data={"file": (io.BytesIO(BODY.encode()), "zones.csv"),
                                "kind": "metrics"}).data.decode()
    assert "江苏宿迁省级农业高新技术产业示范区（宿迁市）" in preview
    report = preview.split("<h2>地区匹配</h2>")[1].split("</table>")[0]  # the match report
    assert "<td>宿迁农高区</td>" in report and "江苏宿迁省级农业高新技术产业示范区（园区或机构）" in report
    assert "digital_agri_level" not in preview.split("<table")[1]
    assert upload(client, BODY, True).status_code in (200, 201)
    rows = table(client, "region=321300&indicator=digital_agri_level")
    by_holder = {r["地区"]: r for r in rows}
    agri = by_holder["宿迁市 · 宿迁农高区"]  # 80 % against 75 %: reached
    assert (agri["实际值"], agri["状态"]) == ("80%（2024年）", "已达成")
    assert "zones.csv 第 2 行" in agri["实际值来源"]
    park = by_holder["宿迁市 · 数字农业产业园"]  # another zone, same indicator: not measured
    assert (park["实际值"], park["状态"]) == ("—", "无实际值")
    hitech = table(client, "region=321311&indicator=hitech_enterprises")
    assert [(r["实际值"], r["状态"]) for r in hitech] != [] and all(
        r["实际值"] == "150家（2024年）" for r in hitech)


def test_the_region_page_lists_zone_actuals_by_zone_name(client):
    html = client.get("/regions/321300").data.decode()
    table = html.split('id="im-actuals"')[1].split("</table>")[0]
    assert "<td>江苏宿迁省级农业高新技术产业示范区</td>" in table and "<td>宿迁市</td>" in table
    assert "digital_agri_level" not in table.replace('data-zone="sq-agri-hitech"', "")


def test_a_group_of_zones_says_why_it_cannot_be_measured(client):
    rows = table(client, "region=320000&indicator=zone_revenue")
    (row,) = [r for r in rows if "全省高新区" in r["地区"]]
    assert "不是单个园区或机构，无法导入其实际值" in row["实际值来源"]


def test_a_store_made_before_zones_gains_the_column_and_keeps_its_rows(tmp_path):
    import sqlite3

    from store import open_store

    path = tmp_path / "old.gpkg"

    def drop_column():  # as a store of the release before zones was
        with sqlite3.connect(path) as conn:
            conn.execute("ALTER TABLE metric_rows DROP COLUMN entity_id")

    _assert_zone_kept_apart_after_upgrade(open_store, str(path), drop_column)


def test_postgresql_keeps_zone_and_region_values_apart_and_adds_the_column(postgres_url):  # noqa: F811
    import psycopg

    from store import open_store

    emptied(postgres_url)

    def drop_column():  # a store made before zones
        with psycopg.connect(postgres_url, autocommit=True) as conn:
            conn.execute("ALTER TABLE metric_rows DROP COLUMN entity_id")

    _assert_zone_kept_apart_after_upgrade(open_store, postgres_url, drop_column)


def _assert_zone_kept_apart_after_upgrade(open_store, url: str, drop_column) -> None:
    """A region's value imported into a store without ``entity_id``, the column dropped as
    an older release had it, then a zone's value of the same region, indicator and year:
    the store gains the column on opening and keeps both rows."""
    import pandas as pd

    open_store(url).add_import("metrics", pd.DataFrame({
        "region_adcode": ["321300"], "indicator_id": ["rd_intensity"], "year": [2023],
        "value": [2.0], "unit": ["%"], "source": ["old.csv 第 2 行"]}),
        user="t", filename="old.csv", sha256="0")
    drop_column()
    store = open_store(url)
    store.add_import("metrics", pd.DataFrame({
        "region_adcode": ["321300"], "indicator_id": ["rd_intensity"], "year": [2023],
        "value": [2.5], "unit": ["%"], "source": ["zone.csv 第 2 行"],
        "entity_id": ["sq-agri-hitech"]}), user="t", filename="zone.csv", sha256="1")
    rows = store.rows("metrics").sort_values("value")
    # same region, indicator and year: the zone's value does not replace the region's
    assert rows[["entity_id", "value"]].values.tolist() == [["", 2.0], ["sq-agri-hitech", 2.5]]
